import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/engine';
import { randomToken, sha256Hex } from '../crypto';
import { sessions, users } from './schema';

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
}

export interface LoadedSession {
  tokenHash: string;
  userId: string;
  membershipId: string | null;
  awaitingSecondFactor: boolean;
  authMethod: string;
  createdAt: Date;
  user: { id: string; email: string; displayName: string; totpEnabled: boolean };
}

export type SessionState = { status: 'active'; session: LoadedSession } | { status: 'expired' } | { status: 'none' };

/** A session that has only passed the password step may live long enough to type a code, no longer. */
export const SECOND_FACTOR_WINDOW_MS = 10 * 60_000;

/** Start a session; returns the cookie value. Only its hash is stored. */
export async function createSession(
  db: Db,
  policy: SessionPolicy,
  input: { userId: string; authMethod: string; awaitingSecondFactor: boolean; membershipId?: string | null; ip: string | null; userAgent: string | null },
): Promise<string> {
  const token = randomToken();
  await db.insert(sessions).values({
    tokenHash: sha256Hex(token),
    userId: input.userId,
    membershipId: input.membershipId ?? null,
    awaitingSecondFactor: input.awaitingSecondFactor,
    authMethod: input.authMethod,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 400) ?? null,
    expiresAt: new Date(Date.now() + (input.awaitingSecondFactor ? SECOND_FACTOR_WINDOW_MS : policy.absoluteHours * 3_600_000)),
  });
  return token;
}

// Writing last_seen on every request would make every page view a write; a minute's precision is enough.
const TOUCH_EVERY_MS = 60_000;

/** The columns a session is judged by: the session row and its person. Other modules join more to it. */
export const sessionColumns = {
  s: sessions,
  u: { id: users.id, email: users.email, displayName: users.displayName, totpEnabled: users.totpEnabled, active: users.active },
};

export interface SessionRow {
  s: typeof sessions.$inferSelect;
  u: { id: string; email: string; displayName: string; totpEnabled: boolean; active: boolean };
}

/** The stored hash of a cookie value, or null for a value that cannot be a session. */
export function sessionTokenHash(token: string | undefined): string | null {
  return !token || token.length > 200 ? null : sha256Hex(token);
}

/**
 * Find the session for a cookie value, enforcing the absolute lifetime, the idle timeout, revocation
 * and the account still being active. An expired session is revoked so it can never come back.
 */
export async function loadSession(db: Db, policy: SessionPolicy, token: string | undefined, now = new Date()): Promise<SessionState> {
  const tokenHash = sessionTokenHash(token);
  if (!tokenHash) return { status: 'none' };
  const [row] = await db
    .select(sessionColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash))
    .limit(1);
  return settleSession(db, policy, tokenHash, row, now);
}

/**
 * Judge a session row read with {@link sessionColumns} (by loadSession, or by a query that also reads
 * what the session acts as): revoke it when it has expired, note when it was last used.
 */
export async function settleSession(db: Db, policy: SessionPolicy, tokenHash: string, row: SessionRow | undefined, now = new Date()): Promise<SessionState> {
  if (!row) return { status: 'none' };
  const { s, u } = row;
  const idleLimit = new Date(now.getTime() - policy.idleMinutes * 60_000);
  if (s.revokedAt) return { status: 'expired' };
  if (s.expiresAt <= now || s.lastSeenAt < idleLimit || !u.active) {
    await db.update(sessions).set({ revokedAt: now }).where(eq(sessions.tokenHash, tokenHash));
    return { status: 'expired' };
  }
  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));
  }
  return {
    status: 'active',
    session: {
      tokenHash,
      userId: s.userId,
      membershipId: s.membershipId,
      awaitingSecondFactor: s.awaitingSecondFactor,
      authMethod: s.authMethod,
      createdAt: s.createdAt,
      user: { id: u.id, email: u.email, displayName: u.displayName, totpEnabled: u.totpEnabled },
    },
  };
}

export async function updateSession(db: Db, tokenHash: string, patch: { membershipId?: string | null; awaitingSecondFactor?: boolean }): Promise<void> {
  await db.update(sessions).set(patch).where(eq(sessions.tokenHash, tokenHash));
}

export async function revokeSession(db: Db, tokenHash: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)));
}

/** Sign a person out everywhere (deactivation, password change). */
export async function revokeUserSessions(db: Db, userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** Periodic clean-up: sessions ended more than a day ago are deleted. */
export async function purgeSessions(db: Db, now = new Date()): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db.delete(sessions).where(or(lt(sessions.expiresAt, dayAgo), lt(sessions.revokedAt, dayAgo)));
}
