CREATE TABLE "learning_headcounts" (
	"organisation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"headcount" integer NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"imported_by_name" text NOT NULL,
	CONSTRAINT "learning_headcounts_organisation_id_role_pk" PRIMARY KEY("organisation_id","role")
);
--> statement-breakpoint
CREATE TABLE "learning_review_items" (
	"round_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"coverage" text,
	"evidence" text,
	"action" text,
	"reviewed_at" timestamp with time zone,
	"reviewed_by_name" text,
	CONSTRAINT "learning_review_items_round_id_course_id_pk" PRIMARY KEY("round_id","course_id")
);
--> statement-breakpoint
CREATE TABLE "learning_review_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"topic" text NOT NULL,
	"brief" text NOT NULL,
	"owner_user_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"signed_off_at" timestamp with time zone,
	"signed_off_by_name" text,
	"sign_off_note" text,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "learning_courses" ADD COLUMN "reminder_days" jsonb DEFAULT '[14,2]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "learning_headcounts" ADD CONSTRAINT "learning_headcounts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_review_items" ADD CONSTRAINT "learning_review_items_round_id_learning_review_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."learning_review_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_review_items" ADD CONSTRAINT "learning_review_items_course_id_learning_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."learning_courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_review_rounds" ADD CONSTRAINT "learning_review_rounds_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_review_rounds" ADD CONSTRAINT "learning_review_rounds_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "learning_review_rounds_geography_idx" ON "learning_review_rounds" USING btree ("geography_id","created_at");