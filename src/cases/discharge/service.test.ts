import { and, count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/db';
import { memoryMailer, PUBLIC_URL, SUBJECT } from '../../../test/support/alerts';
import { caseContexts, openSeededDatabase, openTestCase, organisationIds } from '../../../test/support/cases';
import type { RequestContext } from '../../platform/context';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { auditEvents } from '../../platform/audit/schema';
import { jobs } from '../../platform/jobs/schema';
import { Worker } from '../../platform/jobs/worker';
import { dischargeOverrideReport } from '../../assurance/discharge-overrides';
import { caseEvents, caseMilestones, dischargeDecisions, dischargePlanning, dischargePlanningMeetings, toxicologyTests } from '../schema';
import { addAgency, addProfessional, closeCase, recordCaseBirth } from '../service';
import { registerCaseJobs } from '../jobs';
import {
  cancelDpm,
  cancelToxicology,
  decideDpmRequired,
  dischargeStatus,
  OVERRIDE_FLAG_EMAIL_JOB,
  recordDischargeDecision,
  recordDpmHeld,
  recordToxicologyDeclined,
  recordToxicologyResult,
  recordToxicologyTold,
  requestToxicology,
  reviewOverride,
  scheduleDpm,
} from './service';

let tdb: TestDatabase;
let midwife: RequestContext;
let edNurse: RequestContext;
let socialWorker: RequestContext;
let designated: RequestContext;
let auditor: RequestContext;
let partnership: RequestContext;

const db = () => tdb.db;
const H = 3_600_000;
const ago = (ms: number, from = new Date()) => new Date(from.getTime() - ms);

let org: Record<string, string> = {};

beforeAll(async () => {
  tdb = await openSeededDatabase();
  ({ midwife, edNurse, socialWorker, designated, auditor, partnership } = await caseContexts(tdb.db));
  org = await organisationIds(tdb.db);
});
afterAll(async () => tdb?.close());

/**
 * An unbooked-in-labour case opened by the safeguarding midwife (UHS), the baby born two hours before
 * `now`, with Portsmouth (the ED nurse's trust) and Southampton children's services on it, and a named
 * safeguarding lead and social worker.
 */
async function bornCase(now = new Date()) {
  const { id, reference } = await openTestCase(db(), midwife, { classification: 'unbooked_in_labour', edd: null, eddSource: null }, ago(3 * H, now));
  await recordCaseBirth(db(), midwife, id, { bornAt: ago(2 * H, now).toISOString() }, now);
  await addAgency(db(), midwife, id, org.RHU!, 'Working with the family on the pre-birth plan');
  await addAgency(db(), midwife, id, org['852']!, 'Working with the family on the pre-birth plan');
  await addProfessional(db(), midwife, id, {
    role: 'safeguarding_lead',
    name: 'Sam Lead',
    organisationName: 'UHS safeguarding team',
    email: 'Sam.Lead@uhs.example',
  });
  await addProfessional(db(), midwife, id, {
    role: 'social_worker',
    name: 'Daniel Price',
    organisationName: 'Southampton children’s services',
    phone: '023 8083 3336',
  });
  return { id, reference };
}

const decision = (extra: Record<string, unknown> = {}, now = new Date()) => ({
  subject: 'baby',
  destination: 'Home with mother under the safety plan',
  decidedAt: ago(10 * 60_000, now).toISOString(),
  ...extra,
});
const override = (extra: Record<string, unknown> = {}, now = new Date()) => ({
  overrideReason: 'Baby well and feeding; meconium result delayed by the bank holiday, safety plan agreed with CSC',
  seniorClinicianName: 'Dr Amara Okafor',
  seniorClinicianRole: 'Consultant paediatrician',
  socialWorkerInformedName: 'Daniel Price',
  socialWorkerInformedAt: ago(30 * 60_000, now).toISOString(),
  ...extra,
});
const pendingMeconium = (caseId: string, ctx = midwife) =>
  requestToxicology(db(), ctx, caseId, {
    subject: 'baby',
    sample: 'meconium',
    requestedAt: ago(H).toISOString(),
    requestedByName: 'Dr Okafor',
    consent: 'not_needed',
  });
const noMeetingNeeded = (caseId: string) =>
  decideDpmRequired(db(), midwife, caseId, {
    required: 'no',
    decidedByName: 'Priya Shah',
    decidedByRole: 'Safeguarding midwife',
    reason: 'Agreed with the duty social worker',
  });

/** What a refused action must not have changed. */
async function footprint(caseId: string) {
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  return {
    decisions: await n(db().select({ n: count() }).from(dischargeDecisions).where(eq(dischargeDecisions.caseId, caseId))),
    tests: await n(db().select({ n: count() }).from(toxicologyTests).where(eq(toxicologyTests.caseId, caseId))),
    results: await n(
      db()
        .select({ n: count() })
        .from(toxicologyTests)
        .where(and(eq(toxicologyTests.caseId, caseId), eq(toxicologyTests.status, 'resulted'))),
    ),
    meetings: await n(db().select({ n: count() }).from(dischargePlanningMeetings).where(eq(dischargePlanningMeetings.caseId, caseId))),
    held: await n(
      db()
        .select({ n: count() })
        .from(dischargePlanningMeetings)
        .where(and(eq(dischargePlanningMeetings.caseId, caseId), like(dischargePlanningMeetings.decisions, '%'))),
    ),
    planning: await n(db().select({ n: count() }).from(dischargePlanning).where(eq(dischargePlanning.caseId, caseId))),
    events: await n(db().select({ n: count() }).from(caseEvents).where(eq(caseEvents.caseId, caseId))),
    audit: await n(
      db()
        .select({ n: count() })
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, caseId), like(auditEvents.action, 'case.%'), eq(auditEvents.verb, 'U'))),
    ),
    jobs: await n(db().select({ n: count() }).from(jobs).where(eq(jobs.type, OVERRIDE_FLAG_EMAIL_JOB))),
  };
}

async function refusal(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(err)}`);
  return err.fieldErrors;
}

// ── The gate ───────────────────────────────────────────────────────────────────────────────────────

describe('the discharge gate, worked out when the decision is recorded', () => {
  it('blocks while nobody has decided whether a meeting is needed, and writes nothing', async () => {
    const { id } = await bornCase();
    const before = await footprint(id);
    const fields = await refusal(recordDischargeDecision(db(), midwife, id, decision()));
    expect(Object.keys(fields)).toEqual(['form']);
    expect(fields.form).toContain('Nobody has recorded whether a discharge planning meeting is required');
    expect(fields.form).toContain('senior clinician must record an override');
    expect(await footprint(id)).toEqual(before);
  });

  it('blocks while a required meeting has not been held (a cancelled one does not count)', async () => {
    const { id } = await bornCase();
    await decideDpmRequired(db(), midwife, id, {
      required: true,
      decidedByName: 'Priya Shah',
      decidedByRole: 'Safeguarding midwife',
      reason: 'Pre-birth assessment incomplete',
    });
    const { id: meetingId } = await scheduleDpm(db(), midwife, id, { scheduledFor: new Date(Date.now() + 20 * H).toISOString(), location: 'Ward F' });
    await cancelDpm(db(), midwife, id, meetingId, { reason: 'Social worker unavailable' });
    const before = await footprint(id);
    const fields = await refusal(recordDischargeDecision(db(), midwife, id, decision()));
    expect(fields.form).toContain('A discharge planning meeting is required and has not been held');
    expect(fields.form).not.toContain('Nobody has recorded');
    expect(await footprint(id)).toEqual(before);
    expect((await dischargeStatus(db(), midwife, id)).gate.blockers.map((b) => b.code)).toEqual(['dpm_not_held']);
  });

  it('blocks while any toxicology is pending, naming the tests, and writes nothing', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await pendingMeconium(id);
    await requestToxicology(db(), midwife, id, {
      subject: 'mother',
      sample: 'urine',
      requestedAt: ago(H).toISOString(),
      requestedByName: 'Priya Shah',
      consent: 'given',
    });
    const before = await footprint(id);
    const fields = await refusal(recordDischargeDecision(db(), midwife, id, decision()));
    expect(fields).toEqual({
      form: 'A discharge decision cannot be recorded yet. Toxicology is still pending: baby meconium, mother urine. To discharge before then, a senior clinician must record an override with the reason, after telling the named social worker.',
    });
    expect(await footprint(id)).toEqual(before);
  });

  it('applies to a decision about the mother as well as the baby', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await pendingMeconium(id);
    expect((await refusal(recordDischargeDecision(db(), midwife, id, decision({ subject: 'mother' })))).form).toContain('Toxicology is still pending');
  });

  it('records a decision with nothing blocking as clear, with no flag', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    const { id: testId } = await pendingMeconium(id);
    await recordToxicologyResult(db(), midwife, id, testId, { result: 'negative', resultedAt: ago(5 * 60_000).toISOString() });
    const jobsBefore = (await footprint(id)).jobs;
    const r = await recordDischargeDecision(db(), midwife, id, decision(override()));
    expect(r).toMatchObject({ gateOutcome: 'clear', flaggedTo: [] });
    const [row] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.id, r.id));
    // An override given when nothing blocks is not stored: there was nothing to override.
    expect(row).toMatchObject({ gateOutcome: 'clear', blockers: [], overrideReason: null, flaggedAt: null, recordedByName: midwife.actor!.displayName });
    expect((await footprint(id)).jobs).toBe(jobsBefore);
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'case.discharge.decide')));
    expect(audit).toHaveLength(1);
    const events = await db()
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'discharge_decision')));
    expect(events.map((e) => e.summary)).toEqual(['Discharge decision (baby): Home with mother under the safety plan. Nothing was blocking the decision']);
  });

  it('does not let a social worker override (a clinical decision): ForbiddenError, nothing written', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await pendingMeconium(id);
    const before = await footprint(id);
    await expect(recordDischargeDecision(db(), socialWorker, id, decision(override()))).rejects.toBeInstanceOf(ForbiddenError);
    expect(await footprint(id)).toEqual(before);
  });

  it('refuses an override with parts missing, field by field, and writes nothing', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await pendingMeconium(id);
    const before = await footprint(id);
    const fields = await refusal(
      recordDischargeDecision(db(), edNurse, id, decision(override({ overrideReason: '', seniorClinicianRole: '  ', socialWorkerInformedAt: '' }))),
    );
    expect(fields).toEqual({
      overrideReason: 'Enter the reason for discharging before toxicology results are back',
      seniorClinicianRole: 'Enter the senior clinician’s role, for example consultant paediatrician',
      socialWorkerInformedAt: 'Enter the date and time the social worker was told',
    });
    const tooShort = await refusal(recordDischargeDecision(db(), edNurse, id, decision(override({ overrideReason: 'discharged' }))));
    expect(tooShort).toEqual({ overrideReason: 'The reason must be at least 20 characters: explain why the baby is being discharged now' });
    const future = await refusal(
      recordDischargeDecision(db(), edNurse, id, decision(override({ socialWorkerInformedAt: new Date(Date.now() + H).toISOString() }))),
    );
    expect(future).toEqual({ socialWorkerInformedAt: 'The time the social worker was told must not be in the future' });
    expect(await footprint(id)).toEqual(before);
  });

  it('refuses a decision without a subject, destination or time before looking at the gate', async () => {
    const { id } = await bornCase();
    const before = await footprint(id);
    expect(await refusal(recordDischargeDecision(db(), midwife, id, { subject: 'grandmother', destination: ' ', decidedAt: 'invalid' }))).toEqual({
      subject: 'Choose who is being discharged',
      destination: 'Enter where they are going and with whom, for example home with mother under the safety plan',
      decidedAt: 'Enter a real date and time, like 27 11 2026 and 14:30',
    });
    expect((await refusal(recordDischargeDecision(db(), midwife, id, decision({ decidedAt: new Date(Date.now() + 2 * H).toISOString() })))).decidedAt).toBe(
      'The time of the decision cannot be in the future',
    );
    expect(await footprint(id)).toEqual(before);
  });

  it('records a complete override with what it went past, flags it to the safeguarding lead by email in the same transaction, audits it and puts it on the chronology', async () => {
    const { id, reference } = await bornCase();
    await noMeetingNeeded(id);
    const { id: testId } = await pendingMeconium(id);
    const now = new Date();
    const r = await recordDischargeDecision(db(), edNurse, id, decision(override({}, now), now), now);
    expect(r.gateOutcome).toBe('overridden');
    expect(r.flaggedTo.sort()).toEqual(['sam.lead@uhs.example', 'uhs.safeguarding@beacon.example']);

    const [row] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.id, r.id));
    expect(row).toMatchObject({
      caseId: id,
      subject: 'baby',
      gateOutcome: 'overridden',
      overrideReason: override().overrideReason,
      seniorClinicianName: 'Dr Amara Okafor',
      seniorClinicianRole: 'Consultant paediatrician',
      socialWorkerInformedName: 'Daniel Price',
      flaggedAt: now,
      reviewedAt: null,
      recordedByUserId: edNurse.actor!.userId,
      organisationId: edNurse.actor!.organisationId,
    });
    expect(row!.blockers).toEqual([{ code: 'toxicology_pending', message: 'Toxicology is still pending: baby meconium', testIds: [testId] }]);

    const queued = (await db().select().from(jobs).where(eq(jobs.type, OVERRIDE_FLAG_EMAIL_JOB))).filter(
      (j) => (j.payload as { decisionId: string }).decisionId === r.id,
    );
    expect(queued.map((j) => j.idempotencyKey).sort()).toEqual([
      `discharge-override:${r.id}:sam.lead@uhs.example`,
      `discharge-override:${r.id}:uhs.safeguarding@beacon.example`,
    ]);

    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'case.discharge.override')));
    expect(audit).toMatchObject({ reason: override().overrideReason, actorUserId: edNurse.actor!.userId });
    expect(audit!.detail).toMatchObject({ decisionId: r.id, blockers: ['toxicology_pending'], flaggedTo: 2 });

    const [event] = await db()
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'discharge_decision')));
    expect(event!.summary).toContain('OVERRIDE of the discharge gate');
    expect(event!.summary).toContain('Dr Amara Okafor, Consultant paediatrician');
    expect(event!.summary).toContain('Toxicology is still pending: baby meconium');
    expect(event!.summary).toContain('Flagged to the safeguarding lead');

    // The emails: a link and the reference, nothing about who she is.
    const mailer = memoryMailer();
    const failures: unknown[] = [];
    const worker = registerCaseJobs(
      new Worker(db(), { info: () => undefined, warn: (o: unknown) => void failures.push(o), error: (o: unknown) => void failures.push(o) }, { batch: 50 }),
      db(),
      mailer,
      PUBLIC_URL,
    );
    await worker.drain();
    expect(failures).toEqual([]);
    const mails = mailer.sent.filter((m) => m.text.includes(r.id));
    expect(mails.map((m) => m.to).sort()).toEqual(['sam.lead@uhs.example', 'uhs.safeguarding@beacon.example']);
    for (const m of mails) {
      expect(m.subject).toBe(`[Beacon] Discharge override on case ${reference}: please review`);
      expect(m.text).toContain(`${PUBLIC_URL}/cases/${id}/discharge#decision-${r.id}`);
      for (const secret of [SUBJECT.given, SUBJECT.family, SUBJECT.nhsNumber, 'meconium', 'Okafor', 'Daniel Price', 'bank holiday'])
        expect(`${m.subject}\n${m.text}`).not.toContain(secret);
    }
  });

  it('falls back to the safeguarding midwife when there is no safeguarding lead, and still flags the team mailbox', async () => {
    const { id: caseId } = await openTestCase(db(), midwife, { classification: 'unbooked_in_labour', edd: null, eddSource: null });
    await addProfessional(db(), midwife, caseId, {
      role: 'safeguarding_midwife',
      name: 'Priya Shah',
      organisationName: 'UHS',
      email: 'priya.shah@uhs.example',
    });
    const r = await recordDischargeDecision(db(), midwife, caseId, decision(override()));
    expect(r.gateOutcome).toBe('overridden');
    expect(r.flaggedTo.sort()).toEqual(['priya.shah@uhs.example', 'uhs.safeguarding@beacon.example']);
    const [row] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.id, r.id));
    expect((row!.blockers as { code: string }[]).map((b) => b.code)).toEqual(['dpm_not_decided']);
  });

  it('refuses a decision on a closed case', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await closeCase(db(), midwife, id, { reason: 'opened_in_error', note: 'Duplicate' });
    expect((await refusal(recordDischargeDecision(db(), midwife, id, decision()))).form).toMatch(/closed/);
  });
});

// ── Reviewing overrides ────────────────────────────────────────────────────────────────────────────

describe('the safeguarding lead reviewing an override', () => {
  it('records who reviewed it and when; not twice, not by whoever overrode, not by a social worker, not on a clear decision', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    await pendingMeconium(id);
    const { id: decisionId } = await recordDischargeDecision(db(), edNurse, id, decision(override()));

    await expect(reviewOverride(db(), socialWorker, id, decisionId, 'Looks fine')).rejects.toBeInstanceOf(ForbiddenError);
    expect(await refusal(reviewOverride(db(), midwife, id, decisionId, '  '))).toEqual({
      note: 'Enter what you found when you reviewed the override, and any action taken',
    });
    await expect(reviewOverride(db(), midwife, id, '00000000-0000-4000-8000-000000000000', 'Reviewed')).rejects.toBeInstanceOf(NotFoundError);

    // The case often closes when the baby goes home: the review must still be possible.
    await closeCase(db(), midwife, id, { reason: 'baby_discharged_safely', note: 'Home under the safety plan' });
    const now = new Date();
    await reviewOverride(db(), midwife, id, decisionId, 'Spoke to Dr Okafor: reasonable; result chased with the lab', now);
    const [row] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.id, decisionId));
    expect(row).toMatchObject({
      reviewedAt: now,
      reviewedByUserId: midwife.actor!.userId,
      reviewNote: 'Spoke to Dr Okafor: reasonable; result chased with the lab',
    });
    expect(await refusal(reviewOverride(db(), midwife, id, decisionId, 'Again'))).toEqual({ note: expect.stringMatching(/already reviewed/) });
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'case.discharge.override_review')));
    expect(audit).toHaveLength(1);

    // The midwife overrides on another case: she cannot review her own override.
    const other = await bornCase();
    await noMeetingNeeded(other.id);
    await pendingMeconium(other.id);
    const mine = await recordDischargeDecision(db(), midwife, other.id, decision(override()));
    expect(await refusal(reviewOverride(db(), midwife, other.id, mine.id, 'Fine'))).toEqual({
      note: 'You recorded this override, so someone else must review it',
    });

    const clear = await bornCase();
    await noMeetingNeeded(clear.id);
    const c = await recordDischargeDecision(db(), midwife, clear.id, decision());
    expect(await refusal(reviewOverride(db(), midwife, clear.id, c.id, 'Fine'))).toEqual({
      note: 'Only overrides are reviewed: nothing was blocking this decision',
    });
  });
});

// ── Discharge planning meetings ────────────────────────────────────────────────────────────────────

describe('discharge planning meetings', () => {
  it('records the decision on whether one is required, replacing it with history in the chronology', async () => {
    const { id } = await bornCase();
    await decideDpmRequired(db(), midwife, id, {
      required: 'yes',
      decidedByName: 'Priya Shah',
      decidedByRole: 'Safeguarding midwife',
      reason: 'Concerns about the partner',
    });
    await decideDpmRequired(db(), midwife, id, {
      required: false,
      decidedByName: 'Daniel Price',
      decidedByRole: 'Social worker',
      reason: 'Family moving to a mother and baby placement',
    });
    const [row] = await db().select().from(dischargePlanning).where(eq(dischargePlanning.caseId, id));
    expect(row).toMatchObject({ required: false, decidedByName: 'Daniel Price', decidedByRole: 'Social worker' });
    const events = await db()
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'discharge_planning')));
    expect(events.map((e) => e.summary).sort()).toEqual([
      'A discharge planning meeting is not required (decided by Daniel Price, Social worker; previously required): Family moving to a mother and baby placement',
      'A discharge planning meeting is required (decided by Priya Shah, Safeguarding midwife): Concerns about the partner',
    ]);
    expect(await refusal(decideDpmRequired(db(), midwife, id, { required: 'maybe', decidedByName: '', decidedByRole: 'x', reason: '' }))).toEqual({
      required: 'Choose whether a discharge planning meeting is required',
      decidedByName: 'Enter the name of the person who decided',
      reason: 'Enter the reason for the decision',
    });
  });

  it('when a meeting is held: attendees by agency, decisions, the protocol milestone completed, and the gate clears', async () => {
    const { id } = await bornCase();
    await decideDpmRequired(db(), midwife, id, {
      required: true,
      decidedByName: 'Priya Shah',
      decidedByRole: 'Safeguarding midwife',
      reason: 'Pre-birth assessment incomplete',
    });
    const { id: meetingId } = await scheduleDpm(db(), midwife, id, { scheduledFor: ago(H).toISOString() });
    const heldAt = ago(30 * 60_000);
    await recordDpmHeld(db(), socialWorker, id, meetingId, {
      heldAt: heldAt.toISOString(),
      attendees: [
        { name: 'Priya Shah', role: 'Safeguarding midwife', agency: 'UHS' },
        { name: 'Daniel Price', role: 'Social worker', agency: 'Southampton children’s services' },
      ],
      decisions: 'Discharge home with maternal grandmother under the written safety plan',
    });
    const [m] = await db().select().from(dischargePlanningMeetings).where(eq(dischargePlanningMeetings.id, meetingId));
    expect(m).toMatchObject({ heldAt, decisions: 'Discharge home with maternal grandmother under the written safety plan' });
    expect(m!.attendees).toHaveLength(2);
    const [milestone] = await db()
      .select()
      .from(caseMilestones)
      .where(and(eq(caseMilestones.caseId, id), eq(caseMilestones.key, 'discharge_planning_meeting')));
    expect(milestone).toMatchObject({ completedAt: heldAt, recordedByName: socialWorker.actor!.displayName });
    const kinds = (await db().select().from(caseEvents).where(eq(caseEvents.caseId, id))).map((e) => e.kind);
    expect(kinds).toContain('milestone_completed');
    expect((await dischargeStatus(db(), midwife, id)).gate).toEqual({ outcome: 'clear', blocked: false, blockers: [] });
    expect((await recordDischargeDecision(db(), midwife, id, decision())).gateOutcome).toBe('clear');

    // A second meeting held does not complete the milestone again (it was already done).
    const { id: second } = await scheduleDpm(db(), midwife, id, { scheduledFor: ago(20 * 60_000).toISOString() });
    await recordDpmHeld(db(), midwife, id, second, {
      heldAt: ago(10 * 60_000).toISOString(),
      attendees: [{ name: 'A', role: 'B', agency: 'C' }],
      decisions: 'Plan confirmed',
    });
    const milestones = await db()
      .select()
      .from(caseMilestones)
      .where(and(eq(caseMilestones.caseId, id), eq(caseMilestones.key, 'discharge_planning_meeting')));
    expect(milestones).toHaveLength(1);
    expect(milestones[0]!.completedAt).toEqual(heldAt);
  });

  it('refuses a meeting held in the future, with nobody, with an attendee half filled in, or without decisions; and a second record or cancel', async () => {
    const { id } = await bornCase();
    const { id: meetingId } = await scheduleDpm(db(), midwife, id, { scheduledFor: ago(H).toISOString() });
    const before = await footprint(id);
    expect(
      await refusal(
        recordDpmHeld(db(), midwife, id, meetingId, {
          heldAt: new Date(Date.now() + H).toISOString(),
          attendees: [{ name: 'Priya', role: 'Midwife', agency: '' }],
          decisions: '',
        }),
      ),
    ).toEqual({
      heldAt: 'The time the meeting was held cannot be in the future',
      'attendees.0.agency': 'Enter the attendee’s agency',
      decisions: 'Enter the decisions made at the meeting',
    });
    expect(await refusal(recordDpmHeld(db(), midwife, id, meetingId, { heldAt: ago(H).toISOString(), attendees: [], decisions: 'x' }))).toEqual({
      attendees: 'Enter at least one person who attended, with their role and agency',
    });
    expect(await refusal(recordDpmHeld(db(), midwife, id, meetingId, { heldAt: '', decisions: 'x' }))).toEqual({
      heldAt: 'Enter the date and time the meeting was held',
      attendees: 'Enter at least one person who attended, with their role and agency',
    });
    await expect(recordDpmHeld(db(), midwife, id, '00000000-0000-4000-8000-000000000000', {})).rejects.toBeInstanceOf(NotFoundError);
    expect(await footprint(id)).toEqual(before);

    await recordDpmHeld(db(), midwife, id, meetingId, {
      heldAt: ago(H).toISOString(),
      attendees: [{ name: 'A', role: 'B', agency: 'C' }],
      decisions: 'Plan agreed',
    });
    expect(
      (
        await refusal(
          recordDpmHeld(db(), midwife, id, meetingId, { heldAt: ago(H).toISOString(), attendees: [{ name: 'A', role: 'B', agency: 'C' }], decisions: 'Again' }),
        )
      ).form,
    ).toMatch(/already been recorded as held/);
    expect(await refusal(cancelDpm(db(), midwife, id, meetingId, { reason: 'Too late' }))).toEqual({
      form: 'This meeting has been held, so it cannot be cancelled',
    });
    expect(await refusal(scheduleDpm(db(), midwife, id, { scheduledFor: new Date(Date.now() + 100 * 86_400_000).toISOString() }))).toEqual({
      scheduledFor: 'The meeting must be within the next 90 days',
    });
    expect(await refusal(cancelDpm(db(), midwife, id, meetingId, { reason: '' }))).toEqual({ reason: 'Enter why the meeting is cancelled' });
  });
});

// ── Toxicology ─────────────────────────────────────────────────────────────────────────────────────

describe('toxicology', () => {
  it('a declined test cannot be pending: refused with a message, then recorded as declined (cancelled), which does not block', async () => {
    const { id } = await bornCase();
    await noMeetingNeeded(id);
    const before = await footprint(id);
    const fields = await refusal(
      requestToxicology(db(), midwife, id, {
        subject: 'mother',
        sample: 'hair',
        requestedAt: ago(H).toISOString(),
        requestedByName: 'Priya Shah',
        consent: 'declined',
      }),
    );
    expect(fields).toEqual({
      consent: 'She declined, so no sample goes to the lab and there is no result to wait for. Record that she declined instead of requesting the test',
    });
    expect(await footprint(id)).toEqual(before);

    const { id: testId } = await recordToxicologyDeclined(db(), midwife, id, {
      subject: 'mother',
      sample: 'hair',
      requestedAt: ago(H).toISOString(),
      requestedByName: 'Priya Shah',
      note: 'Will reconsider tomorrow',
    });
    const [t] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, testId));
    expect(t).toMatchObject({ consent: 'declined', status: 'cancelled', cancelledReason: 'Consent declined', resultNote: 'Will reconsider tomorrow' });
    const s = await dischargeStatus(db(), midwife, id);
    expect(s.gate.blocked).toBe(false);
    expect(s.tests[0]).toMatchObject({ declined: true, statusLabel: 'Cancelled', name: 'mother hair' });
  });

  it('refuses consent "not needed" for the mother, an unknown sample, and "other" without saying what', async () => {
    const { id } = await bornCase();
    const base = { subject: 'mother', sample: 'urine', requestedAt: ago(H).toISOString(), requestedByName: 'Priya Shah', consent: 'given' };
    expect(await refusal(requestToxicology(db(), midwife, id, { ...base, consent: 'not_needed' }))).toEqual({
      consent: 'A test on the mother always needs her consent: choose consent given, or not recorded',
    });
    expect(await refusal(requestToxicology(db(), midwife, id, { ...base, sample: 'toenail' }))).toEqual({ sample: 'Choose the sample' });
    expect(await refusal(requestToxicology(db(), midwife, id, { ...base, sample: 'other' }))).toEqual({ sampleOther: 'Enter what the sample is' });
    expect(
      await refusal(requestToxicology(db(), midwife, id, { ...base, subject: 'baby', consent: 'not_needed', requestedAt: ago(150 * 60_000).toISOString() })),
    ).toEqual({
      requestedAt: 'A test on the baby cannot be before the baby was born',
    });
    expect(await refusal(requestToxicology(db(), midwife, id, { ...base, requestedAt: new Date(Date.now() + H).toISOString() }))).toEqual({
      requestedAt: 'The time the test was requested cannot be in the future',
    });
    const { id: other } = await requestToxicology(db(), midwife, id, { ...base, sample: 'other', sampleOther: 'Nail clippings' });
    expect((await dischargeStatus(db(), midwife, id)).tests.find((t) => t.id === other)).toMatchObject({
      sample: 'Nail clippings',
      sampleLabel: 'Nail clippings',
    });
  });

  it('records a result only for a pending test on this case; positive needs substances; not before the request', async () => {
    const { id } = await bornCase();
    const { id: testId } = await pendingMeconium(id);
    const elsewhere = await bornCase();
    const { id: foreignTest } = await pendingMeconium(elsewhere.id);
    const before = await footprint(id);

    // "A toxicology result without a test": a test that is not on this case is not found.
    await expect(recordToxicologyResult(db(), midwife, id, foreignTest, { result: 'negative', resultedAt: ago(60_000).toISOString() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(recordToxicologyResult(db(), midwife, id, 'not-a-test', { result: 'negative', resultedAt: ago(60_000).toISOString() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(
      await refusal(recordToxicologyResult(db(), midwife, id, testId, { result: 'positive', substances: ' , ', resultedAt: ago(60_000).toISOString() })),
    ).toEqual({
      substances: 'Enter the substances found: a positive result must say what for',
    });
    expect(
      await refusal(recordToxicologyResult(db(), midwife, id, testId, { result: 'negative', substances: ['Cocaine'], resultedAt: ago(60_000).toISOString() })),
    ).toEqual({
      substances: 'A negative result has no substances found: remove them, or choose positive',
    });
    expect(await refusal(recordToxicologyResult(db(), midwife, id, testId, { result: 'negative', resultedAt: ago(2 * H).toISOString() }))).toEqual({
      resultedAt: 'The result cannot be before the test was requested',
    });
    expect(await refusal(recordToxicologyResult(db(), midwife, id, testId, { result: 'maybe', resultedAt: '' }))).toEqual({
      result: 'Choose whether the result is positive or negative',
      resultedAt: 'Enter the date and time of the result',
    });
    expect(await footprint(id)).toEqual(before);
    expect((await footprint(elsewhere.id)).results).toBe(0);

    const resultedAt = ago(60_000);
    await recordToxicologyResult(db(), midwife, id, testId, {
      result: 'positive',
      substances: ['Cannabis', 'Cocaine'],
      substancesOther: undefined,
      resultedAt: resultedAt.toISOString(),
      resultNote: 'Lab phoned',
    });
    const [t] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, testId));
    expect(t).toMatchObject({ status: 'resulted', result: 'positive', substances: ['Cannabis', 'Cocaine'], resultedAt, resultNote: 'Lab phoned' });
    const [event] = (
      await db()
        .select()
        .from(caseEvents)
        .where(and(eq(caseEvents.caseId, id), eq(caseEvents.kind, 'toxicology')))
    ).filter((e) => e.summary.startsWith('Toxicology result'));
    expect(event!.summary).toBe('Toxicology result: baby meconium positive (Cannabis, Cocaine). Lab phoned');

    // A result for a test that is no longer pending is refused, and changes nothing.
    const afterResult = await footprint(id);
    expect((await refusal(recordToxicologyResult(db(), midwife, id, testId, { result: 'negative', resultedAt: ago(30_000).toISOString() }))).form).toMatch(
      /already has a result \(Positive/,
    );
    expect(await refusal(cancelToxicology(db(), midwife, id, testId, { reason: 'No longer needed' }))).toEqual({
      form: 'This test has a result, so it cannot be cancelled',
    });
    expect(await footprint(id)).toEqual(afterResult);
    const [unchanged] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, testId));
    expect(unchanged!.result).toBe('positive');
  });

  it('refuses a result for a cancelled test; records who was told a result, not before it came back', async () => {
    const { id } = await bornCase();
    const { id: lost } = await pendingMeconium(id);
    expect(await refusal(cancelToxicology(db(), midwife, id, lost, { reason: ' ' }))).toEqual({
      reason: 'Enter why the test is cancelled, for example sample lost in transit',
    });
    await cancelToxicology(db(), midwife, id, lost, { reason: 'Sample lost in transit' });
    expect((await refusal(recordToxicologyResult(db(), midwife, id, lost, { result: 'negative', resultedAt: ago(60_000).toISOString() }))).form).toMatch(
      /was cancelled \(Sample lost in transit\)/,
    );

    const { id: testId } = await requestToxicology(db(), midwife, id, {
      subject: 'mother',
      sample: 'urine',
      requestedAt: ago(H).toISOString(),
      requestedByName: 'Priya Shah',
      consent: 'given',
    });
    expect(
      await refusal(recordToxicologyTold(db(), midwife, id, testId, { name: 'Daniel Price', role: 'Social worker', at: ago(60_000).toISOString() })),
    ).toEqual({ form: 'Record the result before recording who was told it' });
    const resultedAt = ago(20 * 60_000);
    await recordToxicologyResult(db(), midwife, id, testId, { result: 'negative', resultedAt: resultedAt.toISOString() });
    expect(
      await refusal(recordToxicologyTold(db(), midwife, id, testId, { name: 'Daniel Price', role: 'Social worker', at: ago(30 * 60_000).toISOString() })),
    ).toEqual({
      at: 'They cannot have been told before the result came back',
    });
    await recordToxicologyTold(db(), midwife, id, testId, { name: 'Daniel Price', role: 'Social worker', at: ago(10 * 60_000).toISOString() });
    await recordToxicologyTold(db(), midwife, id, testId, { name: 'Mother', role: 'Mother', at: ago(5 * 60_000).toISOString() });
    const [t] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, testId));
    expect(t!.toldPeople.map((p) => p.name)).toEqual(['Daniel Price', 'Mother']);
  });
});

// ── Assurance ──────────────────────────────────────────────────────────────────────────────────────

describe('the discharge override report', () => {
  it('counts decisions, overrides and unreviewed overrides by organisation, blocker and month, in the reader’s area', async () => {
    // A past period of its own, so the other tests' decisions (made today) are not counted.
    const jan = new Date('2025-01-12T10:00:00Z');
    const janLater = new Date('2025-01-20T10:00:00Z');
    const feb = new Date('2025-02-20T10:00:00Z');
    const a = await bornCase(jan);
    await decideDpmRequired(db(), midwife, a.id, { required: 'no', decidedByName: 'P', decidedByRole: 'SM', reason: 'Not needed' });
    await recordDischargeDecision(db(), midwife, a.id, decision({ subject: 'mother' }, jan), jan);
    const t = await requestToxicology(
      db(),
      midwife,
      a.id,
      { subject: 'baby', sample: 'meconium', requestedAt: ago(10 * 60_000, jan).toISOString(), requestedByName: 'Dr O', consent: 'not_needed' },
      jan,
    );
    const o1 = await recordDischargeDecision(db(), edNurse, a.id, decision(override({}, janLater), janLater), janLater);
    await reviewOverride(db(), midwife, a.id, o1.id, 'Reviewed with the consultant', janLater);
    const b = await bornCase(feb);
    const o2 = await recordDischargeDecision(db(), edNurse, b.id, decision(override({}, feb), feb), feb);
    expect([o1.gateOutcome, o2.gateOutcome]).toEqual(['overridden', 'overridden']);
    expect(t.id).toBeTruthy();

    const period = { from: '2025-01-01', to: '2025-02-28' };
    const r = await dischargeOverrideReport(db(), auditor, period);
    expect(r.period).toEqual(period);
    expect(r.totals).toEqual({ decisions: 3, overrides: 2, unreviewed: 1, overrideRate: 67 });
    expect(r.byOrganisation).toEqual([
      { organisation: 'University Hospital Southampton NHS Foundation Trust', decisions: 3, overrides: 2, unreviewed: 1, overrideRate: 67 },
    ]);
    expect(r.byBlocker.map((x) => [x.code, x.overrides])).toEqual([
      ['dpm_not_decided', 1],
      ['dpm_not_held', 0],
      ['toxicology_pending', 1],
    ]);
    expect(r.byMonth).toEqual([
      { month: '2025-01', label: 'January 2025', decisions: 2, overrides: 1, unreviewed: 0 },
      { month: '2025-02', label: 'February 2025', decisions: 1, overrides: 1, unreviewed: 1 },
    ]);
    expect(r.unreviewed).toHaveLength(1);
    expect(r.unreviewed[0]).toMatchObject({
      decisionId: o2.id,
      caseId: b.id,
      reference: b.reference,
      blockers: ['Not decided whether a discharge planning meeting was needed'],
    });
    expect(JSON.stringify(r)).not.toContain(SUBJECT.family);

    // The ICB's designated nurse sees her area (Southampton is in it); Hampshire's partnership does not.
    expect((await dischargeOverrideReport(db(), designated, period)).totals.decisions).toBe(3);
    expect((await dischargeOverrideReport(db(), partnership, period)).totals).toEqual({ decisions: 0, overrides: 0, unreviewed: 0, overrideRate: null });
    // Only the month of the override: January has the reviewed one.
    expect((await dischargeOverrideReport(db(), auditor, { from: '2025-01-15', to: '2025-01-31' })).totals).toEqual({
      decisions: 1,
      overrides: 1,
      unreviewed: 0,
      overrideRate: 100,
    });

    await expect(dischargeOverrideReport(db(), midwife, period)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await refusal(dischargeOverrideReport(db(), auditor, { from: '2025-03-01', to: '2025-02-01' }))).toEqual({
      from: 'The start date must be on or before the end date',
    });
    expect(await refusal(dischargeOverrideReport(db(), auditor, { from: '2025-02-30' }))).toEqual({
      from: 'The start date must be a real date, like 2026-01-31',
    });
    expect(await refusal(dischargeOverrideReport(db(), auditor, { to: '2999-01-01' }))).toEqual({ to: 'The end date cannot be in the future' });
    const reads = await db().select().from(auditEvents).where(eq(auditEvents.action, 'case.report.discharge_overrides'));
    expect(reads.length).toBeGreaterThanOrEqual(4);
  });
});
