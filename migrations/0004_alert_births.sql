CREATE TABLE "alert_births" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"baby_given_name" text,
	"baby_family_name" text,
	"date_of_birth" date NOT NULL,
	"nhs_number" text,
	"sex" text NOT NULL,
	"place_of_birth_unit_id" uuid,
	"recorded_by_user_id" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_births" ADD CONSTRAINT "alert_births_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_births" ADD CONSTRAINT "alert_births_place_of_birth_unit_id_units_id_fk" FOREIGN KEY ("place_of_birth_unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_births_alert_unique" ON "alert_births" USING btree ("alert_id");