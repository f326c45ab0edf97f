ALTER TABLE "case_organisations" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "case_organisations" ADD COLUMN "added_by_name" text;--> statement-breakpoint
ALTER TABLE "case_organisations" ADD COLUMN "added_by_organisation_name" text;--> statement-breakpoint
ALTER TABLE "screening_runs" ADD COLUMN "decided_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "screening_runs" ADD COLUMN "decided_at" timestamp with time zone;