CREATE TABLE "tracker_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recommendation_id" uuid NOT NULL,
	"title" text NOT NULL,
	"detail" text,
	"owner_name" text NOT NULL,
	"organisation_id" uuid,
	"due_on" date NOT NULL,
	"current_due_on" date NOT NULL,
	"status" text DEFAULT 'not_started' NOT NULL,
	"completed_at" timestamp with time zone,
	"status_note" text,
	"source_run_id" uuid,
	"source_criterion" text,
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracker_board_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"presented_on" date NOT NULL,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracker_due_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"action_id" uuid NOT NULL,
	"from_date" date NOT NULL,
	"to_date" date NOT NULL,
	"reason" text NOT NULL,
	"changed_by_name" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracker_evidence" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"action_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"target_id" uuid,
	"label" text NOT NULL,
	"summary" text NOT NULL,
	"note" text,
	"file_name" text,
	"content_type" text,
	"file" "bytea",
	"added_by_user_id" uuid,
	"added_by_name" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracker_recommendations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"review_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"text" text NOT NULL,
	"qa_at" timestamp with time zone,
	"qa_by_name" text,
	"qa_note" text,
	"signed_off_at" timestamp with time zone,
	"signed_off_by_name" text,
	"sign_off_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracker_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recommendation_id" uuid NOT NULL,
	"organisation_id" uuid,
	"response" text,
	"responded_at" timestamp with time zone,
	"responded_by_name" text
);
--> statement-breakpoint
CREATE TABLE "tracker_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"review_type" text NOT NULL,
	"considered_on" date,
	"decision" text,
	"led_by" text,
	"methodology" text,
	"published_on" date,
	"subgroup" text NOT NULL,
	"response_document_id" uuid,
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tracker_actions" ADD CONSTRAINT "tracker_actions_recommendation_id_tracker_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."tracker_recommendations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_actions" ADD CONSTRAINT "tracker_actions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_actions" ADD CONSTRAINT "tracker_actions_source_run_id_assurance_audit_runs_id_fk" FOREIGN KEY ("source_run_id") REFERENCES "public"."assurance_audit_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_actions" ADD CONSTRAINT "tracker_actions_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_board_reports" ADD CONSTRAINT "tracker_board_reports_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_due_changes" ADD CONSTRAINT "tracker_due_changes_action_id_tracker_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."tracker_actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_evidence" ADD CONSTRAINT "tracker_evidence_action_id_tracker_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."tracker_actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_evidence" ADD CONSTRAINT "tracker_evidence_added_by_user_id_users_id_fk" FOREIGN KEY ("added_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_recommendations" ADD CONSTRAINT "tracker_recommendations_review_id_tracker_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."tracker_reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_responses" ADD CONSTRAINT "tracker_responses_recommendation_id_tracker_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."tracker_recommendations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_responses" ADD CONSTRAINT "tracker_responses_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_reviews" ADD CONSTRAINT "tracker_reviews_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_reviews" ADD CONSTRAINT "tracker_reviews_response_document_id_library_documents_id_fk" FOREIGN KEY ("response_document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_reviews" ADD CONSTRAINT "tracker_reviews_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tracker_actions_recommendation_idx" ON "tracker_actions" USING btree ("recommendation_id");--> statement-breakpoint
CREATE INDEX "tracker_actions_due_idx" ON "tracker_actions" USING btree ("current_due_on") WHERE status in ('not_started', 'in_progress');--> statement-breakpoint
CREATE INDEX "tracker_board_reports_geography_idx" ON "tracker_board_reports" USING btree ("geography_id","presented_on");--> statement-breakpoint
CREATE INDEX "tracker_due_changes_action_idx" ON "tracker_due_changes" USING btree ("action_id","changed_at");--> statement-breakpoint
CREATE INDEX "tracker_evidence_action_idx" ON "tracker_evidence" USING btree ("action_id","added_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tracker_recommendations_number" ON "tracker_recommendations" USING btree ("review_id","number");--> statement-breakpoint
CREATE INDEX "tracker_responses_recommendation_idx" ON "tracker_responses" USING btree ("recommendation_id");--> statement-breakpoint
CREATE INDEX "tracker_reviews_geography_idx" ON "tracker_reviews" USING btree ("geography_id");