CREATE TABLE "audit_head" (
	"id" smallint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_head_one_row" CHECK ("audit_head"."id" = 1)
);
--> statement-breakpoint
-- The head starts at the newest event already written (or the genesis link for an empty log). Appends
-- before this migration were serialised by an advisory lock: take it, so none is half-way through.
SELECT pg_advisory_xact_lock(4207310002);
--> statement-breakpoint
INSERT INTO "audit_head" ("id", "seq", "prev_hash", "hash")
SELECT 1,
       COALESCE((SELECT "seq" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1), 0),
       COALESCE((SELECT "prev_hash" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1), repeat('0', 64)),
       COALESCE((SELECT "hash" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1), repeat('0', 64));
--> statement-breakpoint
-- The head row only ever moves on: it cannot be deleted or truncated (an UPDATE is how it moves).
CREATE OR REPLACE FUNCTION beacon_audit_head_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_head cannot be removed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION beacon_audit_head_fixed();
--> statement-breakpoint
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION beacon_audit_head_fixed();
