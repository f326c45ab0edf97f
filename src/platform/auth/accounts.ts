import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/engine';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';
import { decryptText, encryptText } from '../crypto';
import { burnPasswordCheck, verifyPassword } from './password';
import { users } from './schema';
import { checkTotp, newTotpSecret } from './totp';

export interface LockoutPolicy {
  maxFailures: number;
  lockoutMinutes: number;
}

export type PasswordSignIn =
  | { ok: true; userId: string; needsSecondFactor: boolean }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date };

const findByEmail = async (db: Db, email: string) =>
  (await db.select().from(users).where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`).limit(1))[0];

/**
 * Check an email and password. Unknown accounts and wrong passwords get the same answer and take the
 * same time; repeated failures lock the account for a while; a locked account is not even checked.
 * Every attempt is audited.
 */
export async function signInWithPassword(
  db: Db,
  policy: LockoutPolicy,
  ctx: RequestContext,
  email: string,
  password: string,
  now = new Date(),
): Promise<PasswordSignIn> {
  const user = await findByEmail(db, email);
  const audit = (tx: Db, outcome: 'success' | 'failure' | 'denied', why: string, userId: string | null) =>
    recordAudit(tx, ctx, {
      action: 'user.sign-in',
      verb: 'E',
      outcome,
      entityType: 'User',
      entityId: userId ?? undefined,
      actorUserId: userId,
      actorName: user?.displayName ?? null,
      detail: { method: 'password', email: email.trim().toLowerCase().slice(0, 200), result: why },
    });

  if (!user || !user.active || !user.passwordHash) {
    await burnPasswordCheck(password);
    await db.transaction((tx) => audit(tx, 'failure', !user ? 'unknown account' : !user.active ? 'account deactivated' : 'no password set', user?.id ?? null));
    return { ok: false, reason: 'invalid' };
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    await db.transaction((tx) => audit(tx, 'denied', 'account locked', user.id));
    return { ok: false, reason: 'locked', until: user.lockedUntil };
  }
  const good = await verifyPassword(user.passwordHash, password);
  if (!good) return recordFailure(db, policy, user.id, now, (tx, why) => audit(tx, 'failure', why, user.id));

  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ failedSignIns: 0, lockedUntil: null, ...(user.totpEnabled ? {} : { lastSignInAt: now }) })
      .where(eq(users.id, user.id));
    await audit(tx, 'success', user.totpEnabled ? 'password accepted, second factor needed' : 'signed in', user.id);
  });
  return { ok: true, userId: user.id, needsSecondFactor: user.totpEnabled };
}

async function recordFailure(db: Db, policy: LockoutPolicy, userId: string, now: Date, audit: (tx: Db, why: string) => Promise<void>): Promise<PasswordSignIn> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ failedSignIns: sql`${users.failedSignIns} + 1` })
      .where(eq(users.id, userId))
      .returning({ failed: users.failedSignIns });
    if ((row?.failed ?? 0) >= policy.maxFailures) {
      const until = new Date(now.getTime() + policy.lockoutMinutes * 60_000);
      await tx.update(users).set({ failedSignIns: 0, lockedUntil: until }).where(eq(users.id, userId));
      await audit(tx, `wrong credentials; account locked until ${until.toISOString()}`);
      return { ok: false, reason: 'locked', until } as const;
    }
    await audit(tx, 'wrong credentials');
    return { ok: false, reason: 'invalid' } as const;
  });
}

/** The second step: a TOTP code. Wrong codes count towards the same lockout as wrong passwords. */
export async function verifySecondFactor(
  db: Db,
  key: Buffer,
  policy: LockoutPolicy,
  ctx: RequestContext,
  userId: string,
  code: string,
  now = new Date(),
): Promise<PasswordSignIn> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user || !user.active || !user.totpEnabled || !user.totpSecretEnc) return { ok: false, reason: 'invalid' };
  const audit = (tx: Db, outcome: 'success' | 'failure' | 'denied', why: string) =>
    recordAudit(tx, ctx, {
      action: 'user.sign-in.second-factor',
      verb: 'E',
      outcome,
      entityType: 'User',
      entityId: user.id,
      actorUserId: user.id,
      actorName: user.displayName,
      detail: { method: 'totp', result: why },
    });
  if (user.lockedUntil && user.lockedUntil > now) {
    await db.transaction((tx) => audit(tx, 'denied', 'account locked'));
    return { ok: false, reason: 'locked', until: user.lockedUntil };
  }
  const step = await checkTotp(decryptText(key, user.totpSecretEnc, user.id), code, user.totpLastStep);
  if (step === null) return recordFailure(db, policy, user.id, now, (tx, why) => audit(tx, 'failure', why));
  await db.transaction(async (tx) => {
    await tx.update(users).set({ totpLastStep: step, failedSignIns: 0, lastSignInAt: now }).where(eq(users.id, user.id));
    await audit(tx, 'success', 'signed in');
  });
  return { ok: true, userId: user.id, needsSecondFactor: false };
}

/** Begin TOTP enrolment: a new secret is stored (encrypted) but not yet required. */
export async function startTotpEnrolment(db: Db, key: Buffer, userId: string): Promise<string> {
  const secret = newTotpSecret();
  await db
    .update(users)
    .set({ totpSecretEnc: encryptText(key, secret, userId), totpEnabled: false, totpLastStep: null, updatedAt: new Date() })
    .where(eq(users.id, userId));
  return secret;
}

export async function pendingTotpSecret(db: Db, key: Buffer, userId: string): Promise<string | null> {
  const [u] = await db.select({ enc: users.totpSecretEnc, on: users.totpEnabled }).from(users).where(eq(users.id, userId));
  return u?.enc && !u.on ? decryptText(key, u.enc, userId) : null;
}

/** Finish enrolment with a code from the app: proves the app holds the secret before it is required. */
export async function confirmTotpEnrolment(db: Db, key: Buffer, ctx: RequestContext, userId: string, code: string): Promise<boolean> {
  const secret = await pendingTotpSecret(db, key, userId);
  if (!secret) return false;
  const step = await checkTotp(secret, code, null);
  if (step === null) return false;
  await db.transaction(async (tx) => {
    await tx.update(users).set({ totpEnabled: true, totpLastStep: step, updatedAt: new Date() }).where(eq(users.id, userId));
    await recordAudit(tx, ctx, { action: 'user.totp.enable', verb: 'U', entityType: 'User', entityId: userId });
  });
  return true;
}
