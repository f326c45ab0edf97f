CREATE TABLE "assurance_audit_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"geography_id" uuid NOT NULL,
	"title" text NOT NULL,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"baseline_from" date,
	"baseline_to" date,
	"criteria_version" integer NOT NULL,
	"criteria" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"snapshot" jsonb,
	"snapshot_hash" text,
	"frozen_at" timestamp with time zone,
	"frozen_by_name" text,
	"sign_off_note" text,
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assurance_criteria_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"geography_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"change_reason" text NOT NULL,
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assurance_audit_runs" ADD CONSTRAINT "assurance_audit_runs_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assurance_audit_runs" ADD CONSTRAINT "assurance_audit_runs_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assurance_criteria_versions" ADD CONSTRAINT "assurance_criteria_versions_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assurance_criteria_versions" ADD CONSTRAINT "assurance_criteria_versions_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assurance_audit_runs_geography_idx" ON "assurance_audit_runs" USING btree ("geography_id","created_at");--> statement-breakpoint
CREATE INDEX "assurance_audit_runs_frozen_idx" ON "assurance_audit_runs" USING btree ("status") WHERE status = 'frozen';--> statement-breakpoint
CREATE UNIQUE INDEX "assurance_criteria_versions_unique" ON "assurance_criteria_versions" USING btree ("kind","geography_id","version");