import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './engine';

/** Run a raw drizzle `sql` query and return its rows (the two drivers shape results the same way). */
export async function rows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** A list of uuids for `in (…)`, the same on both engines; an empty list matches nothing. */
export function uuidList(list: readonly string[]): SQL {
  return list.length
    ? sql.join(
        list.map((id) => sql`${id}::uuid`),
        sql`, `,
      )
    : sql`null::uuid`;
}

/** A timestamp from a raw row (a Date from one driver, a string from another), or null. */
export function rowDate(v: unknown): Date | null {
  return v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));
}
