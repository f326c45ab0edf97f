import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, openTestDatabase, type TestDatabase } from '../../../test/support/db';
import { createThrowawayDatabase } from '../../../test/support/pg-throwaway';
import { DatabaseUnavailableError, openDatabase } from './engine';
import { rows } from './sql';
import { acquireDataDirLock, DataDirLockedError } from './lock';
import { loadMigrations, MIGRATIONS_DIR, runMigrations, type RawClient } from './migrate';

/** A raw client on a brand-new, empty database of the engine under test. */
interface FreshClient extends RawClient {
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

async function freshClient(): Promise<FreshClient> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const lite = await PGlite.create(undefined, { extensions: { pg_trgm } });
    return { query: async (t, p) => (await lite.query(t, p as unknown[])).rows as Record<string, unknown>[], close: () => lite.close() };
  }
  const throwaway = await createThrowawayDatabase(base, 'beacon_m');
  const client = new pg.Client({ connectionString: throwaway.url });
  await client.connect();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.end();
    await throwaway.drop();
  };
  cleanups.push(close);
  return { query: async (t, p) => (await client.query(t, p as unknown[])).rows, close };
}

/** A second raw client on the same PostgreSQL database as `c` (PostgreSQL only). */
async function secondClientLike(url: string): Promise<RawClient & { end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return { query: async (t, p) => (await client.query(t, p as unknown[])).rows, end: () => client.end() };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function copyMigrations(): string {
  const dir = tempDir('beacon-migrations-');
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('migrations', () => {
  const tags = loadMigrations().map((m) => m.tag);

  it('loads the migrations in journal order, each with a checksum and statements', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThanOrEqual(2);
    expect(ms.map((m) => m.tag)).toEqual([...tags].sort());
    for (const m of ms) {
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(m.statements.length).toBeGreaterThan(0);
      for (const s of m.statements) expect(s).not.toContain('--> statement-breakpoint');
    }
  });

  it('applies every migration once on an empty database; running again is a no-op', async () => {
    const c = await freshClient();
    try {
      expect(await runMigrations(c)).toEqual(tags);
      const recorded = await c.query('SELECT tag, checksum FROM beacon_migrations ORDER BY tag');
      expect(recorded.map((r) => r.tag)).toEqual(tags);
      expect(recorded.map((r) => r.checksum)).toEqual(loadMigrations().map((m) => m.checksum));

      expect(await runMigrations(c)).toEqual([]);
      expect(await runMigrations(c)).toEqual([]);
      const [again] = await c.query('SELECT count(*)::int AS n FROM beacon_migrations');
      expect(again!.n).toBe(tags.length);
      // The schema is really there.
      const tables = (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).map((r) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'organisations', 'units', 'memberships', 'audit_events', 'jobs', 'geographies']));
    } finally {
      await c.close();
    }
  });

  it('refuses to start when an applied migration file was changed, and applies nothing', async () => {
    const c = await freshClient();
    const dir = copyMigrations();
    try {
      await runMigrations(c, dir);
      const first = loadMigrations(dir)[0]!;
      fs.appendFileSync(path.join(dir, `${first.tag}.sql`), '\n-- edited after it was applied\n');
      await expect(runMigrations(c, dir)).rejects.toThrow(`Migration ${first.tag} was changed after it was applied`);
      const [row] = await c.query('SELECT checksum FROM beacon_migrations WHERE tag = $1', [first.tag]);
      expect(row!.checksum).toBe(first.checksum);
      // The advisory lock was released: the original files still run (as a no-op).
      expect(await runMigrations(c)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await c.close();
    }
  });

  it('applies only a new migration, and a failing migration is rolled back and not recorded', async () => {
    const c = await freshClient();
    const dir = copyMigrations();
    try {
      await runMigrations(c, dir);
      const journalPath = path.join(dir, 'meta', '_journal.json');
      const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
      const nextIdx = Math.max(...journal.entries.map((e) => e.idx)) + 1;
      journal.entries.push({ idx: nextIdx, tag: '9998_good' }, { idx: nextIdx + 1, tag: '9999_bad' });
      fs.writeFileSync(journalPath, JSON.stringify(journal));
      fs.writeFileSync(path.join(dir, '9998_good.sql'), 'CREATE TABLE test_good (id int);');
      fs.writeFileSync(path.join(dir, '9999_bad.sql'), 'CREATE TABLE test_half (id int);\n--> statement-breakpoint\nSELECT * FROM no_such_table;');

      await expect(runMigrations(c, dir)).rejects.toThrow(/Migration 9999_bad failed: .*no_such_table/);
      const recorded = (await c.query('SELECT tag FROM beacon_migrations')).map((r) => r.tag);
      expect(recorded).toContain('9998_good');
      expect(recorded).not.toContain('9999_bad');
      const [half] = await c.query(`SELECT to_regclass('public.test_half') AS t`);
      expect(half!.t).toBeNull();
      const [good] = await c.query(`SELECT to_regclass('public.test_good') AS t`);
      expect(good!.t).not.toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await c.close();
    }
  });

  it.runIf(onPostgres())('two processes migrating at once apply each migration exactly once (PostgreSQL)', async () => {
    const c = await freshClient();
    // Find the URL of the fresh database through the first client.
    const [{ db }] = (await c.query('SELECT current_database() AS db')) as [{ db: string }];
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${db}`;
    const other = await secondClientLike(url.toString());
    try {
      const [a, b] = await Promise.all([runMigrations(c), runMigrations(other)]);
      expect([...a, ...b].sort()).toEqual(tags);
      const [n] = await c.query('SELECT count(*)::int AS n FROM beacon_migrations');
      expect(n!.n).toBe(tags.length);
    } finally {
      await other.end();
      await c.close();
    }
  });

  describe('the test database', () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await openTestDatabase();
    });
    afterAll(async () => {
      await tdb?.close();
    });

    it('was migrated once on opening, with the append-only audit trigger in place', async () => {
      const rows = await tdb.query<{ tag: string }>('SELECT tag FROM beacon_migrations ORDER BY tag');
      expect(rows.map((r) => r.tag)).toEqual(tags);
      const triggers = await tdb.query<{ tgname: string }>(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal ORDER BY tgname`,
      );
      expect(triggers.map((t) => t.tgname)).toEqual(['audit_events_no_truncate', 'audit_events_no_update']);
      expect(tdb.describe()).toMatch(onPostgres() ? /^PostgreSQL .* as beacon_app$/ : /^PGlite/);
    });

    it.runIf(onPostgres())('prepares each parameterised statement once per connection, by a name taken from its text (PostgreSQL)', async () => {
      const { sql } = await import('drizzle-orm');
      const text = 'SELECT $1::int + 1 AS n /* prepared-per-connection test */';
      const prepared = await tdb.db.transaction(async (tx) => {
        // One connection for the whole transaction: the second and third runs reuse the statement.
        for (const n of [1, 2, 3]) await tx.execute(sql.raw(text.replace('$1', String(n))));
        for (const n of [1, 2, 3]) await tx.execute(sql`SELECT ${n}::int + 1 AS n /* prepared-per-connection test */`);
        return rows<{ name: string; statement: string }>(
          tx,
          sql`SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE ${'%prepared-per-connection test%'}`,
        );
      });
      // The three parameterised runs share one named statement; the unparameterised texts are not prepared.
      expect(prepared).toHaveLength(1);
      expect(prepared[0]!.name).toMatch(/^b_[0-9a-f]{32}$/);
    });

    it.runIf(onPostgres())('runs as the application role, which may not change migration history (PostgreSQL)', async () => {
      const [me] = await tdb.query<{ u: string }>('SELECT current_user AS u');
      expect(me!.u).toBe('beacon_app');
      await expect(tdb.query(`INSERT INTO beacon_migrations (tag, checksum) VALUES ('x', 'y')`)).rejects.toThrow(/permission denied/);
      // Reopening the same database (as the owner) finds nothing to apply.
      const again = await openDatabase({ databaseUrl: tdb.url! });
      try {
        const rows = await again.query<{ n: number }>('SELECT count(*)::int AS n FROM beacon_migrations');
        expect(rows[0]!.n).toBe(tags.length);
      } finally {
        await again.close();
      }
    });
  });
});

describe('data directory lock', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const newDir = () => {
    const d = tempDir('beacon-lock-');
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('writes our PID to the lock file and removes it on release', () => {
    const dir = newDir();
    const lock = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, 'beacon.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(fs.existsSync(path.join(dir, 'beacon.lock'))).toBe(false);
    lock.release(); // twice is harmless
    // Free again afterwards.
    acquireDataDirLock(dir).release();
  });

  it('refuses a directory locked by another live process (parent PID), with a clear message', () => {
    const dir = newDir();
    fs.writeFileSync(path.join(dir, 'beacon.lock'), String(process.ppid));
    let caught: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DataDirLockedError);
    const e = caught as DataDirLockedError;
    expect(e.pid).toBe(process.ppid);
    expect(e.dir).toBe(dir);
    expect(e.message).toContain(`already in use by another Beacon process (PID ${process.ppid})`);
    expect(e.message).toContain(dir);
    expect(e.message).toContain('BEACON_DATA_DIR');
    // The other process's lock is left alone.
    expect(fs.readFileSync(path.join(dir, 'beacon.lock'), 'utf8')).toBe(String(process.ppid));
  });

  it('refuses a directory locked by a running child process, and opening the database there fails the same way', async () => {
    const dir = newDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child);
    expect(child.pid).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, 'beacon.lock'), String(child.pid));
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
    // No embedded database was created in a directory someone else holds.
    expect(fs.existsSync(path.join(dir, 'pgdata'))).toBe(false);
  });

  it('takes over a stale lock whose process has gone', () => {
    const dir = newDir();
    const finished = spawnSync(process.execPath, ['-e', '']);
    expect(finished.pid).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, 'beacon.lock'), String(finished.pid));
    const lock = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, 'beacon.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
  });

  it('takes over a lock file that holds no PID', () => {
    const dir = newDir();
    fs.writeFileSync(path.join(dir, 'beacon.lock'), 'garbage');
    const lock = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, 'beacon.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
  });

  it('release does not remove a lock now held by someone else', () => {
    const dir = newDir();
    const lock = acquireDataDirLock(dir);
    fs.writeFileSync(path.join(dir, 'beacon.lock'), String(process.ppid));
    lock.release();
    expect(fs.readFileSync(path.join(dir, 'beacon.lock'), 'utf8')).toBe(String(process.ppid));
  });
});

describe('PostgreSQL unavailable', () => {
  it('throws DatabaseUnavailableError with a clear message when nothing listens at the address', async () => {
    let caught: unknown;
    try {
      await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/x' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DatabaseUnavailableError);
    const e = caught as DatabaseUnavailableError;
    expect(e.message).toContain('Cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/x');
    expect(e.message).toContain('Is the database running, and is DATABASE_URL right?');
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('never puts the password in the message', async () => {
    const err = await openDatabase({ databaseUrl: 'postgres://beacon:s3cret-pw@127.0.0.1:1/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).not.toContain('s3cret-pw');
    expect((err as Error).message).toContain('beacon:****@127.0.0.1:1');
  });
});
