import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The least a migration needs from a connection: one session, so the advisory lock holds. */
export interface RawClient {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');
const LOCK_KEY = 4_207_310_001; // arbitrary, constant: "beacon migrations"

export interface Migration {
  tag: string;
  statements: string[];
  checksum: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map(({ tag }) => {
      const text = fs.readFileSync(path.join(dir, `${tag}.sql`), 'utf8');
      return {
        tag,
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    });
}

/**
 * Apply pending migrations in order, each in its own transaction, under a session advisory lock so
 * that several processes starting at once apply each migration exactly once. A migration file that
 * was edited after it was applied stops the start: history must not be rewritten.
 */
export async function runMigrations(client: RawClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = loadMigrations(dir);
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  const applied: string[] = [];
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS beacon_migrations (
         tag text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Map((await client.query('SELECT tag, checksum FROM beacon_migrations')).map((r) => [String(r.tag), String(r.checksum)]));
    for (const m of migrations) {
      const seen = done.get(m.tag);
      if (seen !== undefined) {
        if (seen !== m.checksum) throw new Error(`Migration ${m.tag} was changed after it was applied. Add a new migration instead.`);
        continue;
      }
      await client.query('BEGIN');
      try {
        for (const s of m.statements) await client.query(s);
        await client.query('INSERT INTO beacon_migrations (tag, checksum) VALUES ($1, $2)', [m.tag, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${m.tag} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.tag);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
  return applied;
}

/**
 * On PostgreSQL the service runs as a role that owns nothing: it may read and write the tables but
 * never UPDATE, DELETE or TRUNCATE the audit trail. Returns whether the role can be used (the
 * connecting user must be allowed to create it, or be a member of it already).
 */
export async function applyGrants(client: RawClient, role: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`Invalid application role name: ${role}`);
  const [me] = await client.query(
    `SELECT rolsuper OR rolcreaterole AS can_create,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role_exists
       FROM pg_roles WHERE rolname = current_user`,
    [role],
  );
  if (!me) return false;
  if (!me.role_exists) {
    if (!me.can_create) return false;
    try {
      await client.query(`CREATE ROLE ${role} NOLOGIN`);
    } catch (err) {
      // Another process created it between our check and now.
      if ((err as { code?: string }).code !== '42710') throw err;
    }
  }
  const [member] = await client.query(`SELECT pg_has_role(current_user, $1, 'MEMBER') AS ok`, [role]);
  if (!member?.ok) return false;
  await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ${role}`);
  await client.query(`REVOKE INSERT, DELETE, TRUNCATE ON audit_head FROM ${role}`);
  await client.query(`REVOKE ALL ON beacon_migrations FROM ${role}`);
  await client.query(`GRANT SELECT ON beacon_migrations TO ${role}`);
  return true;
}
