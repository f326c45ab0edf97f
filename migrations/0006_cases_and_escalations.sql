CREATE TABLE "bank_holidays" (
	"date" date PRIMARY KEY NOT NULL,
	"title" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "birth_plan_distributions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"recipient" text NOT NULL,
	"recipient_name" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"method" text,
	"sent_by_user_id" uuid,
	"sent_by_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "birth_plan_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"content" jsonb NOT NULL,
	"agreed_at" timestamp with time zone NOT NULL,
	"agreed_at_meeting" text,
	"change_reason" text,
	"created_by_user_id" uuid,
	"created_by_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_alerts" (
	"case_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"linked_by_user_id" uuid,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_checklist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"item" text NOT NULL,
	"answer" text NOT NULL,
	"note" text,
	"done_at" timestamp with time zone NOT NULL,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"summary" text NOT NULL,
	"detail" jsonb,
	"source" text NOT NULL,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text,
	"recorded_by_organisation_name" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_facts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"field" text NOT NULL,
	"value" jsonb NOT NULL,
	"comparable" text NOT NULL,
	"source" text NOT NULL,
	"source_detail" text,
	"source_date" date NOT NULL,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text,
	"recorded_by_organisation_id" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"superseded_at" timestamp with time zone,
	"superseded_by_user_id" uuid,
	"superseded_reason" text
);
--> statement-breakpoint
CREATE TABLE "case_milestones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"key" text NOT NULL,
	"completed_at" timestamp with time zone,
	"not_applicable_reason" text,
	"note" text,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_organisations" (
	"case_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"added_by_user_id" uuid,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_professionals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"role" text NOT NULL,
	"name" text NOT NULL,
	"organisation_id" uuid,
	"organisation_name" text,
	"phone" text,
	"email" text,
	"added_by_user_id" uuid,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "case_prompts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"rule_key" text NOT NULL,
	"rule_label" text NOT NULL,
	"prompt" text NOT NULL,
	"event_ids" jsonb NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"response_kind" text,
	"response" text,
	"responded_by_user_id" uuid,
	"responded_by_name" text,
	"responded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"classification" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"display_name" text NOT NULL,
	"edd" date,
	"edd_source" text,
	"born_at" timestamp with time zone,
	"lead_organisation_id" uuid NOT NULL,
	"geography_id" uuid NOT NULL,
	"protocol_version_id" uuid NOT NULL,
	"opened_by_user_id" uuid,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discharge_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"destination" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text NOT NULL,
	"organisation_id" uuid,
	"gate_outcome" text NOT NULL,
	"blockers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"override_reason" text,
	"senior_clinician_name" text,
	"senior_clinician_role" text,
	"social_worker_informed_name" text,
	"social_worker_informed_at" timestamp with time zone,
	"flagged_at" timestamp with time zone,
	"reviewed_at" timestamp with time zone,
	"reviewed_by_user_id" uuid,
	"review_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discharge_planning" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"required" boolean NOT NULL,
	"decided_by_name" text NOT NULL,
	"decided_by_role" text NOT NULL,
	"reason" text NOT NULL,
	"recorded_by_user_id" uuid,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discharge_planning_meetings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"location" text,
	"held_at" timestamp with time zone,
	"attendees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decisions" text,
	"cancelled_at" timestamp with time zone,
	"cancelled_reason" text,
	"recorded_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "protocol_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"geography_id" uuid,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"change_reason" text,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "toxicology_tests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"sample" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"requested_by_name" text NOT NULL,
	"consent" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"resulted_at" timestamp with time zone,
	"result" text,
	"substances" jsonb,
	"result_note" text,
	"told_people" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cancelled_reason" text,
	"recorded_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "escalation_stages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"escalation_id" uuid NOT NULL,
	"stage" integer NOT NULL,
	"kind" text NOT NULL,
	"owner_name" text,
	"owner_organisation_id" uuid,
	"entered_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone,
	"reason" text,
	"agreed_actions" text,
	"outcome" text,
	"ended_at" timestamp with time zone,
	"reminded_at" timestamp with time zone,
	"recorded_by_user_id" uuid,
	"recorded_by_name" text,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"case_id" uuid,
	"subject" text NOT NULL,
	"concern" text NOT NULL,
	"desired_outcome" text,
	"raised_by_user_id" uuid,
	"raised_by_name" text NOT NULL,
	"raised_by_organisation_id" uuid NOT NULL,
	"raised_with_organisation_id" uuid NOT NULL,
	"raised_with_name" text,
	"stage_table_version_id" uuid NOT NULL,
	"stage" integer NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "birth_plan_distributions" ADD CONSTRAINT "birth_plan_distributions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "birth_plan_versions" ADD CONSTRAINT "birth_plan_versions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_alerts" ADD CONSTRAINT "case_alerts_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_alerts" ADD CONSTRAINT "case_alerts_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_checklist_entries" ADD CONSTRAINT "case_checklist_entries_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_facts" ADD CONSTRAINT "case_facts_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_milestones" ADD CONSTRAINT "case_milestones_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_organisations" ADD CONSTRAINT "case_organisations_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_organisations" ADD CONSTRAINT "case_organisations_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_professionals" ADD CONSTRAINT "case_professionals_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_professionals" ADD CONSTRAINT "case_professionals_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_prompts" ADD CONSTRAINT "case_prompts_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_lead_organisation_id_organisations_id_fk" FOREIGN KEY ("lead_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_opened_by_user_id_users_id_fk" FOREIGN KEY ("opened_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discharge_decisions" ADD CONSTRAINT "discharge_decisions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discharge_decisions" ADD CONSTRAINT "discharge_decisions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discharge_planning" ADD CONSTRAINT "discharge_planning_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discharge_planning_meetings" ADD CONSTRAINT "discharge_planning_meetings_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "protocol_versions" ADD CONSTRAINT "protocol_versions_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "toxicology_tests" ADD CONSTRAINT "toxicology_tests_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_stages" ADD CONSTRAINT "escalation_stages_escalation_id_escalations_id_fk" FOREIGN KEY ("escalation_id") REFERENCES "public"."escalations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_stages" ADD CONSTRAINT "escalation_stages_owner_organisation_id_organisations_id_fk" FOREIGN KEY ("owner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_raised_by_organisation_id_organisations_id_fk" FOREIGN KEY ("raised_by_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_raised_with_organisation_id_organisations_id_fk" FOREIGN KEY ("raised_with_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "birth_plan_distributions_case_idx" ON "birth_plan_distributions" USING btree ("case_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "birth_plan_versions_unique" ON "birth_plan_versions" USING btree ("case_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "case_alerts_unique" ON "case_alerts" USING btree ("case_id","alert_id");--> statement-breakpoint
CREATE INDEX "case_alerts_alert_idx" ON "case_alerts" USING btree ("alert_id");--> statement-breakpoint
CREATE INDEX "case_checklist_case_idx" ON "case_checklist_entries" USING btree ("case_id","item","recorded_at");--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","occurred_at");--> statement-breakpoint
CREATE INDEX "case_facts_case_idx" ON "case_facts" USING btree ("case_id","subject","field");--> statement-breakpoint
CREATE UNIQUE INDEX "case_milestones_unique" ON "case_milestones" USING btree ("case_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "case_organisations_unique" ON "case_organisations" USING btree ("case_id","organisation_id");--> statement-breakpoint
CREATE INDEX "case_organisations_org_idx" ON "case_organisations" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "case_professionals_case_idx" ON "case_professionals" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_prompts_case_idx" ON "case_prompts" USING btree ("case_id","responded_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_reference_unique" ON "cases" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "cases_lead_org_idx" ON "cases" USING btree ("lead_organisation_id","status");--> statement-breakpoint
CREATE INDEX "cases_geography_idx" ON "cases" USING btree ("geography_id","status");--> statement-breakpoint
CREATE INDEX "discharge_decisions_case_idx" ON "discharge_decisions" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "discharge_decisions_override_idx" ON "discharge_decisions" USING btree ("gate_outcome","decided_at");--> statement-breakpoint
CREATE INDEX "dpm_case_idx" ON "discharge_planning_meetings" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "protocol_versions_unique" ON "protocol_versions" USING btree ("kind",coalesce("geography_id"::text, ''),"version");--> statement-breakpoint
CREATE INDEX "toxicology_case_idx" ON "toxicology_tests" USING btree ("case_id","status");--> statement-breakpoint
CREATE INDEX "escalation_stages_escalation_idx" ON "escalation_stages" USING btree ("escalation_id","stage");--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_reference_unique" ON "escalations" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "escalations_case_idx" ON "escalations" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "escalations_status_idx" ON "escalations" USING btree ("status","stage");--> statement-breakpoint
CREATE INDEX "escalations_by_org_idx" ON "escalations" USING btree ("raised_by_organisation_id");--> statement-breakpoint
CREATE INDEX "escalations_with_org_idx" ON "escalations" USING btree ("raised_with_organisation_id");
--> statement-breakpoint
-- Bank holidays in England and Wales (GOV.UK), as data: working-day deadlines respect them. Later years
-- are added with `beacon bank-holidays import` (GOV.UK's bank-holidays.json) or a later migration.
INSERT INTO "bank_holidays" ("date", "title") VALUES
  ('2024-01-01', 'New Year’s Day'),
  ('2024-03-29', 'Good Friday'),
  ('2024-04-01', 'Easter Monday'),
  ('2024-05-06', 'Early May bank holiday'),
  ('2024-05-27', 'Spring bank holiday'),
  ('2024-08-26', 'Summer bank holiday'),
  ('2024-12-25', 'Christmas Day'),
  ('2024-12-26', 'Boxing Day'),
  ('2025-01-01', 'New Year’s Day'),
  ('2025-04-18', 'Good Friday'),
  ('2025-04-21', 'Easter Monday'),
  ('2025-05-05', 'Early May bank holiday'),
  ('2025-05-26', 'Spring bank holiday'),
  ('2025-08-25', 'Summer bank holiday'),
  ('2025-12-25', 'Christmas Day'),
  ('2025-12-26', 'Boxing Day'),
  ('2026-01-01', 'New Year’s Day'),
  ('2026-04-03', 'Good Friday'),
  ('2026-04-06', 'Easter Monday'),
  ('2026-05-04', 'Early May bank holiday'),
  ('2026-05-25', 'Spring bank holiday'),
  ('2026-08-31', 'Summer bank holiday'),
  ('2026-12-25', 'Christmas Day'),
  ('2026-12-28', 'Boxing Day (substitute day)'),
  ('2027-01-01', 'New Year’s Day'),
  ('2027-03-26', 'Good Friday'),
  ('2027-03-29', 'Easter Monday'),
  ('2027-05-03', 'Early May bank holiday'),
  ('2027-05-31', 'Spring bank holiday'),
  ('2027-08-30', 'Summer bank holiday'),
  ('2027-12-27', 'Christmas Day (substitute day)'),
  ('2027-12-28', 'Boxing Day (substitute day)'),
  ('2028-01-03', 'New Year’s Day (substitute day)'),
  ('2028-04-14', 'Good Friday'),
  ('2028-04-17', 'Easter Monday'),
  ('2028-05-01', 'Early May bank holiday'),
  ('2028-05-29', 'Spring bank holiday'),
  ('2028-08-28', 'Summer bank holiday'),
  ('2028-12-25', 'Christmas Day'),
  ('2028-12-26', 'Boxing Day')
ON CONFLICT ("date") DO NOTHING;
