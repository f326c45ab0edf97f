import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/db';
import { memoryMailer, PUBLIC_URL } from '../../test/support/alerts';
import { areaId, caseContexts, openSeededDatabase, openTestCase, organisationIds } from '../../test/support/cases';
import type { RequestContext } from '../platform/context';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { auditEvents } from '../platform/audit/schema';
import { jobs } from '../platform/jobs/schema';
import { Worker } from '../platform/jobs/worker';
import { geographies, organisations } from '../directory/schema';
import { geographyChain } from '../directory/service';
import { caseEvents, cases } from '../cases/schema';
import { escalationStages, escalations } from './schema';
import { registerEscalationJobs } from './jobs';
import { registerCaseJobs } from '../cases/jobs';
import { escalate, raiseEscalation, recordAgreedActions, referToPartnership, resolve, withdraw } from './service';
import { escalationsForCase, getEscalation, listEscalations, openEscalationCount } from './reading';
import { partnershipReport } from './report';
import { emailOverdueStage, OVERDUE_EMAIL_JOB, STAGE_EMAIL_JOB, emailStage, OVERDUE_REMINDER_JOB, remindOverdueStages } from './notify';
import { inPartnershipArea as sameArea } from '../directory/service';

let tdb: TestDatabase;
let midwife: RequestContext;
let socialWorker: RequestContext;
let designated: RequestContext;
let qahCoordinator: RequestContext;
let auditor: RequestContext;
let partnership: RequestContext;
let org: Record<string, string> = {};

const db = () => tdb.db;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  tdb = await openSeededDatabase();
  ({ midwife, socialWorker, designated, qahCoordinator, auditor, partnership } = await caseContexts(tdb.db));
  org = await organisationIds(tdb.db);
});
afterAll(async () => tdb?.close());

/** A valid escalation from the UHS safeguarding midwife to Southampton children's services. */
const raiseInput = (overrides: Record<string, unknown> = {}) => ({
  subject: 'threshold',
  concern: 'Pre-birth assessment declined although the family meets the threshold in our view.',
  desiredOutcome: 'Strategy discussion before 32 weeks.',
  raisedWithOrganisationId: org['852'],
  raisedWithName: 'Sam Whitlock',
  ...overrides,
});

/** Rows a refused change must leave exactly as they were. */
async function counts() {
  const n = async (table: typeof escalations | typeof escalationStages | typeof auditEvents | typeof caseEvents | typeof jobs) =>
    Number((await db().select({ n: count() }).from(table))[0]!.n);
  return {
    escalations: await n(escalations),
    stages: await n(escalationStages),
    audit: await n(auditEvents),
    caseEvents: await n(caseEvents),
    jobs: await n(jobs),
  };
}

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return e.fieldErrors;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

async function stagesOf(id: string) {
  return db().select().from(escalationStages).where(eq(escalationStages.escalationId, id)).orderBy(escalationStages.stage, escalationStages.enteredAt);
}

async function escalationRow(id: string) {
  const [e] = await db().select().from(escalations).where(eq(escalations.id, id));
  return e!;
}

describe('raising an escalation', () => {
  it('standalone: stage 1 of the table in force for the raiser’s area, owned by the person raised with, due in 48 hours', async () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const { id, reference } = await raiseEscalation(db(), midwife, raiseInput(), now);
    expect(reference).toMatch(/^ESC-[0-9A-HJKMNP-TV-Z]{6}$/);
    const e = await escalationRow(id);
    expect(e).toMatchObject({
      caseId: null,
      subject: 'threshold',
      status: 'open',
      stage: 1,
      raisedByOrganisationId: org.RHM,
      raisedWithOrganisationId: org['852'],
      raisedByName: 'Priya Shah',
    });
    expect(e.stageTableVersionId).toMatch(/^[0-9a-f-]{36}$/);
    const stages = await stagesOf(id);
    expect(stages).toHaveLength(1);
    expect(stages[0]).toMatchObject({ stage: 1, kind: 'reached', ownerName: 'Sam Whitlock', ownerOrganisationId: org['852'], endedAt: null, outcome: null });
    expect(stages[0]!.enteredAt).toEqual(now);
    expect(stages[0]!.dueAt).toEqual(new Date(now.getTime() + 48 * HOUR));
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'escalation.raise')));
    expect(audit).toHaveLength(1);
  });

  it('on a case: goes on the case chronology as an escalation event, and the case lists it', async () => {
    const kase = await openTestCase(db(), midwife);
    const before = await openEscalationCount(db(), kase.id);
    const { id, reference } = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, subject: 'discharge_decision', ownerName: 'Jo Team-Manager' }),
    );
    expect((await escalationRow(id)).caseId).toBe(kase.id);
    const events = await db()
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, kase.id), eq(caseEvents.kind, 'escalation')));
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toContain(reference);
    expect(events[0]!.summary).toContain("Southampton City Council Children's Services");
    expect((await stagesOf(id))[0]!.ownerName).toBe('Jo Team-Manager');
    expect(await openEscalationCount(db(), kase.id)).toBe(before + 1);
    const forCase = await escalationsForCase(db(), midwife, kase.id);
    expect(forCase.map((e) => e.reference)).toEqual([reference]);
    expect(forCase[0]).toMatchObject({
      subjectLabel: 'Discharge decision',
      stage: 1,
      stageLabel: 'Practitioner to practitioner',
      status: 'open',
      overdue: false,
    });
  });

  it('on a case the raiser’s agency does not work on: refused, nothing written', async () => {
    const kase = await openTestCase(db(), midwife);
    const before = await counts();
    await expect(raiseEscalation(db(), qahCoordinator, raiseInput({ caseId: kase.id }))).rejects.toBeInstanceOf(ForbiddenError);
    expect(await counts()).toEqual(before);
  });

  it('is between agencies: the agency raised with must exist and not be the raiser’s own', async () => {
    const before = await counts();
    const own = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ raisedWithOrganisationId: org.RHM })));
    expect(own.raisedWithOrganisationId).toMatch(/between agencies/);
    const missing = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ raisedWithOrganisationId: '00000000-0000-4000-8000-000000000000' })));
    expect(missing.raisedWithOrganisationId).toBe('Choose the agency you disagree with from the list');
    expect(await counts()).toEqual(before);
  });

  it('refuses an incomplete form with a message for each field, and writes nothing', async () => {
    const before = await counts();
    const problems = await fieldErrors(raiseEscalation(db(), midwife, { subject: 'gossip', concern: '   ', raisedWithOrganisationId: '' }));
    expect(problems).toEqual({
      subject: 'Choose what the disagreement is about',
      concern: 'Enter your concern: what you disagree about and why it matters for the baby',
      raisedWithOrganisationId: 'Choose the agency you disagree with',
    });
    const long = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ concern: 'x'.repeat(2001) })));
    expect(long.concern).toBe('Your concern must be 2000 characters or fewer');
    expect(await counts()).toEqual(before);
  });

  it('urgent start at a higher stage needs a reason; with one, the stages below are recorded as skipped', async () => {
    const before = await counts();
    const noReason = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ startStage: '3' })));
    expect(noReason).toEqual({ startReason: 'Enter why you are skipping stages 1 and 2' });
    const tooHigh = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ startStage: 9, startReason: 'Baby due for discharge within hours' })));
    expect(tooHigh.startStage).toBe('Choose a stage from 1 to 4');
    // Every problem at once, not one round trip each.
    const several = await fieldErrors(raiseEscalation(db(), midwife, raiseInput({ subject: '', raisedWithOrganisationId: org.RHM, startStage: 2 })));
    expect(several).toEqual({
      subject: 'Choose what the disagreement is about',
      raisedWithOrganisationId: expect.stringMatching(/between agencies/),
      startReason: 'Enter why you are skipping stage 1',
    });
    expect(await counts()).toEqual(before);

    const now = new Date('2026-11-23T09:00:00Z');
    const { id } = await raiseEscalation(db(), midwife, raiseInput({ startStage: '3', startReason: 'Baby due for discharge within hours' }), now);
    const stages = await stagesOf(id);
    expect(stages.map((s) => [s.stage, s.kind, s.reason])).toEqual([
      [1, 'skipped', 'Baby due for discharge within hours'],
      [2, 'skipped', 'Baby due for discharge within hours'],
      [3, 'reached', 'Baby due for discharge within hours'],
    ]);
    expect(stages[2]!.dueAt).toEqual(new Date(now.getTime() + 48 * HOUR));
    expect((await escalationRow(id)).stage).toBe(3);
  });
});

describe('moving up the stages', () => {
  it('stage 1 is due 48 hours after raising; stage 2, 5 working days counted past the Christmas bank holidays', async () => {
    // Thursday 24 December 2026. Working days after it: 25 Dec and 28 Dec (substitute Boxing Day) are bank
    // holidays, then Tue 29, Wed 30, Thu 31 Dec, (1 Jan 2027 is a holiday), Mon 4 Jan, Tue 5 Jan: the
    // fifth working day is Tuesday 5 January 2027, due by the end of that day in England (GMT).
    const raised = new Date('2026-12-24T10:00:00Z');
    const { id } = await raiseEscalation(db(), midwife, raiseInput(), raised);
    expect((await stagesOf(id))[0]!.dueAt).toEqual(new Date('2026-12-26T10:00:00Z'));
    await escalate(db(), midwife, id, { toStage: 2, ownerName: 'Morgan Ellis', agreedActions: 'Social worker to review the referral by Wednesday' }, raised);
    const stages = await stagesOf(id);
    expect(stages.map((s) => [s.stage, s.kind, s.outcome])).toEqual([
      [1, 'reached', 'escalated'],
      [2, 'reached', null],
    ]);
    expect(stages[0]!.agreedActions).toBe('Social worker to review the referral by Wednesday');
    expect(stages[0]!.endedAt).toEqual(raised);
    expect(stages[1]!.dueAt).toEqual(new Date('2027-01-05T23:59:59.999Z'));
    // Without the bank holidays it would have been the end of Thursday 31 December.
    expect(stages[1]!.dueAt!.getTime()).toBeGreaterThan(new Date('2026-12-31T23:59:59.999Z').getTime());
    expect(stages[1]).toMatchObject({ ownerName: 'Morgan Ellis', ownerOrganisationId: org['852'] });
  });

  it('refuses to jump a stage without a reason, and changes nothing', async () => {
    const kase = await openTestCase(db(), midwife);
    const { id } = await raiseEscalation(db(), midwife, raiseInput({ caseId: kase.id }));
    const before = await counts();
    const problems = await fieldErrors(escalate(db(), midwife, id, { toStage: '3', ownerName: 'Dr Ames' }));
    expect(problems).toEqual({ reason: 'Enter why you are skipping stage 2' });
    const down = await fieldErrors(escalate(db(), midwife, id, { toStage: 1, ownerName: 'Dr Ames' }));
    expect(down.toStage).toBe('Choose a stage higher than the current stage (stage 1)');
    const noOwner = await fieldErrors(escalate(db(), midwife, id, { toStage: 2 }));
    expect(noOwner.ownerName).toMatch(/^Enter the name of the person who now holds the escalation/);
    expect(await counts()).toEqual(before);
    expect((await escalationRow(id)).stage).toBe(1);
  });

  it('a jump with a reason records the skipped stage and its reason', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    const now = new Date('2026-11-24T08:00:00Z');
    await escalate(
      db(),
      socialWorker,
      id,
      { toStage: 3, reason: 'Discharge planned for tomorrow morning', ownerName: 'Dr Ames', ownerOrganisationId: org.QRL },
      now,
    );
    const stages = await stagesOf(id);
    expect(stages.map((s) => [s.stage, s.kind, s.reason, s.outcome])).toEqual([
      [1, 'reached', null, 'escalated'],
      [2, 'skipped', 'Discharge planned for tomorrow morning', null],
      [3, 'reached', 'Discharge planned for tomorrow morning', null],
    ]);
    expect(stages[2]).toMatchObject({ ownerName: 'Dr Ames', ownerOrganisationId: org.QRL, recordedByName: 'Daniel Price' });
    expect(stages[2]!.dueAt).toEqual(new Date(now.getTime() + 48 * HOUR));
    expect((await escalationRow(id)).stage).toBe(3);
  });

  it('agreed actions are kept on the current stage', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    await recordAgreedActions(db(), socialWorker, id, { agreedActions: 'Joint visit on Friday' });
    expect((await stagesOf(id))[0]!.agreedActions).toBe('Joint visit on Friday');
    expect(await fieldErrors(recordAgreedActions(db(), socialWorker, id, { agreedActions: ' ' }))).toEqual({
      agreedActions: 'Enter the actions agreed at this stage, who will do them and by when',
    });
  });
});

describe('closing', () => {
  it('resolve: the stage and the escalation close with the outcome', async () => {
    const raised = new Date('2026-11-02T09:00:00Z');
    const { id } = await raiseEscalation(db(), midwife, raiseInput(), raised);
    const closed = new Date('2026-11-03T15:00:00Z');
    await resolve(db(), socialWorker, id, { outcome: 'Strategy discussion booked for Monday' }, closed);
    // Closed by the agency it was raised with: the outcome says the raising agency has not agreed (see below).
    expect(await escalationRow(id)).toMatchObject({ status: 'resolved', stage: 1, closedAt: closed });
    expect((await escalationRow(id)).outcome).toMatch(/^Strategy discussion booked for Monday \(closed by /);
    expect((await stagesOf(id)).map((s) => [s.stage, s.outcome, s.endedAt])).toEqual([[1, 'resolved', closed]]);
  });

  it('refer to the partnership from stage 2: stage 3 skipped, stage 4 reached and closed', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    await escalate(db(), midwife, id, { toStage: 2, ownerName: 'Morgan Ellis' });
    await referToPartnership(db(), midwife, id, { reason: 'Managers cannot agree and the baby is due in two weeks' });
    expect(await escalationRow(id)).toMatchObject({
      status: 'referred_to_partnership',
      stage: 4,
      outcome: 'Managers cannot agree and the baby is due in two weeks',
    });
    expect((await stagesOf(id)).map((s) => [s.stage, s.kind, s.outcome])).toEqual([
      [1, 'reached', 'escalated'],
      [2, 'reached', 'escalated'],
      [3, 'skipped', null],
      [4, 'reached', 'referred_to_partnership'],
    ]);
  });

  it('withdraw: only the raising agency (or the partnership) may, with a reason', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    await expect(withdraw(db(), socialWorker, id, { reason: 'Not ours to withdraw' })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await fieldErrors(withdraw(db(), midwife, id, { reason: '' }))).toEqual({ reason: 'Enter why the escalation is being withdrawn' });
    await withdraw(db(), midwife, id, { reason: 'New information: the family has engaged with the plan' });
    expect(await escalationRow(id)).toMatchObject({ status: 'withdrawn', outcome: 'New information: the family has engaged with the plan' });
    expect((await stagesOf(id))[0]!.outcome).toBe('withdrawn');
  });

  it('a closed escalation refuses every change, and nothing is written', async () => {
    const kase = await openTestCase(db(), midwife);
    const { id } = await raiseEscalation(db(), midwife, raiseInput({ caseId: kase.id }));
    await resolve(db(), midwife, id, { outcome: 'Agreed at the strategy meeting' });
    const before = await counts();
    const message = 'This escalation has been resolved, so it cannot be changed. Raise a new one if the disagreement has come back.';
    expect(await fieldErrors(escalate(db(), midwife, id, { toStage: 2, ownerName: 'Morgan Ellis' }))).toEqual({ form: message });
    expect(await fieldErrors(resolve(db(), midwife, id, { outcome: 'again' }))).toEqual({ form: message });
    expect(await fieldErrors(referToPartnership(db(), midwife, id, { reason: 'again' }))).toEqual({ form: message });
    expect(await fieldErrors(withdraw(db(), midwife, id, { reason: 'again' }))).toEqual({ form: message });
    expect(await fieldErrors(recordAgreedActions(db(), midwife, id, { agreedActions: 'more' }))).toEqual({ form: message });
    expect(await counts()).toEqual(before);
    const view = await getEscalation(db(), midwife, id);
    expect(view.canAct).toBe(false);
  });
});

describe('who may see and act', () => {
  it('a third organisation can neither see nor act on it; the parties can', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    await expect(getEscalation(db(), qahCoordinator, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(escalate(db(), qahCoordinator, id, { toStage: 2, ownerName: 'X' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getEscalation(db(), designated, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listEscalations(db(), qahCoordinator)).some((e) => e.id === id)).toBe(false);
    // The agency raised with sees it and may act on it.
    const seen = await getEscalation(db(), socialWorker, id);
    expect(seen.canAct).toBe(true);
    expect(seen.canWithdraw).toBe(false);
    expect((await listEscalations(db(), socialWorker)).some((e) => e.id === id)).toBe(true);
    expect((await getEscalation(db(), midwife, id)).canWithdraw).toBe(true);
    // Reads are audited.
    const views = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'escalation.view')));
    expect(views.length).toBeGreaterThanOrEqual(2);
  });

  it('an agency added to the case is a party too', async () => {
    const kase = await openTestCase(db(), midwife);
    const { id } = await raiseEscalation(db(), midwife, raiseInput({ caseId: kase.id }));
    await expect(getEscalation(db(), qahCoordinator, id)).rejects.toBeInstanceOf(ForbiddenError);
    const { addAgency } = await import('../cases/service');
    await addAgency(db(), midwife, kase.id, org.RHU!, 'Working with the family on the pre-birth plan');
    expect((await getEscalation(db(), qahCoordinator, id)).escalation.id).toBe(id);
  });

  it('areas: same local authority, or one within the other; neighbouring local authorities are not', async () => {
    const chain = async (code: string) => {
      const [g] = await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code));
      return geographyChain(db(), g!.id);
    };
    const [hampshire, southampton, icb, england] = await Promise.all([chain('E10000014'), chain('E06000045'), chain('QRL'), chain('E92000001')]);
    expect(sameArea(hampshire, hampshire)).toBe(true);
    expect(sameArea(hampshire, southampton)).toBe(false);
    expect(sameArea(southampton, hampshire)).toBe(false);
    expect(sameArea(icb, hampshire)).toBe(true);
    expect(sameArea(icb, southampton)).toBe(true);
    expect(sameArea(hampshire, icb)).toBe(true);
    expect(sameArea(england, southampton)).toBe(true);
    expect(sameArea(await chain('QNQ'), hampshire)).toBe(false);
  });

  it('the Hampshire partnership manager sees and may act on Hampshire escalations, not Southampton ones', async () => {
    const hantsCase = await openTestCase(db(), midwife, { geographyId: await areaId(db(), 'E10000014') });
    const hants = await raiseEscalation(db(), midwife, raiseInput({ caseId: hantsCase.id, raisedWithOrganisationId: org.RN5 }));
    const soton = await raiseEscalation(db(), midwife, raiseInput({ raisedWithOrganisationId: org.R1C }));
    const view = await getEscalation(db(), partnership, hants.id);
    expect(view.canAct).toBe(true);
    await expect(getEscalation(db(), partnership, soton.id)).rejects.toBeInstanceOf(ForbiddenError);
    const listed = (await listEscalations(db(), partnership, { status: 'all' })).map((e) => e.id);
    expect(listed).toContain(hants.id);
    expect(listed).not.toContain(soton.id);
    // Every escalation they list is in Hampshire: on a Hampshire case, or raised by a Hampshire organisation.
    const hampshireId = await areaId(db(), 'E10000014');
    for (const e of await db().select().from(escalations).where(eq(escalations.status, 'open'))) {
      const [c] = e.caseId ? await db().select({ g: cases.geographyId }).from(cases).where(eq(cases.id, e.caseId)) : [];
      const [o] = await db().select({ g: organisations.geographyId }).from(organisations).where(eq(organisations.id, e.raisedByOrganisationId));
      expect(listed.includes(e.id)).toBe((c?.g ?? o!.g) === hampshireId);
    }
    await recordAgreedActions(db(), partnership, hants.id, { agreedActions: 'Independent chair to convene a resolution meeting' });
    await expect(recordAgreedActions(db(), partnership, soton.id, { agreedActions: 'No' })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('auditors read every escalation and change none', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput());
    const view = await getEscalation(db(), auditor, id);
    expect(view.canAct).toBe(false);
    expect((await listEscalations(db(), auditor, { status: 'all' })).some((e) => e.id === id)).toBe(true);
    const before = await counts();
    await expect(escalate(db(), auditor, id, { toStage: 2, ownerName: 'X' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(resolve(db(), auditor, id, { outcome: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(raiseEscalation(db(), auditor, raiseInput())).rejects.toBeInstanceOf(ForbiddenError);
    expect(await counts()).toEqual(before);
  });

  it('an id that is not an escalation is not found', async () => {
    await expect(getEscalation(db(), midwife, 'nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getEscalation(db(), midwife, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the other agency hears of it', () => {
  it('the named person is emailed too when the raiser gives their email; a wrong address changes nothing', async () => {
    const kase = await openTestCase(db(), midwife);
    const before = (await db().select().from(escalations)).length;
    const bad = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, raisedWithOrganisationId: org.R1C, raisedWithName: 'Sam Whitlock', raisedWithEmail: 'sam at solent' }),
    ).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.fieldErrors.raisedWithEmail).toMatch(/like name@nhs.net/);
    expect(await db().select().from(escalations)).toHaveLength(before);
    const { id } = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, raisedWithOrganisationId: org.R1C, raisedWithName: 'Sam Whitlock', raisedWithEmail: 'Sam.Whitlock@solent.example' }),
    );
    const [first] = (await stagesOf(id)).filter((s) => s.kind === 'reached');
    const mailer = memoryMailer();
    expect(await emailStage(db(), mailer, PUBLIC_URL, { stageId: first!.id })).toBe(2);
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['sam.whitlock@solent.example', 'solent.safeguarding@beacon.example']);
    expect(mailer.sent.every((m) => !m.text.includes('Sam Whitlock'))).toBe(true);
  });

  it('raising one, and each stage it reaches, emails the agency raised with (never the raiser’s own), with no names', async () => {
    const kase = await openTestCase(db(), midwife);
    const { id, reference } = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, raisedWithOrganisationId: org.R1C, raisedWithName: 'Sam Whitlock' }),
    );
    const queued = async () =>
      (await db().select().from(jobs).where(eq(jobs.type, STAGE_EMAIL_JOB))).filter(
        (j) => (j.payload as { stageId: string }).stageId && j.idempotencyKey?.startsWith('escalation-stage:'),
      );
    const stages = async () => (await stagesOf(id)).filter((s) => s.kind === 'reached');
    const [first] = await stages();
    const firstJobs = (await queued()).filter((j) => (j.payload as { stageId: string }).stageId === first!.id);
    expect(firstJobs).toHaveLength(1);

    const mailer = memoryMailer();
    expect(await emailStage(db(), mailer, PUBLIC_URL, { stageId: first!.id })).toBe(1);
    expect(mailer.sent.map((m) => m.to)).toEqual(['solent.safeguarding@beacon.example']);
    expect(mailer.sent[0]!.subject).toContain(`Escalation ${reference}: raised with you`);
    expect(mailer.sent[0]!.text).toMatch(/has raised escalation .* with your organisation: stage 1/);
    expect(mailer.sent[0]!.text).toContain(`${PUBLIC_URL}/escalations/${id}`);
    const [kaseRow] = await db().select().from(cases).where(eq(cases.id, kase.id));
    for (const personal of ['Sam Whitlock', kaseRow!.displayName, kaseRow!.reference, 'midwife@beacon.example']) {
      expect(`${mailer.sent[0]!.subject}\n${mailer.sent[0]!.text}`).not.toContain(personal);
    }

    await escalate(db(), midwife, id, { toStage: 2, ownerName: 'Morgan Ellis' });
    const second = (await stages()).find((s) => s.stage === 2)!;
    expect((await queued()).filter((j) => (j.payload as { stageId: string }).stageId === second.id)).toHaveLength(1);
    mailer.clear();
    expect(await emailStage(db(), mailer, PUBLIC_URL, { stageId: second.id })).toBe(1);
    expect(mailer.sent[0]!.text).toMatch(/has moved to stage 2/);
    expect(mailer.sent[0]!.text).not.toContain('Morgan Ellis');
    // Sent twice (a worker that died between sending and marking): the same Message-ID, so the mail server can drop it.
    const again = memoryMailer();
    await emailStage(db(), again, PUBLIC_URL, { stageId: second.id });
    expect(again.sent[0]!.messageId).toBe(mailer.sent[0]!.messageId);
  });
});

describe('closing it takes both sides, or says that it did not', () => {
  it('closed by the agency it was raised with: the outcome says the raising agency has not agreed, and the raiser is told', async () => {
    const kase = await openTestCase(db(), midwife);
    const { addAgency } = await import('../cases/service');
    await addAgency(db(), midwife, kase.id, org['852']!, 'Children’s social care hold the referral');
    const { id, reference } = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, raisedWithOrganisationId: org['852'], raisedWithName: 'Duty manager' }),
    );
    const [current] = (await stagesOf(id)).filter((s) => s.kind === 'reached');
    await resolve(db(), socialWorker, id, { outcome: 'Strategy discussion held; plan agreed' });
    const [closed] = await db().select().from(escalations).where(eq(escalations.id, id));
    expect(closed).toMatchObject({ status: 'resolved' });
    expect(closed!.outcome).toMatch(
      /^Strategy discussion held; plan agreed \(closed by .*, the agency it was raised with; .* has not recorded that it agrees\)$/,
    );
    const [job] = await db()
      .select()
      .from(jobs)
      .where(eq(jobs.idempotencyKey, `escalation-closed:${current!.id}`));
    expect(job!.payload).toEqual({ stageId: current!.id, closedBy: socialWorker.actor!.organisationId });
    const mailer = memoryMailer();
    await emailStage(db(), mailer, PUBLIC_URL, job!.payload as { stageId: string; closedBy: string });
    expect(mailer.sent.map((m) => m.to)).toContain('midwife@beacon.example');
    expect(mailer.sent.every((m) => !m.to.includes('southampton'))).toBe(true);
    expect(mailer.sent[0]!.subject).toContain(`Escalation ${reference}: closed`);
    expect(mailer.sent[0]!.text).toContain('without the raising agency recording that it agrees');
  });

  it('closed by the agency that raised it: no such note, and the other agency is told', async () => {
    const { id } = await raiseEscalation(db(), midwife, raiseInput({ raisedWithOrganisationId: org.R1C }));
    const [current] = (await stagesOf(id)).filter((s) => s.kind === 'reached');
    await resolve(db(), midwife, id, { outcome: 'Solent have allocated a health visitor' });
    expect((await db().select().from(escalations).where(eq(escalations.id, id)))[0]!.outcome).toBe('Solent have allocated a health visitor');
    const mailer = memoryMailer();
    await emailStage(db(), mailer, PUBLIC_URL, { stageId: current!.id, closedBy: midwife.actor!.organisationId });
    expect(mailer.sent.map((m) => m.to)).toEqual(['solent.safeguarding@beacon.example']);
  });
});

describe('overdue reminders', () => {
  it('one email job per overdue stage, to the holding agency’s safeguarding team and the raiser, with no names', async () => {
    const raised = new Date('2030-02-04T09:00:00Z');
    const kase = await openTestCase(db(), midwife);
    const { id, reference } = await raiseEscalation(
      db(),
      midwife,
      raiseInput({ caseId: kase.id, raisedWithOrganisationId: org.R1C, raisedWithName: 'Sam Whitlock' }),
      raised,
    );
    const [stage] = await stagesOf(id);
    // Chase everything earlier tests left overdue, so the counts below are this escalation's alone.
    await remindOverdueStages(db(), raised);
    // Not yet due: nothing.
    expect(await remindOverdueStages(db(), new Date(raised.getTime() + 47 * HOUR))).toBe(0);
    const later = new Date(raised.getTime() + 49 * HOUR);
    expect(await remindOverdueStages(db(), later)).toBe(1);
    expect(await remindOverdueStages(db(), new Date(later.getTime() + HOUR))).toBe(0);
    const queued = await db()
      .select()
      .from(jobs)
      .where(eq(jobs.idempotencyKey, `escalation-overdue:${stage!.id}`));
    expect(queued).toHaveLength(1);
    expect(queued[0]!.type).toBe(OVERDUE_EMAIL_JOB);
    expect((await stagesOf(id))[0]!.remindedAt).toEqual(later);

    const mailer = memoryMailer();
    expect(await emailOverdueStage(db(), mailer, PUBLIC_URL, { stageId: stage!.id })).toBe(2);
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['midwife@beacon.example', 'solent.safeguarding@beacon.example']);
    const [kaseRow] = await db().select().from(cases).where(eq(cases.id, kase.id));
    for (const m of mailer.sent) {
      expect(m.subject).toContain(reference);
      expect(m.text).toContain(`${PUBLIC_URL}/escalations/${id}`);
      for (const personal of ['Sam Whitlock', 'Priya Shah', kaseRow!.displayName, 'Marisol', 'Quennell', 'Pre-birth assessment', kaseRow!.reference]) {
        expect(`${m.subject}\n${m.text}`).not.toContain(personal);
      }
    }
    // Once the stage has moved on, a late job sends nothing.
    await escalate(db(), midwife, id, { toStage: 2, ownerName: 'Morgan Ellis' }, new Date(later.getTime() + 2 * HOUR));
    mailer.clear();
    expect(await emailOverdueStage(db(), mailer, PUBLIC_URL, { stageId: stage!.id })).toBe(0);
    expect(mailer.sent).toEqual([]);
  });

  it('the worker runs the schedule and the email job', async () => {
    const mailer = memoryMailer();
    const failures: unknown[] = [];
    const log = { info: () => undefined, warn: (o: unknown) => void failures.push(o), error: (o: unknown) => void failures.push(o) };
    // The case jobs too: earlier tests here queued case emails that the same worker must be able to run.
    const worker = registerEscalationJobs(registerCaseJobs(new Worker(db(), log, { batch: 50 }), db(), mailer, PUBLIC_URL), db(), mailer, PUBLIC_URL);
    // Raised three days ago, so overdue by the real clock the scheduled job uses.
    const { id, reference } = await raiseEscalation(db(), midwife, raiseInput({ raisedWithOrganisationId: org.R1C }), new Date(Date.now() - 3 * DAY));
    await worker.schedule();
    await worker.drain();
    expect(failures).toEqual([]);
    const scheduled = await db().select().from(jobs).where(eq(jobs.type, OVERDUE_REMINDER_JOB));
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    // Raised with Solent: its team was told when it was raised, and both sides when it became overdue.
    expect(
      mailer.sent
        .filter((m) => m.subject.includes(reference))
        .map((m) => `${m.to} ${m.subject.includes('overdue') ? 'overdue' : 'raised'}`)
        .sort(),
    ).toEqual(['midwife@beacon.example overdue', 'solent.safeguarding@beacon.example overdue', 'solent.safeguarding@beacon.example raised']);
    expect((await stagesOf(id))[0]!.remindedAt).not.toBeNull();
  });
});

describe('the partnership report', () => {
  it('counts escalations raised in the period: by stage, how they ended, time to resolve, overdue, themes', async () => {
    // March 2031 holds only these escalations.
    const at = (day: number, hour = 9) => new Date(Date.UTC(2031, 2, day, hour));
    const raise = (subject: string, day: number) => raiseEscalation(db(), midwife, raiseInput({ subject }), at(day));
    const a = await raise('threshold', 3);
    await resolve(db(), socialWorker, a.id, { outcome: 'Agreed' }, new Date(at(3).getTime() + 1 * DAY));
    const b = await raise('threshold', 4);
    await resolve(db(), socialWorker, b.id, { outcome: 'Agreed' }, new Date(at(4).getTime() + 2 * DAY));
    const c = await raise('information_sharing', 5);
    await escalate(db(), midwife, c.id, { toStage: 2, ownerName: 'Morgan Ellis' }, at(6));
    await resolve(db(), socialWorker, c.id, { outcome: 'Agreed' }, new Date(at(5).getTime() + 6.25 * DAY));
    const d = await raise('plan_progress', 10);
    await escalate(db(), midwife, d.id, { toStage: 2, ownerName: 'Morgan Ellis' }, at(11));
    const e = await raise('discharge_decision', 12);
    await withdraw(db(), midwife, e.id, { reason: 'Plan agreed informally' }, at(13));
    const f = await raise('discharge_decision', 20);
    await referToPartnership(db(), midwife, f.id, { reason: 'Urgent: agencies cannot agree on discharge' }, at(20, 12));
    const g = await raise('other', 30);
    // Outside the period: not counted.
    await raise('threshold', 32);

    const report = await partnershipReport(db(), auditor, { from: '2031-03-01', to: '2031-03-31' }, at(31, 12));
    expect(report.period).toEqual({ from: '2031-03-01', to: '2031-03-31' });
    expect(report.raised).toBe(7);
    expect(report.open.total).toBe(2);
    expect(report.open.byStage.map((s) => [s.stage, s.count])).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
      [4, 0],
    ]);
    expect(report.highestStage.map((s) => [s.stage, s.count])).toEqual([
      [1, 4],
      [2, 2],
      [3, 0],
      [4, 1],
    ]);
    expect(report.closed).toEqual({ resolved: 3, referred: 1, withdrawn: 1 });
    // 1, 2 and 6.25 days: median 2, mean 3.08 → 3.1.
    expect(report.timeToResolve).toEqual({ count: 3, medianDays: 2, meanDays: 3.1 });
    // d (stage 2, due 18 March) is overdue on 31 March; g (stage 1, due 1 April 09:00) is not yet.
    expect(report.overdue).toBe(1);
    expect(Object.fromEntries(report.themes.map((t) => [t.subject, t.count]))).toEqual({
      threshold: 2,
      information_sharing: 1,
      plan_progress: 1,
      discharge_decision: 2,
      other: 1,
    });
    expect(JSON.stringify(report)).not.toMatch(/Priya|Whitlock|Morgan|Agreed|Pre-birth/);
    void g;
  });

  it('partnership managers see their area only; bad periods are refused', async () => {
    const at = new Date(Date.UTC(2032, 5, 1, 9));
    const hantsCase = await openTestCase(db(), midwife, { geographyId: await areaId(db(), 'E10000014') }, at);
    await raiseEscalation(db(), midwife, raiseInput({ caseId: hantsCase.id, raisedWithOrganisationId: org.RN5 }), at);
    await raiseEscalation(db(), midwife, raiseInput(), at);
    const period = { from: '2032-06-01', to: '2032-06-30' };
    expect((await partnershipReport(db(), partnership, period, at)).raised).toBe(1);
    expect((await partnershipReport(db(), auditor, period, at)).raised).toBe(2);
    expect((await partnershipReport(db(), auditor, { ...period, geographyId: await areaId(db(), 'E06000045') }, at)).raised).toBe(1);
    await expect(partnershipReport(db(), partnership, { ...period, geographyId: await areaId(db(), 'E06000045') }, at)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await fieldErrors(partnershipReport(db(), auditor, { from: '2032-06-30', to: '2032-06-01' }))).toEqual({
      to: 'The end of the period must be the same as or after the start',
    });
    expect(await fieldErrors(partnershipReport(db(), auditor, { from: '2032-02-30' }))).toEqual({
      from: 'The start of the period must be a real date, like 2026-04-01',
    });
    await expect(partnershipReport(db(), midwife, period)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
