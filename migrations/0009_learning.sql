CREATE TABLE "learning_answers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"response_id" uuid NOT NULL,
	"question_key" text NOT NULL,
	"value_number" integer,
	"value_text" text,
	"value_choices" jsonb,
	"themes" jsonb
);
--> statement-breakpoint
CREATE TABLE "learning_bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"manager_user_id" uuid,
	"booked_by_user_id" uuid,
	"status" text NOT NULL,
	"waiting_since" timestamp with time zone,
	"decision_reason" text,
	"decided_at" timestamp with time zone,
	"approval_chased_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"attendance" text,
	"attendance_marked_at" timestamp with time zone,
	"attendance_marked_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_course_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"course_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"by_user_id" uuid,
	"by_name" text NOT NULL,
	"summary" text NOT NULL,
	"prompted_by" text,
	"fields" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_courses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"outcomes" text NOT NULL,
	"topics" jsonb NOT NULL,
	"audience_agencies" jsonb NOT NULL,
	"audience_roles" text,
	"format" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"funded" boolean DEFAULT true NOT NULL,
	"cost_pence" integer,
	"approval_required" boolean DEFAULT false NOT NULL,
	"elearning_url" text,
	"baseline_survey_family_id" uuid,
	"immediate_survey_family_id" uuid,
	"follow_up_survey_family_id" uuid,
	"follow_up_weeks" integer DEFAULT 8 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"text" text NOT NULL,
	"href" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"line_manager_user_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"survey_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"course_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"request_id" uuid,
	"organisation_id" uuid,
	"role" text,
	"submitted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_session_trainers" (
	"session_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "learning_session_trainers_session_id_user_id_pk" PRIMARY KEY("session_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "learning_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"course_id" uuid NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"venue" text,
	"joining_link" text,
	"capacity" integer NOT NULL,
	"booking_cutoff_at" timestamp with time zone,
	"cancellation_cutoff_at" timestamp with time zone,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"cancelled_reason" text,
	"sequence" integer DEFAULT 0 NOT NULL,
	"reminders_sent" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning_survey_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"booking_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"family_id" uuid NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"reminders_sent" integer DEFAULT 0 NOT NULL,
	"last_reminded_at" timestamp with time zone,
	"responded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "learning_surveys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"family_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"kind" text NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"questions" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "learning_answers" ADD CONSTRAINT "learning_answers_response_id_learning_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."learning_responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_bookings" ADD CONSTRAINT "learning_bookings_session_id_learning_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."learning_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_bookings" ADD CONSTRAINT "learning_bookings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_bookings" ADD CONSTRAINT "learning_bookings_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_bookings" ADD CONSTRAINT "learning_bookings_manager_user_id_users_id_fk" FOREIGN KEY ("manager_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_course_changes" ADD CONSTRAINT "learning_course_changes_course_id_learning_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."learning_courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_courses" ADD CONSTRAINT "learning_courses_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_notices" ADD CONSTRAINT "learning_notices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_profiles" ADD CONSTRAINT "learning_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_profiles" ADD CONSTRAINT "learning_profiles_line_manager_user_id_users_id_fk" FOREIGN KEY ("line_manager_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_responses" ADD CONSTRAINT "learning_responses_survey_id_learning_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."learning_surveys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_responses" ADD CONSTRAINT "learning_responses_course_id_learning_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."learning_courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_responses" ADD CONSTRAINT "learning_responses_session_id_learning_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."learning_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_responses" ADD CONSTRAINT "learning_responses_request_id_learning_survey_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."learning_survey_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_responses" ADD CONSTRAINT "learning_responses_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_session_trainers" ADD CONSTRAINT "learning_session_trainers_session_id_learning_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."learning_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_session_trainers" ADD CONSTRAINT "learning_session_trainers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_sessions" ADD CONSTRAINT "learning_sessions_course_id_learning_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."learning_courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_survey_requests" ADD CONSTRAINT "learning_survey_requests_booking_id_learning_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."learning_bookings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_surveys" ADD CONSTRAINT "learning_surveys_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "learning_answers_response_idx" ON "learning_answers" USING btree ("response_id");--> statement-breakpoint
CREATE INDEX "learning_answers_question_idx" ON "learning_answers" USING btree ("question_key");--> statement-breakpoint
CREATE UNIQUE INDEX "learning_bookings_live_unique" ON "learning_bookings" USING btree ("session_id","user_id") WHERE "learning_bookings"."status" IN ('awaiting_approval', 'booked', 'waiting');--> statement-breakpoint
CREATE INDEX "learning_bookings_session_idx" ON "learning_bookings" USING btree ("session_id","status");--> statement-breakpoint
CREATE INDEX "learning_bookings_user_idx" ON "learning_bookings" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "learning_bookings_manager_idx" ON "learning_bookings" USING btree ("manager_user_id","status");--> statement-breakpoint
CREATE INDEX "learning_course_changes_course_idx" ON "learning_course_changes" USING btree ("course_id","at");--> statement-breakpoint
CREATE INDEX "learning_courses_geography_idx" ON "learning_courses" USING btree ("geography_id");--> statement-breakpoint
CREATE INDEX "learning_notices_user_idx" ON "learning_notices" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "learning_responses_course_idx" ON "learning_responses" USING btree ("course_id","kind");--> statement-breakpoint
CREATE INDEX "learning_responses_session_idx" ON "learning_responses" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "learning_session_trainers_user_idx" ON "learning_session_trainers" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "learning_sessions_course_idx" ON "learning_sessions" USING btree ("course_id","starts_at");--> statement-breakpoint
CREATE INDEX "learning_sessions_starts_idx" ON "learning_sessions" USING btree ("starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "learning_survey_requests_unique" ON "learning_survey_requests" USING btree ("booking_id","kind");--> statement-breakpoint
CREATE INDEX "learning_survey_requests_open_idx" ON "learning_survey_requests" USING btree ("responded_at","closes_at");--> statement-breakpoint
CREATE UNIQUE INDEX "learning_surveys_family_version_unique" ON "learning_surveys" USING btree ("family_id","version");