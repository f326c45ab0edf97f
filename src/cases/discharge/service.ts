/**
 * Discharge on a case: whether a discharge planning meeting is needed and the meetings held, toxicology
 * from request to result, and the discharge decision behind the gate (../discharge-gate.ts).
 *
 * The decision is the dangerous moment the review names: deciding without the meeting or without the
 * results. So the gate is worked out inside the decision's own transaction from the rows as they are
 * then, with the case row locked, and a decision past it is an override that is stored with what it
 * overrode, flagged by email to the safeguarding lead in the same transaction, and counted in assurance.
 * Every change writes its chronology event and audit record in the transaction that makes it.
 */
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeContext } from '../../platform/auth/policy';
import { NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { enqueue } from '../../platform/jobs/queue';
import { isUuid } from '../../directory/service';
import { safeguardingContactMailboxes } from '../../directory/mailboxes';
import { actorName, assertOpen, canOnCase, caseOrganisationIds, type CaseRow, recordCaseChange, requireCase } from '../access';
import { appendCaseEvent } from '../events';
import { currentProfessional } from '../service';
import { completeFromSource } from '../milestones/service';
import { dischargeDecisions, dischargePlanning, dischargePlanningMeetings, toxicologyTests } from '../schema';
import { type Blocker, blockerMessage, checkDischargeGate, type GateResult, type ToxicologyTest } from '../discharge-gate';
import {
  CONSENT_DECLINED_REASON,
  CONSENT_LABELS,
  type Consent,
  DISCHARGE_SUBJECT_LABELS,
  dischargeDecisionSchema,
  dpmDecisionSchema,
  dpmHeldSchema,
  dpmScheduleSchema,
  formatDateTime,
  overrideGiven,
  reasonSchema,
  reviewSchema,
  sampleLabel,
  SUBJECT_LABELS,
  TOX_RESULT_LABELS,
  TOX_STATUS_LABELS,
  type ToxResult,
  type ToxStatus,
  type ToxSubject,
  toxicologyDeclinedSchema,
  toxicologyRequestSchema,
  toxicologyResultSchema,
  toxicologyToldSchema,
} from './model';

/** The job that emails an override flag to one address (see ./jobs.ts). */
export const OVERRIDE_FLAG_EMAIL_JOB = 'cases.discharge_override.email';

type TestRow = typeof toxicologyTests.$inferSelect;
type MeetingRow = typeof dischargePlanningMeetings.$inferSelect;
type DecisionRow = typeof dischargeDecisions.$inferSelect;

/** A blocker as stored with an override: its code, the sentence shown at the time, and the tests it named. */
export interface StoredBlocker {
  code: Blocker['code'];
  message: string;
  testIds?: string[];
}
const storedBlocker = (b: Blocker): StoredBlocker => ({
  code: b.code,
  message: blockerMessage(b),
  ...(b.code === 'toxicology_pending' ? { testIds: b.testIds } : {}),
});

/** "baby meconium": how the gate and the pages name a test. */
const testName = (t: Pick<TestRow, 'subject' | 'sample'>) => `${t.subject} ${sampleLabel(t.sample).toLowerCase()}`;
const gateTest = (t: TestRow): ToxicologyTest => ({
  id: t.id,
  subject: t.subject as ToxSubject,
  sample: sampleLabel(t.sample).toLowerCase(),
  status: t.status as ToxStatus,
});
const isHeld = (m: MeetingRow) => !!m.heldAt && !m.cancelledAt;

/** What the gate looks at, read with the given connection (the decision's transaction, or a page's read). */
async function gateFacts(db: Db, caseId: string) {
  const [planning] = await db.select().from(dischargePlanning).where(eq(dischargePlanning.caseId, caseId));
  const meetings = await db
    .select()
    .from(dischargePlanningMeetings)
    .where(eq(dischargePlanningMeetings.caseId, caseId))
    .orderBy(asc(dischargePlanningMeetings.scheduledFor), asc(dischargePlanningMeetings.createdAt));
  const tests = await db
    .select()
    .from(toxicologyTests)
    .where(eq(toxicologyTests.caseId, caseId))
    .orderBy(asc(toxicologyTests.requestedAt), asc(toxicologyTests.createdAt));
  return { planning: planning ?? null, meetings, tests, dpm: { required: planning ? planning.required : null, held: meetings.some(isHeld) } };
}

async function meetingOnCase(db: Db, caseId: string, meetingId: string, lock = false): Promise<MeetingRow> {
  if (!isUuid(meetingId)) throw new NotFoundError('Discharge planning meeting');
  const q = db
    .select()
    .from(dischargePlanningMeetings)
    .where(and(eq(dischargePlanningMeetings.id, meetingId), eq(dischargePlanningMeetings.caseId, caseId)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Discharge planning meeting');
  return row;
}

/** A test on THIS case (a test id from another case is not found, whoever asks). */
async function testOnCase(db: Db, caseId: string, testId: string, lock = false): Promise<TestRow> {
  if (!isUuid(testId)) throw new NotFoundError('Toxicology test');
  const q = db
    .select()
    .from(toxicologyTests)
    .where(and(eq(toxicologyTests.id, testId), eq(toxicologyTests.caseId, caseId)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Toxicology test');
  return row;
}

/** A change to an open case by someone who may update it: the case, checked. */
async function caseToChange(db: Db, ctx: RequestContext, caseId: string): Promise<CaseRow> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  return kase;
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────────

/** The gate's answer with every blocker as a sentence, for the page and the API. */
export function describeGate(gate: GateResult) {
  const blockers = gate.outcome === 'clear' ? [] : gate.blockers.map((b) => ({ ...storedBlocker(b) }));
  return { outcome: gate.outcome, blocked: blockers.length > 0, blockers };
}

/**
 * Everything the discharge page shows: whether a meeting is needed and who decided, the meetings,
 * toxicology, decisions with their overrides, and what the gate would say now (with no override).
 * Audited as a read.
 */
export async function dischargeStatus(db: Db, ctx: RequestContext, caseId: string, now = new Date()) {
  return dischargeStatusOf(db, ctx, await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.discharge.view' }), now);
}

/** As {@link dischargeStatus}, for a case the caller has already loaded (and audited the read of). */
export async function dischargeStatusOf(db: Db, ctx: RequestContext, kase: CaseRow, now = new Date()) {
  const facts = await gateFacts(db, kase.id);
  const gate = checkDischargeGate({ dpm: facts.dpm, toxicology: facts.tests.map(gateTest), now });
  const decisions = await db
    .select()
    .from(dischargeDecisions)
    .where(eq(dischargeDecisions.caseId, kase.id))
    .orderBy(desc(dischargeDecisions.decidedAt), desc(dischargeDecisions.createdAt));
  const socialWorker = await currentProfessional(db, kase.id, 'social_worker');
  const open = kase.status === 'open';
  return {
    caseId: kase.id,
    reference: kase.reference,
    gate: describeGate(gate),
    planning: facts.planning,
    meetings: facts.meetings.map((m) => ({ ...m, state: m.cancelledAt ? ('cancelled' as const) : m.heldAt ? ('held' as const) : ('scheduled' as const) })),
    tests: facts.tests.map((t) => ({
      ...t,
      name: testName(t),
      subjectLabel: SUBJECT_LABELS[t.subject as ToxSubject] ?? t.subject,
      sampleLabel: sampleLabel(t.sample),
      consentLabel: CONSENT_LABELS[t.consent as Consent] ?? t.consent,
      statusLabel: TOX_STATUS_LABELS[t.status as ToxStatus] ?? t.status,
      resultLabel: t.result ? (TOX_RESULT_LABELS[t.result as ToxResult] ?? t.result) : null,
      declined: t.consent === 'declined',
    })),
    decisions: decisions.map((d) => ({
      ...d,
      subjectLabel: DISCHARGE_SUBJECT_LABELS[d.subject as keyof typeof DISCHARGE_SUBJECT_LABELS] ?? d.subject,
      blockers: (d.blockers ?? []) as StoredBlocker[],
    })),
    socialWorker: socialWorker ? { name: socialWorker.name, phone: socialWorker.phone, email: socialWorker.email } : null,
    can: {
      update: open && (await canOnCase(db, ctx, kase.id, 'case.update')),
      override: open && (await canOnCase(db, ctx, kase.id, 'case.discharge_override')),
      review: await canOnCase(db, ctx, kase.id, 'case.override_review'),
    },
  };
}

// ── Discharge planning meeting ─────────────────────────────────────────────────────────────────────

/** Whether a discharge planning meeting is required, who decided and why. Replaces the earlier decision; the chronology keeps it. */
export async function decideDpmRequired(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  const input = parseInput(dpmDecisionSchema, raw);
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(dischargePlanning).where(eq(dischargePlanning.caseId, kase.id)).for('update');
    const values = {
      required: input.required,
      decidedByName: input.decidedByName,
      decidedByRole: input.decidedByRole,
      reason: input.reason,
      recordedByUserId: ctx.actor?.userId ?? null,
      decidedAt: now,
    };
    await tx
      .insert(dischargePlanning)
      .values({ caseId: kase.id, ...values })
      .onConflictDoUpdate({ target: dischargePlanning.caseId, set: values });
    const what = input.required ? 'A discharge planning meeting is required' : 'A discharge planning meeting is not required';
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_planning',
      occurredAt: now,
      summary: `${what} (decided by ${input.decidedByName}, ${input.decidedByRole}${before ? `; previously ${before.required ? 'required' : 'not required'}` : ''}): ${input.reason}`,
      detail: { required: input.required, previous: before ? before.required : null },
    });
    await recordCaseChange(
      tx,
      ctx,
      kase.id,
      'case.discharge_planning.decide',
      { required: input.required, previous: before ? before.required : null },
      input.reason,
    );
  });
}

export async function scheduleDpm(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  const kase = await caseToChange(db, ctx, caseId);
  const input = parseInput(dpmScheduleSchema(now, kase.openedAt), raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(dischargePlanningMeetings)
      .values({ caseId: kase.id, scheduledFor: input.scheduledFor, location: input.location, recordedByUserId: ctx.actor?.userId ?? null })
      .returning({ id: dischargePlanningMeetings.id });
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_planning',
      occurredAt: now,
      summary: `Discharge planning meeting arranged for ${formatDateTime(input.scheduledFor)}${input.location ? ` at ${input.location}` : ''}`,
      detail: { meetingId: row!.id },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.discharge_planning.schedule', { meetingId: row!.id });
    return { id: row!.id };
  });
}

/**
 * Record that a meeting was held: when, who came (by agency) and what was decided. Completes the
 * protocol milestone that a held meeting completes, if the case's protocol has one and it is not
 * already recorded.
 */
export async function recordDpmHeld(db: Db, ctx: RequestContext, caseId: string, meetingId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  await meetingOnCase(db, kase.id, meetingId);
  const input = parseInput(dpmHeldSchema(now, kase.openedAt), raw);
  await db.transaction(async (tx) => {
    const meeting = await meetingOnCase(tx, kase.id, meetingId, true);
    if (meeting.cancelledAt)
      throw new ValidationError({
        form: `This meeting was cancelled (${meeting.cancelledReason ?? 'no reason given'}). Arrange a new meeting and record that one as held`,
      });
    if (meeting.heldAt) throw new ValidationError({ form: `This meeting has already been recorded as held on ${formatDateTime(meeting.heldAt)}` });
    await tx
      .update(dischargePlanningMeetings)
      .set({ heldAt: input.heldAt, attendees: input.attendees, decisions: input.decisions })
      .where(eq(dischargePlanningMeetings.id, meeting.id));
    const agencies = [...new Set(input.attendees.map((a) => a.agency))];
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_planning',
      occurredAt: input.heldAt,
      summary: `Discharge planning meeting held: ${input.attendees.length} ${input.attendees.length === 1 ? 'attendee' : 'attendees'} (${agencies.join(', ')}). Decisions: ${input.decisions}`,
      detail: { meetingId: meeting.id, agencies },
    });
    // The protocol's milestone for the meeting (if it has one) is done when the meeting is held.
    await completeFromSource(tx, ctx, kase.id, 'discharge_planning_meeting_held', input.heldAt);
    await recordCaseChange(tx, ctx, kase.id, 'case.discharge_planning.held', {
      meetingId: meeting.id,
      attendees: input.attendees.length,
      agencies: agencies.length,
    });
  });
}

export async function cancelDpm(db: Db, ctx: RequestContext, caseId: string, meetingId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  await meetingOnCase(db, kase.id, meetingId);
  const input = parseInput(reasonSchema('Enter why the meeting is cancelled'), raw);
  await db.transaction(async (tx) => {
    const meeting = await meetingOnCase(tx, kase.id, meetingId, true);
    if (meeting.cancelledAt) throw new ValidationError({ form: 'This meeting has already been cancelled' });
    if (meeting.heldAt) throw new ValidationError({ form: 'This meeting has been held, so it cannot be cancelled' });
    await tx.update(dischargePlanningMeetings).set({ cancelledAt: now, cancelledReason: input.reason }).where(eq(dischargePlanningMeetings.id, meeting.id));
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_planning',
      occurredAt: now,
      summary: `Discharge planning meeting arranged for ${formatDateTime(meeting.scheduledFor)} cancelled: ${input.reason}`,
      detail: { meetingId: meeting.id },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.discharge_planning.cancel', { meetingId: meeting.id }, input.reason);
  });
}

// ── Toxicology ─────────────────────────────────────────────────────────────────────────────────────

/** The columns of a test row that requesting it and recording it as declined both fill. */
const offeredTest = (
  ctx: RequestContext,
  kase: CaseRow,
  input: { subject: ToxSubject; sample: string; sampleOther: string | null; requestedAt: Date; requestedByName: string },
) => ({
  caseId: kase.id,
  subject: input.subject,
  sample: input.sample === 'other' ? input.sampleOther! : input.sample,
  requestedAt: input.requestedAt,
  requestedByName: input.requestedByName,
  recordedByUserId: ctx.actor?.userId ?? null,
});

/**
 * Request a test (pending until resulted or cancelled). A test she declined is refused here: it will
 * never have a result, so it must not wait as pending; {@link recordToxicologyDeclined} records it.
 */
export async function requestToxicology(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  const kase = await caseToChange(db, ctx, caseId);
  const input = parseInput(toxicologyRequestSchema(now, kase.openedAt, kase.bornAt), raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(toxicologyTests)
      .values({ ...offeredTest(ctx, kase, input), consent: input.consent, status: 'pending' })
      .returning();
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'toxicology',
      occurredAt: input.requestedAt,
      summary: `Toxicology requested: ${testName(row!)} by ${input.requestedByName} (${CONSENT_LABELS[input.consent].toLowerCase()}). Result pending`,
      detail: { testId: row!.id, subject: input.subject, consent: input.consent },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.toxicology.request', { testId: row!.id, subject: input.subject, consent: input.consent });
    return { id: row!.id };
  });
}

/**
 * Record a test that was offered and declined. It is kept with consent 'declined' and status
 * 'cancelled' (reason "Consent declined"): nothing will come back, so it does not hold the gate, and
 * the page and chronology still show that it was offered and refused.
 */
export async function recordToxicologyDeclined(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  const kase = await caseToChange(db, ctx, caseId);
  const input = parseInput(toxicologyDeclinedSchema(now, kase.openedAt, kase.bornAt), raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(toxicologyTests)
      .values({ ...offeredTest(ctx, kase, input), consent: 'declined', status: 'cancelled', cancelledReason: CONSENT_DECLINED_REASON, resultNote: input.note })
      .returning();
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'toxicology',
      occurredAt: input.requestedAt,
      summary: `Toxicology offered and declined: ${testName(row!)} (offered by ${input.requestedByName})${input.note ? `. ${input.note}` : ''}`,
      detail: { testId: row!.id, subject: input.subject, consent: 'declined' },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.toxicology.declined', { testId: row!.id, subject: input.subject });
    return { id: row!.id };
  });
}

function notPending(t: TestRow): ValidationError {
  if (t.status === 'resulted') {
    return new ValidationError({
      form: `This test already has a result (${TOX_RESULT_LABELS[t.result as ToxResult] ?? t.result}, ${formatDateTime(t.resultedAt)}). A result is not changed: if it was wrong, request a new test or record the correction in the chronology`,
    });
  }
  return new ValidationError({
    form: `This test was cancelled (${t.cancelledReason ?? 'no reason given'}), so it has no result to record. Request a new test if a sample was sent`,
  });
}

/** The result of a pending test on this case. A result for a test that is not on this case is not found. */
export async function recordToxicologyResult(db: Db, ctx: RequestContext, caseId: string, testId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  const test = await testOnCase(db, kase.id, testId);
  if (test.status !== 'pending') throw notPending(test);
  const input = parseInput(toxicologyResultSchema(now, test.requestedAt), raw);
  await db.transaction(async (tx) => {
    const t = await testOnCase(tx, kase.id, testId, true);
    if (t.status !== 'pending') throw notPending(t);
    await tx
      .update(toxicologyTests)
      .set({
        status: 'resulted',
        result: input.result,
        substances: input.result === 'positive' ? input.substances : [],
        resultedAt: input.resultedAt,
        resultNote: input.resultNote,
        updatedAt: now,
      })
      .where(eq(toxicologyTests.id, t.id));
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'toxicology',
      occurredAt: input.resultedAt,
      summary: `Toxicology result: ${testName(t)} ${input.result}${input.result === 'positive' ? ` (${input.substances.join(', ')})` : ''}${input.resultNote ? `. ${input.resultNote}` : ''}`,
      detail: { testId: t.id, result: input.result },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.toxicology.result', { testId: t.id, result: input.result });
  });
}

/** Who was told a result (the mother, the social worker, the GP …), and when. */
export async function recordToxicologyTold(db: Db, ctx: RequestContext, caseId: string, testId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  const test = await testOnCase(db, kase.id, testId);
  if (test.status !== 'resulted' || !test.resultedAt) throw new ValidationError({ form: 'Record the result before recording who was told it' });
  const input = parseInput(toxicologyToldSchema(now, test.resultedAt), raw);
  await db.transaction(async (tx) => {
    const t = await testOnCase(tx, kase.id, testId, true);
    const told = [...(t.toldPeople ?? []), { name: input.name, role: input.role, at: input.at.toISOString() }];
    await tx.update(toxicologyTests).set({ toldPeople: told, updatedAt: now }).where(eq(toxicologyTests.id, t.id));
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'toxicology',
      occurredAt: input.at,
      summary: `Toxicology result (${testName(t)}) given to ${input.name}, ${input.role}`,
      detail: { testId: t.id },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.toxicology.told', { testId: t.id });
  });
}

/** Cancel a pending test (sample lost, not sent), with the reason. It then no longer holds the gate. */
export async function cancelToxicology(db: Db, ctx: RequestContext, caseId: string, testId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await caseToChange(db, ctx, caseId);
  await testOnCase(db, kase.id, testId);
  const input = parseInput(reasonSchema('Enter why the test is cancelled, for example sample lost in transit'), raw);
  await db.transaction(async (tx) => {
    const t = await testOnCase(tx, kase.id, testId, true);
    if (t.status !== 'pending')
      throw new ValidationError({
        form: t.status === 'resulted' ? 'This test has a result, so it cannot be cancelled' : 'This test has already been cancelled',
      });
    await tx.update(toxicologyTests).set({ status: 'cancelled', cancelledReason: input.reason, updatedAt: now }).where(eq(toxicologyTests.id, t.id));
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'toxicology',
      occurredAt: now,
      summary: `Toxicology cancelled: ${testName(t)}. ${input.reason}`,
      detail: { testId: t.id },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.toxicology.cancel', { testId: t.id }, input.reason);
  });
}

// ── The decision ───────────────────────────────────────────────────────────────────────────────────

/** The sentence shown (as the form's error) when the gate blocks and nobody is overriding. */
export function blockedMessage(blockers: readonly Blocker[]): string {
  return `A discharge decision cannot be recorded yet. ${blockers.map((b) => `${blockerMessage(b)}.`).join(' ')} To discharge before then, a senior clinician must record an override with the reason, after telling the named social worker.`;
}

/** Who an override is flagged to: the case's safeguarding lead (or safeguarding midwife) and the lead organisation's safeguarding team mailboxes. */
async function overrideRecipients(tx: Db, kase: CaseRow): Promise<string[]> {
  const to = new Set<string>();
  for (const role of ['safeguarding_lead', 'safeguarding_midwife']) {
    const p = await currentProfessional(tx, kase.id, role);
    if (p?.email) {
      to.add(p.email.trim().toLowerCase());
      break;
    }
  }
  for (const m of await safeguardingContactMailboxes(tx, kase.leadOrganisationId)) to.add(m.trim().toLowerCase());
  return [...to];
}

export interface DecisionResult {
  id: string;
  gateOutcome: 'clear' | 'overridden';
  /** Addresses the override was flagged to (none for a clear decision). */
  flaggedTo: string[];
}

/**
 * Record a discharge decision. The gate is worked out in this transaction, with the case row locked,
 * from the rows as they are now: blocked → a ValidationError listing the blockers and nothing written;
 * an override (any override field given) needs case.discharge_override and must be complete (field
 * errors otherwise); a complete override is stored with the blockers it overrode and flagged to the
 * safeguarding lead by email jobs enqueued in the same transaction.
 */
export async function recordDischargeDecision(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<DecisionResult> {
  const first = await caseToChange(db, ctx, caseId);
  const input = parseInput(dischargeDecisionSchema(now, first.openedAt), raw);
  const overriding = overrideGiven(input);
  return db.transaction(async (tx) => {
    const kase = await requireCase(tx, ctx, caseId, 'case.update', { lock: true });
    assertOpen(kase);
    const facts = await gateFacts(tx, kase.id);
    const toxicology = facts.tests.map(gateTest);
    const withoutOverride = checkDischargeGate({ dpm: facts.dpm, toxicology, now });
    if (overriding && withoutOverride.outcome !== 'clear') {
      authorizeContext(ctx, 'case.discharge_override', { organisationIds: await caseOrganisationIds(tx, kase.id), organisationId: kase.leadOrganisationId });
    }
    const override = overriding
      ? {
          reason: input.overrideReason,
          seniorClinicianName: input.seniorClinicianName,
          seniorClinicianRole: input.seniorClinicianRole,
          socialWorkerInformedName: input.socialWorkerInformedName,
          socialWorkerInformedAt: input.socialWorkerInformedAt,
        }
      : null;
    const gate = checkDischargeGate({ dpm: facts.dpm, toxicology, override, now });
    if (gate.outcome === 'blocked') throw new ValidationError({ form: blockedMessage(gate.blockers) });
    if (gate.outcome === 'override_incomplete') throw new ValidationError(gate.problems);

    const subject = DISCHARGE_SUBJECT_LABELS[input.subject];
    const base = {
      caseId: kase.id,
      subject: input.subject,
      destination: input.destination,
      decidedAt: input.decidedAt,
      recordedByUserId: ctx.actor?.userId ?? null,
      recordedByName: actorName(ctx),
      organisationId: ctx.actor?.organisationId ?? null,
    };

    if (gate.outcome === 'clear') {
      const [row] = await tx
        .insert(dischargeDecisions)
        .values({ ...base, gateOutcome: 'clear', blockers: [] })
        .returning({ id: dischargeDecisions.id });
      await appendCaseEvent(tx, ctx, kase.id, {
        kind: 'discharge_decision',
        occurredAt: input.decidedAt,
        summary: `Discharge decision (${subject.toLowerCase()}): ${input.destination}. Nothing was blocking the decision`,
        detail: { decisionId: row!.id, subject: input.subject, gateOutcome: 'clear' },
      });
      await recordCaseChange(tx, ctx, kase.id, 'case.discharge.decide', { decisionId: row!.id, subject: input.subject, gateOutcome: 'clear' });
      return { id: row!.id, gateOutcome: 'clear' as const, flaggedTo: [] };
    }

    const blockers = gate.blockers.map(storedBlocker);
    const [row] = await tx
      .insert(dischargeDecisions)
      .values({
        ...base,
        gateOutcome: 'overridden',
        blockers,
        overrideReason: input.overrideReason,
        seniorClinicianName: input.seniorClinicianName,
        seniorClinicianRole: input.seniorClinicianRole,
        socialWorkerInformedName: input.socialWorkerInformedName,
        socialWorkerInformedAt: input.socialWorkerInformedAt,
        flaggedAt: now,
      })
      .returning({ id: dischargeDecisions.id });
    const id = row!.id;
    const recipients = await overrideRecipients(tx, kase);
    for (const to of recipients) await enqueue(tx, OVERRIDE_FLAG_EMAIL_JOB, { decisionId: id, to }, { idempotencyKey: `discharge-override:${id}:${to}` });
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_decision',
      occurredAt: input.decidedAt,
      summary:
        `Discharge decision (${subject.toLowerCase()}) recorded by OVERRIDE of the discharge gate: ${input.destination}. ` +
        `Authorised by ${input.seniorClinicianName}, ${input.seniorClinicianRole}, while: ${blockers.map((b) => b.message).join('; ')}. ` +
        `Reason: ${input.overrideReason}. Social worker ${input.socialWorkerInformedName} told ${formatDateTime(input.socialWorkerInformedAt)}. ` +
        `Flagged to the safeguarding lead for review.`,
      detail: { decisionId: id, subject: input.subject, gateOutcome: 'overridden', blockers: blockers.map((b) => b.code) },
    });
    await recordCaseChange(
      tx,
      ctx,
      kase.id,
      'case.discharge.override',
      { decisionId: id, subject: input.subject, blockers: blockers.map((b) => b.code), flaggedTo: recipients.length },
      input.overrideReason!,
    );
    return { id, gateOutcome: 'overridden' as const, flaggedTo: recipients };
  });
}

/**
 * The safeguarding lead records that they reviewed an override. Possible on a closed case (the case
 * often closes when the baby goes home), and not by the person who recorded the override: reviewing
 * your own decision is not a review.
 */
export async function reviewOverride(db: Db, ctx: RequestContext, caseId: string, decisionId: string, note: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.override_review');
  if (!isUuid(decisionId)) throw new NotFoundError('Discharge decision');
  const input = parseInput(reviewSchema, { note });
  await db.transaction(async (tx) => {
    const [d] = await tx
      .select()
      .from(dischargeDecisions)
      .where(and(eq(dischargeDecisions.id, decisionId), eq(dischargeDecisions.caseId, kase.id)))
      .for('update');
    if (!d) throw new NotFoundError('Discharge decision');
    assertReviewable(ctx, d);
    await tx
      .update(dischargeDecisions)
      .set({ reviewedAt: now, reviewedByUserId: ctx.actor?.userId ?? null, reviewNote: input.note })
      .where(and(eq(dischargeDecisions.id, d.id), isNull(dischargeDecisions.reviewedAt)));
    await appendCaseEvent(tx, ctx, kase.id, {
      kind: 'discharge_decision',
      occurredAt: now,
      summary: `Discharge override of ${formatDateTime(d.decidedAt)} reviewed by ${actorName(ctx)}: ${input.note}`,
      detail: { decisionId: d.id, review: true },
    });
    await recordCaseChange(tx, ctx, kase.id, 'case.discharge.override_review', { decisionId: d.id }, input.note);
  });
}

function assertReviewable(ctx: RequestContext, d: DecisionRow): void {
  if (d.gateOutcome !== 'overridden') throw new ValidationError({ note: 'Only overrides are reviewed: nothing was blocking this decision' });
  if (d.reviewedAt) throw new ValidationError({ note: `This override was already reviewed on ${formatDateTime(d.reviewedAt)}` });
  if (ctx.actor && d.recordedByUserId === ctx.actor.userId) throw new ValidationError({ note: 'You recorded this override, so someone else must review it' });
}
