/**
 * Escalations between agencies ("resolving professional differences"): raise one, move it up the stage
 * table in force for its area, record what was agreed, and close it (resolved, referred to the
 * partnership, withdrawn). Each change is one transaction with the escalation row locked: the stage
 * rows, the escalation, the audit event and, for an escalation on a case, the chronology event commit
 * together or not at all. The rules about what may follow what are in ./stages (pure); this file
 * stores their result.
 *
 * Who may see an escalation: the parties (the agency that raised it, the agency it was raised with, the
 * agencies working on its case), the partnership for its area, and auditors (read only).
 */
import type { z } from 'zod';
import { safeguardingContactMailboxes } from '../directory/mailboxes';
import { and, asc, desc, eq, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../platform/db/engine';
import { systemContext, type RequestContext } from '../platform/context';
import { authorizeContext, authorizeList, can, scopeFor, type Action, type Resource } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { ForbiddenError, NotFoundError, parseInput, ValidationError, zodFieldErrors } from '../platform/errors';
import { enqueue } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import { users } from '../platform/auth/schema';
import { formatDateTime } from '../platform/http/views';
import { geographies, organisations } from '../directory/schema';
import { geographyAndBelow, inOrganisationsArea, isUuid, organisationGeographyId, organisationsAreaIds, partnershipAreaIds } from '../directory/service';
import { cases } from '../cases/schema';
import { actorName, assertOpen, caseOrganisationIds, casesWorkedOnBy, newReference, requireCase } from '../cases/access';
import { appendCaseEvent } from '../cases/events';
import { configInForce, configVersion, loadCalendar } from '../cases/protocol-config';
import { endOfLondonDay } from '../platform/working-days';
import { addDays, londonDate } from '../platform/dates';
import { escalationStages, escalations } from './schema';
import {
  applyEscalation,
  DEFAULT_STAGES,
  ESCALATION_STATUS_LABELS,
  ESCALATION_SUBJECT_LABELS,
  ESCALATION_SUBJECTS,
  type EscalationCommand,
  type EscalationStage,
  type EscalationState,
  type EscalationStatus,
  type EscalationSubject,
  stageDueAt,
  stageTableSchema,
} from './stages';
import {
  agreedActionsSchema,
  escalateSchema,
  type ListFilter,
  raiseEscalationSchema,
  reasonSchema,
  reportQuerySchema,
  resolveSchema,
  type StageOutcome,
} from './model';

export type EscalationRow = typeof escalations.$inferSelect;
export type EscalationStageRow = typeof escalationStages.$inferSelect;

export const OVERDUE_REMINDER_JOB = 'escalations.overdue-reminders';
export const OVERDUE_EMAIL_JOB = 'escalations.overdue-email';
/** Tells the other agency that an escalation has been raised with it, or has reached a new stage. */
export const STAGE_EMAIL_JOB = 'escalations.stage-email';

const DAY_MS = 86_400_000;

// ── Stage tables ───────────────────────────────────────────────────────────────────────────────────

/**
 * The stage table an escalation was raised under. Tables are validated when a partnership saves them;
 * one that does not parse here is a fault in the data, not something to paper over with the default.
 */
async function stageTableOf(db: Db, versionId: string): Promise<EscalationStage[]> {
  const version = await configVersion(db, versionId);
  const parsed = stageTableSchema.safeParse(version.definition);
  if (!parsed.success) throw new Error(`Escalation stage table ${versionId} is not valid`);
  return parsed.data;
}

/** Tables by version id, loaded once per call (lists show many escalations from few tables). */
function stageTables(db: Db) {
  const cache = new Map<string, Promise<EscalationStage[]>>();
  return (versionId: string) => {
    let t = cache.get(versionId);
    if (!t) {
      t = stageTableOf(db, versionId);
      cache.set(versionId, t);
    }
    return t;
  };
}

export function stageLabel(table: readonly EscalationStage[], stage: number): string {
  return table.find((s) => s.stage === stage)?.label ?? `Stage ${stage}`;
}

// ── Loading and access ─────────────────────────────────────────────────────────────────────────────

/** The area an escalation belongs to: its case's, or for a standalone one the raising organisation's. */
export async function escalationGeographyId(db: Db, esc: Pick<EscalationRow, 'caseId' | 'raisedByOrganisationId'>): Promise<string> {
  if (esc.caseId) {
    const [c] = await db.select({ geographyId: cases.geographyId }).from(cases).where(eq(cases.id, esc.caseId));
    if (c) return c.geographyId;
  }
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, esc.raisedByOrganisationId));
  if (!org) throw new Error(`Organisation ${esc.raisedByOrganisationId} is missing`);
  return org.geographyId;
}

/** The organisations party to an escalation: raising, raised with, and those working on its case. */
export async function escalationParties(db: Db, esc: Pick<EscalationRow, 'caseId' | 'raisedByOrganisationId' | 'raisedWithOrganisationId'>): Promise<string[]> {
  const ids = new Set([esc.raisedByOrganisationId, esc.raisedWithOrganisationId]);
  if (esc.caseId) {
    for (const id of await caseOrganisationIds(db, esc.caseId)) ids.add(id);
  }
  return [...ids];
}

/** What the policy decides on for this escalation and this person. */
async function resourceFor(db: Db, ctx: RequestContext, esc: EscalationRow): Promise<Resource> {
  const organisationIds = await escalationParties(db, esc);
  const inActorsArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, await escalationGeographyId(db, esc)) : false;
  // organisationId: the agency that raised it (who may withdraw it).
  return { organisationIds, inActorsArea, organisationId: esc.raisedByOrganisationId };
}

async function loadEscalation(db: Db, id: string, lock = false): Promise<EscalationRow> {
  if (!isUuid(id)) throw new NotFoundError('Escalation');
  const q = db.select().from(escalations).where(eq(escalations.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Escalation');
  return row;
}

/** The escalation, if this person may take `action` on it; otherwise ForbiddenError. Reads are audited when `auditRead` is given. */
export async function requireEscalation(db: Db, ctx: RequestContext, id: string, action: Action, opts: { auditRead?: string } = {}): Promise<EscalationRow> {
  const esc = await loadEscalation(db, id);
  authorizeContext(ctx, action, await resourceFor(db, ctx, esc));
  if (opts.auditRead)
    await recordAuditNow(db, ctx, {
      action: opts.auditRead,
      verb: 'R',
      entityType: 'Escalation',
      entityId: esc.id,
      detail: { reference: esc.reference, ...(esc.caseId ? { caseId: esc.caseId } : {}) },
    });
  return esc;
}

async function currentStageRow(db: Db, escalationId: string): Promise<EscalationStageRow | undefined> {
  const [row] = await db
    .select()
    .from(escalationStages)
    .where(and(eq(escalationStages.escalationId, escalationId), eq(escalationStages.kind, 'reached'), isNull(escalationStages.endedAt)))
    .orderBy(desc(escalationStages.stage))
    .limit(1);
  return row;
}

async function organisationName(db: Db, id: string | null): Promise<string | null> {
  if (!id) return null;
  const [o] = await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, id));
  return o?.name ?? null;
}

/** Recorded on the escalation's own entity, with its case (if any) in the detail so the case's trail can find it. */
async function auditChange(
  tx: Db,
  ctx: RequestContext,
  esc: EscalationRow,
  action: string,
  detail: Record<string, unknown>,
  reason?: string | null,
): Promise<void> {
  await recordAudit(tx, ctx, {
    action,
    verb: action === 'escalation.raise' ? 'C' : 'U',
    entityType: 'Escalation',
    entityId: esc.id,
    detail: { reference: esc.reference, ...(esc.caseId ? { caseId: esc.caseId } : {}), ...detail },
    ...(reason ? { reason } : {}),
  });
}

/** The case's chronology and updated time, when the escalation is on a case. */
async function onCaseChronology(tx: Db, ctx: RequestContext, esc: EscalationRow, summary: string, detail: Record<string, unknown>, at: Date): Promise<void> {
  if (!esc.caseId) return;
  await tx.update(cases).set({ updatedAt: new Date() }).where(eq(cases.id, esc.caseId));
  await appendCaseEvent(tx, ctx, esc.caseId, {
    kind: 'escalation',
    occurredAt: at,
    summary,
    detail: { escalationId: esc.id, reference: esc.reference, ...detail },
  });
}

/** A refusal from the stage rules, with its fields renamed to the form's. */
function refused(problems: Record<string, string>, rename: Record<string, string> = {}): ValidationError {
  return new ValidationError(Object.fromEntries(Object.entries(problems).map(([k, v]) => [rename[k] ?? k, v])));
}

const CLOSED_MESSAGE: Record<Exclude<EscalationStatus, 'open'>, string> = {
  resolved: 'This escalation has been resolved, so it cannot be changed. Raise a new one if the disagreement has come back.',
  referred_to_partnership: 'This escalation has been referred to the safeguarding partnership, so it cannot be changed here.',
  withdrawn: 'This escalation has been withdrawn, so it cannot be changed. Raise a new one if you still disagree.',
};

// ── Raising ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Raise an escalation with another agency, on a case or standalone. It starts at stage 1 of the stage
 * table in force for the area (the case's, or the raising organisation's), owned by the person it was
 * raised with; or, when the risk is too urgent for that, at a higher stage with a reason, the stages
 * below recorded as skipped.
 */
export async function raiseEscalation(db: Db, ctx: RequestContext, raw: unknown, now = new Date()): Promise<{ id: string; reference: string }> {
  authorizeContext(ctx, 'escalation.raise');
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('escalation.raise');
  // Every problem is shown at once: the form's own checks, the agency, and the starting stage.
  const parsed = raiseEscalationSchema.safeParse(raw);
  const problems: Record<string, string> = parsed.success ? {} : zodFieldErrors(parsed.error.issues);
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const shape = raiseEscalationSchema.shape;
  const field = <K extends keyof typeof shape>(k: K) => {
    const r = shape[k].safeParse(given[k]);
    return r.success ? (r.data as z.output<(typeof shape)[K]>) : undefined;
  };

  const raisedWithId = field('raisedWithOrganisationId');
  const [raisedWith] = raisedWithId ? await db.select().from(organisations).where(eq(organisations.id, raisedWithId)) : [];
  if (raisedWithId && !raisedWith) problems.raisedWithOrganisationId = 'Choose the agency you disagree with from the list';
  else if (raisedWith && raisedWith.id === actor.organisationId) {
    problems.raisedWithOrganisationId = `Choose another agency: an escalation is a disagreement between agencies, and ${raisedWith.name} is your own organisation`;
  }
  const caseId = field('caseId');
  const kase = caseId ? await requireCase(db, ctx, caseId, 'case.update') : null;
  if (kase) assertOpen(kase);
  const [raiser] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, actor.organisationId));
  if (!raiser) throw new Error(`Organisation ${actor.organisationId} is missing`);
  const config = await configInForce(db, 'escalation_stages', kase?.geographyId ?? raiser.geographyId);
  const table = await stageTableOf(db, config.id);
  // Starting above stage 1 is an escalation from "not yet raised": every stage below is skipped, and needs the reason.
  const startStage = field('startStage');
  const startReason = field('startReason');
  const start =
    startStage !== undefined && startReason !== undefined
      ? applyEscalation({ status: 'open', stage: 0 }, { type: 'escalate', toStage: startStage, reason: startReason }, table)
      : null;
  if (start && !start.ok) {
    for (const [k, v] of Object.entries(refused(start.problems, { toStage: 'startStage', reason: 'startReason', form: 'startStage' }).fieldErrors))
      problems[k] ??= v;
  }
  if (!parsed.success || !start?.ok || Object.keys(problems).length) throw new ValidationError(problems);
  const input = parsed.data;

  const stage = start.state.stage;
  const calendar = await loadCalendar(db);
  const dueAt = stageDueAt(table, stage, now, calendar);
  const ownerName = input.ownerName ?? input.raisedWithName;
  const recordedBy = { recordedByUserId: actor.userId, recordedByName: actorName(ctx) };

  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(escalations)
          .values({
            reference: newReference('ESC'),
            caseId: kase?.id ?? null,
            subject: input.subject,
            concern: input.concern,
            desiredOutcome: input.desiredOutcome,
            raisedByUserId: actor.userId,
            raisedByName: actorName(ctx),
            raisedByOrganisationId: actor.organisationId,
            raisedWithOrganisationId: input.raisedWithOrganisationId,
            raisedWithName: input.raisedWithName,
            stageTableVersionId: config.id,
            stage,
            status: 'open',
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        const esc = row!;
        for (const s of start.skipped) {
          await tx
            .insert(escalationStages)
            .values({ escalationId: esc.id, stage: s, kind: 'skipped', enteredAt: now, endedAt: now, reason: input.startReason, ...recordedBy });
        }
        const [reached] = await tx
          .insert(escalationStages)
          .values({
            escalationId: esc.id,
            stage,
            kind: 'reached',
            ownerName,
            ownerOrganisationId: input.raisedWithOrganisationId,
            enteredAt: now,
            dueAt,
            reason: start.skipped.length ? input.startReason : null,
            ...recordedBy,
          })
          .returning({ id: escalationStages.id });
        // The other agency hears of it from Beacon, in the same transaction (outbox), not from the raiser's memory.
        await enqueue(tx, STAGE_EMAIL_JOB, { stageId: reached!.id }, { idempotencyKey: `escalation-stage:${reached!.id}` });
        await auditChange(
          tx,
          ctx,
          esc,
          'escalation.raise',
          { subject: input.subject, raisedWithOrganisationId: input.raisedWithOrganisationId, stage, skipped: start.skipped },
          start.skipped.length ? input.startReason : null,
        );
        await onCaseChronology(
          tx,
          ctx,
          esc,
          `Escalation ${esc.reference} raised by ${actor.organisationName} with ${raisedWith!.name} about ${ESCALATION_SUBJECT_LABELS[input.subject].toLowerCase()}: stage ${stage} (${stageLabel(table, stage)}), due by ${formatDateTime(dueAt)}${start.skipped.length ? `. Started at stage ${stage} because: ${input.startReason}` : ''}`,
          { stage, subject: input.subject },
          now,
        );
        return { id: esc.id, reference: esc.reference };
      });
    } catch (err) {
      if (attempt < 3 && /escalations_reference_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) continue;
      throw err;
    }
  }
}

// ── Moving and closing ─────────────────────────────────────────────────────────────────────────────

interface Transition {
  /** How the current stage ends. */
  outcome: StageOutcome;
  /** Set on the current stage before it closes (agreed actions so far). */
  agreedActions?: string | null;
  /** The stage entered, for escalate (and for a referral from below the top, which passes through to the top). */
  enter?: { ownerName: string | null; ownerOrganisationId: string | null; reason: string | null; closeWith?: StageOutcome };
  reason: string | null;
  audit: string;
  summary: (esc: EscalationRow, table: readonly EscalationStage[], to: EscalationState, skipped: readonly number[], dueAt: Date | null) => string;
  /** More to do in the same transaction: the stage that was current, and the state reached. */
  after?: (tx: Db, esc: EscalationRow, endedStageId: string | null, to: EscalationState) => Promise<void>;
}

/**
 * Apply a command to an escalation, in one transaction with its row locked: the stage rules decide;
 * the current stage closes, skipped stages are recorded, the new stage opens with its due time, and
 * the audit and chronology events are written.
 */
async function transition(
  db: Db,
  ctx: RequestContext,
  id: string,
  command: EscalationCommand,
  t: Transition,
  now: Date,
  rename: Record<string, string> = {},
): Promise<void> {
  const calendar = await loadCalendar(db);
  await db.transaction(async (tx) => {
    const esc = await loadEscalation(tx, id, true);
    const table = await stageTableOf(tx, esc.stageTableVersionId);
    const result = applyEscalation({ status: esc.status as EscalationStatus, stage: esc.stage }, command, table);
    if (!result.ok) throw refused(result.problems, rename);
    const current = await currentStageRow(tx, esc.id);
    const recordedBy = { recordedByUserId: ctx.actor?.userId ?? null, recordedByName: actorName(ctx) };
    const moves = result.state.stage !== esc.stage;
    if (current) {
      await tx
        .update(escalationStages)
        .set({ outcome: moves ? 'escalated' : t.outcome, endedAt: now, ...(t.agreedActions ? { agreedActions: t.agreedActions } : {}) })
        .where(eq(escalationStages.id, current.id));
    }
    for (const s of result.skipped) {
      await tx
        .insert(escalationStages)
        .values({ escalationId: esc.id, stage: s, kind: 'skipped', enteredAt: now, endedAt: now, reason: t.reason, ...recordedBy });
    }
    let dueAt: Date | null = null;
    if (moves) {
      const closes = result.state.status !== 'open';
      dueAt = closes ? null : stageDueAt(table, result.state.stage, now, calendar);
      const [reached] = await tx
        .insert(escalationStages)
        .values({
          escalationId: esc.id,
          stage: result.state.stage,
          kind: 'reached',
          ownerName: t.enter?.ownerName ?? null,
          ownerOrganisationId: closes ? null : (t.enter?.ownerOrganisationId ?? esc.raisedWithOrganisationId),
          enteredAt: now,
          dueAt,
          reason: t.reason,
          ...(closes ? { endedAt: now, outcome: t.outcome } : {}),
          ...recordedBy,
        })
        .returning({ id: escalationStages.id });
      await enqueue(tx, STAGE_EMAIL_JOB, { stageId: reached!.id }, { idempotencyKey: `escalation-stage:${reached!.id}` });
    }
    const closing = result.state.status !== 'open';
    await tx
      .update(escalations)
      .set({ stage: result.state.stage, status: result.state.status, updatedAt: now, ...(closing ? { closedAt: now, outcome: t.reason } : {}) })
      .where(eq(escalations.id, esc.id));
    await auditChange(
      tx,
      ctx,
      esc,
      t.audit,
      { fromStage: esc.stage, toStage: result.state.stage, status: result.state.status, skipped: result.skipped },
      t.reason,
    );
    await onCaseChronology(
      tx,
      ctx,
      esc,
      t.summary(esc, table, result.state, result.skipped, dueAt),
      { fromStage: esc.stage, toStage: result.state.stage, status: result.state.status },
      now,
    );
    await t.after?.(tx, esc, current?.id ?? null, result.state);
  });
}

/** Move an escalation up to a higher stage; jumping over stages needs the reason (urgent risk). */
export async function escalate(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  const esc = await requireEscalation(db, ctx, id, 'escalation.act');
  const input = parseInput(escalateSchema, raw);
  if (input.ownerOrganisationId) {
    const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, input.ownerOrganisationId));
    if (!org) throw new ValidationError({ ownerOrganisationId: 'Choose the organisation of the person who now holds it from the list' });
  }
  const ownerOrg = await organisationName(db, input.ownerOrganisationId ?? esc.raisedWithOrganisationId);
  await transition(
    db,
    ctx,
    id,
    { type: 'escalate', toStage: input.toStage, reason: input.reason },
    {
      outcome: 'escalated',
      agreedActions: input.agreedActions,
      enter: { ownerName: input.ownerName, ownerOrganisationId: input.ownerOrganisationId, reason: input.reason },
      reason: input.reason,
      audit: 'escalation.escalate',
      summary: (e, table, to, skipped, dueAt) =>
        `Escalation ${e.reference} escalated to stage ${to.stage} (${stageLabel(table, to.stage)}), held by ${input.ownerName}${ownerOrg ? `, ${ownerOrg}` : ''}${dueAt ? `, due by ${formatDateTime(dueAt)}` : ''}${skipped.length ? `. Skipped stage ${skipped.join(', ')} because: ${input.reason}` : input.reason ? `. ${input.reason}` : ''}`,
    },
    now,
  );
}

/** Record (replace) the actions agreed at the current stage. */
export async function recordAgreedActions(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  await requireEscalation(db, ctx, id, 'escalation.act');
  const input = parseInput(agreedActionsSchema, typeof raw === 'string' ? { agreedActions: raw } : raw);
  await db.transaction(async (tx) => {
    const esc = await loadEscalation(tx, id, true);
    if (esc.status !== 'open')
      throw new ValidationError({
        form: CLOSED_MESSAGE[esc.status as Exclude<EscalationStatus, 'open'>] ?? 'This escalation is closed, so it cannot be changed.',
      });
    const current = await currentStageRow(tx, esc.id);
    if (!current) throw new Error(`Escalation ${esc.id} has no current stage`);
    await tx.update(escalationStages).set({ agreedActions: input.agreedActions }).where(eq(escalationStages.id, current.id));
    await tx.update(escalations).set({ updatedAt: now }).where(eq(escalations.id, esc.id));
    await auditChange(tx, ctx, esc, 'escalation.agreed_actions', { stage: current.stage });
    await onCaseChronology(
      tx,
      ctx,
      esc,
      `Escalation ${esc.reference}, stage ${current.stage}: actions agreed: ${input.agreedActions}`,
      { stage: current.stage },
      now,
    );
  });
}

/** Resolved: the agencies agree. `outcome` says what was agreed. */
export async function resolve(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  const esc = await requireEscalation(db, ctx, id, 'escalation.act');
  const input = parseInput(resolveSchema, typeof raw === 'string' ? { outcome: raw } : raw);
  // Closed by the agency it was raised with, the raising agency has not agreed: that is said, where both see it.
  const closedBy = ctx.actor?.organisationId ?? null;
  const oneSided = closedBy === esc.raisedWithOrganisationId;
  const reason = oneSided
    ? `${input.outcome} (closed by ${(await organisationName(db, closedBy)) ?? 'the agency it was raised with'}, the agency it was raised with; ${(await organisationName(db, esc.raisedByOrganisationId)) ?? 'the raising agency'} has not recorded that it agrees)`
    : input.outcome;
  await transition(
    db,
    ctx,
    id,
    { type: 'resolve', outcome: input.outcome },
    {
      outcome: 'resolved',
      reason,
      audit: 'escalation.resolve',
      summary: (e, _t, to) => `Escalation ${e.reference} resolved at stage ${to.stage}: ${reason}`,
      // The other side is told it was closed, and by whom.
      after: async (tx, _e, stageId) => {
        if (stageId) await enqueue(tx, STAGE_EMAIL_JOB, { stageId, closedBy }, { idempotencyKey: `escalation-closed:${stageId}` });
      },
    },
    now,
  );
}

/** Referred to the safeguarding partnership: it leaves the ladder here. From below the top, the stages in between are recorded as skipped. */
export async function referToPartnership(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  await requireEscalation(db, ctx, id, 'escalation.act');
  const input = parseInput(reasonSchema('Enter why you are referring this to the safeguarding partnership'), typeof raw === 'string' ? { reason: raw } : raw);
  await transition(
    db,
    ctx,
    id,
    { type: 'refer_to_partnership', reason: input.reason },
    {
      outcome: 'referred_to_partnership',
      enter: { ownerName: null, ownerOrganisationId: null, reason: input.reason },
      reason: input.reason,
      audit: 'escalation.refer',
      summary: (e) => `Escalation ${e.reference} referred to the safeguarding partnership: ${input.reason}`,
    },
    now,
  );
}

/** Withdrawn by the agency that raised it (it no longer disagrees), or by the partnership. */
export async function withdraw(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  await requireEscalation(db, ctx, id, 'escalation.withdraw').catch((err) => {
    if (!(err instanceof ForbiddenError)) throw err;
    throw new ForbiddenError(
      'escalation.withdraw',
      'Only the agency that raised an escalation can withdraw it. If the disagreement is settled, record it as resolved.',
    );
  });
  const input = parseInput(reasonSchema('Enter why the escalation is being withdrawn'), typeof raw === 'string' ? { reason: raw } : raw);
  await transition(
    db,
    ctx,
    id,
    { type: 'withdraw', reason: input.reason },
    {
      outcome: 'withdrawn',
      reason: input.reason,
      audit: 'escalation.withdraw',
      summary: (e, _t, to) => `Escalation ${e.reference} withdrawn at stage ${to.stage}: ${input.reason}`,
    },
    now,
  );
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────────

const byOrg = alias(organisations, 'raised_by_org');
const withOrg = alias(organisations, 'raised_with_org');
const currentStage = alias(escalationStages, 'current_stage');

function listQuery(db: Db) {
  return db
    .select({
      id: escalations.id,
      reference: escalations.reference,
      caseId: escalations.caseId,
      caseReference: cases.reference,
      subject: escalations.subject,
      status: escalations.status,
      stage: escalations.stage,
      stageTableVersionId: escalations.stageTableVersionId,
      raisedByOrganisation: byOrg.name,
      raisedWithOrganisation: withOrg.name,
      createdAt: escalations.createdAt,
      closedAt: escalations.closedAt,
      dueAt: currentStage.dueAt,
    })
    .from(escalations)
    .innerJoin(byOrg, eq(byOrg.id, escalations.raisedByOrganisationId))
    .innerJoin(withOrg, eq(withOrg.id, escalations.raisedWithOrganisationId))
    .leftJoin(cases, eq(cases.id, escalations.caseId))
    .leftJoin(currentStage, and(eq(currentStage.escalationId, escalations.id), eq(currentStage.kind, 'reached'), isNull(currentStage.endedAt)));
}

type ListRow = Awaited<ReturnType<ReturnType<typeof listQuery>['execute']>>[number];

export interface EscalationSummary extends ListRow {
  subjectLabel: string;
  statusLabel: string;
  stageLabel: string;
  overdue: boolean;
}

async function summarise(db: Db, list: ListRow[], now: Date): Promise<EscalationSummary[]> {
  const tableOf = stageTables(db);
  const out: EscalationSummary[] = [];
  for (const r of list) {
    const table = await tableOf(r.stageTableVersionId);
    out.push({
      ...r,
      subjectLabel: ESCALATION_SUBJECT_LABELS[r.subject as EscalationSubject] ?? r.subject,
      statusLabel: ESCALATION_STATUS_LABELS[r.status as EscalationStatus] ?? r.status,
      stageLabel: stageLabel(table, r.stage),
      overdue: r.status === 'open' && !!r.dueAt && r.dueAt.getTime() < now.getTime(),
    });
  }
  return out;
}

/** The area an escalation is in, as SQL: its case's geography, or the raising organisation's. */
const escalationGeography = sql`coalesce(${cases.geographyId}, ${byOrg.geographyId})`;

/**
 * The escalations this person may take `action` on, as SQL, from the same policy rules as
 * {@link requireEscalation}: party to it (raising, raised with, or working on its case), in their
 * partnership area, or all (auditors, the system).
 */
export async function escalationScope(db: Db, ctx: RequestContext, action: Action): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const org = ctx.actor.organisationId;
  return sqlScope(
    scopeFor(ctx.actor, action),
    {
      involved: () =>
        or(eq(escalations.raisedByOrganisationId, org), eq(escalations.raisedWithOrganisationId, org), inArray(escalations.caseId, casesWorkedOnBy(db, org)))!,
      inArea: async () => inGeographies(await organisationsAreaIds(db, org)),
    },
    'escalations',
  );
}

/** Escalations in these geographies (by {@link escalationGeography}). */
const inGeographies = (ids: readonly string[]): SQL =>
  ids.length
    ? sql`${escalationGeography} IN (${sql.join(
        ids.map((g) => sql`${g}::uuid`),
        sql`, `,
      )})`
    : sql`false`;

/** Escalations this person may see (the same rule as one escalation), newest first. */
export async function listEscalations(db: Db, ctx: RequestContext, opts: { status?: ListFilter } = {}, now = new Date()): Promise<EscalationSummary[]> {
  authorizeContext(ctx, 'escalation.list');
  const status = opts.status ?? 'open';
  const scope = await escalationScope(db, ctx, 'escalation.view');
  const statusCond = status === 'open' ? eq(escalations.status, 'open') : status === 'closed' ? ne(escalations.status, 'open') : undefined;
  const list = await listQuery(db).where(and(scope, statusCond)).orderBy(desc(escalations.createdAt)).limit(500);
  await recordAuditNow(db, ctx, { action: 'escalation.list', verb: 'R', entityType: 'Escalation', detail: { status, count: list.length } });
  return summarise(db, list, now);
}

/**
 * How many open escalations are waiting for this person's organisation to respond: those raised with it
 * (the navigation's count).
 */
export async function escalationsAwaitingCount(db: Db, ctx: RequestContext): Promise<number> {
  const actor = ctx.actor;
  // Those who may raise escalations answer those raised with their agency; overseers (partnership, audit) have none to answer.
  if (!actor || !can(actor, 'escalation.raise')) return 0;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(escalations)
    .where(and(eq(escalations.status, 'open'), eq(escalations.raisedWithOrganisationId, actor.organisationId)));
  return Number(r?.n ?? 0);
}

/**
 * A case's escalations, for its escalations page. The caller's page load audits the read
 * (renderCasePage); pass `audit: true` when nothing else does (the API).
 */
export async function escalationsForCase(
  db: Db,
  ctx: RequestContext,
  caseId: string,
  opts: { audit?: boolean } = {},
  now = new Date(),
): Promise<EscalationSummary[]> {
  await requireCase(db, ctx, caseId, 'case.view', opts.audit ? { auditRead: 'case.escalations.view' } : {});
  const list = await listQuery(db).where(eq(escalations.caseId, caseId)).orderBy(desc(escalations.createdAt));
  return summarise(db, list, now);
}

/** Open escalations on a case (for the case summary). The caller has already checked the person may see the case. */
export async function openEscalationCount(db: Db, caseId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(escalations)
    .where(and(eq(escalations.caseId, caseId), eq(escalations.status, 'open')));
  return Number(r?.n ?? 0);
}

/** One escalation in full: parties, stage history with owners and due times, and what this person may do. Audited. */
export async function getEscalation(db: Db, ctx: RequestContext, id: string, now = new Date()) {
  const esc = await requireEscalation(db, ctx, id, 'escalation.view', { auditRead: 'escalation.view' });
  const table = await stageTableOf(db, esc.stageTableVersionId);
  const ownerOrg = alias(organisations, 'owner_org');
  const stages = await db
    .select({ row: escalationStages, ownerOrganisationName: ownerOrg.name })
    .from(escalationStages)
    .leftJoin(ownerOrg, eq(ownerOrg.id, escalationStages.ownerOrganisationId))
    .where(eq(escalationStages.escalationId, esc.id))
    .orderBy(asc(escalationStages.stage), asc(escalationStages.enteredAt));
  const current = stages.find((s) => s.row.kind === 'reached' && !s.row.endedAt)?.row ?? null;
  const [kase] = esc.caseId ? await db.select({ id: cases.id, reference: cases.reference }).from(cases).where(eq(cases.id, esc.caseId)) : [];
  // One policy resource for both answers (it costs queries: the parties and the area).
  const resource = ctx.actor ? await resourceFor(db, ctx, esc) : null;
  const canAct = esc.status === 'open' && (ctx.actor ? can(ctx.actor, 'escalation.act', resource!) : !!ctx.system);
  return {
    escalation: esc,
    subjectLabel: ESCALATION_SUBJECT_LABELS[esc.subject as EscalationSubject] ?? esc.subject,
    statusLabel: ESCALATION_STATUS_LABELS[esc.status as EscalationStatus] ?? esc.status,
    stageLabel: stageLabel(table, esc.stage),
    raisedByOrganisation: await organisationName(db, esc.raisedByOrganisationId),
    raisedWithOrganisation: await organisationName(db, esc.raisedWithOrganisationId),
    case: kase ?? null,
    table,
    stages: stages.map((s) => ({ ...s.row, ownerOrganisationName: s.ownerOrganisationName, stageLabel: stageLabel(table, s.row.stage) })),
    current,
    overdue: esc.status === 'open' && !!current?.dueAt && current.dueAt.getTime() < now.getTime(),
    higherStages: table.filter((s) => s.stage > esc.stage),
    canAct,
    canWithdraw: canAct && !!ctx.actor && can(ctx.actor, 'escalation.withdraw', resource!),
  };
}

/** The stage table that would apply to a new escalation raised by this person (on a case: its area). */
export async function stageTableFor(db: Db, ctx: RequestContext, caseId?: string | null): Promise<EscalationStage[]> {
  let geographyId: string | null = null;
  if (caseId) geographyId = (await requireCase(db, ctx, caseId, 'case.view')).geographyId;
  else if (ctx.actor) {
    const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, ctx.actor.organisationId));
    geographyId = org?.geographyId ?? null;
  }
  const parsed = stageTableSchema.safeParse((await configInForce(db, 'escalation_stages', geographyId)).definition);
  return parsed.success ? parsed.data : DEFAULT_STAGES;
}

/**
 * Organisations to choose from: for raising, every active one except the person's own (it is between
 * agencies); for a stage's owner, any (a manager may be in the raiser's own agency).
 */
export async function organisationChoices(db: Db, ctx: RequestContext, opts: { excludeOwn?: boolean } = {}) {
  return db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(eq(organisations.active, true), opts.excludeOwn && ctx.actor ? ne(organisations.id, ctx.actor.organisationId) : undefined))
    .orderBy(asc(organisations.name));
}

/** Areas a person may choose for the partnership view: ICB and local authority areas in their area (all, for auditors). */
export async function reportAreas(db: Db, ctx: RequestContext): Promise<{ id: string; name: string; level: string }[]> {
  const scope = authorizeList(ctx, 'escalation.report');
  const all = await db.select({ id: geographies.id, name: geographies.name, level: geographies.level }).from(geographies).orderBy(asc(geographies.name));
  let allowed: string[] | null = null;
  if (scope.kind !== 'all') {
    // Their own area and the areas within it: choosing the wider ICB area would still show only their part of it.
    const own = ctx.actor ? await organisationGeographyId(db, ctx.actor.organisationId) : null;
    allowed = own ? await geographyAndBelow(db, own) : [];
  }
  return all.filter((g) => (g.level === 'icb' || g.level === 'local_authority') && (allowed === null || allowed.includes(g.id)));
}

// ── The partnership view ───────────────────────────────────────────────────────────────────────────

const oneDecimal = (n: number) => Math.round(n * 10) / 10;

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface EscalationReport {
  period: { from: string; to: string };
  areaName: string | null;
  raised: number;
  open: { total: number; byStage: { stage: number; label: string; count: number }[] };
  highestStage: { stage: number; label: string; count: number }[];
  closed: { resolved: number; referred: number; withdrawn: number };
  /** Days from raising to resolution, for those resolved; null when none were. */
  timeToResolve: { count: number; medianDays: number; meanDays: number } | null;
  overdue: number;
  themes: { subject: EscalationSubject; label: string; count: number }[];
}

/**
 * Totals for the partnership: escalations raised in the period (by day in England) in the area, what
 * stage the open ones are at, how far each went, how they ended, how long resolution took, how many are
 * overdue now, and what they were about. Counts only: no names, no concerns.
 */
export async function partnershipReport(db: Db, ctx: RequestContext, raw: unknown = {}, now = new Date()): Promise<EscalationReport> {
  const access = authorizeList(ctx, 'escalation.report');
  const q = parseInput(reportQuerySchema, raw);
  const to = q.to ?? londonDate(now);
  const from = q.from ?? addDays(to, -364);
  if (from > to) throw new ValidationError({ from: 'The start of the period must be the same as or before the end' });

  const actor = ctx.actor;
  const actorGeography = actor ? await organisationGeographyId(db, actor.organisationId) : null;
  // The partnership area's geographies for those the policy limits to their area; every area for the rest.
  let scope: string[] | null = null;
  if (access.kind === 'some') {
    if (access.conditions.some((c) => c !== 'inArea')) throw new Error('The escalation report knows only the inArea condition');
    scope = actorGeography ? await partnershipAreaIds(db, actorGeography) : [];
  } else if (access.kind === 'none') scope = [];
  let areaName: string | null = null;
  if (q.geographyId) {
    const [g] = await db.select({ name: geographies.name }).from(geographies).where(eq(geographies.id, q.geographyId));
    if (!g) throw new ValidationError({ geographyId: 'Choose an area from the list' });
    if (scope && !scope.includes(q.geographyId)) throw new ForbiddenError('escalation.report', 'You can see figures for your own partnership area only.');
    const below = await geographyAndBelow(db, q.geographyId);
    scope = scope ? below.filter((id) => scope!.includes(id)) : below;
    areaName = g.name;
  }

  const start = new Date(endOfLondonDay(addDays(from, -1)).getTime() + 1);
  const end = endOfLondonDay(to);
  const inScope = scope === null ? undefined : inGeographies(scope);
  const list = await listQuery(db).where(
    and(inScope, sql`${escalations.createdAt} >= ${start.toISOString()}::timestamptz`, sql`${escalations.createdAt} <= ${end.toISOString()}::timestamptz`),
  );

  // Stage names from the table in force for the area reported on (escalations keep their own table's numbers).
  const labelTable =
    stageTableSchema.safeParse((await configInForce(db, 'escalation_stages', q.geographyId ?? actorGeography)).definition).data ?? DEFAULT_STAGES;
  const count = (pred: (r: ListRow) => boolean) => list.filter(pred).length;
  const stagesSeen = [...new Set([...labelTable.map((s) => s.stage), ...list.map((r) => r.stage)])].sort((a, b) => a - b);
  const open = list.filter((r) => r.status === 'open');
  const resolvedDays = list
    .filter((r) => r.status === 'resolved' && r.closedAt)
    .map((r) => (r.closedAt!.getTime() - r.createdAt.getTime()) / DAY_MS)
    .sort((a, b) => a - b);

  const report: EscalationReport = {
    period: { from, to },
    areaName,
    raised: list.length,
    open: {
      total: open.length,
      byStage: stagesSeen.map((s) => ({ stage: s, label: stageLabel(labelTable, s), count: open.filter((r) => r.stage === s).length })),
    },
    highestStage: stagesSeen.map((s) => ({ stage: s, label: stageLabel(labelTable, s), count: count((r) => r.stage === s) })),
    closed: {
      resolved: count((r) => r.status === 'resolved'),
      referred: count((r) => r.status === 'referred_to_partnership'),
      withdrawn: count((r) => r.status === 'withdrawn'),
    },
    timeToResolve: resolvedDays.length
      ? {
          count: resolvedDays.length,
          medianDays: oneDecimal(median(resolvedDays)),
          meanDays: oneDecimal(resolvedDays.reduce((a, b) => a + b, 0) / resolvedDays.length),
        }
      : null,
    overdue: open.filter((r) => r.dueAt && r.dueAt.getTime() < now.getTime()).length,
    themes: ESCALATION_SUBJECTS.map((s) => ({ subject: s, label: ESCALATION_SUBJECT_LABELS[s], count: count((r) => r.subject === s) })),
  };
  await recordAuditNow(db, ctx, {
    action: 'escalation.report',
    verb: 'R',
    entityType: 'Escalation',
    detail: { from, to, geographyId: q.geographyId ?? null, raised: report.raised },
  });
  return report;
}

// ── Overdue reminders ──────────────────────────────────────────────────────────────────────────────

/**
 * The scheduled job: every open escalation whose current stage is past its due time, and has not been
 * chased, is marked reminded and one email job is queued for it, in the same transaction (so a stage
 * is chased once, however many workers run this at once).
 */
export async function remindOverdueStages(db: Db, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx
      .update(escalationStages)
      .set({ remindedAt: now })
      .where(
        and(
          eq(escalationStages.kind, 'reached'),
          isNull(escalationStages.endedAt),
          isNull(escalationStages.remindedAt),
          lt(escalationStages.dueAt, now),
          inArray(escalationStages.escalationId, tx.select({ id: escalations.id }).from(escalations).where(eq(escalations.status, 'open'))),
        ),
      )
      .returning({ id: escalationStages.id, escalationId: escalationStages.escalationId, stage: escalationStages.stage });
    for (const s of due) await enqueue(tx, OVERDUE_EMAIL_JOB, { stageId: s.id }, { idempotencyKey: `escalation-overdue:${s.id}` });
    if (due.length) {
      await recordAudit(tx, systemContext(OVERDUE_REMINDER_JOB), {
        action: 'escalation.overdue_reminder',
        verb: 'E',
        entityType: 'Escalation',
        detail: { stages: due.length },
      });
    }
    return due.length;
  });
}

/**
 * Email the safeguarding team of the organisation holding an overdue stage, and the person who raised
 * the escalation. The email carries the reference and a link only: shared mailboxes are read on phones.
 * Nothing is sent when the stage has moved on or the escalation has closed since the job was queued.
 */
/**
 * Email the agencies on the other side of an escalation that it has been raised with them or has reached
 * a new stage: the safeguarding mailboxes of the organisation raised with and of the one now holding it
 * (when another), never the raiser's own. A reference, the stage and a link: no personal information
 * (not even the professionals' names: the mailbox is shared and copied to phones).
 */
export async function emailStage(db: Db, mailer: Mailer, publicUrl: string, payload: { stageId: string; closedBy?: string | null }): Promise<number> {
  if (!isUuid(String(payload.stageId))) return 0;
  const [row] = await db
    .select({ stage: escalationStages, esc: escalations, raisedBy: organisations.name, raiserEmail: users.email })
    .from(escalationStages)
    .innerJoin(escalations, eq(escalations.id, escalationStages.escalationId))
    .innerJoin(organisations, eq(organisations.id, escalations.raisedByOrganisationId))
    .leftJoin(users, eq(users.id, escalations.raisedByUserId))
    .where(eq(escalationStages.id, payload.stageId));
  if (!row) return 0;
  const table = await stageTableOf(db, row.esc.stageTableVersionId);
  const to = new Set<string>();
  if (payload.closedBy !== undefined) {
    // Closed: every party but the one that closed it (the raiser too, when it was not them).
    for (const orgId of new Set([row.esc.raisedByOrganisationId, row.esc.raisedWithOrganisationId])) {
      if (orgId === payload.closedBy) continue;
      for (const m of await safeguardingContactMailboxes(db, orgId)) to.add(m);
    }
    if (payload.closedBy !== row.esc.raisedByOrganisationId && row.raiserEmail) to.add(row.raiserEmail);
  } else {
    for (const orgId of new Set([row.esc.raisedWithOrganisationId, row.stage.ownerOrganisationId].filter((o): o is string => !!o))) {
      if (orgId === row.esc.raisedByOrganisationId) continue;
      for (const m of await safeguardingContactMailboxes(db, orgId)) to.add(m);
    }
  }
  const closed = payload.closedBy !== undefined || (!!row.stage.outcome && row.esc.status !== 'open');
  const first = !closed && row.stage.enteredAt.getTime() === row.esc.createdAt.getTime();
  const what = first
    ? `${row.raisedBy} has raised escalation ${row.esc.reference} with your organisation`
    : closed
      ? `Escalation ${row.esc.reference}, raised by ${row.raisedBy}, has been closed (${(ESCALATION_STATUS_LABELS[row.esc.status as EscalationStatus] ?? row.esc.status).toLowerCase()}${payload.closedBy && payload.closedBy === row.esc.raisedWithOrganisationId ? ' by the agency it was raised with, without the raising agency recording that it agrees' : ''})`
      : `Escalation ${row.esc.reference}, raised by ${row.raisedBy}, has moved to stage ${row.stage.stage}`;
  const due = row.stage.dueAt && !closed ? ` It is due to be resolved or moved on by ${formatDateTime(row.stage.dueAt)}.` : '';
  return sendEscalationEmails(mailer, to, {
    subject: `[Beacon] Escalation ${row.esc.reference}: ${first ? 'raised with you' : closed ? 'closed' : `stage ${row.stage.stage}`} (${stageLabel(table, row.stage.stage)})`,
    lines: [
      `${what}${closed ? ' at' : ':'} stage ${row.stage.stage}, ${stageLabel(table, row.stage.stage)}.${due}`,
      'Please make sure the right person sees it and records your response in Beacon.',
    ],
    link: `${publicUrl}/escalations/${row.esc.id}`,
    messageKey: `${closed ? 'closed' : 'stage'}-${row.stage.id}`,
  });
}

export async function emailOverdueStage(db: Db, mailer: Mailer, publicUrl: string, payload: { stageId: string }): Promise<number> {
  if (!isUuid(String(payload.stageId))) return 0;
  const [row] = await db
    .select({ stage: escalationStages, reference: escalations.reference, status: escalations.status, escalationId: escalations.id, raiserEmail: users.email })
    .from(escalationStages)
    .innerJoin(escalations, eq(escalations.id, escalationStages.escalationId))
    .leftJoin(users, eq(users.id, escalations.raisedByUserId))
    .where(eq(escalationStages.id, payload.stageId));
  if (!row || row.status !== 'open' || row.stage.endedAt) return 0;
  const to = new Set<string>();
  if (row.stage.ownerOrganisationId) for (const m of await safeguardingContactMailboxes(db, row.stage.ownerOrganisationId)) to.add(m);
  if (row.raiserEmail) to.add(row.raiserEmail);
  const due = row.stage.dueAt ? ` It was due by ${formatDateTime(row.stage.dueAt)}.` : '';
  return sendEscalationEmails(mailer, to, {
    subject: `[Beacon] Escalation ${row.reference}: stage ${row.stage.stage} is overdue`,
    lines: [
      `Escalation ${row.reference} is at stage ${row.stage.stage} and has not been resolved or moved on in time.${due}`,
      'Please make sure whoever holds it knows, and record what has happened: agreed actions, the outcome, or escalate it.',
    ],
    link: `${publicUrl}/escalations/${row.escalationId}`,
    messageKey: `overdue-${row.stage.id}`,
  });
}

/**
 * An escalation email to each address: what happened, a link, no personal information. The Message-ID is
 * stable per message and address, so a job run twice sends a copy a mail server can drop.
 */
async function sendEscalationEmails(
  mailer: Mailer,
  to: ReadonlySet<string>,
  m: { subject: string; lines: string[]; link: string; messageKey: string },
): Promise<number> {
  for (const address of to) {
    await mailer.send({
      to: address,
      subject: m.subject,
      text: [...m.lines, '', `Sign in to Beacon to see it: ${m.link}`, '', 'This email contains no personal information. Do not reply to it.'].join('\n'),
      messageId: `<escalation-${m.messageKey}-${address.replace(/[^\w.-]/g, '_')}@beacon>`,
    });
  }
  return to.size;
}
