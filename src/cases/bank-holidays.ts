/**
 * Bank holidays in England and Wales, held as data. The migration seeds 2024–2028; later years are
 * imported from GOV.UK's published list (https://www.gov.uk/bank-holidays.json, the
 * `england-and-wales` division) with `beacon bank-holidays import <file>`, so a working-day deadline
 * never silently counts a bank holiday as a working day.
 */
import { asc, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { parseInput } from '../platform/errors';
import { isIsoDate } from '../platform/dates';
import { bankHolidays } from './schema';

const event = z.object({
  title: z.string({ error: 'Each bank holiday needs a title' }).trim().min(1, 'Each bank holiday needs a title').max(200),
  date: z.string({ error: 'Each bank holiday needs a date' }).refine(isIsoDate, 'Each bank holiday date must be a real date (YYYY-MM-DD)'),
});

/** GOV.UK's format: { "england-and-wales": { "division": "england-and-wales", "events": [{ "title", "date", … }] }, … }. */
export const govUkBankHolidaysSchema = z.object({
  'england-and-wales': z.object(
    { events: z.array(event).min(1, 'The england-and-wales list has no bank holidays').max(1000) },
    { error: 'The file has no england-and-wales list of bank holidays' },
  ),
});

export async function listBankHolidays(db: Db) {
  return db.select().from(bankHolidays).orderBy(asc(bankHolidays.date));
}

/**
 * Add or correct bank holidays from GOV.UK's JSON. All or nothing: a bad entry changes nothing. Only
 * the system (an operator at the command line) or an administrator may change them.
 */
export async function importBankHolidays(db: Db, ctx: RequestContext, raw: unknown): Promise<{ added: number; updated: number; total: number }> {
  authorizeContext(ctx, 'protocol.configure');
  const input = parseInput(govUkBankHolidaysSchema, raw);
  const events = input['england-and-wales'].events;
  return db.transaction(async (tx) => {
    const before = new Map((await tx.select().from(bankHolidays)).map((h) => [h.date, h.title]));
    let added = 0;
    let updated = 0;
    for (const e of events) {
      const had = before.get(e.date);
      if (had === e.title) continue;
      if (had === undefined) added++;
      else updated++;
      await tx
        .insert(bankHolidays)
        .values({ date: e.date, title: e.title })
        .onConflictDoUpdate({ target: bankHolidays.date, set: { title: sql`excluded.title` } });
    }
    if (added + updated > 0) await recordAudit(tx, ctx, { action: 'bank-holidays.import', verb: 'U', entityType: 'BankHolidays', detail: { added, updated } });
    const total = before.size + added;
    return { added, updated, total };
  });
}
