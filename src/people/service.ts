import { and, asc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { ROLES, type Actor, type RequestContext, type Role } from '../platform/context';
import { authorize, authorizeContext } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { hashPassword, passwordProblem } from '../platform/auth/password';
import { revokeUserSessions, sessionColumns, sessionTokenHash, settleSession } from '../platform/auth/sessions';
import type { SessionActorLoader } from '../platform/http/session-hook';
import { sessions, users } from '../platform/auth/schema';
import { randomToken, sha256Hex } from '../platform/crypto';
import { NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { organisations, units } from '../directory/schema';
import { isUuid } from '../directory/service';
import { memberships } from './schema';
import { membershipInput, newUserInput, UNIT_ROLES, type MembershipInput } from './model';
import { uuidList } from '../platform/db/sql';

const SETUP_LINK_HOURS = 72;

export interface MembershipView {
  id: string;
  organisationId: string;
  organisationName: string;
  odsCode: string;
  role: Role;
  unitId: string | null;
  unitName: string | null;
  active: boolean;
}

export async function membershipsFor(db: Db, userId: string, includeInactive = false): Promise<MembershipView[]> {
  const rows = await db
    .select({
      id: memberships.id,
      organisationId: memberships.organisationId,
      organisationName: organisations.name,
      odsCode: organisations.odsCode,
      role: memberships.role,
      unitId: memberships.unitId,
      unitName: units.name,
      active: memberships.active,
    })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.organisationId))
    .leftJoin(units, eq(units.id, memberships.unitId))
    .where(includeInactive ? eq(memberships.userId, userId) : and(eq(memberships.userId, userId), eq(memberships.active, true), eq(organisations.active, true)))
    .orderBy(asc(organisations.name), asc(memberships.role));
  return rows.map((r) => ({ ...r, role: r.role as Role }));
}

/**
 * How many active people hold each role in each of some organisations (a workforce headcount as Beacon
 * knows it): one person counted once per organisation and role, however many units.
 */
export async function peopleByOrganisationAndRole(db: Db, organisationIds: readonly string[]) {
  if (!organisationIds.length) return [];
  const rows = await db
    .select({ organisationId: memberships.organisationId, role: memberships.role, count: sql<number>`count(distinct ${memberships.userId})::int` })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(inArray(memberships.organisationId, [...organisationIds]), eq(memberships.active, true), eq(users.active, true), eq(users.kind, 'person')))
    .groupBy(memberships.organisationId, memberships.role);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/**
 * The people in an audience, as a query for a set-based insert (a circulation to thousands): one row per
 * active person (user_id, organisation_id, role, unit_id) holding an active membership in one of the
 * organisations, narrowed to some roles and units when given. Where a person has several memberships that
 * fit, the one tied to a unit is theirs for counting.
 */
export function audienceSql(a: { organisationIds: readonly string[]; roles: readonly string[]; unitIds: readonly string[] }): SQL {
  if (!a.organisationIds.length) return sql`select null::uuid as user_id, null::uuid as organisation_id, null::text as role, null::uuid as unit_id where false`;
  return sql`select distinct on (m.user_id) m.user_id, m.organisation_id, m.role, m.unit_id
    from memberships m join users u on u.id = m.user_id
    where m.active and u.active and u.kind = 'person' and m.organisation_id in (${uuidList(a.organisationIds)})
    ${
      a.roles.length
        ? sql`and m.role in (${sql.join(
            a.roles.map((r) => sql`${r}`),
            sql`, `,
          )})`
        : sql``
    }
    ${a.unitIds.length ? sql`and m.unit_id in (${uuidList(a.unitIds)})` : sql``}
    order by m.user_id, m.unit_id nulls last, m.created_at`;
}

/** The actor for a session: the person acting through one of their active memberships. */
export async function resolveActor(db: Db, userId: string, membershipId: string | null): Promise<Actor | null> {
  if (!membershipId) return null;
  const [row] = await db
    .select({ m: memberships, orgName: organisations.name, orgActive: organisations.active, name: users.displayName, userActive: users.active })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.organisationId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.id, membershipId), eq(memberships.userId, userId)));
  return row ? actorOf(userId, row.name, row.userActive, row.m, row.orgName, row.orgActive) : null;
}

/** Who a membership acts as, or null when it cannot act (inactive membership, organisation or person, or an unknown role). */
function actorOf(
  userId: string,
  displayName: string,
  userActive: boolean,
  m: typeof memberships.$inferSelect | null,
  orgName: string | null,
  orgActive: boolean | null,
): Actor | null {
  if (!m || !m.active || !orgActive || !userActive || !(ROLES as readonly string[]).includes(m.role)) return null;
  return {
    userId,
    displayName,
    membershipId: m.id,
    organisationId: m.organisationId,
    organisationName: orgName ?? '',
    role: m.role as Role,
    unitId: m.unitId,
  };
}

/**
 * The session for a cookie value and the actor it has chosen, in one query (the session hook runs it
 * on every request): the session rules are settleSession's, the actor rules resolveActor's.
 */
export const loadSessionActor: SessionActorLoader = async (db, policy, token) => {
  const tokenHash = sessionTokenHash(token);
  if (!tokenHash) return { state: { status: 'none' }, actor: null };
  const [row] = await sessionActorQuery(db).execute({ tokenHash });
  const state = await settleSession(db, policy, tokenHash, row);
  if (state.status !== 'active' || state.session.awaitingSecondFactor || !row) return { state, actor: null };
  return { state, actor: actorOf(row.s.userId, row.u.displayName, row.u.active, row.m, row.orgName, row.orgActive) };
};

// Asked on every request: built once per database as a prepared statement, not per request.
const buildSessionActorQuery = (db: Db) =>
  db
    .select({ ...sessionColumns, m: memberships, orgName: organisations.name, orgActive: organisations.active })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(memberships, and(eq(memberships.id, sessions.membershipId), eq(memberships.userId, sessions.userId)))
    .leftJoin(organisations, eq(organisations.id, memberships.organisationId))
    .where(eq(sessions.tokenHash, sql.placeholder('tokenHash')))
    .limit(1)
    .prepare('beacon_session_actor');
const sessionActorQueries = new WeakMap<Db, ReturnType<typeof buildSessionActorQuery>>();
function sessionActorQuery(db: Db) {
  let q = sessionActorQueries.get(db);
  if (!q) {
    q = buildSessionActorQuery(db);
    sessionActorQueries.set(db, q);
  }
  return q;
}

/**
 * A request context for a person by email, acting through their first active membership: for work done
 * on people's behalf outside a request (the demo data, tests). Throws when they cannot act.
 */
export async function contextForEmail(db: Db, email: string, correlationId: string, ip: string | null = null): Promise<RequestContext & { actor: Actor }> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) throw new Error(`No user ${email}`);
  const [membership] = await membershipsFor(db, user.id);
  if (!membership) throw new Error(`${email} has no active membership`);
  const actor = await resolveActor(db, user.id, membership.id);
  if (!actor) throw new Error(`${email} cannot act`);
  return { actor, ip, correlationId };
}

export async function listUsers(db: Db, ctx: RequestContext, filter: { q?: string } = {}) {
  authorize(ctx.actor, 'user.view');
  const q = filter.q?.trim();
  const like = q ? `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : null;
  const list = await db
    .select({
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      jobTitle: users.jobTitle,
      active: users.active,
      lastSignInAt: users.lastSignInAt,
      // `users.id` spelt out: drizzle leaves a single-table column unqualified, and `m.id` would make a bare "id" ambiguous.
      roles: sql<string>`coalesce((SELECT string_agg(m.role, ',' ORDER BY m.role) FROM memberships m WHERE m.user_id = users.id AND m.active), '')`,
      organisations: sql<string>`coalesce((SELECT string_agg(DISTINCT o.name, '; ') FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = users.id AND m.active), '')`,
    })
    .from(users)
    .where(and(eq(users.kind, 'person'), like ? or(ilike(users.displayName, like), ilike(users.email, like)) : undefined))
    .orderBy(asc(users.displayName))
    .limit(500);
  await recordAuditNow(db, ctx, { action: 'user.list', verb: 'R', entityType: 'User', detail: { query: q ?? null, results: list.length } });
  return list;
}

export async function getUser(db: Db, ctx: RequestContext, id: string) {
  authorize(ctx.actor, 'user.view', { userId: id });
  const [user] = isUuid(id)
    ? await db
        .select({
          id: users.id,
          email: users.email,
          displayName: users.displayName,
          jobTitle: users.jobTitle,
          active: users.active,
          totpEnabled: users.totpEnabled,
          lockedUntil: users.lockedUntil,
          lastSignInAt: users.lastSignInAt,
          createdAt: users.createdAt,
          ssoLinked: sql<boolean>`${users.oidcSubject} IS NOT NULL`,
          passwordSet: sql<boolean>`${users.passwordHash} IS NOT NULL`,
        })
        .from(users)
        .where(eq(users.id, id))
    : [];
  if (!user) throw new NotFoundError('User');
  const ms = await membershipsFor(db, id, true);
  await recordAuditNow(db, ctx, { action: 'user.view', verb: 'R', entityType: 'User', entityId: id });
  return { user, memberships: ms };
}

async function checkMembership(db: Db, input: MembershipInput): Promise<void> {
  const [org] = await db.select({ id: organisations.id, active: organisations.active }).from(organisations).where(eq(organisations.id, input.organisationId));
  if (!org) throw new ValidationError({ organisationId: 'Select an organisation from the list' });
  if (UNIT_ROLES.has(input.role) && !input.unitId) throw new ValidationError({ unitId: 'Select the unit this person coordinates alerts for' });
  if (input.unitId) {
    const [unit] = await db.select({ organisationId: units.organisationId }).from(units).where(eq(units.id, input.unitId));
    if (!unit || unit.organisationId !== input.organisationId) throw new ValidationError({ unitId: 'Select a unit of the chosen organisation' });
  }
}

/**
 * Create a person with a first membership. With a password (the command line), they can sign in at
 * once; without one (the admin pages), they get a one-time link to set their own, valid for 72 hours.
 */
export async function createUser(
  db: Db,
  ctx: RequestContext,
  raw: unknown,
  opts: { password?: string } = {},
): Promise<{ userId: string; setupToken: string | null }> {
  authorizeContext(ctx, 'user.create');
  const input = parseInput(newUserInput, raw);
  if (opts.password !== undefined) {
    const problem = passwordProblem(opts.password, input.email);
    if (problem) throw new ValidationError({ password: problem });
  }
  const passwordHash = opts.password !== undefined ? await hashPassword(opts.password) : null;
  const setupToken = passwordHash ? null : randomToken();
  return db.transaction(async (tx) => {
    const [clash] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${input.email}`);
    if (clash) throw new ValidationError({ email: 'A person with this email address already has an account' });
    await checkMembership(tx, input);
    const [user] = await tx
      .insert(users)
      .values({
        email: input.email,
        displayName: input.displayName,
        jobTitle: input.jobTitle,
        passwordHash,
        setupTokenHash: setupToken ? sha256Hex(setupToken) : null,
        setupExpiresAt: setupToken ? new Date(Date.now() + SETUP_LINK_HOURS * 3_600_000) : null,
      })
      .returning({ id: users.id });
    const [m] = await tx
      .insert(memberships)
      .values({ userId: user!.id, organisationId: input.organisationId, role: input.role, unitId: input.unitId })
      .returning({ id: memberships.id });
    await recordAudit(tx, ctx, {
      action: 'user.create',
      verb: 'C',
      entityType: 'User',
      entityId: user!.id,
      detail: { email: input.email, role: input.role, organisationId: input.organisationId, membershipId: m!.id },
    });
    return { userId: user!.id, setupToken };
  });
}

/** Issue a fresh one-time set-password link (for a person who lost theirs, or never used it). */
export async function issueSetupLink(db: Db, ctx: RequestContext, userId: string): Promise<string> {
  authorize(ctx.actor, 'user.update', { userId });
  if (!isUuid(userId)) throw new NotFoundError('User');
  const token = randomToken();
  await db.transaction(async (tx) => {
    const updated = await tx
      .update(users)
      .set({ setupTokenHash: sha256Hex(token), setupExpiresAt: new Date(Date.now() + SETUP_LINK_HOURS * 3_600_000), updatedAt: new Date() })
      // A machine client's account never gets a password: it signs in with its key.
      .where(and(eq(users.id, userId), eq(users.kind, 'person')))
      .returning({ id: users.id });
    if (!updated.length) throw new NotFoundError('User');
    await recordAudit(tx, ctx, { action: 'user.setup-link', verb: 'U', entityType: 'User', entityId: userId });
  });
  return token;
}

export async function findSetupToken(db: Db, token: string): Promise<{ userId: string; email: string; displayName: string } | null> {
  if (!token || token.length > 200) return null;
  const [u] = await db
    .select()
    .from(users)
    .where(eq(users.setupTokenHash, sha256Hex(token)));
  if (!u || !u.active || !u.setupExpiresAt || u.setupExpiresAt < new Date()) return null;
  return { userId: u.id, email: u.email, displayName: u.displayName };
}

export async function completeSetup(db: Db, ctx: RequestContext, token: string, password: string, confirm: string): Promise<string> {
  const found = await findSetupToken(db, token);
  if (!found) throw new ValidationError({ password: 'This link has expired or has already been used. Ask your administrator for a new one.' });
  const problem = passwordProblem(password, found.email);
  if (problem) throw new ValidationError({ password: problem });
  if (password !== confirm) throw new ValidationError({ confirm: 'The passwords do not match' });
  const hash = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash: hash, setupTokenHash: null, setupExpiresAt: null, failedSignIns: 0, lockedUntil: null, updatedAt: new Date() })
      .where(eq(users.id, found.userId));
    await recordAudit(tx, ctx, {
      action: 'user.password.set',
      verb: 'U',
      entityType: 'User',
      entityId: found.userId,
      actorUserId: found.userId,
      actorName: found.displayName,
    });
  });
  return found.userId;
}

export async function setUserActive(db: Db, ctx: RequestContext, userId: string, active: boolean): Promise<void> {
  authorize(ctx.actor, active ? 'user.update' : 'user.deactivate', { userId });
  if (!isUuid(userId)) throw new NotFoundError('User');
  await db.transaction(async (tx) => {
    const updated = await tx
      .update(users)
      .set({ active, updatedAt: new Date(), ...(active ? { lockedUntil: null, failedSignIns: 0 } : {}) })
      .where(eq(users.id, userId))
      .returning({ id: users.id });
    if (!updated.length) throw new NotFoundError('User');
    await recordAudit(tx, ctx, { action: active ? 'user.reactivate' : 'user.deactivate', verb: 'U', entityType: 'User', entityId: userId });
  });
  if (!active) await revokeUserSessions(db, userId);
}

export async function addMembership(db: Db, ctx: RequestContext, userId: string, raw: unknown): Promise<string> {
  authorize(ctx.actor, 'user.update', { userId });
  const input = parseInput(membershipInput, raw);
  if (!isUuid(userId)) throw new NotFoundError('User');
  return db.transaction(async (tx) => {
    const [u] = await tx.select({ id: users.id, kind: users.kind }).from(users).where(eq(users.id, userId));
    if (!u) throw new NotFoundError('User');
    // A machine client's roles are those it was registered with (src/clients), never added here.
    if (u.kind !== 'person') throw new ValidationError({ role: 'This is an API client’s account: its roles are set when the client is registered' });
    await checkMembership(tx, input);
    const existing = (
      await tx
        .select()
        .from(memberships)
        .where(and(eq(memberships.userId, userId), eq(memberships.organisationId, input.organisationId), eq(memberships.role, input.role)))
    ).find((m) => m.unitId === input.unitId);
    let id: string;
    if (existing) {
      if (existing.active) throw new ValidationError({ role: 'This person already has that role in that organisation' });
      await tx.update(memberships).set({ active: true }).where(eq(memberships.id, existing.id));
      id = existing.id;
    } else {
      const [m] = await tx
        .insert(memberships)
        .values({ userId, organisationId: input.organisationId, role: input.role, unitId: input.unitId })
        .returning({ id: memberships.id });
      id = m!.id;
    }
    await recordAudit(tx, ctx, {
      action: 'user.role.add',
      verb: 'U',
      entityType: 'User',
      entityId: userId,
      detail: { membershipId: id, role: input.role, organisationId: input.organisationId, unitId: input.unitId },
    });
    return id;
  });
}

export async function removeMembership(db: Db, ctx: RequestContext, userId: string, membershipId: string): Promise<void> {
  authorize(ctx.actor, 'user.update', { userId });
  if (ctx.actor?.membershipId === membershipId) throw new ValidationError({ membership: 'You cannot remove the role you are signed in with' });
  await db.transaction(async (tx) => {
    const updated =
      isUuid(membershipId) && isUuid(userId)
        ? await tx
            .update(memberships)
            .set({ active: false })
            .where(and(eq(memberships.id, membershipId), eq(memberships.userId, userId)))
            .returning({ role: memberships.role })
        : [];
    if (!updated.length) throw new NotFoundError('Role');
    await recordAudit(tx, ctx, {
      action: 'user.role.remove',
      verb: 'U',
      entityType: 'User',
      entityId: userId,
      detail: { membershipId, role: updated[0]!.role },
    });
  });
}

/** The roles active people (not machine clients) of an organisation hold: what a client of theirs may be given. */
export async function rolesHeldIn(db: Db, organisationId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organisationId, organisationId), eq(memberships.active, true), eq(users.active, true), eq(users.kind, 'person')));
  return rows.map((r) => r.role);
}

/**
 * The account a machine client acts through (src/clients), created inside the caller's transaction: no
 * password, no single sign-on, an address that can receive nothing, one membership per role (tied to the
 * unit when given). It never appears in a list of people, an audience or a headcount.
 */
export async function createClientAccount(
  tx: Db,
  a: { clientId: string; name: string; organisationId: string; unitId: string | null; roles: readonly string[] },
): Promise<string> {
  const [user] = await tx
    .insert(users)
    .values({ email: `client-${a.clientId}@api-clients.invalid`, kind: 'api_client', displayName: a.name, jobTitle: 'API client' })
    .returning({ id: users.id });
  for (const role of a.roles) {
    await checkMembership(tx, { organisationId: a.organisationId, role: role as Role, unitId: a.unitId });
    await tx.insert(memberships).values({ userId: user!.id, organisationId: a.organisationId, role, unitId: a.unitId });
  }
  return user!.id;
}

/** The active membership a client account acts through for one role, or null. */
export async function clientMembershipFor(db: Db, userId: string, role: string): Promise<string | null> {
  const [m] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.userId, userId), eq(memberships.role, role), eq(memberships.active, true), eq(users.kind, 'api_client')))
    .limit(1);
  return m?.id ?? null;
}
