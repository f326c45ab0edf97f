ALTER TABLE "cases" ADD COLUMN "next_due_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "cases_next_due_idx" ON "cases" USING btree ("status","next_due_at");