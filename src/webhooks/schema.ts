import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { apiClients } from '../clients/schema';

/**
 * An organisation's (or an API client's) HTTPS endpoint and the events it hears of. Payloads carry ids,
 * references and links only; the receiver fetches with its own credentials. Signed with Standard
 * Webhooks; the secret is kept encrypted, and the one before a rotation is kept until its overlap ends.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** Set when an API client subscribed (through the API with its token). */
    clientId: uuid('client_id').references(() => apiClients.id),
    url: text('url').notNull(),
    description: text('description'),
    events: jsonb('events').$type<string[]>().notNull(),
    /** Who is told when it is disabled. */
    contactEmail: text('contact_email').notNull(),
    secretEnc: text('secret_enc').notNull(),
    previousSecretEnc: text('previous_secret_enc'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    /** The first failure since the last success: a day of failures disables the subscription. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_subscriptions_org_idx').on(t.organisationId)],
);

/**
 * One event for one subscription: its id is the `webhook-id` every attempt (and a redelivery) carries,
 * so a receiver that dedupes by id processes it once. Unique per (subscription, event key): publishing the
 * same event twice sends it once.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id),
    eventType: text('event_type').notNull(),
    eventKey: text('event_key').notNull(),
    payload: jsonb('payload').$type<{ type: string; timestamp: string; data: Record<string, unknown> }>().notNull(),
    /** pending → succeeded | failed (will retry) | abandoned (the subscription was disabled). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_unique').on(t.subscriptionId, t.eventKey),
    index('webhook_deliveries_sub_idx').on(t.subscriptionId, t.createdAt),
  ],
);

/** Every attempt to deliver, with the receiver's status code (or why there was none) and how long it took. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    /** Manual redelivery (by whom) rather than the schedule. */
    redeliveredBy: text('redelivered_by'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.attemptedAt)],
);
