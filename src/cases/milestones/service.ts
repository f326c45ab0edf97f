/**
 * Protocol milestones on a case: where each stands (computed from the protocol version the case uses,
 * never stored), recording them done or not needed, undoing a mistaken record, and moving a case to
 * the protocol now in force. Other parts of a case (the birth plan, discharge planning) complete their
 * milestones through {@link completeFromSource} inside their own transactions.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { recordAudit } from '../../platform/audit/service';
import { geographies } from '../../directory/schema';
import { actorName, assertOpen, type CaseRow, caseScope, loadCase, recordCaseChange, requireCase } from '../access';
import { appendCaseEvent } from '../events';
import { type ConfigVersion, configInForce, configVersion, loadCalendar } from '../protocol-config';
import {
  type CaseClassification,
  computeMilestones,
  type MilestoneCompletion,
  type MilestoneDefinition,
  type MilestoneSource,
  type MilestoneStatus,
  MILESTONE_SOURCE_LABELS,
  type ProtocolDefinition,
  protocolDefinitionSchema,
} from '../protocol';
import type { WorkingCalendar } from '../../platform/working-days';
import { caseMilestones as caseMilestonesTable, cases } from '../schema';
import { listCases } from '../service';
import { describeDue, describeTiming } from '../protocols/describe';
import { completeMilestoneSchema, moveProtocolSchema, notApplicableSchema, undoSchema } from './model';

type CompletionRow = typeof caseMilestonesTable.$inferSelect;

/** A stored protocol version as a definition. Versions are validated when saved, so a bad one is a bug. */
export function definitionOf(version: Pick<ConfigVersion, 'id' | 'definition'>): ProtocolDefinition {
  const parsed = protocolDefinitionSchema.safeParse(version.definition);
  if (!parsed.success) throw new Error(`protocol version ${version.id} does not parse: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function completionsOf(rows: readonly CompletionRow[]): Map<string, MilestoneCompletion> {
  const out = new Map<string, MilestoneCompletion>();
  for (const r of rows) {
    if (r.notApplicableReason) out.set(r.key, { notApplicable: true, reason: r.notApplicableReason });
    else if (r.completedAt) out.set(r.key, { completedAt: r.completedAt });
  }
  return out;
}

const milestoneCase = (kase: CaseRow) => ({
  classification: kase.classification as CaseClassification,
  edd: kase.edd,
  openedAt: kase.openedAt,
  bornAt: kase.bornAt,
});

/** Where each milestone stands for a case, from rows already loaded (the reminder job and the overdue list compute many cases at once). */
export function statusesFor(def: ProtocolDefinition, kase: CaseRow, rows: readonly CompletionRow[], calendar: WorkingCalendar, now: Date): MilestoneStatus[] {
  return computeMilestones(def, milestoneCase(kase), completionsOf(rows), calendar, now);
}

/** Whether a due time is a moment (a deadline in hours) or a day (everything else). */
function dueIsTime(m: MilestoneDefinition | undefined): boolean {
  return !!m && m.due.from !== 'gestation' && 'hours' in m.due.after;
}

export interface MilestoneRowView extends MilestoneStatus {
  timing: string;
  /** The due time is a clock time (48 hours), not the end of a day. */
  dueIsTime: boolean;
  completedBy: MilestoneSource | null;
  completedByLabel: string | null;
  record: { note: string | null; recordedByName: string | null; recordedAt: Date } | null;
}

export interface ProtocolSummary {
  id: string;
  version: number;
  name: string;
  description: string | null;
  geographyCode: string;
  geographyName: string;
  createdAt: Date;
}

async function protocolSummary(db: Db, v: ConfigVersion, def: ProtocolDefinition): Promise<ProtocolSummary> {
  const [g] = v.geographyId
    ? await db.select({ code: geographies.code, name: geographies.name }).from(geographies).where(eq(geographies.id, v.geographyId))
    : [];
  return {
    id: v.id,
    version: v.version,
    name: def.name,
    description: def.description ?? null,
    geographyCode: g?.code ?? 'national',
    geographyName: g?.name ?? 'National default',
    createdAt: v.createdAt,
  };
}

/** Milestones of a case already loaded and authorised (the page's frame did both). */
export async function milestonesOfCase(db: Db, kase: CaseRow, now = new Date()) {
  const version = await configVersion(db, kase.protocolVersionId);
  const def = definitionOf(version);
  const rows = await db.select().from(caseMilestonesTable).where(eq(caseMilestonesTable.caseId, kase.id));
  const statuses = statusesFor(def, kase, rows, await loadCalendar(db), now);
  const byKey = new Map(def.milestones.map((m) => [m.key, m]));
  const labelOf = (key: string) => byKey.get(key)?.label ?? key;
  const recordOf = new Map(rows.map((r) => [r.key, r]));
  const milestones: MilestoneRowView[] = statuses.map((s) => {
    const m = byKey.get(s.key) as MilestoneDefinition;
    const r = recordOf.get(s.key);
    return {
      ...s,
      timing: describeTiming(m, labelOf),
      dueIsTime: dueIsTime(m),
      completedBy: m.completedBy ?? null,
      completedByLabel: m.completedBy ? MILESTONE_SOURCE_LABELS[m.completedBy] : null,
      record: r ? { note: r.note, recordedByName: r.recordedByName, recordedAt: r.recordedAt } : null,
    };
  });
  const inForce = await configInForce(db, 'case_milestones', kase.geographyId);
  // Records against milestones the case's protocol no longer has (a partnership removed one) stay visible.
  const orphans = rows.filter((r) => !byKey.has(r.key));
  return {
    protocol: await protocolSummary(db, version, def),
    definition: def,
    milestones,
    orphans,
    newer:
      inForce.id !== version.id && inForce.createdAt.getTime() > version.createdAt.getTime() ? await protocolSummary(db, inForce, definitionOf(inForce)) : null,
    describeDue: (rule: MilestoneDefinition['due']) => describeDue(rule, labelOf),
  };
}

/** Where each milestone of a case stands, for someone who may see the case (the read is audited). */
export async function caseMilestones(db: Db, ctx: RequestContext, caseId: string, now = new Date()) {
  const kase = await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.milestones.view' });
  return { kase, ...(await milestonesOfCase(db, kase, now)) };
}

/** The milestone of the case's protocol with this key (a key from another protocol is not on this case). */
async function milestoneOf(db: Db, kase: CaseRow, key: string): Promise<MilestoneDefinition> {
  const def = definitionOf(await configVersion(db, kase.protocolVersionId));
  const m = def.milestones.find((x) => x.key === key);
  if (!m || (m.appliesTo && !m.appliesTo.includes(kase.classification as CaseClassification))) throw new NotFoundError('Milestone');
  return m;
}

async function existingRecord(db: Db, caseId: string, key: string) {
  const [row] = await db
    .select()
    .from(caseMilestonesTable)
    .where(and(eq(caseMilestonesTable.caseId, caseId), eq(caseMilestonesTable.key, key)));
  return row ?? null;
}

/** One record per milestone: a second (typed twice, or two people at once) is refused, the first stands. */
async function insertRecord(tx: Db, values: typeof caseMilestonesTable.$inferInsert): Promise<void> {
  const inserted = await tx.insert(caseMilestonesTable).values(values).onConflictDoNothing().returning({ id: caseMilestonesTable.id });
  if (inserted.length) return;
  const row = await existingRecord(tx, values.caseId, values.key);
  const what = row?.notApplicableReason ? 'as not applicable' : 'as done';
  throw new ValidationError({ form: `This milestone is already recorded ${what}. If that was a mistake, undo it first and then record it again.` });
}

/** Record a milestone as done, with when (a date, and the time if known) and an optional note. */
export async function completeMilestone(db: Db, ctx: RequestContext, caseId: string, key: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const m = await milestoneOf(db, kase, key);
  const input = parseInput(completeMilestoneSchema(now, kase.openedAt), raw);
  await db.transaction(async (tx) => {
    await insertRecord(tx, {
      caseId,
      key,
      completedAt: input.completedAt,
      note: input.note,
      recordedByUserId: ctx.actor?.userId ?? null,
      recordedByName: actorName(ctx),
    });
    await recordCaseChange(tx, ctx, caseId, 'case.milestone.complete', { key, completedAt: input.completedAt.toISOString() });
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'milestone_completed',
      occurredAt: input.completedAt,
      summary: `Milestone done: ${m.label}${input.note ? `. ${input.note}` : ''}`,
      detail: { key },
    });
  });
  await refreshNextDue(db, [caseId], now);
}

/** Record that a milestone is not needed for this case, and why (no conference because the threshold was not met). */
export async function markNotApplicable(db: Db, ctx: RequestContext, caseId: string, key: string, reason: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const m = await milestoneOf(db, kase, key);
  const input = parseInput(notApplicableSchema, { reason });
  await db.transaction(async (tx) => {
    await insertRecord(tx, {
      caseId,
      key,
      notApplicableReason: input.reason,
      recordedByUserId: ctx.actor?.userId ?? null,
      recordedByName: actorName(ctx),
      recordedAt: now,
    });
    await recordCaseChange(tx, ctx, caseId, 'case.milestone.not_applicable', { key }, input.reason);
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'milestone_completed',
      occurredAt: now,
      summary: `Milestone not applicable: ${m.label}. ${input.reason}`,
      detail: { key, notApplicable: true },
    });
  });
  await refreshNextDue(db, [caseId], now);
}

/**
 * Take back a record made by mistake. The row goes (due dates are computed from what is recorded now),
 * and what it said stays in the audit trail and the chronology with the reason.
 */
export async function undoMilestone(db: Db, ctx: RequestContext, caseId: string, key: string, reason: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(undoSchema, { reason });
  const def = definitionOf(await configVersion(db, kase.protocolVersionId));
  const label = def.milestones.find((x) => x.key === key)?.label ?? key;
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(caseMilestonesTable)
      .where(and(eq(caseMilestonesTable.caseId, caseId), eq(caseMilestonesTable.key, key)))
      .returning();
    const r = removed[0];
    if (!r) throw new ValidationError({ form: 'Nothing is recorded against this milestone, so there is nothing to undo.' });
    const was = r.notApplicableReason ? `not applicable (${r.notApplicableReason})` : `done on ${r.completedAt?.toISOString()}`;
    await recordCaseChange(
      tx,
      ctx,
      caseId,
      'case.milestone.undo',
      {
        key,
        was: {
          completedAt: r.completedAt?.toISOString() ?? null,
          notApplicableReason: r.notApplicableReason,
          note: r.note,
          recordedByName: r.recordedByName,
          recordedAt: r.recordedAt.toISOString(),
        },
      },
      input.reason,
    );
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'milestone_completed',
      occurredAt: now,
      summary: `Milestone record undone: ${label} (it was recorded as ${was.startsWith('done') ? 'done' : 'not applicable'}). ${input.reason}`,
      detail: { key, undone: true },
    });
  });
  await refreshNextDue(db, [caseId], now);
}

/**
 * Complete the milestones a source completes (the birth plan agreed, sent, the discharge planning
 * meeting held), inside the caller's transaction. A milestone already recorded, or not applying to the
 * case, is left as it is. Returns the keys it completed.
 */
export async function completeFromSource(tx: Db, ctx: RequestContext, caseId: string, source: MilestoneSource, at: Date): Promise<string[]> {
  const kase = await loadCase(tx, caseId);
  const def = definitionOf(await configVersion(tx, kase.protocolVersionId));
  const done: string[] = [];
  for (const m of def.milestones) {
    if (m.completedBy !== source) continue;
    if (m.appliesTo && !m.appliesTo.includes(kase.classification as CaseClassification)) continue;
    const inserted = await tx
      .insert(caseMilestonesTable)
      .values({ caseId, key: m.key, completedAt: at, note: null, recordedByUserId: ctx.actor?.userId ?? null, recordedByName: actorName(ctx) })
      .onConflictDoNothing()
      .returning({ id: caseMilestonesTable.id });
    if (!inserted.length) continue;
    await recordAudit(tx, ctx, {
      action: 'case.milestone.complete',
      verb: 'U',
      entityType: 'Case',
      entityId: caseId,
      detail: { key: m.key, source, completedAt: at.toISOString() },
    });
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'milestone_completed',
      occurredAt: at,
      summary: `Milestone done: ${m.label}`,
      detail: { key: m.key, source },
    });
    done.push(m.key);
  }
  return done;
}

/**
 * Move a case to the protocol version now in force for its area. Recorded with the reason: the case's
 * due dates change, and anyone reading its history must be able to see why.
 */
export async function moveToCurrentProtocol(db: Db, ctx: RequestContext, caseId: string, reason: unknown): Promise<{ from: number; to: number }> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(moveProtocolSchema, { reason });
  const current = await configVersion(db, kase.protocolVersionId);
  const inForce = await configInForce(db, 'case_milestones', kase.geographyId);
  if (inForce.id === current.id) throw new ValidationError({ form: 'This case already uses the protocol in force for its area.' });
  const def = definitionOf(inForce);
  const moved = await db.transaction(async (tx) => {
    const moved = await tx
      .update(cases)
      .set({ protocolVersionId: inForce.id })
      .where(and(eq(cases.id, caseId), eq(cases.protocolVersionId, current.id)))
      .returning({ id: cases.id });
    if (!moved.length) throw new ValidationError({ form: 'The protocol of this case was changed by someone else just now. Reload the page to see it.' });
    await recordCaseChange(
      tx,
      ctx,
      caseId,
      'case.protocol.move',
      { fromVersionId: current.id, toVersionId: inForce.id, fromVersion: current.version, toVersion: inForce.version },
      input.reason,
    );
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'case_changed',
      summary: `Milestones now follow “${def.name}” version ${inForce.version} (was version ${current.version}): ${input.reason}`,
      detail: { fromVersionId: current.id, toVersionId: inForce.id },
    });
    return { from: current.version, to: inForce.version };
  });
  await refreshNextDue(db, [caseId]);
  return moved;
}

// ── Across cases ───────────────────────────────────────────────────────────────────────────────────

/** Computes milestones for many cases, loading each protocol version and the calendar once. */
export class MilestoneComputer {
  readonly #defs = new Map<string, ProtocolDefinition>();
  #calendar: WorkingCalendar | null = null;
  constructor(private readonly db: Db) {}

  async definition(versionId: string): Promise<ProtocolDefinition> {
    let def = this.#defs.get(versionId);
    if (!def) {
      def = definitionOf(await configVersion(this.db, versionId));
      this.#defs.set(versionId, def);
    }
    return def;
  }

  async calendar(): Promise<WorkingCalendar> {
    this.#calendar ??= await loadCalendar(this.db);
    return this.#calendar;
  }

  /** Statuses for each case, keyed by case id (completions loaded in one query). */
  async statuses(list: readonly CaseRow[], now: Date): Promise<Map<string, MilestoneStatus[]>> {
    const out = new Map<string, MilestoneStatus[]>();
    if (!list.length) return out;
    const rows = await this.db
      .select()
      .from(caseMilestonesTable)
      .where(
        inArray(
          caseMilestonesTable.caseId,
          list.map((c) => c.id),
        ),
      );
    const byCase = new Map<string, CompletionRow[]>();
    for (const r of rows) byCase.set(r.caseId, [...(byCase.get(r.caseId) ?? []), r]);
    const calendar = await this.calendar();
    for (const kase of list) out.set(kase.id, statusesFor(await this.definition(kase.protocolVersionId), kase, byCase.get(kase.id) ?? [], calendar, now));
    return out;
  }
}

export interface OverdueRow {
  caseId: string;
  reference: string;
  displayName: string;
  key: string;
  label: string;
  dueAt: Date;
  overdueDays: number;
}

/**
 * Overdue milestones on the open cases the person's organisation works on (the list of cases comes
 * from listCases, which decides who sees what and records the read), most overdue first.
 */
export async function overdueAcrossCases(db: Db, ctx: RequestContext, now = new Date()): Promise<OverdueRow[]> {
  const visible = await listCases(db, ctx, { status: 'open' });
  if (!visible.length) return [];
  const list = await db
    .select()
    .from(cases)
    .where(
      inArray(
        cases.id,
        visible.map((c) => c.id),
      ),
    )
    .orderBy(asc(cases.reference));
  const statuses = await new MilestoneComputer(db).statuses(list, now);
  const out: OverdueRow[] = [];
  for (const kase of list) {
    for (const s of statuses.get(kase.id) ?? []) {
      if (s.state !== 'overdue' || !s.dueAt) continue;
      out.push({
        caseId: kase.id,
        reference: kase.reference,
        displayName: kase.displayName,
        key: s.key,
        label: s.label,
        dueAt: s.dueAt,
        overdueDays: s.overdueDays,
      });
    }
  }
  return out.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.reference.localeCompare(b.reference));
}

/** The earliest due time of a milestone not yet done (null when none has a due time): what `cases.next_due_at` keeps. */
export function nextDueOf(statuses: readonly MilestoneStatus[]): Date | null {
  let next: Date | null = null;
  for (const s of statuses)
    if ((s.state === 'overdue' || s.state === 'due_soon' || s.state === 'upcoming') && s.dueAt && (!next || s.dueAt < next)) next = s.dueAt;
  return next;
}

/**
 * Keep `cases.next_due_at` true for some open cases (all open cases when none are named), from their
 * milestones as they are now. Called after a milestone changes and by the hourly milestone job, which also
 * catches what other changes move (a new due date, a protocol moved to).
 */
export async function refreshNextDue(db: Db, caseIds?: readonly string[], now = new Date(), known?: Map<string, MilestoneStatus[]>): Promise<number> {
  const list = await db
    .select()
    .from(cases)
    .where(and(eq(cases.status, 'open'), caseIds ? inArray(cases.id, caseIds.length ? [...caseIds] : ['00000000-0000-0000-0000-000000000000']) : undefined));
  const statuses = known ?? (await new MilestoneComputer(db).statuses(list, now));
  let changed = 0;
  for (const kase of list) {
    const next = nextDueOf(statuses.get(kase.id) ?? []);
    if ((next?.getTime() ?? null) === (kase.nextDueAt?.getTime() ?? null)) continue;
    await db.update(cases).set({ nextDueAt: next }).where(eq(cases.id, kase.id));
    changed++;
  }
  return changed;
}

/**
 * How many open cases this person may list have a milestone overdue: one count over the stored next due
 * time, for the menu (never a protocol worked out per case on every page).
 */
export async function overdueCasesCount(db: Db, ctx: RequestContext, now = new Date()): Promise<number> {
  if (!ctx.actor) return 0;
  // The same rows as the case list (listCases narrows `case.list` to the cases the person may view).
  const scope = await caseScope(db, ctx, 'case.view');
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(cases)
    .where(and(eq(cases.status, 'open'), lt(cases.nextDueAt, now), scope));
  return Number(r?.n ?? 0);
}
