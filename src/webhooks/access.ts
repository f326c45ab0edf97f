/**
 * The choke point for webhook subscriptions: load one, authorise `webhook.manage` on its organisation.
 * Lists use the same rule (scopeFor): an organisation's own subscriptions, or all for an administrator.
 */
import { eq, type SQL, sql } from 'drizzle-orm';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { authorize, scopeFor } from '../platform/auth/policy';
import { NotFoundError } from '../platform/errors';
import { isUuid } from '../directory/service';
import { webhookSubscriptions } from './schema';

export type Subscription = typeof webhookSubscriptions.$inferSelect;

export async function requireSubscription(db: Db, ctx: RequestContext, id: string, opts: { lock?: boolean } = {}): Promise<Subscription> {
  // Nobody who may not manage any webhooks learns whether this one exists.
  if (scopeFor(ctx.actor, 'webhook.manage').kind === 'none') authorize(ctx.actor, 'webhook.manage');
  const q = db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
  const [s] = isUuid(id) ? (opts.lock ? await q.for('update') : await q) : [];
  if (!s) throw new NotFoundError('Webhook subscription');
  authorize(ctx.actor, 'webhook.manage', { organisationId: s.organisationId });
  return s;
}

/** The subscriptions this person may see, as a condition on the table. */
export function subscriptionScope(ctx: RequestContext): SQL {
  const scope = scopeFor(ctx.actor, 'webhook.manage');
  if (scope.kind === 'all') return sql`true`;
  if (scope.kind === 'none' || !ctx.actor) return sql`false`;
  // The only condition the policy puts on webhooks is the actor's own organisation.
  return sql`${webhookSubscriptions.organisationId} = ${ctx.actor.organisationId}`;
}
