import type { SQL } from 'drizzle-orm';
import type { Db } from './engine';

/** Run a raw drizzle `sql` query and return its rows (the two drivers shape results the same way). */
export async function rows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
