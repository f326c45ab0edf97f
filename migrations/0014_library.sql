CREATE TABLE "library_circulations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"audience" jsonb NOT NULL,
	"audience_label" text NOT NULL,
	"people" integer NOT NULL,
	"by_user_id" uuid,
	"by_name" text NOT NULL,
	"reminder_days" jsonb DEFAULT '[7,14]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "library_discussions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"team" text NOT NULL,
	"held_on" date NOT NULL,
	"present" integer NOT NULL,
	"notes" text,
	"by_user_id" uuid,
	"by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "library_document_partnerships" (
	"document_id" uuid NOT NULL,
	"geography_id" uuid NOT NULL,
	CONSTRAINT "library_document_partnerships_document_id_geography_id_pk" PRIMARY KEY("document_id","geography_id")
);
--> statement-breakpoint
CREATE TABLE "library_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"geography_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"owner_user_id" uuid,
	"review_months" integer DEFAULT 12 NOT NULL,
	"topics" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"withdrawn_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "library_reads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"major" integer NOT NULL,
	"circulation_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"unit_id" uuid,
	"asked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"answers" jsonb,
	"correct" integer,
	"reminders_sent" integer DEFAULT 0 NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "library_review_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"user_id" uuid,
	"name" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "library_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"major" integer NOT NULL,
	"minor" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"body" text NOT NULL,
	"change_summary" text NOT NULL,
	"questions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reviewer_user_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attachment_name" text,
	"attachment" "bytea",
	"created_by_user_id" uuid,
	"created_by_name" text NOT NULL,
	"sent_for_review_at" timestamp with time zone,
	"approved_by_user_id" uuid,
	"approved_by_name" text,
	"approval_group" text,
	"approval_meeting" text,
	"approved_on" date,
	"published_at" timestamp with time zone,
	"published_by_name" text,
	"review_due_on" date,
	"review_reminders_sent" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ended_at" timestamp with time zone,
	"withdrawn_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "protocol_versions" ADD COLUMN "library_version_id" uuid;--> statement-breakpoint
ALTER TABLE "library_circulations" ADD CONSTRAINT "library_circulations_document_id_library_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_circulations" ADD CONSTRAINT "library_circulations_version_id_library_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."library_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_circulations" ADD CONSTRAINT "library_circulations_by_user_id_users_id_fk" FOREIGN KEY ("by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_discussions" ADD CONSTRAINT "library_discussions_document_id_library_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_discussions" ADD CONSTRAINT "library_discussions_version_id_library_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."library_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_discussions" ADD CONSTRAINT "library_discussions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_discussions" ADD CONSTRAINT "library_discussions_by_user_id_users_id_fk" FOREIGN KEY ("by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_document_partnerships" ADD CONSTRAINT "library_document_partnerships_document_id_library_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_document_partnerships" ADD CONSTRAINT "library_document_partnerships_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_documents" ADD CONSTRAINT "library_documents_geography_id_geographies_id_fk" FOREIGN KEY ("geography_id") REFERENCES "public"."geographies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_documents" ADD CONSTRAINT "library_documents_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_document_id_library_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_version_id_library_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."library_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_circulation_id_library_circulations_id_fk" FOREIGN KEY ("circulation_id") REFERENCES "public"."library_circulations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_reads" ADD CONSTRAINT "library_reads_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_review_comments" ADD CONSTRAINT "library_review_comments_version_id_library_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."library_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_review_comments" ADD CONSTRAINT "library_review_comments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_versions" ADD CONSTRAINT "library_versions_document_id_library_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."library_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_versions" ADD CONSTRAINT "library_versions_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_versions" ADD CONSTRAINT "library_versions_approved_by_user_id_users_id_fk" FOREIGN KEY ("approved_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "library_circulations_document_idx" ON "library_circulations" USING btree ("document_id","created_at");--> statement-breakpoint
CREATE INDEX "library_discussions_document_idx" ON "library_discussions" USING btree ("document_id","held_on");--> statement-breakpoint
CREATE INDEX "library_document_partnerships_geo_idx" ON "library_document_partnerships" USING btree ("geography_id");--> statement-breakpoint
CREATE INDEX "library_documents_geography_idx" ON "library_documents" USING btree ("geography_id");--> statement-breakpoint
CREATE UNIQUE INDEX "library_reads_person_unique" ON "library_reads" USING btree ("document_id","major","user_id");--> statement-breakpoint
CREATE INDEX "library_reads_user_idx" ON "library_reads" USING btree ("user_id","acknowledged_at");--> statement-breakpoint
CREATE INDEX "library_reads_version_idx" ON "library_reads" USING btree ("version_id");--> statement-breakpoint
CREATE INDEX "library_reads_open_idx" ON "library_reads" USING btree ("asked_at") WHERE acknowledged_at is null and closed_at is null;--> statement-breakpoint
CREATE INDEX "library_review_comments_version_idx" ON "library_review_comments" USING btree ("version_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "library_versions_number_unique" ON "library_versions" USING btree ("document_id","major","minor");--> statement-breakpoint
CREATE INDEX "library_versions_status_idx" ON "library_versions" USING btree ("status","review_due_on");--> statement-breakpoint
ALTER TABLE "protocol_versions" ADD CONSTRAINT "protocol_versions_library_version_id_library_versions_id_fk" FOREIGN KEY ("library_version_id") REFERENCES "public"."library_versions"("id") ON DELETE no action ON UPDATE no action;