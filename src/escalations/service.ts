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
import { publishEvents } from '../webhooks/publish';
import type { z } from 'zod';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, parseInput, ValidationError, zodFieldErrors } from '../platform/errors';
import { enqueue } from '../platform/jobs/queue';
import { formatDateTime } from '../platform/http/views';
import { organisations } from '../directory/schema';
import { cases } from '../cases/schema';
import { actorName, assertOpen, newReference, requireCase } from '../cases/access';
import { appendCaseEvent } from '../cases/events';
import { configInForce, loadCalendar } from '../cases/protocol-config';
import { escalationStages, escalations } from './schema';
import { loadEscalation, requireEscalation, type EscalationRow, type EscalationStageRow } from './access';
import { stageLabel, stageTableOf } from './stage-tables';
import { STAGE_EMAIL_JOB } from './notify';
import {
  applyEscalation,
  ESCALATION_SUBJECT_LABELS,
  type EscalationCommand,
  type EscalationStage,
  type EscalationState,
  type EscalationStatus,
  stageDueAt,
} from './stages';
import { agreedActionsSchema, escalateSchema, raiseEscalationSchema, reasonSchema, resolveSchema, type StageOutcome } from './model';

export async function currentStageRow(db: Db, escalationId: string): Promise<EscalationStageRow | undefined> {
  const [row] = await db
    .select()
    .from(escalationStages)
    .where(and(eq(escalationStages.escalationId, escalationId), eq(escalationStages.kind, 'reached'), isNull(escalationStages.endedAt)))
    .orderBy(desc(escalationStages.stage))
    .limit(1);
  return row;
}

export async function organisationName(db: Db, id: string | null): Promise<string | null> {
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
            raisedWithEmail: input.raisedWithEmail,
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
        // …and its systems, through any webhook it has (ids and links only).
        await publishEvents(tx, [
          {
            type: 'escalation.raised',
            key: `escalation:${esc.id}`,
            organisationId: input.raisedWithOrganisationId,
            data: { escalationId: esc.id, reference: esc.reference, stage, links: { escalation: `/api/escalations/${esc.id}` } },
          },
        ]);
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
