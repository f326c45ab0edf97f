import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';

/**
 * Machine clients: another system (a maternity or ED record, a local authority's case system) that
 * calls Beacon's API as an organisation. Each acts through its own account (`users.kind = 'api_client'`)
 * holding one membership per role it was given, so every access rule and the audit trail treat it as
 * they treat a person of that organisation, and never as more.
 */
export const apiClients = pgTable(
  'api_clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    unitId: uuid('unit_id').references(() => units.id),
    /** The account it acts through: no password, no single sign-on, never in a list of people. */
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    roles: jsonb('roles').$type<string[]>().notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    /** Its public keys, as a JSON Web Key Set; or, instead, where to fetch them. */
    jwks: jsonb('jwks').$type<{ keys: Record<string, unknown>[] }>(),
    jwksUrl: text('jwks_url'),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    contactEmail: text('contact_email'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    keysRotatedAt: timestamp('keys_rotated_at', { withTimezone: true }),
    lastTokenAt: timestamp('last_token_at', { withTimezone: true }),
  },
  (t) => [index('api_clients_org_idx').on(t.organisationId), index('api_clients_user_idx').on(t.userId)],
);

/**
 * Bearer tokens issued by POST /oauth2/token: random, five minutes, only the SHA-256 kept. A token acts
 * with one of the client's memberships (one role) and the scopes it was granted.
 */
export const apiAccessTokens = pgTable(
  'api_access_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    membershipId: uuid('membership_id').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('api_access_tokens_expiry_idx').on(t.expiresAt), index('api_access_tokens_client_idx').on(t.clientId)],
);

/** The `jti` of every client assertion accepted, until it would have expired: a replay is refused. */
export const apiClientAssertions = pgTable(
  'api_client_assertions',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    jti: text('jti').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.jti] }), index('api_client_assertions_expiry_idx').on(t.expiresAt)],
);
