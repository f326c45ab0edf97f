CREATE TABLE "point_of_care_reveals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"search_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"alert_version" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"unit_id" uuid,
	"reason" text NOT NULL,
	"reason_other" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text,
	"outcome_at" timestamp with time zone,
	"outcome_note" text
);
--> statement-breakpoint
CREATE TABLE "point_of_care_searches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"unit_id" uuid,
	"fields" jsonb NOT NULL,
	"query_hash" text NOT NULL,
	"query_enc" "bytea",
	"candidates" jsonb NOT NULL,
	"register_size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"purged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "presentations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"alert_version" integer NOT NULL,
	"reveal_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"user_name" text NOT NULL,
	"user_role" text NOT NULL,
	"organisation_id" uuid NOT NULL,
	"organisation_name" text NOT NULL,
	"unit_id" uuid,
	"place_name" text NOT NULL,
	"location" text,
	"presented_at" timestamp with time zone DEFAULT now() NOT NULL,
	"details" jsonb NOT NULL,
	"inconsistencies" jsonb NOT NULL,
	"inconsistent" boolean NOT NULL,
	"note" text,
	"seen_at" timestamp with time zone,
	"seen_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "point_of_care_reveals" ADD CONSTRAINT "point_of_care_reveals_search_id_point_of_care_searches_id_fk" FOREIGN KEY ("search_id") REFERENCES "public"."point_of_care_searches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_reveals" ADD CONSTRAINT "point_of_care_reveals_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_reveals" ADD CONSTRAINT "point_of_care_reveals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_reveals" ADD CONSTRAINT "point_of_care_reveals_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_reveals" ADD CONSTRAINT "point_of_care_reveals_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_searches" ADD CONSTRAINT "point_of_care_searches_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_searches" ADD CONSTRAINT "point_of_care_searches_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "point_of_care_searches" ADD CONSTRAINT "point_of_care_searches_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_reveal_id_point_of_care_reveals_id_fk" FOREIGN KEY ("reveal_id") REFERENCES "public"."point_of_care_reveals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presentations" ADD CONSTRAINT "presentations_seen_by_user_id_users_id_fk" FOREIGN KEY ("seen_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "poc_reveals_search_alert_unique" ON "point_of_care_reveals" USING btree ("search_id","alert_id");--> statement-breakpoint
CREATE INDEX "poc_reveals_user_idx" ON "point_of_care_reveals" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "poc_searches_user_idx" ON "point_of_care_searches" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "poc_searches_created_idx" ON "point_of_care_searches" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "presentations_reveal_unique" ON "presentations" USING btree ("reveal_id");--> statement-breakpoint
CREATE INDEX "presentations_alert_idx" ON "presentations" USING btree ("alert_id","presented_at");--> statement-breakpoint
-- Tell every Beacon process sharing this database that an alert's register entry may have changed (it
-- became active, got a new version, ended), or that a presentation added identities to it. The payload
-- is the alert id; listeners reload that alert. Sent at commit, so a listener never sees uncommitted data.
CREATE OR REPLACE FUNCTION beacon_notify_alert_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('beacon_alerts', NEW.id::text);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER alerts_notify_change AFTER UPDATE OF status, version ON "alerts" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.version IS DISTINCT FROM NEW.version)
  EXECUTE FUNCTION beacon_notify_alert_change();--> statement-breakpoint
CREATE OR REPLACE FUNCTION beacon_notify_presentation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('beacon_alerts', NEW.alert_id::text);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER presentations_notify AFTER INSERT ON "presentations" FOR EACH ROW
  EXECUTE FUNCTION beacon_notify_presentation();
