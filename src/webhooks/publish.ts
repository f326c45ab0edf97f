/**
 * Publishing an event to the webhooks that want it, inside the transaction of the change that caused it
 * (the outbox): one delivery per subscription of the organisation concerned that listens for the event,
 * and the job that sends it, written in one statement. Capabilities call this; none reads these tables.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { enqueueSelect } from '../platform/jobs/queue';
import { organisationsOfUnits } from '../directory/service';
import type { WebhookEventType } from './rules';
import { webhookSubscriptions } from './schema';

export const SEND_JOB = 'webhooks.send';

export interface WebhookEvent {
  type: WebhookEventType;
  /** The same event published twice (a job run again) is sent once: e.g. `delivery:<id>`. */
  key: string;
  /** The organisation that hears of it, or a unit of it. */
  organisationId?: string;
  unitId?: string;
  /** Ids, references and links (paths) only: never a person's details. */
  data: Record<string, unknown>;
}

/** Publish events; returns how many deliveries were queued (none when nobody listens). */
export async function publishEvents(tx: Db, events: readonly WebhookEvent[]): Promise<number> {
  if (!events.length) return 0;
  // Most of the time nobody listens: one cheap look before anything else.
  const [listening] = await tx.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(eq(webhookSubscriptions.status, 'active')).limit(1);
  if (!listening) return 0;
  const unitOrgs = await organisationsOfUnits(
    tx,
    events.flatMap((e) => (e.unitId && !e.organisationId ? [e.unitId] : [])),
  );
  const rows = events
    .map((e) => ({ type: e.type, key: e.key, organisation_id: e.organisationId ?? (e.unitId ? unitOrgs.get(e.unitId) : undefined), data: e.data }))
    .filter((e) => e.organisation_id);
  if (!rows.length) return 0;
  return enqueueSelect(
    tx,
    SEND_JOB,
    sql`SELECT jsonb_build_object('deliveryId', added_delivery.id, 'attempt', 1) AS payload, 'webhook:' || added_delivery.id || ':1' AS idempotency_key FROM added_delivery`,
    {
      with: sql`events AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(type text, key text, organisation_id uuid, data jsonb)),
      added_delivery AS (
        INSERT INTO webhook_deliveries (subscription_id, event_type, event_key, payload, status, next_attempt_at)
        SELECT s.id, e.type, e.key, jsonb_build_object('type', e.type, 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', e.data), 'pending', now()
          FROM events e JOIN webhook_subscriptions s ON s.organisation_id = e.organisation_id AND s.status = 'active' AND s.events @> jsonb_build_array(e.type)
        ON CONFLICT (subscription_id, event_key) DO NOTHING
        RETURNING id)`,
    },
  );
}
