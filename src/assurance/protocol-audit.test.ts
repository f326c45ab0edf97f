/**
 * The protocol embeddedness audit against known answers, on both engines: the demo cases seeded as they
 * were in March 2024 (so their own activity is before the audit's window), then, on a Southampton case,
 * birth plan recipients, discharge decisions (with and without the meeting, toxicology and override review),
 * chronology prompts and escalation stages written by hand in 2025, with the edge cases (a prompt and an
 * override still inside their time at the end of the period, a Portsmouth case never counted). Milestones are
 * checked against what the case page itself computes for each case.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from '../demo/seed';
import { seedDemoCases } from '../demo/cases';
import { geographies, organisations } from '../directory/schema';
import {
  birthPlanDistributions,
  caseFacts,
  cases,
  casePrompts,
  dischargeDecisions,
  dischargePlanning,
  dischargePlanningMeetings,
  toxicologyTests,
} from '../cases/schema';
import { escalationStages, escalations } from '../escalations/schema';
import { caseMilestones } from '../cases/milestones/service';
import { getRun, startRun } from './audits';
import { defaultSettings } from './criteria';

let tdb: TestDatabase;
const db = () => tdb.db;
const t = (iso: string) => new Date(iso);
let southampton: string;
let caseId: string;
let runId: string;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), 'correct horse battery staple 42');
  await seedDemoCases(db(), t('2024-03-01T10:00:00Z'));
  southampton = (await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E06000045')))[0]!.id;
  const portsmouth = (await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E06000044')))[0]!.id;
  const [kase] = await db().select().from(cases).where(eq(cases.geographyId, southampton)).limit(1);
  const [other] = await db().select().from(cases).where(eq(cases.geographyId, portsmouth)).limit(1);
  caseId = kase!.id;
  const org = (ods: string) => db().select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods));
  const rhm = (await org('RHM'))[0]!.id;
  const council = (await org('852'))[0]!.id;

  // Birth plan recipients due on 10 March 2025: sent the day before, sent two days late, never sent.
  const recipient = (c: string, name: string, sent: string | null) =>
    db()
      .insert(birthPlanDistributions)
      .values({ caseId: c, version: 9, recipient: name, recipientName: name, dueAt: t('2025-03-10T17:00:00Z'), sentAt: sent ? t(sent) : null });
  await recipient(caseId, 'named_midwife', '2025-03-09T10:00:00Z');
  await recipient(caseId, 'gp', '2025-03-12T10:00:00Z');
  await recipient(caseId, 'health_visitor', null);
  await recipient(other!.id, 'gp', null); // Portsmouth's

  // Discharge: the meeting required and held on 30 March; toxicology T1 resulted, T2 requested on 9 April and still pending.
  await db()
    .insert(dischargePlanning)
    .values({ caseId, required: true, decidedByName: 'Named midwife', decidedByRole: 'midwife', reason: 'Protocol case', decidedAt: t('2025-03-20T10:00:00Z') })
    .onConflictDoUpdate({ target: dischargePlanning.caseId, set: { required: true } });
  await db()
    .insert(dischargePlanningMeetings)
    .values({ caseId, scheduledFor: t('2025-03-30T10:00:00Z'), heldAt: t('2025-03-30T11:00:00Z') });
  const tox = (requested: string, resulted: string | null) =>
    db()
      .insert(toxicologyTests)
      .values({
        caseId,
        subject: 'baby',
        sample: 'urine',
        requestedAt: t(requested),
        requestedByName: 'Dr A',
        consent: 'given',
        status: resulted ? 'resulted' : 'pending',
        resultedAt: resulted ? t(resulted) : null,
        result: resulted ? 'negative' : null,
      });
  await tox('2025-03-31T09:00:00Z', '2025-03-31T20:00:00Z');
  await tox('2025-04-09T09:00:00Z', null);
  const decision = (at: string, o: { overridden?: boolean; reason?: string | null; reviewed?: string | null } = {}) =>
    db()
      .insert(dischargeDecisions)
      .values({
        caseId,
        subject: 'baby',
        destination: 'Home with mother',
        decidedAt: t(at),
        recordedByName: 'Midwife',
        gateOutcome: o.overridden ? 'overridden' : 'clear',
        overrideReason: o.reason ?? null,
        reviewedAt: o.reviewed ? t(o.reviewed) : null,
      });
  await decision('2025-04-01T12:00:00Z'); // meeting held, toxicology known
  await decision('2025-04-10T12:00:00Z', { overridden: true, reason: 'Mother and baby well; plan in place', reviewed: '2025-04-12T09:00:00Z' });
  await decision('2025-06-29T12:00:00Z', { overridden: true, reason: null }); // its 7 days to review run past the period: left out

  // Chronology prompts: answered in two days, answered late, raised two days before the end (left out), never answered.
  const prompt = (raised: string, responded: string | null) =>
    db()
      .insert(casePrompts)
      .values({
        caseId,
        ruleKey: 'closure',
        ruleLabel: 'Closure',
        prompt: 'Three missed visits',
        eventIds: [],
        windowStart: t(raised),
        windowEnd: t(raised),
        raisedAt: t(raised),
        respondedAt: responded ? t(responded) : null,
        responseKind: responded ? 'discussed_with_lead' : null,
      });
  await prompt('2025-02-01T10:00:00Z', '2025-02-03T10:00:00Z');
  await prompt('2025-02-01T10:00:00Z', '2025-02-20T10:00:00Z');
  await prompt('2025-06-28T10:00:00Z', null);
  await prompt('2025-05-01T10:00:00Z', null);

  // An escalation on the case: stage 1 ended before its time, stage 2 still open past it.
  const [esc] = await db()
    .insert(escalations)
    .values({
      reference: 'ESC-AUDIT1',
      caseId,
      subject: 'threshold',
      concern: 'Closed without assessment',
      raisedByName: 'Midwife',
      raisedByOrganisationId: rhm,
      raisedWithOrganisationId: council,
      stageTableVersionId: '00000000-0000-4000-8000-000000000001',
      stage: 2,
      status: 'open',
    })
    .returning();
  await db()
    .insert(escalationStages)
    .values([
      {
        escalationId: esc!.id,
        stage: 1,
        kind: 'reached',
        ownerOrganisationId: council,
        enteredAt: t('2025-02-25T10:00:00Z'),
        dueAt: t('2025-03-01T17:00:00Z'),
        endedAt: t('2025-02-27T10:00:00Z'),
        outcome: 'escalated',
      },
      {
        escalationId: esc!.id,
        stage: 2,
        kind: 'reached',
        ownerOrganisationId: council,
        enteredAt: t('2025-02-27T10:00:00Z'),
        dueAt: t('2025-03-05T17:00:00Z'),
      },
    ]);

  // Her phone number, three times: two numbers disagreeing from 1 February, resolved on the 3rd (in time); again
  // from 1 April, resolved on the 20th (late); and from 28 June, still open but inside its week at the end of June.
  const phone = (comparable: string, recorded: string, superseded: string | null) =>
    db()
      .insert(caseFacts)
      .values({
        caseId,
        subject: 'mother',
        field: 'phone',
        value: { number: comparable },
        comparable,
        source: 'self_reported',
        sourceDate: recorded.slice(0, 10),
        recordedAt: t(recorded),
        supersededAt: superseded ? t(superseded) : null,
      });
  await phone('07700900001', '2025-01-15T10:00:00Z', '2025-02-03T10:00:00Z');
  await phone('07700900002', '2025-02-01T10:00:00Z', '2025-04-20T10:00:00Z');
  await phone('07700900003', '2025-04-01T10:00:00Z', null);
  await phone('07700900004', '2025-06-28T10:00:00Z', null);

  const designated = await contextFor(db(), 'designated@beacon.example');
  runId = (await startRun(db(), designated, { kind: 'protocol', partnershipId: southampton, from: '2025-01-01', months: 6 }, t('2026-01-10T12:00:00Z'))).id;
}, 120_000);
afterAll(async () => tdb?.close());

describe('the protocol audit, computed from the case records', () => {
  it('uses the protocol criteria and gives each its known answer', async () => {
    const { report } = await getRun(db(), await contextFor(db(), 'designated@beacon.example'), runId);
    expect(report.kind).toBe('protocol');
    expect(report.criteria.map((c) => c.key)).toEqual(defaultSettings('protocol').map((s) => s.key));
    const c = (k: string) => report.criteria.find((x) => x.key === k)!.figures;
    const got = (k: string) => [c(k).period.met, c(k).period.total];
    expect(got('birth_plan_sent')).toEqual([1, 3]);
    expect(c('birth_plan_sent').byGroup.map((g) => [g.group, g.met, g.total])).toEqual([
      ['GP', 0, 1],
      ['Health visitor', 0, 1],
      ['Named midwife', 1, 1],
    ]);
    expect(got('dpm_before_discharge')).toEqual([3, 3]);
    expect(got('toxicology_before_discharge')).toEqual([1, 3]);
    expect(c('toxicology_before_discharge').failing[0]!.note).toBe('1 of 2 results not known');
    expect(got('overrides_reviewed')).toEqual([1, 1]);
    expect(got('prompts_answered')).toEqual([1, 3]);
    expect(got('escalation_stages_on_time')).toEqual([1, 2]);
    // Phone numbers disagreed three times: resolved in 2 days (met), in 19 days (late), and one still inside its week.
    expect(got('inconsistencies_resolved')).toEqual([1, 2]);
    expect(c('inconsistencies_resolved').failing.map((f) => f.note)).toEqual(['Resolved late']);
    expect(c('inconsistencies_resolved').byGroup.map((g) => [g.group, g.met, g.total])).toEqual([['Phone number', 1, 2]]);
    expect(c('escalation_stages_on_time').failing[0]).toMatchObject({ ref: 'ESC-AUDIT1', note: 'Stage 2 still open past its time' });
    for (const k of ['birth_plan_sent', 'prompts_answered']) for (const f of c(k).failing) expect(f.href).toBe(`/cases/${caseId}`);
  });

  it('counts the milestones the case pages show as due in the window, each by the case’s own protocol', async () => {
    // The first half of 2024, when the demo cases were opened (1 March) and their first milestones fell due.
    const designated = await contextFor(db(), 'designated@beacon.example');
    const early = await startRun(db(), designated, { kind: 'protocol', partnershipId: southampton, from: '2024-01-01', months: 6, baseline: false });
    const { report } = await getRun(db(), designated, early.id);
    const m = report.criteria.find((x) => x.key === 'milestones_on_time')!.figures;
    // What each Southampton case's own page says at the end of the period, for milestones due in it.
    const from = t('2024-01-01T00:00:00Z');
    const end = t('2024-07-01T00:00:00+01:00');
    const asOf = new Date(end.getTime() - 1);
    let met = 0;
    let total = 0;
    for (const k of await db().select({ id: cases.id }).from(cases).where(eq(cases.geographyId, southampton))) {
      const page = await caseMilestones(db(), await contextFor(db(), 'auditor@beacon.example'), k.id, asOf);
      for (const s of page.milestones) {
        if (!s.dueAt || s.dueAt < from || s.dueAt >= end || !['done', 'done_late', 'overdue'].includes(s.state)) continue;
        total++;
        if (s.state === 'done') met++;
      }
    }
    expect(total).toBeGreaterThan(0);
    expect(m.period.met).toBe(met);
    expect(m.period.total).toBe(total);
    expect(m.byGroup.length).toBeGreaterThan(0);
  });

  it('keeps the cases of other partnerships out, and its drill-down to references', async () => {
    const { report } = await getRun(db(), await contextFor(db(), 'designated@beacon.example'), runId);
    const portsmouthCase = (
      await db()
        .select({ id: cases.id })
        .from(cases)
        .innerJoin(geographies, and(eq(geographies.id, cases.geographyId), eq(geographies.code, 'E06000044')))
    ).map((r) => r.id);
    const json = JSON.stringify(report);
    for (const id of portsmouthCase) expect(json).not.toContain(id);
    expect(json).not.toContain('Home with mother');
  });
});
