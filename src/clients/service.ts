/**
 * Registering and looking after machine clients: an organisation's system, with the roles it acts with
 * (never more than its people hold, never an administrator's), the scopes it may call, and its public
 * keys. Every change is audited in its transaction; suspending one ends its tokens at once.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { authorize } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { ConflictError, parseInput, ValidationError } from '../platform/errors';
import { organisations, units } from '../directory/schema';
import { createClientAccount, rolesHeldIn } from '../people/service';
import { auditEvents } from '../platform/audit/schema';
import { clientInput, keysChange, statusChange } from './model';
import { type ApiClient, requireClient } from './access';
import { checkKeySet, checkKeySetUrl, type KeySet } from './keys';
import { clientRolesProblem, SCOPE_NAMES } from './rules';
import { apiAccessTokens, apiClients } from './schema';

export interface ClientOptions {
  production: boolean;
}

/** The keys as given: exactly one of a key set or its address. */
async function keysFrom(input: { jwks: unknown; jwksUrl: string | null }, opts: ClientOptions): Promise<{ jwks: KeySet | null; jwksUrl: string | null }> {
  if (input.jwks && input.jwksUrl) throw new ValidationError({ jwks: 'Give the key set or its address, not both' });
  if (input.jwks) return { jwks: await checkKeySet(input.jwks), jwksUrl: null };
  if (input.jwksUrl) return { jwks: null, jwksUrl: checkKeySetUrl(input.jwksUrl, opts.production) };
  throw new ValidationError({ jwks: 'Paste the public key set (JWKS) of the system, or give the address it is published at' });
}

const kidsOf = (jwks: KeySet | null) => jwks?.keys.map((k) => k.kid) ?? [];

export async function listClients(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'apiclient.view');
  const list = await db
    .select({
      id: apiClients.id,
      name: apiClients.name,
      status: apiClients.status,
      roles: apiClients.roles,
      scopes: apiClients.scopes,
      organisationName: organisations.name,
      odsCode: organisations.odsCode,
      unitName: units.name,
      lastTokenAt: apiClients.lastTokenAt,
      createdAt: apiClients.createdAt,
    })
    .from(apiClients)
    .innerJoin(organisations, eq(organisations.id, apiClients.organisationId))
    .leftJoin(units, eq(units.id, apiClients.unitId))
    .orderBy(asc(organisations.name), asc(apiClients.name));
  await recordAuditNow(db, ctx, { action: 'apiclient.list', verb: 'R', entityType: 'ApiClient', detail: { results: list.length } });
  return list;
}

/** One client, with its organisation and unit, and its recent use (tokens issued and refused), newest first. */
export async function getClient(db: Db, ctx: RequestContext, id: string) {
  const client = await db.transaction((tx) => requireClient(tx, ctx, id, 'apiclient.view'));
  const [org] = await db
    .select({ name: organisations.name, odsCode: organisations.odsCode })
    .from(organisations)
    .where(eq(organisations.id, client.organisationId));
  const [unit] = client.unitId ? await db.select({ name: units.name }).from(units).where(eq(units.id, client.unitId)) : [];
  const recent = await db
    .select({
      recordedAt: auditEvents.recordedAt,
      action: auditEvents.action,
      outcome: auditEvents.outcome,
      actorName: auditEvents.actorName,
      detail: auditEvents.detail,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, 'ApiClient'), eq(auditEvents.entityId, client.id)))
    .orderBy(desc(auditEvents.seq))
    .limit(20);
  return { client, organisation: org!, unitName: unit?.name ?? null, recent };
}

export async function registerClient(db: Db, ctx: RequestContext, raw: unknown, opts: ClientOptions): Promise<{ id: string }> {
  authorize(ctx.actor, 'apiclient.manage');
  const input = parseInput(clientInput, raw);
  const badScope = input.scopes.find((s) => !(SCOPE_NAMES as string[]).includes(s));
  if (!input.scopes.length) throw new ValidationError({ scopes: 'Select at least one thing the system may do' });
  if (badScope) throw new ValidationError({ scopes: 'Select scopes from the list' });
  const [org] = await db
    .select({ name: organisations.name, active: organisations.active })
    .from(organisations)
    .where(eq(organisations.id, input.organisationId));
  if (!org?.active) throw new ValidationError({ organisationId: 'Select an active organisation from the list' });
  const problem = clientRolesProblem(input.roles, await rolesHeldIn(db, input.organisationId), org.name);
  if (problem) {
    // Asking for more than the organisation's people hold is refused, and recorded.
    await recordAuditNow(db, ctx, {
      action: 'apiclient.register',
      verb: 'C',
      outcome: 'denied',
      entityType: 'ApiClient',
      detail: { organisationId: input.organisationId, roles: input.roles, problem },
    });
    throw new ValidationError({ roles: problem });
  }
  const keys = await keysFrom(input, opts);
  return db.transaction(async (tx) => {
    const [clash] = await tx
      .select({ id: apiClients.id })
      .from(apiClients)
      .where(and(eq(apiClients.organisationId, input.organisationId), sql`lower(${apiClients.name}) = lower(${input.name})`));
    if (clash) throw new ValidationError({ name: 'This organisation already has a client with that name' });
    const id = randomUUID();
    const userId = await createClientAccount(tx, {
      clientId: id,
      name: input.name,
      organisationId: input.organisationId,
      unitId: input.unitId,
      roles: input.roles,
    });
    await tx.insert(apiClients).values({
      id,
      name: input.name,
      organisationId: input.organisationId,
      unitId: input.unitId,
      userId,
      roles: input.roles,
      scopes: input.scopes,
      jwks: keys.jwks,
      jwksUrl: keys.jwksUrl,
      contactEmail: input.contactEmail,
      createdBy: ctx.actor!.userId,
    });
    await recordAudit(tx, ctx, {
      action: 'apiclient.register',
      verb: 'C',
      entityType: 'ApiClient',
      entityId: id,
      detail: {
        organisationId: input.organisationId,
        unitId: input.unitId,
        roles: input.roles,
        scopes: input.scopes,
        keyIds: kidsOf(keys.jwks),
        jwksUrl: keys.jwksUrl,
      },
    });
    return { id };
  });
}

/**
 * New keys for a client. The key set replaces the old one; to rotate without a gap, send the new key
 * and the old one together, then the new one alone once the system signs with it.
 */
export async function rotateKeys(db: Db, ctx: RequestContext, id: string, raw: unknown, opts: ClientOptions): Promise<void> {
  authorize(ctx.actor, 'apiclient.manage');
  const input = parseInput(keysChange, raw);
  await db.transaction(async (tx) => {
    const client = await requireClient(tx, ctx, id, 'apiclient.manage');
    const keys = await keysFrom(input, opts);
    await tx
      .update(apiClients)
      .set({ jwks: keys.jwks, jwksUrl: keys.jwksUrl, keysRotatedAt: new Date(), updatedAt: new Date() })
      .where(eq(apiClients.id, client.id));
    await recordAudit(tx, ctx, {
      action: 'apiclient.keys.rotate',
      verb: 'U',
      entityType: 'ApiClient',
      entityId: client.id,
      detail: {
        before: { keyIds: kidsOf(client.jwks as KeySet | null), jwksUrl: client.jwksUrl },
        after: { keyIds: kidsOf(keys.jwks), jwksUrl: keys.jwksUrl },
      },
    });
  });
}

/** Suspend a client (its tokens stop working at once) or let it act again, with the reason. */
export async function setClientStatus(db: Db, ctx: RequestContext, id: string, status: 'active' | 'suspended', raw: unknown): Promise<void> {
  authorize(ctx.actor, 'apiclient.manage');
  const { reason } = parseInput(statusChange, raw);
  await db.transaction(async (tx) => {
    const client: ApiClient = await requireClient(tx, ctx, id, 'apiclient.manage');
    if (client.status === status) throw new ConflictError(status === 'suspended' ? 'This client is already suspended.' : 'This client is already active.');
    await tx.update(apiClients).set({ status, statusReason: reason, updatedAt: new Date() }).where(eq(apiClients.id, client.id));
    if (status === 'suspended') await tx.delete(apiAccessTokens).where(eq(apiAccessTokens.clientId, client.id));
    await recordAudit(tx, ctx, {
      action: status === 'suspended' ? 'apiclient.suspend' : 'apiclient.reactivate',
      verb: 'U',
      entityType: 'ApiClient',
      entityId: client.id,
      reason,
    });
  });
}
