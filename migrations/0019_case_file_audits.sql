CREATE TABLE "case_file_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"theme" text NOT NULL,
	"learning" text NOT NULL,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_file_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"theme" text NOT NULL,
	"template_id" uuid NOT NULL,
	"criteria" jsonb NOT NULL,
	"sample_size" integer NOT NULL,
	"seed" integer NOT NULL,
	"candidates" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"discussion" text,
	"discussion_on" date,
	"discussion_by_name" text,
	"closed_at" timestamp with time zone,
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_file_sections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"case_reference" text NOT NULL,
	"position" integer NOT NULL,
	"organisation_id" uuid NOT NULL,
	"answers" jsonb,
	"completed_at" timestamp with time zone,
	"completed_by_user_id" uuid,
	"completed_by_name" text,
	"moderator_grades" jsonb,
	"agreed" jsonb,
	"moderated_at" timestamp with time zone,
	"moderated_by_user_id" uuid,
	"moderated_by_name" text
);
--> statement-breakpoint
CREATE TABLE "case_file_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"questions" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"published_at" timestamp with time zone,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_file_findings" ADD CONSTRAINT "case_file_findings_round_id_case_file_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."case_file_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_rounds" ADD CONSTRAINT "case_file_rounds_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_rounds" ADD CONSTRAINT "case_file_rounds_template_id_case_file_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."case_file_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_rounds" ADD CONSTRAINT "case_file_rounds_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_sections" ADD CONSTRAINT "case_file_sections_round_id_case_file_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."case_file_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_sections" ADD CONSTRAINT "case_file_sections_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_sections" ADD CONSTRAINT "case_file_sections_completed_by_user_id_users_id_fk" FOREIGN KEY ("completed_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_sections" ADD CONSTRAINT "case_file_sections_moderated_by_user_id_users_id_fk" FOREIGN KEY ("moderated_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_file_templates" ADD CONSTRAINT "case_file_templates_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_file_findings_round_idx" ON "case_file_findings" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "case_file_rounds_geography_idx" ON "case_file_rounds" USING btree ("geography_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "case_file_sections_unique" ON "case_file_sections" USING btree ("round_id","case_id","organisation_id");--> statement-breakpoint
CREATE INDEX "case_file_sections_org_idx" ON "case_file_sections" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "case_file_templates_version" ON "case_file_templates" USING btree ("family_id","version");--> statement-breakpoint
CREATE INDEX "case_file_templates_geography_idx" ON "case_file_templates" USING btree ("geography_id");