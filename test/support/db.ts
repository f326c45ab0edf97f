import { sql } from 'drizzle-orm';
import { type Database, type Db, openDatabase } from '../../src/platform/db/engine';
import { rows } from '../../src/platform/db/sql';
import { createThrowawayDatabase } from './pg-throwaway';

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
  const throwaway = await createThrowawayDatabase(base);
  const db = await openDatabase({ databaseUrl: throwaway.url });
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: throwaway.url,
    async close() {
      await close();
      await throwaway.drop();
    },
  });
}

/**
 * A function that counts the rows of every table of the database but `skip`, in one query (the table list
 * is read once). Shared by the route tests (route-fixtures.ts) and the fault benchmark.
 */
export async function tableRowCounter(db: Db, skip: readonly string[]): Promise<() => Promise<Record<string, number>>> {
  const skipped = new Set(skip);
  const tables = (
    await rows<{ name: string }>(
      db,
      sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    )
  )
    .map((r) => r.name)
    .filter((n) => !skipped.has(n));
  const query = sql.raw(tables.map((n) => `SELECT '${n}' AS name, count(*)::int AS n FROM "${n}"`).join(' UNION ALL '));
  return async () => Object.fromEntries((await rows<{ name: string; n: number }>(db, query)).map((r) => [r.name, Number(r.n)]));
}
