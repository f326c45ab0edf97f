import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/db';
import { caseContexts, openSeededDatabase, openTestCase } from '../../../test/support/cases';
import type { RequestContext } from '../../platform/context';
import { ForbiddenError, ValidationError } from '../../platform/errors';
import { auditEvents } from '../../platform/audit/schema';
import { caseChecklistEntries, caseEvents } from '../schema';
import { closeCase } from '../service';
import { checklist, recordChecklistItem } from './service';

let tdb: TestDatabase;
let midwife: RequestContext;
let edNurse: RequestContext;
let socialWorker: RequestContext;
let auditor: RequestContext;

beforeAll(async () => {
  tdb = await openSeededDatabase();
  ({ midwife, edNurse, socialWorker, auditor } = await caseContexts(tdb.db));
});
afterAll(async () => tdb?.close());

const rows = async (caseId: string) => {
  const [entries] = await tdb.db.select({ n: count() }).from(caseChecklistEntries).where(eq(caseChecklistEntries.caseId, caseId));
  const [events] = await tdb.db.select({ n: count() }).from(caseEvents).where(eq(caseEvents.caseId, caseId));
  const [audit] = await tdb.db
    .select({ n: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityId, caseId), eq(auditEvents.action, 'case.checklist.record')));
  return { entries: entries!.n, events: events!.n, audit: audit!.n };
};

const unbooked = () => openTestCase(tdb.db, midwife, { classification: 'unbooked_in_labour', edd: null, eddSource: null });

describe('recording the unbooked-in-labour checklist', () => {
  it('appends an answer with who and when, a chronology event and an audit record', async () => {
    const { id } = await unbooked();
    const doneAt = new Date(Date.now() - 20 * 60_000);
    const { id: entryId } = await recordChecklistItem(tdb.db, midwife, id, { item: 'cpis_checked', answer: 'no_plan', doneAt: doneAt.toISOString() });

    const [row] = await tdb.db.select().from(caseChecklistEntries).where(eq(caseChecklistEntries.id, entryId));
    expect(row).toMatchObject({
      caseId: id,
      item: 'cpis_checked',
      answer: 'no_plan',
      note: null,
      doneAt,
      recordedByName: midwife.actor!.displayName,
      recordedByUserId: midwife.actor!.userId,
    });

    const events = await tdb.db
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'checklist_item')));
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toBe('Unbooked in labour checklist – CP-IS checked: No plan found');
    expect(events[0]!.occurredAt).toEqual(doneAt);
    expect((await rows(id)).audit).toBe(1);

    const c = await checklist(tdb.db, midwife, id);
    expect(c.applies).toBe(true);
    expect(c.canRecord).toBe(true);
    expect(c.outstanding).not.toContain('cpis_checked');
    expect(c.items.find((i) => i.item.key === 'cpis_checked')!.current).toMatchObject({ answer: 'no_plan', recordedByName: midwife.actor!.displayName });
  });

  it('defaults the time to now (an ED nurse who opened the case at night)', async () => {
    const { id } = await openTestCase(tdb.db, edNurse, { classification: 'unbooked_in_labour', edd: null, eddSource: null });
    const now = new Date();
    await recordChecklistItem(tdb.db, edNurse, id, { item: 'gp_informed', answer: 'not_known' }, now);
    const [row] = await tdb.db.select().from(caseChecklistEntries).where(eq(caseChecklistEntries.caseId, id));
    expect(row!.doneAt).toEqual(now);
  });

  it('keeps the history: a correction is a new answer and the first stays', async () => {
    const { id } = await unbooked();
    await recordChecklistItem(tdb.db, midwife, id, {
      item: 'alert_register_checked',
      answer: 'possible_match',
      note: 'Two candidates, checking with the alert team',
    });
    let c = await checklist(tdb.db, midwife, id);
    expect(c.outstanding).toContain('alert_register_checked');
    await recordChecklistItem(tdb.db, midwife, id, { item: 'alert_register_checked', answer: 'match_found' });
    c = await checklist(tdb.db, midwife, id);
    const item = c.items.find((i) => i.item.key === 'alert_register_checked')!;
    expect(item.current!.answer).toBe('match_found');
    expect(item.earlier.map((e) => e.answer)).toEqual(['possible_match']);
    expect(c.outstanding).not.toContain('alert_register_checked');
    expect((await rows(id)).entries).toBe(2);
    const events = await tdb.db
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'checklist_item')));
    expect(events.map((e) => e.summary).sort()).toEqual([
      'Unbooked in labour checklist – Alert register checked: Alert found: it is her (replaces an earlier answer)',
      'Unbooked in labour checklist – Alert register checked: Possible match: still being checked. Two candidates, checking with the alert team',
    ]);
  });

  it('refuses bad input with a message per field and writes nothing', async () => {
    const { id } = await unbooked();
    const before = await rows(id);
    const bad: [Record<string, unknown>, Record<string, string>][] = [
      [{ item: 'nonsense', answer: 'done' }, { item: 'Choose a checklist item' }],
      [{ item: 'cpis_checked', answer: 'done' }, { answer: 'Choose an answer for “CP-IS checked”' }],
      [{ item: 'csc_referral', answer: 'not_needed' }, { note: 'Enter a note: “Not needed” needs a reason' }],
      [{ item: 'toxicology_offered', answer: 'not_offered', note: '' }, { note: 'Enter a note: “Not offered” needs a reason' }],
      [
        { item: 'gp_informed', answer: 'done', doneAt: new Date(Date.now() + 3_600_000).toISOString() },
        { doneAt: 'The time it was done cannot be in the future' },
      ],
      [
        { item: 'gp_informed', answer: 'done', doneAt: new Date(Date.now() - 3 * 86_400_000).toISOString() },
        { doneAt: 'The time it was done must be no more than a day before the case was opened' },
      ],
      [{ item: 'gp_informed', answer: 'done', doneAt: 'invalid' }, { doneAt: 'Enter a real date and time, like 27 11 2026 and 14:30' }],
    ];
    for (const [raw, fields] of bad) {
      const err = await recordChecklistItem(tdb.db, midwife, id, raw).catch((e: unknown) => e);
      expect(err, JSON.stringify(raw)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fieldErrors).toEqual(fields);
    }
    expect(await rows(id)).toEqual(before);
  });

  it('shows the checklist on other kinds of case, saying it is for unbooked women in labour', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    const c = await checklist(tdb.db, midwife, id);
    expect(c.applies).toBe(false);
    expect(c.outstanding).toHaveLength(7);
  });

  it('lets only agencies on the case record, and no one once the case is closed; reads are audited', async () => {
    const { id } = await unbooked();
    await expect(recordChecklistItem(tdb.db, socialWorker, id, { item: 'gp_informed', answer: 'done' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(recordChecklistItem(tdb.db, auditor, id, { item: 'gp_informed', answer: 'done' })).rejects.toBeInstanceOf(ForbiddenError);
    const seen = await checklist(tdb.db, auditor, id);
    expect(seen.canRecord).toBe(false);
    const reads = await tdb.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'case.labour.view')));
    expect(reads.length).toBeGreaterThanOrEqual(1);

    await closeCase(tdb.db, midwife, id, { reason: 'opened_in_error', note: 'Duplicate of another case' });
    const before = await rows(id);
    const err = await recordChecklistItem(tdb.db, midwife, id, { item: 'gp_informed', answer: 'done' }).catch((e: unknown) => e);
    expect((err as ValidationError).fieldErrors.form).toMatch(/closed/);
    expect(await rows(id)).toEqual(before);
    expect((await checklist(tdb.db, midwife, id)).canRecord).toBe(false);
  });
});
