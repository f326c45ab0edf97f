/**
 * Sending one delivery: sign it with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature;
 * during a rotation's overlap signed with both secrets), POST it, log the attempt with the answer, and
 * either mark it delivered, schedule the next try with exponential backoff, or, after a day with no
 * success, disable the subscription and tell its owner. Never throws for the receiver's failures: they
 * are the delivery's business, not the job queue's.
 */
import { lookup } from 'node:dns/promises';
import { and, eq, inArray } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../platform/db/engine';
import { systemContext } from '../platform/context';
import { decryptText } from '../platform/crypto';
import { enqueue } from '../platform/jobs/queue';
import { recordAudit } from '../platform/audit/service';
import { secretAad } from './service';
import { SEND_JOB } from './publish';
import { absoluteLinks, delivered, isPrivateAddress, retryDelayMs, shouldDisable } from './rules';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions } from './schema';

export const DISABLED_EMAIL_JOB = 'webhooks.disabled-email';
const TIMEOUT_MS = 10_000;

export interface SendDeps {
  db: Db;
  key: Buffer;
  publicUrl: string;
  /** In production an endpoint whose name resolves to a private or local address is not sent to. */
  production?: boolean;
  fetch?: typeof fetch;
}

/** Why an endpoint cannot be sent to now (its name resolves to a private address), or null. */
async function resolvedProblem(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.some((a) => isPrivateAddress(a.address)) ? `The endpoint's name resolves to a private or local address (${host})` : null;
  } catch {
    return `The endpoint's name could not be resolved (${host})`;
  }
}

export type AttemptResult = 'succeeded' | 'retry' | 'disabled' | 'abandoned' | 'skipped';

/** The headers of one message: the same id on every attempt, a signature per secret in force. */
export function signedHeaders(id: string, body: string, secrets: readonly string[], at: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Beacon-Webhooks/1.0',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}

export async function attemptDelivery(
  deps: SendDeps,
  payload: { deliveryId: string; attempt?: number; manual?: string },
  now = new Date(),
): Promise<AttemptResult> {
  const { db } = deps;
  const [row] = await db
    .select({ d: webhookDeliveries, s: webhookSubscriptions })
    .from(webhookDeliveries)
    .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
    .where(eq(webhookDeliveries.id, payload.deliveryId));
  if (!row) return 'skipped';
  const { d, s } = row;
  // Sent already (a scheduled try that a manual redelivery overtook), unless someone asked to send it again.
  if (d.status === 'succeeded' && !payload.manual) return 'skipped';
  if (s.status !== 'active') {
    if (d.status !== 'succeeded') await db.update(webhookDeliveries).set({ status: 'abandoned', nextAttemptAt: null }).where(eq(webhookDeliveries.id, d.id));
    return 'abandoned';
  }

  const secrets = [decryptText(deps.key, s.secretEnc, secretAad(s.id))];
  if (s.previousSecretEnc && s.previousSecretUntil && s.previousSecretUntil > now) secrets.push(decryptText(deps.key, s.previousSecretEnc, secretAad(s.id)));
  const body = JSON.stringify({ ...d.payload, data: absoluteLinks(d.payload.data, deps.publicUrl) });
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const refused = deps.production ? await resolvedProblem(s.url) : null;
    if (refused) throw Object.assign(new Error(refused), { refused: true });
    const res = await (deps.fetch ?? fetch)(s.url, {
      method: 'POST',
      headers: signedHeaders(d.id, body, secrets, now),
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => undefined);
    if (!delivered(statusCode)) error = `The endpoint answered HTTP ${statusCode}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    error =
      'refused' in e
        ? e.message
        : e.name === 'TimeoutError'
          ? `No answer within ${TIMEOUT_MS / 1000} seconds`
          : `Could not reach the endpoint (${e.cause?.code ?? e.message})`;
  }
  const durationMs = Date.now() - started;
  const attempt = d.attempts + 1;
  const ok = delivered(statusCode);

  return db.transaction(async (tx) => {
    await tx
      .insert(webhookAttempts)
      .values({ deliveryId: d.id, attempt, attemptedAt: now, statusCode, error, durationMs, redeliveredBy: payload.manual ?? null });
    if (ok) {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'succeeded', attempts: attempt, lastStatusCode: statusCode, lastError: null, deliveredAt: now, nextAttemptAt: null })
        .where(eq(webhookDeliveries.id, d.id));
      await tx.update(webhookSubscriptions).set({ failingSince: null }).where(eq(webhookSubscriptions.id, s.id));
      return 'succeeded';
    }
    const failingSince = s.failingSince ?? now;
    if (shouldDisable(failingSince, now)) {
      const reason = `Every delivery failed for a day (last: ${error})`;
      await tx.update(webhookSubscriptions).set({ status: 'disabled', statusReason: reason, updatedAt: now }).where(eq(webhookSubscriptions.id, s.id));
      await tx
        .update(webhookDeliveries)
        .set({ status: 'abandoned', attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: null })
        .where(eq(webhookDeliveries.id, d.id));
      await tx
        .update(webhookDeliveries)
        .set({ status: 'abandoned', nextAttemptAt: null })
        .where(and(eq(webhookDeliveries.subscriptionId, s.id), inArray(webhookDeliveries.status, ['pending', 'failed'])));
      await enqueue(tx, DISABLED_EMAIL_JOB, { subscriptionId: s.id }, { idempotencyKey: `webhook-disabled:${s.id}:${now.getTime()}` });
      await recordAudit(tx, systemContext('worker'), { action: 'webhook.disable', verb: 'U', entityType: 'WebhookSubscription', entityId: s.id, reason });
      return 'disabled';
    }
    const next = new Date(now.getTime() + retryDelayMs(attempt));
    await tx
      .update(webhookDeliveries)
      .set({ status: 'failed', attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: next })
      .where(eq(webhookDeliveries.id, d.id));
    if (!s.failingSince) await tx.update(webhookSubscriptions).set({ failingSince: now }).where(eq(webhookSubscriptions.id, s.id));
    await enqueue(tx, SEND_JOB, { deliveryId: d.id, attempt: attempt + 1 }, { idempotencyKey: `webhook:${d.id}:${attempt + 1}`, runAt: next });
    return 'retry';
  });
}
