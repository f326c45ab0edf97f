/**
 * The unbooked-in-labour checklist on a case: read where it stands, record an answer. Answers are
 * appended (a correction is a newer row), each with a chronology event and an audit record in the same
 * transaction.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { actorName, assertOpen, canOnCase, type CaseRow, recordCaseChange, requireCase } from '../access';
import { appendCaseEvent } from '../events';
import { caseChecklistEntries } from '../schema';
import { checklistEntrySchema, checklistItem, checklistState, describeEntry } from './checklist';

/** The checklist on a case: every item's current answer and history, what is outstanding. Audited as a read. */
export async function checklist(db: Db, ctx: RequestContext, caseId: string) {
  return checklistOf(db, ctx, await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.labour.view' }));
}

/** The checklist of a case the caller has already loaded (and audited the read of), e.g. the page's frame. */
export async function checklistOf(db: Db, ctx: RequestContext, kase: CaseRow) {
  const entries = await db.select().from(caseChecklistEntries).where(eq(caseChecklistEntries.caseId, kase.id)).orderBy(asc(caseChecklistEntries.recordedAt));
  return {
    caseId: kase.id,
    /** The checklist is for unbooked women presenting in labour; other cases may still use it. */
    applies: kase.classification === 'unbooked_in_labour',
    openedAt: kase.openedAt,
    canRecord: kase.status === 'open' && (await canOnCase(db, ctx, kase.id, 'case.update')),
    ...checklistState(entries),
  };
}

/**
 * Record one answer (item, answer, note, when done — now if not given). Bad input changes nothing.
 * Returns the new entry's id.
 */
export async function recordChecklistItem(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(checklistEntrySchema(now, kase.openedAt), raw);
  const item = checklistItem(input.item)!;
  return db.transaction(async (tx) => {
    const earlier = await tx
      .select({ id: caseChecklistEntries.id })
      .from(caseChecklistEntries)
      .where(and(eq(caseChecklistEntries.caseId, kase.id), eq(caseChecklistEntries.item, input.item)))
      .limit(1);
    const correction = earlier.length > 0;
    const [row] = await tx
      .insert(caseChecklistEntries)
      .values({
        caseId: kase.id,
        item: input.item,
        answer: input.answer,
        note: input.note,
        doneAt: input.doneAt,
        recordedByUserId: ctx.actor?.userId ?? null,
        recordedByName: actorName(ctx),
      })
      .returning({ id: caseChecklistEntries.id });
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'checklist_item',
      occurredAt: input.doneAt,
      summary: `${describeEntry(item, input.answer, correction)}${input.note ? `. ${input.note}` : ''}`,
      detail: { entryId: row!.id, item: input.item, answer: input.answer, correction },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.checklist.record', { item: input.item, answer: input.answer, correction });
    return { id: row!.id };
  });
}
