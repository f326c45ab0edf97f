import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/platform/db/engine';

/**
 * A fresh, migrated database for one test file: PGlite in memory by default; when TEST_DATABASE_URL
 * is set, a throwaway database created on that PostgreSQL server and dropped again on close.
 */
export interface TestDatabase extends Database {
  /** Connection URL when on PostgreSQL (for tests that start a second process), else undefined. */
  url: string | undefined;
}

export const onPostgres = () => !!process.env.TEST_DATABASE_URL;

export async function openTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const db = await openDatabase({ dataDir: 'memory://' });
    return Object.assign(db, { url: undefined });
  }
  const name = `beacon_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString() });
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: url.toString(),
    async close() {
      await close();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  });
}
