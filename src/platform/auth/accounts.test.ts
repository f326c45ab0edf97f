import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db';
import { auditEvents } from '../audit/schema';
import type { RequestContext } from '../context';
import { decrypt, decryptText, encrypt, encryptText, safeEqual, sha256Hex } from '../crypto';
import type { Db } from '../db/engine';
import { confirmTotpEnrolment, pendingTotpSecret, signInWithPassword, startTotpEnrolment, verifySecondFactor, type LockoutPolicy } from './accounts';
import { hashPassword, passwordProblem, verifyPassword } from './password';
import { sessions, users } from './schema';
import { createSession, loadSession, purgeSessions, revokeSession, revokeUserSessions, SECOND_FACTOR_WINDOW_MS, type SessionPolicy } from './sessions';
import { checkTotp, newTotpSecret, totpCode } from './totp';

const KEY = randomBytes(32);
const PASSWORD = 'a sensible long passphrase';
const policy: LockoutPolicy = { maxFailures: 3, lockoutMinutes: 15 };
const ctx: RequestContext = { actor: null, ip: '192.0.2.7', correlationId: 'accounts-test' };

let tdb: TestDatabase;
let db: Db;
let passwordHash: string;

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(async () => {
  await tdb?.close();
});

let n = 0;
async function newUser(overrides: Partial<typeof users.$inferInsert> = {}) {
  n++;
  const [u] = await db
    .insert(users)
    .values({ email: `person${n}@example.org`, displayName: `Person ${n}`, passwordHash, ...overrides })
    .returning();
  return u!;
}
const userRow = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
const eventsSince = async (seq: number) => db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));
const lastSeq = async () => (await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq))).at(-1)?.seq ?? 0;
const epoch = () => Math.floor(Date.now() / 1000);

describe('password sign-in', () => {
  it('accepts the right password (email matched case-insensitively) and audits it', async () => {
    const u = await newUser();
    const since = await lastSeq();
    const now = new Date('2030-01-01T09:00:00Z');
    const result = await signInWithPassword(db, policy, ctx, `  ${u.email.toUpperCase()} `, PASSWORD, now);
    expect(result).toEqual({ ok: true, userId: u.id, needsSecondFactor: false });
    expect((await userRow(u.id)).lastSignInAt).toEqual(now);
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({ action: 'user.sign-in', outcome: 'success', entityId: u.id, actorUserId: u.id, ip: '192.0.2.7' });
    // The password is never written to the audit trail.
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
  });

  it('refuses a wrong password, counts the failure and audits it', async () => {
    const u = await newUser();
    const since = await lastSeq();
    expect(await signInWithPassword(db, policy, ctx, u.email, 'not the password at all')).toEqual({ ok: false, reason: 'invalid' });
    expect((await userRow(u.id)).failedSignIns).toBe(1);
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({
      action: 'user.sign-in',
      outcome: 'failure',
      entityId: u.id,
      detail: expect.objectContaining({ result: 'wrong credentials' }),
    });
  });

  it('gives an unknown email exactly the same answer as a wrong password', async () => {
    const u = await newUser();
    const wrong = await signInWithPassword(db, policy, ctx, u.email, 'not the password at all');
    const since = await lastSeq();
    const unknown = await signInWithPassword(db, policy, ctx, 'nobody@example.org', PASSWORD);
    expect(unknown).toEqual(wrong);
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({
      action: 'user.sign-in',
      outcome: 'failure',
      actorUserId: null,
      entityId: null,
      detail: expect.objectContaining({ email: 'nobody@example.org', result: 'unknown account' }),
    });
  });

  it('refuses a deactivated account and one with no password set, with the same answer', async () => {
    const gone = await newUser({ active: false });
    const ssoOnly = await newUser({ passwordHash: null });
    expect(await signInWithPassword(db, policy, ctx, gone.email, PASSWORD)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signInWithPassword(db, policy, ctx, ssoOnly.email, PASSWORD)).toEqual({ ok: false, reason: 'invalid' });
  });

  it(`locks the account after ${policy.maxFailures} failures; the right password is then refused until the lock ends`, async () => {
    const u = await newUser();
    const t0 = new Date('2030-02-01T10:00:00Z');
    for (let i = 1; i < policy.maxFailures; i++)
      expect(await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!', t0)).toEqual({ ok: false, reason: 'invalid' });
    const locked = await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!', t0);
    const until = new Date(t0.getTime() + policy.lockoutMinutes * 60_000);
    expect(locked).toEqual({ ok: false, reason: 'locked', until });
    expect(await userRow(u.id)).toMatchObject({ lockedUntil: until, failedSignIns: 0 });

    const since = await lastSeq();
    const during = new Date(until.getTime() - 1000);
    expect(await signInWithPassword(db, policy, ctx, u.email, PASSWORD, during)).toEqual({ ok: false, reason: 'locked', until });
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({ outcome: 'denied', detail: expect.objectContaining({ result: 'account locked' }) });

    const after = new Date(until.getTime() + 1000);
    expect(await signInWithPassword(db, policy, ctx, u.email, PASSWORD, after)).toEqual({ ok: true, userId: u.id, needsSecondFactor: false });
    expect(await userRow(u.id)).toMatchObject({ lockedUntil: null, failedSignIns: 0 });
  });

  it('a successful sign-in resets the failure count', async () => {
    const u = await newUser();
    await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!');
    await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!');
    await signInWithPassword(db, policy, ctx, u.email, PASSWORD);
    expect((await userRow(u.id)).failedSignIns).toBe(0);
    // Two more failures do not lock (the count started again).
    await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!');
    expect(await signInWithPassword(db, policy, ctx, u.email, 'wrong password!!')).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('two-factor authentication', () => {
  it('enrolment stores the secret encrypted, bound to the user, and is not required until confirmed', async () => {
    const u = await newUser();
    const secret = await startTotpEnrolment(db, KEY, u.id);
    const row = await userRow(u.id);
    expect(row.totpEnabled).toBe(false);
    expect(row.totpSecretEnc).not.toContain(secret);
    expect(decryptText(KEY, row.totpSecretEnc!, u.id)).toBe(secret);
    expect(() => decryptText(KEY, row.totpSecretEnc!, randomUUID())).toThrow();
    expect(await pendingTotpSecret(db, KEY, u.id)).toBe(secret);
    expect(await signInWithPassword(db, policy, ctx, u.email, PASSWORD)).toMatchObject({ ok: true, needsSecondFactor: false });
  });

  it('a wrong confirmation code does not enable it', async () => {
    const u = await newUser();
    const secret = await startTotpEnrolment(db, KEY, u.id);
    const wrong = (await totpCode(secret)) === '000000' ? '111111' : '000000';
    expect(await confirmTotpEnrolment(db, KEY, ctx, u.id, wrong)).toBe(false);
    expect(await confirmTotpEnrolment(db, KEY, ctx, u.id, 'abc')).toBe(false);
    expect((await userRow(u.id)).totpEnabled).toBe(false);
  });

  it('enrol, confirm, then sign in with password and a code; a replayed code is refused', async () => {
    const u = await newUser();
    const secret = await startTotpEnrolment(db, KEY, u.id);
    // Confirm with the previous step's code (within the drift allowed), so the sign-in code is newer.
    expect(await confirmTotpEnrolment(db, KEY, ctx, u.id, await totpCode(secret, epoch() - 30))).toBe(true);
    const enabled = await userRow(u.id);
    expect(enabled.totpEnabled).toBe(true);
    expect(enabled.totpLastStep).toEqual(expect.any(Number));
    expect(await pendingTotpSecret(db, KEY, u.id)).toBeNull();
    const [enableEvent] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'user.totp.enable'), eq(auditEvents.entityId, u.id)));
    expect(enableEvent).toBeDefined();

    expect(await signInWithPassword(db, policy, ctx, u.email, PASSWORD)).toEqual({ ok: true, userId: u.id, needsSecondFactor: true });
    // The sign-in is not complete until the second factor.
    expect((await userRow(u.id)).lastSignInAt).toBeNull();

    const code = await totpCode(secret);
    const since = await lastSeq();
    expect(await verifySecondFactor(db, KEY, policy, ctx, u.id, code)).toEqual({ ok: true, userId: u.id, needsSecondFactor: false });
    expect((await userRow(u.id)).lastSignInAt).toBeInstanceOf(Date);
    expect((await eventsSince(since))[0]).toMatchObject({ action: 'user.sign-in.second-factor', outcome: 'success' });

    // The same code again (someone who overheard it) is refused and counts as a failure.
    expect(await verifySecondFactor(db, KEY, policy, ctx, u.id, code)).toEqual({ ok: false, reason: 'invalid' });
    expect((await userRow(u.id)).failedSignIns).toBe(1);
  });

  it('the code used to confirm enrolment cannot be replayed as a second factor', async () => {
    const u = await newUser();
    const secret = await startTotpEnrolment(db, KEY, u.id);
    const code = await totpCode(secret);
    expect(await confirmTotpEnrolment(db, KEY, ctx, u.id, code)).toBe(true);
    expect(await verifySecondFactor(db, KEY, policy, ctx, u.id, code)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('wrong codes count towards the lockout, and a locked account cannot give its second factor', async () => {
    const u = await newUser();
    const secret = await startTotpEnrolment(db, KEY, u.id);
    expect(await confirmTotpEnrolment(db, KEY, ctx, u.id, await totpCode(secret, epoch() - 30))).toBe(true);
    const t0 = new Date();
    const wrong = (c: string) => (c === '123456' ? '654321' : '123456');
    let last: Awaited<ReturnType<typeof verifySecondFactor>> | undefined;
    for (let i = 0; i < policy.maxFailures; i++) last = await verifySecondFactor(db, KEY, policy, ctx, u.id, wrong(await totpCode(secret)), t0);
    expect(last).toMatchObject({ ok: false, reason: 'locked' });
    expect(await verifySecondFactor(db, KEY, policy, ctx, u.id, await totpCode(secret), t0)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('checkTotp accepts the current code, one step of drift, and refuses older or malformed codes', async () => {
    const secret = newTotpSecret();
    const now = epoch();
    const step = await checkTotp(secret, await totpCode(secret), null);
    expect(step).not.toBeNull();
    expect(step! - Math.floor(now / 30)).toBeGreaterThanOrEqual(0);
    expect(step! - Math.floor(now / 30)).toBeLessThanOrEqual(1);
    expect(await checkTotp(secret, (await totpCode(secret)).replace(/^(\d{3})/, '$1 '), null)).toBe(step);
    expect(await checkTotp(secret, await totpCode(secret, now - 300), null)).toBeNull();
    expect(await checkTotp(secret, await totpCode(secret), step)).toBeNull();
    expect(await checkTotp(secret, '12345', null)).toBeNull();
    expect(await checkTotp(secret, 'abcdef', null)).toBeNull();
  });
});

describe('sessions', () => {
  const sp: SessionPolicy = { idleMinutes: 30, absoluteHours: 12 };
  const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);

  async function start(userId: string, p = sp) {
    const token = await createSession(db, p, { userId, authMethod: 'password', awaitingSecondFactor: false, ip: '192.0.2.1', userAgent: 'vitest' });
    const [row] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(token)));
    return { token, row: row! };
  }

  it('stores only a hash of the token and loads the session from the cookie value', async () => {
    const u = await newUser();
    const { token, row } = await start(u.id);
    expect(await db.select().from(sessions).where(eq(sessions.tokenHash, token))).toEqual([]);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeGreaterThan(11.9 * 3_600_000);
    const state = await loadSession(db, sp, token, minutes(row.lastSeenAt, 1));
    expect(state).toMatchObject({
      status: 'active',
      session: { userId: u.id, authMethod: 'password', awaitingSecondFactor: false, user: { id: u.id, email: u.email, displayName: u.displayName } },
    });
  });

  it('unknown, missing and oversized tokens find nothing', async () => {
    expect(await loadSession(db, sp, 'no-such-token')).toEqual({ status: 'none' });
    expect(await loadSession(db, sp, undefined)).toEqual({ status: 'none' });
    expect(await loadSession(db, sp, 'x'.repeat(201))).toEqual({ status: 'none' });
  });

  it('expires after the idle timeout, and stays ended', async () => {
    const u = await newUser();
    const { token, row } = await start(u.id);
    expect((await loadSession(db, sp, token, minutes(row.lastSeenAt, sp.idleMinutes + 1))).status).toBe('expired');
    // Revoked, so it cannot come back even at an earlier time.
    expect((await loadSession(db, sp, token, minutes(row.lastSeenAt, 1))).status).toBe('expired');
    const [after] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(token)));
    expect(after!.revokedAt).toBeInstanceOf(Date);
  });

  it('activity keeps a session alive past the idle timeout measured from its start', async () => {
    const u = await newUser();
    const { token, row } = await start(u.id);
    const t1 = minutes(row.lastSeenAt, 20);
    expect((await loadSession(db, sp, token, t1)).status).toBe('active');
    expect((await loadSession(db, sp, token, minutes(t1, 20))).status).toBe('active'); // 40 minutes after start
  });

  it('expires at the absolute lifetime even when active', async () => {
    const u = await newUser();
    const p: SessionPolicy = { idleMinutes: 100_000, absoluteHours: 1 };
    const { token, row } = await start(u.id, p);
    expect((await loadSession(db, p, token, minutes(row.createdAt, 59))).status).toBe('active');
    expect((await loadSession(db, p, token, minutes(row.createdAt, 61))).status).toBe('expired');
  });

  it('a session waiting for its second factor lasts only minutes, not the absolute lifetime', async () => {
    const u = await newUser();
    const token = await createSession(db, sp, { userId: u.id, authMethod: 'password', awaitingSecondFactor: true, ip: null, userAgent: null });
    const [row] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(token)));
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeLessThanOrEqual(SECOND_FACTOR_WINDOW_MS + 1_000);
    expect((await loadSession(db, sp, token, minutes(row!.createdAt, 5))).status).toBe('active');
    expect((await loadSession(db, sp, token, minutes(row!.createdAt, 11))).status).toBe('expired');
  });

  it('a revoked session is not loaded', async () => {
    const u = await newUser();
    const { token, row } = await start(u.id);
    await revokeSession(db, row.tokenHash);
    expect(await loadSession(db, sp, token)).toEqual({ status: 'expired' });
  });

  it("a deactivated user's sessions end", async () => {
    const u = await newUser();
    const a = await start(u.id);
    const b = await start(u.id);
    await db.update(users).set({ active: false }).where(eq(users.id, u.id));
    expect((await loadSession(db, sp, a.token)).status).toBe('expired');
    expect((await loadSession(db, sp, b.token)).status).toBe('expired');
  });

  it("revoking a user's sessions ends every one of theirs and nobody else's", async () => {
    const v = await newUser();
    const w = await newUser();
    const c = await start(v.id);
    const d = await start(v.id);
    const other = await start(w.id);
    await revokeUserSessions(db, v.id);
    expect((await loadSession(db, sp, c.token)).status).toBe('expired');
    expect((await loadSession(db, sp, d.token)).status).toBe('expired');
    expect((await loadSession(db, sp, other.token)).status).toBe('active');
  });

  it('purge deletes sessions that ended more than a day ago', async () => {
    const u = await newUser();
    const old = await start(u.id);
    const live = await start(u.id);
    await revokeSession(db, old.row.tokenHash);
    await purgeSessions(db, new Date(Date.now() + 25 * 3_600_000));
    const left = (await db.select({ h: sessions.tokenHash }).from(sessions).where(eq(sessions.userId, u.id))).map((r) => r.h);
    expect(left).not.toContain(old.row.tokenHash);
    expect(left).toContain(live.row.tokenHash);
  });
});

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    expect(passwordHash.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(passwordHash, PASSWORD)).toBe(true);
    expect(await verifyPassword(passwordHash, PASSWORD + ' ')).toBe(false);
    expect(await verifyPassword('not a hash', PASSWORD)).toBe(false);
  });

  it('explains what is wrong with a weak password', () => {
    expect(passwordProblem('short')).toMatch(/at least 12 characters/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/same few characters/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/256 characters or fewer/);
    expect(passwordProblem('jane.doe-is-my-password', 'jane.doe@example.org')).toMatch(/email address/);
    expect(passwordProblem(PASSWORD, 'someone@example.org')).toBeNull();
  });
});

describe('encryption at rest', () => {
  const key = randomBytes(32);

  it('round-trips any bytes, with and without associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (bytes, aad) => {
        const plain = Buffer.from(bytes);
        expect(decrypt(key, encrypt(key, plain, aad), aad).equals(plain)).toBe(true);
      }),
    );
    expect(decryptText(key, encryptText(key, 'JBSWY3DPEHPK3PXP', 'user-1'), 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh nonce: the same plaintext encrypts differently each time', () => {
    const a = encryptText(key, 'same');
    const b = encryptText(key, 'same');
    expect(a).not.toBe(b);
  });

  it('detects tampering with the ciphertext, nonce or tag', () => {
    const blob = encrypt(key, Buffer.from('photograph bytes'), 'case-9');
    for (const at of [1, 5, 13, 20, 29, blob.length - 1]) {
      const bad = Buffer.from(blob);
      bad[at]! ^= 0x01;
      expect(() => decrypt(key, bad, 'case-9'), `byte ${at}`).toThrow();
    }
    expect(() => decrypt(key, blob.subarray(0, blob.length - 1), 'case-9')).toThrow();
  });

  it('binds a ciphertext to its associated data: copied to another owner, it does not decrypt', () => {
    const blob = encrypt(key, Buffer.from('secret'), 'user-a');
    expect(() => decrypt(key, blob, 'user-b')).toThrow();
    expect(() => decrypt(key, blob)).toThrow();
    expect(() => decrypt(key, encrypt(key, Buffer.from('secret')), 'user-a')).toThrow();
  });

  it('refuses the wrong key, a short key and values that are not Beacon ciphertexts', () => {
    const blob = encrypt(key, Buffer.from('secret'));
    expect(() => decrypt(randomBytes(32), blob)).toThrow();
    expect(() => encrypt(randomBytes(16), Buffer.from('x'))).toThrow('Encryption key must be 32 bytes');
    expect(() => decrypt(key, Buffer.alloc(10))).toThrow('Not an encrypted Beacon value');
    const wrongVersion = Buffer.from(blob);
    wrongVersion[0] = 9;
    expect(() => decrypt(key, wrongVersion)).toThrow('Not an encrypted Beacon value');
  });

  it('safeEqual compares strings in full', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
