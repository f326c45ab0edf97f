/**
 * Looking after webhook subscriptions: subscribe an endpoint (the secret is shown once), rotate the
 * secret with an overlap, disable and enable, read the delivery log, redeliver, send a test event.
 * Every change is audited in its transaction.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { authorize, scopeFor } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { encryptText } from '../platform/crypto';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { enqueue } from '../platform/jobs/queue';
import { isUuid } from '../directory/service';
import { organisations } from '../directory/schema';
import { requireSubscription, type Subscription, subscriptionScope } from './access';
import { subscriptionInput, statusChange } from './model';
import { SEND_JOB } from './publish';
import { endpointProblem, SECRET_OVERLAP_MS } from './rules';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions } from './schema';

export interface WebhookOptions {
  production: boolean;
  /** The service key the secrets are encrypted with. */
  key: Buffer;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
export const secretAad = (subscriptionId: string) => `webhook-secret:${subscriptionId}`;

/** A subscription as shown: never its secrets. */
export function publicView(s: Subscription) {
  const { secretEnc: _s, previousSecretEnc: _p, ...rest } = s;
  return rest;
}

export async function listSubscriptions(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'webhook.manage', { organisationId: ctx.actor?.organisationId });
  const rows = await db
    .select({ s: webhookSubscriptions, organisationName: organisations.name, odsCode: organisations.odsCode })
    .from(webhookSubscriptions)
    .innerJoin(organisations, eq(organisations.id, webhookSubscriptions.organisationId))
    .where(subscriptionScope(ctx))
    .orderBy(organisations.name, webhookSubscriptions.createdAt);
  return rows.map((r) => ({ ...publicView(r.s), organisationName: r.organisationName, odsCode: r.odsCode }));
}

/** Subscribe an endpoint. The secret is returned once, here, and never shown again. */
export async function createSubscription(db: Db, ctx: RequestContext, raw: unknown, opts: WebhookOptions): Promise<{ id: string; secret: string }> {
  // The organisation defaults to the actor's own; who may subscribe it is settled before anything else is read.
  const given = (raw as { organisationId?: unknown } | null)?.organisationId;
  const organisationId = typeof given === 'string' && given ? given : ctx.actor?.organisationId;
  // The directory is open to everyone: an organisation that does not exist is a plain mistake, not a secret.
  if (scopeFor(ctx.actor, 'webhook.manage').kind === 'none') authorize(ctx.actor, 'webhook.manage');
  const [org] =
    organisationId && isUuid(organisationId) ? await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)) : [];
  if (!org) throw new ValidationError({ organisationId: 'Select an organisation from the list' });
  authorize(ctx.actor, 'webhook.manage', { organisationId });
  const input = parseInput(subscriptionInput, { ...(raw as object), organisationId });
  const problem = endpointProblem(input.url, opts.production);
  if (problem) throw new ValidationError({ url: problem });
  const secret = newSecret();
  return db.transaction(async (tx) => {
    const [s] = await tx
      .insert(webhookSubscriptions)
      .values({
        organisationId: input.organisationId,
        clientId: ctx.client?.id ?? null,
        url: input.url,
        description: input.description,
        events: input.events,
        contactEmail: input.contactEmail,
        secretEnc: 'pending',
        createdByUserId: ctx.actor!.userId,
      })
      .returning({ id: webhookSubscriptions.id });
    await tx
      .update(webhookSubscriptions)
      .set({ secretEnc: encryptText(opts.key, secret, secretAad(s!.id)) })
      .where(eq(webhookSubscriptions.id, s!.id));
    await recordAudit(tx, ctx, {
      action: 'webhook.subscribe',
      verb: 'C',
      entityType: 'WebhookSubscription',
      entityId: s!.id,
      detail: { organisationId: input.organisationId, url: input.url, events: input.events },
    });
    return { id: s!.id, secret };
  });
}

/** One subscription and its latest deliveries, each with its attempts (the delivery log). */
export async function getSubscription(db: Db, ctx: RequestContext, id: string, limit = 50) {
  const s = await requireSubscription(db, ctx, id);
  const [org] = await db.select({ name: organisations.name, odsCode: organisations.odsCode }).from(organisations).where(eq(organisations.id, s.organisationId));
  const deliveries = await db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.subscriptionId, s.id))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(Math.min(Math.max(limit, 1), 200));
  const attempts = deliveries.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            deliveries.map((d) => d.id),
          ),
        )
        .orderBy(webhookAttempts.attemptedAt)
    : [];
  return {
    subscription: publicView(s),
    organisation: org!,
    deliveries: deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) })),
  };
}

/** A new secret; the previous one still signs for a day, so the receiver can switch without a gap. */
export async function rotateSecret(
  db: Db,
  ctx: RequestContext,
  id: string,
  opts: WebhookOptions,
  now = new Date(),
): Promise<{ secret: string; previousValidUntil: Date }> {
  const secret = newSecret();
  const until = new Date(now.getTime() + SECRET_OVERLAP_MS);
  await db.transaction(async (tx) => {
    const s = await requireSubscription(tx, ctx, id, { lock: true });
    await tx
      .update(webhookSubscriptions)
      .set({ secretEnc: encryptText(opts.key, secret, secretAad(s.id)), previousSecretEnc: s.secretEnc, previousSecretUntil: until, updatedAt: now })
      .where(eq(webhookSubscriptions.id, s.id));
    await recordAudit(tx, ctx, {
      action: 'webhook.secret.rotate',
      verb: 'U',
      entityType: 'WebhookSubscription',
      entityId: s.id,
      detail: { previousValidUntil: until.toISOString() },
    });
  });
  return { secret, previousValidUntil: until };
}

/** Disable (nothing more is sent; what is waiting is abandoned) or enable again, with the reason. */
export async function setSubscriptionStatus(db: Db, ctx: RequestContext, id: string, status: 'active' | 'disabled', raw: unknown): Promise<void> {
  await db.transaction(async (tx) => {
    // Who may change it is settled (and the row locked) before what was sent is read.
    const s = await requireSubscription(tx, ctx, id, { lock: true });
    const { reason } = parseInput(statusChange, raw);
    if (s.status === status) throw new ConflictError(status === 'active' ? 'This subscription is already active.' : 'This subscription is already disabled.');
    await tx
      .update(webhookSubscriptions)
      .set({ status, statusReason: reason, failingSince: null, updatedAt: new Date() })
      .where(eq(webhookSubscriptions.id, s.id));
    if (status === 'disabled')
      await tx
        .update(webhookDeliveries)
        .set({ status: 'abandoned', nextAttemptAt: null })
        .where(and(eq(webhookDeliveries.subscriptionId, s.id), inArray(webhookDeliveries.status, ['pending', 'failed'])));
    await recordAudit(tx, ctx, {
      action: status === 'active' ? 'webhook.enable' : 'webhook.disable',
      verb: 'U',
      entityType: 'WebhookSubscription',
      entityId: s.id,
      reason,
    });
  });
}

/** Send one delivery again now (the same webhook-id, so a receiver that dedupes by id processes it once). */
export async function redeliver(db: Db, ctx: RequestContext, deliveryId: string): Promise<void> {
  if (!isUuid(deliveryId)) throw new NotFoundError('Delivery');
  const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
  if (!d) throw new NotFoundError('Delivery');
  await db.transaction(async (tx) => {
    const s = await requireSubscription(tx, ctx, d.subscriptionId);
    if (s.status !== 'active') throw new ConflictError('This subscription is disabled: enable it before sending again.');
    await tx.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: new Date() }).where(eq(webhookDeliveries.id, d.id));
    await enqueue(tx, SEND_JOB, { deliveryId: d.id, attempt: d.attempts + 1, manual: ctx.actor?.displayName ?? 'someone' });
    await recordAudit(tx, ctx, { action: 'webhook.redeliver', verb: 'E', entityType: 'WebhookSubscription', entityId: s.id, detail: { deliveryId: d.id } });
  });
}

/** A test event to this endpoint, to see that it receives and verifies Beacon's messages. */
export async function sendTest(db: Db, ctx: RequestContext, id: string): Promise<{ deliveryId: string }> {
  return db.transaction(async (tx) => {
    const s = await requireSubscription(tx, ctx, id);
    if (s.status !== 'active') throw new ConflictError('This subscription is disabled: enable it before testing.');
    const [d] = await tx
      .insert(webhookDeliveries)
      .values({
        subscriptionId: s.id,
        eventType: 'webhook.test',
        eventKey: `test:${Date.now()}:${randomBytes(4).toString('hex')}`,
        payload: {
          type: 'webhook.test',
          timestamp: new Date().toISOString(),
          data: { subscriptionId: s.id, links: { subscription: `/api/webhooks/subscriptions/${s.id}` } },
        },
        status: 'pending',
        nextAttemptAt: new Date(),
      })
      .returning({ id: webhookDeliveries.id });
    await enqueue(tx, SEND_JOB, { deliveryId: d!.id, attempt: 1 }, { idempotencyKey: `webhook:${d!.id}:1` });
    await recordAudit(tx, ctx, { action: 'webhook.test', verb: 'E', entityType: 'WebhookSubscription', entityId: s.id, detail: { deliveryId: d!.id } });
    return { deliveryId: d!.id };
  });
}
