import { openDatabase, type Database } from '../../src/platform/db/engine';
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
