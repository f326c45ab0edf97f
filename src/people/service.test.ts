import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { seedDirectory } from '../demo/seed';
import { organisations, units } from '../directory/schema';
import { auditEvents } from '../platform/audit/schema';
import { verifyAuditChain } from '../platform/audit/service';
import { signInWithPassword } from '../platform/auth/accounts';
import { sessions, users } from '../platform/auth/schema';
import { createSession, loadSession } from '../platform/auth/sessions';
import { systemContext, type Actor, type RequestContext } from '../platform/context';
import { sha256Hex } from '../platform/crypto';
import type { Db } from '../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { memberships } from './schema';
import {
  addMembership,
  completeSetup,
  createUser,
  findSetupToken,
  getUser,
  issueSetupLink,
  listUsers,
  loadSessionActor,
  membershipsFor,
  removeMembership,
  resolveActor,
  setUserActive,
} from './service';

const PASSWORD = 'a sensible long passphrase';
const lockout = { maxFailures: 5, lockoutMinutes: 15 };

let tdb: TestDatabase;
let db: Db;
let admin: RequestContext;
let adminActor: Actor;
const org: Record<string, string> = {};
const unit: Record<string, string> = {};

async function orgId(ods: string) {
  return (await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;
}
async function unitId(name: string) {
  return (await db.select({ id: units.id }).from(units).where(eq(units.name, name)))[0]!.id;
}

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
  await seedDirectory(db);
  for (const ods of ['QRL', 'RHM', 'RHU']) org[ods] = await orgId(ods);
  unit.pah = await unitId('Princess Anne Hospital maternity unit');
  unit.qah = await unitId('Queen Alexandra Hospital maternity unit');
  // A real administrator, created the way the command line does.
  const { userId } = await createUser(
    db,
    systemContext('test'),
    { email: 'admin@example.org', displayName: 'Ada Admin', jobTitle: '', organisationId: org.QRL, role: 'system_admin' },
    { password: PASSWORD },
  );
  const [m] = await membershipsFor(db, userId);
  adminActor = (await resolveActor(db, userId, m!.id))!;
  admin = { actor: adminActor, ip: '192.0.2.1', correlationId: 'people-test' };
});
afterAll(async () => {
  await tdb?.close();
});

const counts = async () => ({
  users: (await db.select({ n: count() }).from(users))[0]!.n,
  memberships: (await db.select({ n: count() }).from(memberships))[0]!.n,
  audit: (await db.select({ n: count() }).from(auditEvents))[0]!.n,
});
const lastSeq = async () => (await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq))).at(-1)?.seq ?? 0;
const eventsSince = (seq: number) => db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));

let n = 0;
const person = (overrides: Record<string, unknown> = {}) => {
  n++;
  return {
    email: `new.person${n}@example.org`,
    displayName: `New Person ${n}`,
    jobTitle: 'Midwife',
    organisationId: org.RHM,
    role: 'safeguarding_practitioner',
    unitId: '',
    ...overrides,
  };
};

async function expectValidation(p: Promise<unknown>, field: string, message?: RegExp) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected a ValidationError on ${field}`).toBeInstanceOf(ValidationError);
  const fields = (err as ValidationError).fieldErrors;
  expect(Object.keys(fields)).toContain(field);
  if (message) expect(fields[field]).toMatch(message);
}

describe('createUser', () => {
  it('creates the person and their first role, with a one-time set-up link, and audits it', async () => {
    const before = await counts();
    const since = await lastSeq();
    const input = person({ email: '  Mixed.Case@Example.org ' });
    const { userId, setupToken } = await createUser(db, admin, input);
    expect(setupToken).toEqual(expect.any(String));
    const [u] = await db.select().from(users).where(eq(users.id, userId));
    expect(u).toMatchObject({
      email: 'mixed.case@example.org',
      displayName: input.displayName,
      jobTitle: 'Midwife',
      passwordHash: null,
      active: true,
      setupTokenHash: sha256Hex(setupToken!),
    });
    expect(u!.setupExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 71 * 3_600_000);
    const ms = await membershipsFor(db, userId);
    expect(ms).toEqual([expect.objectContaining({ organisationId: org.RHM, role: 'safeguarding_practitioner', unitId: null, active: true })]);
    expect(await counts()).toEqual({ users: before.users + 1, memberships: before.memberships + 1, audit: before.audit + 1 });
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({
      action: 'user.create',
      verb: 'C',
      entityType: 'User',
      entityId: userId,
      actorUserId: adminActor.userId,
      detail: expect.objectContaining({ email: 'mixed.case@example.org', role: 'safeguarding_practitioner', organisationId: org.RHM }),
    });
  });

  it('a unit coordinator is created for a unit of their organisation', async () => {
    const { userId } = await createUser(db, admin, person({ role: 'unit_coordinator', unitId: unit.pah }));
    const [m] = await membershipsFor(db, userId);
    expect(m).toMatchObject({ role: 'unit_coordinator', unitId: unit.pah, unitName: 'Princess Anne Hospital maternity unit' });
  });

  const invalid: [string, () => Record<string, unknown>, string, RegExp][] = [
    ['bad email', () => person({ email: 'not-an-email' }), 'email', /correct format/],
    ['empty email', () => person({ email: '   ' }), 'email', /Enter an email address/],
    ['duplicate email (any case)', () => person({ email: 'ADMIN@example.org' }), 'email', /already has an account/],
    ['no name', () => person({ displayName: ' ' }), 'displayName', /full name/],
    ['unknown role', () => person({ role: 'superuser' }), 'role', /Select a role/],
    ['organisation not a uuid', () => person({ organisationId: 'RHM' }), 'organisationId', /Select an organisation/],
    ['organisation that does not exist', () => person({ organisationId: randomUUID() }), 'organisationId', /Select an organisation/],
    ['unit role without a unit', () => person({ role: 'unit_coordinator', unitId: '' }), 'unitId', /Select the unit/],
    [
      'unit of another organisation',
      () => person({ role: 'unit_coordinator', organisationId: org.RHM, unitId: unit.qah }),
      'unitId',
      /unit of the chosen organisation/,
    ],
    ['unit that does not exist', () => person({ role: 'unit_coordinator', unitId: randomUUID() }), 'unitId', /unit of the chosen organisation/],
  ];
  it.each(invalid)('%s: refused with a field error, nothing written', async (_name, input, field, message) => {
    const before = await counts();
    await expectValidation(createUser(db, admin, input()), field, message);
    expect(await counts()).toEqual(before);
  });

  it('a weak password given on the command line is refused, nothing written', async () => {
    const before = await counts();
    await expectValidation(createUser(db, systemContext('cli'), person(), { password: 'short' }), 'password', /12 characters/);
    expect(await counts()).toEqual(before);
  });

  it('only an administrator (or the system itself) may create people; nobody else writes anything', async () => {
    const before = await counts();
    const auditor: RequestContext = { ...admin, actor: { ...adminActor, role: 'auditor' } };
    await expect(createUser(db, auditor, person())).rejects.toThrow(ForbiddenError);
    await expect(createUser(db, { actor: null, ip: null, correlationId: 'anon' }, person())).rejects.toThrow(ForbiddenError);
    expect(await counts()).toEqual(before);
  });
});

describe('set-up link', () => {
  it('lets the new person set a password once, then sign in', async () => {
    const input = person();
    const { userId, setupToken } = await createUser(db, admin, input);
    const token = setupToken!;
    expect(await findSetupToken(db, token)).toEqual({ userId, email: input.email, displayName: input.displayName });
    expect(await findSetupToken(db, 'wrong-token')).toBeNull();
    expect(await findSetupToken(db, '')).toBeNull();

    const anon: RequestContext = { actor: null, ip: '192.0.2.9', correlationId: 'setup' };
    const before = await counts();
    await expectValidation(completeSetup(db, anon, token, 'short', 'short'), 'password', /12 characters/);
    await expectValidation(completeSetup(db, anon, token, PASSWORD, PASSWORD + 'x'), 'confirm', /do not match/);
    expect(await counts()).toEqual(before);
    expect((await db.select().from(users).where(eq(users.id, userId)))[0]!.passwordHash).toBeNull();

    const since = await lastSeq();
    expect(await completeSetup(db, anon, token, PASSWORD, PASSWORD)).toBe(userId);
    const [u] = await db.select().from(users).where(eq(users.id, userId));
    expect(u).toMatchObject({ setupTokenHash: null, setupExpiresAt: null });
    expect(u!.passwordHash).toMatch(/^\$argon2id\$/);
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({ action: 'user.password.set', entityId: userId, actorUserId: userId, actorName: input.displayName });

    // The link works once.
    expect(await findSetupToken(db, token)).toBeNull();
    await expectValidation(
      completeSetup(db, anon, token, 'another long passphrase', 'another long passphrase'),
      'password',
      /expired or has already been used/,
    );
    expect(await signInWithPassword(db, lockout, anon, input.email, PASSWORD)).toEqual({ ok: true, userId, needsSecondFactor: false });
  });

  it('an expired link does not work', async () => {
    const { userId, setupToken } = await createUser(db, admin, person());
    await db
      .update(users)
      .set({ setupExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(users.id, userId));
    expect(await findSetupToken(db, setupToken!)).toBeNull();
  });

  it('a new link replaces the old one, and issuing it is audited', async () => {
    const { userId, setupToken: old } = await createUser(db, admin, person());
    const since = await lastSeq();
    const fresh = await issueSetupLink(db, admin, userId);
    expect(fresh).not.toBe(old);
    expect(await findSetupToken(db, old!)).toBeNull();
    expect((await findSetupToken(db, fresh))?.userId).toBe(userId);
    expect((await eventsSince(since))[0]).toMatchObject({ action: 'user.setup-link', entityId: userId });
    await expect(issueSetupLink(db, admin, randomUUID())).rejects.toThrow(NotFoundError);
    await expect(issueSetupLink(db, { ...admin, actor: { ...adminActor, role: 'auditor' } }, userId)).rejects.toThrow(ForbiddenError);
  });

  it('a deactivated person cannot use their link', async () => {
    const { userId, setupToken } = await createUser(db, admin, person());
    await setUserActive(db, admin, userId, false);
    expect(await findSetupToken(db, setupToken!)).toBeNull();
  });
});

describe('memberships', () => {
  it('adds a role (audited), refuses the same role twice, removes it (audited) and can add it back', async () => {
    const { userId } = await createUser(db, admin, person());
    let since = await lastSeq();
    const id = await addMembership(db, admin, userId, { organisationId: org.RHU, role: 'unit_coordinator', unitId: unit.qah });
    expect((await membershipsFor(db, userId)).map((m) => m.role).sort()).toEqual(['safeguarding_practitioner', 'unit_coordinator']);
    expect((await eventsSince(since))[0]).toMatchObject({
      action: 'user.role.add',
      entityId: userId,
      detail: { membershipId: id, role: 'unit_coordinator', organisationId: org.RHU, unitId: unit.qah },
    });

    const before = await counts();
    await expectValidation(
      addMembership(db, admin, userId, { organisationId: org.RHU, role: 'unit_coordinator', unitId: unit.qah }),
      'role',
      /already has that role/,
    );
    await expectValidation(addMembership(db, admin, userId, { organisationId: org.RHU, role: 'unit_coordinator', unitId: '' }), 'unitId');
    await expectValidation(
      addMembership(db, admin, userId, { organisationId: org.RHU, role: 'unit_coordinator', unitId: unit.pah }),
      'unitId',
      /unit of the chosen organisation/,
    );
    await expectValidation(addMembership(db, admin, userId, { organisationId: org.RHU, role: 'overlord' }), 'role');
    await expect(addMembership(db, admin, randomUUID(), { organisationId: org.RHU, role: 'auditor' })).rejects.toThrow(NotFoundError);
    expect(await counts()).toEqual(before);

    since = await lastSeq();
    await removeMembership(db, admin, userId, id);
    expect((await membershipsFor(db, userId)).map((m) => m.role)).toEqual(['safeguarding_practitioner']);
    expect((await membershipsFor(db, userId, true)).find((m) => m.id === id)?.active).toBe(false);
    expect((await eventsSince(since))[0]).toMatchObject({
      action: 'user.role.remove',
      entityId: userId,
      detail: { membershipId: id, role: 'unit_coordinator' },
    });
    // An inactive membership gives no actor.
    expect(await resolveActor(db, userId, id)).toBeNull();

    // Adding it back reactivates the same membership rather than making a second.
    expect(await addMembership(db, admin, userId, { organisationId: org.RHU, role: 'unit_coordinator', unitId: unit.qah })).toBe(id);
    expect((await resolveActor(db, userId, id))?.role).toBe('unit_coordinator');
  });

  it('refuses to remove the role the administrator is signed in with, an unknown role, or another person’s role', async () => {
    const before = await counts();
    await expectValidation(removeMembership(db, admin, adminActor.userId, adminActor.membershipId), 'membership', /signed in with/);
    await expect(removeMembership(db, admin, adminActor.userId, randomUUID())).rejects.toThrow(NotFoundError);
    await expect(removeMembership(db, admin, adminActor.userId, 'not-a-uuid')).rejects.toThrow(NotFoundError);
    const { userId } = await createUser(db, admin, person());
    const [theirs] = await membershipsFor(db, userId);
    const mid = await counts();
    await expect(removeMembership(db, admin, adminActor.userId, theirs!.id)).rejects.toThrow(NotFoundError);
    expect(await counts()).toEqual(mid);
    expect(mid.audit).toBe(before.audit + 1); // only the createUser
  });

  it('resolveActor needs the membership to belong to the user', async () => {
    const { userId } = await createUser(db, admin, person());
    expect(await resolveActor(db, userId, adminActor.membershipId)).toBeNull();
    expect(await resolveActor(db, userId, null)).toBeNull();
  });

  it('loadSessionActor reads a session and whom it acts as in one go, by the same rules as loadSession and resolveActor', async () => {
    const policy = { idleMinutes: 30, absoluteHours: 12 };
    const { userId } = await createUser(db, admin, person());
    const [own] = await membershipsFor(db, userId);
    const session = async (membershipId: string | null, awaitingSecondFactor = false) =>
      createSession(db, policy, { userId, authMethod: 'password', awaitingSecondFactor, membershipId, ip: null, userAgent: null });
    const cases: [string, string][] = [
      ['own role', await session(own!.id)],
      ['no role chosen yet', await session(null)],
      ['someone else’s role', await session(adminActor.membershipId)],
      ['waiting for the second factor', await session(own!.id, true)],
    ];
    for (const [what, token] of cases) {
      const both = await loadSessionActor(db, policy, token);
      const state = await loadSession(db, policy, token);
      expect(both.state, what).toEqual(state);
      const expected = state.status === 'active' && !state.session.awaitingSecondFactor ? await resolveActor(db, userId, state.session.membershipId) : null;
      expect(both.actor, what).toEqual(expected);
    }
    expect((await loadSessionActor(db, policy, cases[0]![1])).actor).toMatchObject({ userId, membershipId: own!.id, role: own!.role });
    expect(await loadSessionActor(db, policy, 'no-such-token')).toEqual({ state: { status: 'none' }, actor: null });
    expect(await loadSessionActor(db, policy, undefined)).toEqual({ state: { status: 'none' }, actor: null });
    // The role removed: the session stays, but acts as nobody until another role is chosen.
    const spare = await addMembership(db, admin, userId, { organisationId: org.RHU, role: 'auditor' });
    const token = await session(spare);
    expect(await loadSessionActor(db, policy, token)).toMatchObject({ actor: { role: 'auditor' } });
    await removeMembership(db, admin, userId, spare);
    expect(await loadSessionActor(db, policy, token)).toMatchObject({ state: { status: 'active' }, actor: null });
    // The person deactivated: the session has ended.
    await setUserActive(db, admin, userId, false);
    expect(await loadSessionActor(db, policy, cases[0]![1])).toEqual({ state: { status: 'expired' }, actor: null });
  });
});

describe('deactivation', () => {
  it('ends the person’s sessions and is audited; reactivation is audited too', async () => {
    const { userId } = await createUser(db, admin, person());
    const token = await createSession(
      db,
      { idleMinutes: 30, absoluteHours: 12 },
      { userId, authMethod: 'password', awaitingSecondFactor: false, ip: null, userAgent: null },
    );
    const since = await lastSeq();
    await setUserActive(db, admin, userId, false);
    const [row] = await db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId)));
    expect(row!.revokedAt).toBeInstanceOf(Date);
    expect((await loadSession(db, { idleMinutes: 30, absoluteHours: 12 }, token)).status).toBe('expired');
    await setUserActive(db, admin, userId, true);
    expect((await eventsSince(since)).map((e) => e.action)).toEqual(['user.deactivate', 'user.reactivate']);
  });

  it('an administrator cannot deactivate themselves; unknown people are not found', async () => {
    const before = await counts();
    await expect(setUserActive(db, admin, adminActor.userId, false)).rejects.toThrow(ForbiddenError);
    await expect(setUserActive(db, admin, randomUUID(), false)).rejects.toThrow(NotFoundError);
    await expect(setUserActive(db, admin, randomUUID(), true)).rejects.toThrow(NotFoundError);
    expect(await counts()).toEqual(before);
  });

  it('a malformed person id is "not found" for every change (not a database error)', async () => {
    const before = await counts();
    await expect(setUserActive(db, admin, 'nope', false)).rejects.toThrow(NotFoundError);
    await expect(setUserActive(db, admin, 'nope', true)).rejects.toThrow(NotFoundError);
    await expect(issueSetupLink(db, admin, 'nope')).rejects.toThrow(NotFoundError);
    await expect(addMembership(db, admin, 'nope', { organisationId: org.RHU, role: 'auditor' })).rejects.toThrow(NotFoundError);
    await expect(removeMembership(db, admin, 'nope', randomUUID())).rejects.toThrow(NotFoundError);
    expect(await counts()).toEqual(before);
    expect((await db.select().from(users).where(eq(users.id, adminActor.userId)))[0]!.active).toBe(true);
  });
});

describe('reading people', () => {
  it('lists and views are audited, and only for roles allowed to see people', async () => {
    const auditor: RequestContext = { ...admin, actor: { ...adminActor, role: 'auditor' } };
    const since = await lastSeq();
    const list = await listUsers(db, auditor, { q: 'Ada' });
    expect(list.map((u) => u.email)).toEqual(['admin@example.org']);
    expect(list[0]!.roles).toBe('system_admin');
    expect(list[0]!.organisations).toBe('NHS Hampshire and Isle of Wight Integrated Care Board');
    const detail = await getUser(db, auditor, adminActor.userId);
    expect(detail.user).toMatchObject({ email: 'admin@example.org', passwordSet: true, ssoLinked: false });
    expect(detail.memberships).toHaveLength(1);
    const events = await eventsSince(since);
    expect(events.map((e) => e.action)).toEqual(['user.list', 'user.view']);
    expect(events[1]).toMatchObject({ verb: 'R', entityId: adminActor.userId, actorRole: 'auditor' });

    const clinician: RequestContext = { ...admin, actor: { ...adminActor, role: 'point_of_care' } };
    await expect(listUsers(db, clinician)).rejects.toThrow(ForbiddenError);
    await expect(getUser(db, clinician, adminActor.userId)).rejects.toThrow(ForbiddenError);
  });

  it('a search with LIKE wildcards matches them literally', async () => {
    expect(await listUsers(db, admin, { q: '%' })).toEqual([]);
  });

  it('an unknown or malformed id is not found', async () => {
    await expect(getUser(db, admin, randomUUID())).rejects.toThrow(NotFoundError);
    await expect(getUser(db, admin, 'nope')).rejects.toThrow(NotFoundError);
  });

  it('every change above left an unbroken audit chain', async () => {
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});
