-- The audit trail is append-only. This trigger refuses UPDATE and DELETE for every role on both
-- engines; on PostgreSQL the application role is, in addition, never granted UPDATE or DELETE
-- (see src/platform/db/grants.ts). Only a superuser who disables triggers can alter a row, and
-- `beacon audit verify` then reports the broken link.
CREATE OR REPLACE FUNCTION beacon_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION beacon_audit_is_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION beacon_audit_is_append_only();
