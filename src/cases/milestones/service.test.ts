import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/db';
import { memoryMailer, PUBLIC_URL, SUBJECT } from '../../../test/support/alerts';
import { type CaseContext, caseContexts, openSeededDatabase, openTestCase } from '../../../test/support/cases';
import { auditEvents } from '../../platform/audit/schema';
import { jobs } from '../../platform/jobs/schema';
import { ForbiddenError, ValidationError } from '../../platform/errors';
import { safeguardingMailboxes } from '../../identity/point-of-care/presentations';
import { addProfessional, closeCase } from '../service';
import { caseEvents, caseMilestones as milestoneRows, cases } from '../schema';
import { caseMilestones, completeMilestone, markNotApplicable, overdueAcrossCases, overdueCasesCount, refreshNextDue, undoMilestone } from './service';
import { emailOverdueMilestone, MILESTONE_OVERDUE_EMAIL_JOB, remindOverdueMilestones } from './reminders';

let database: TestDatabase;
const db = () => database.db;
let midwife: CaseContext;
let socialWorker: CaseContext;

beforeAll(async () => {
  database = await openSeededDatabase();
  ({ midwife, socialWorker } = await caseContexts(db()));
});
afterAll(async () => {
  await database?.close();
});

// Due 1 April 2027: 16+0 is 15 October 2026 (summer time), 28+0 is 7 January 2027, 24+0 is 10 December 2026.
const EDD = '2027-04-01';
const OPENED = new Date('2026-12-01T10:00:00Z');

const byKey = async (caseId: string, now: Date) => {
  const v = await caseMilestones(db(), midwife, caseId, now);
  return Object.fromEntries(v.milestones.map((m) => [m.key, m]));
};

describe('due dates of a real case', () => {
  it('puts gestation milestones at the end of the day in England, and windows from the start of their first day', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    const m = await byKey(kase.id, OPENED);
    // 16+0 = EDD − 24 weeks = 15 October 2026, in British Summer Time: the day ends at 22:59:59.999 UTC.
    expect(m.referral_to_social_care!.dueAt?.toISOString()).toBe('2026-10-15T22:59:59.999Z');
    expect(m.strategy_discussion!.dueAt?.toISOString()).toBe('2027-01-07T23:59:59.999Z');
    expect(m.initial_child_protection_conference!.notBefore?.toISOString()).toBe('2026-12-10T00:00:00.000Z');
    expect(m.initial_child_protection_conference!.dueAt?.toISOString()).toBe('2027-01-21T23:59:59.999Z');
    expect(m.initial_child_protection_conference!.timing).toBe('from 24+0 weeks to 30+0 weeks');
    // Opened after 16 weeks: the referral is already overdue, counted in London days.
    expect(m.referral_to_social_care!.state).toBe('overdue');
    expect(m.referral_to_social_care!.overdueDays).toBe(47);
    expect(m.pre_birth_assessment_started!.state).toBe('waiting');
    expect(m.pre_birth_assessment_started!.waitingFor).toBe('Referral to children’s social care');
    expect(m.discharge_planning_meeting!.waitingFor).toBe('the birth');
  });

  it('counts working days over the Christmas 2026 bank holidays', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    // Friday 18 December: 10 working days skip Christmas Day (Fri 25) and the Boxing Day substitute (Mon 28),
    // and New Year's Day (Fri 1 Jan), so the assessment is due by the end of Wednesday 6 January 2027.
    await completeMilestone(
      db(),
      midwife,
      kase.id,
      'referral_to_social_care',
      { completedAt: '2026-12-18T11:00:00Z', note: 'Referred by phone' },
      new Date('2026-12-20T09:00:00Z'),
    );
    const before = await byKey(kase.id, new Date('2026-12-20T09:00:00Z'));
    expect(before.pre_birth_assessment_started!.dueAt?.toISOString()).toBe('2027-01-06T23:59:59.999Z');
    expect(before.pre_birth_assessment_started!.state).toBe('upcoming');
    expect(before.referral_to_social_care!.state).toBe('done_late');
    expect(before.referral_to_social_care!.overdueDays).toBe(64);
    expect(before.referral_to_social_care!.record?.note).toBe('Referred by phone');
    const after = await byKey(kase.id, new Date('2027-01-07T09:00:00Z'));
    expect(after.pre_birth_assessment_started!.state).toBe('overdue');
    expect(after.pre_birth_assessment_started!.overdueDays).toBe(1);
  });
});

describe('recording milestones', () => {
  it('records done, refuses a second record, undoes with the history kept, and records not applicable', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    const now = new Date('2026-12-15T12:00:00Z');
    await completeMilestone(db(), midwife, kase.id, 'strategy_discussion', { completedAt: '2026-12-14' }, now);
    let m = await byKey(kase.id, now);
    // A date without a time counts from 00:00 in England.
    expect(m.strategy_discussion!.completedAt?.toISOString()).toBe('2026-12-14T00:00:00.000Z');
    expect(m.strategy_discussion!.state).toBe('done');

    await expect(completeMilestone(db(), midwife, kase.id, 'strategy_discussion', { completedAt: '2026-12-15' }, now)).rejects.toThrow(ValidationError);

    await expect(undoMilestone(db(), midwife, kase.id, 'strategy_discussion', '  ', now)).rejects.toMatchObject({
      fieldErrors: { reason: expect.stringContaining('Enter why') },
    });
    await undoMilestone(db(), midwife, kase.id, 'strategy_discussion', 'Recorded on the wrong case', now);
    m = await byKey(kase.id, now);
    expect(m.strategy_discussion!.state).toBe('upcoming');
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, kase.id), eq(auditEvents.action, 'case.milestone.undo')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.reason).toBe('Recorded on the wrong case');
    expect((audit[0]!.detail as { was: { completedAt: string } }).was.completedAt).toBe('2026-12-14T00:00:00.000Z');
    const events = await db()
      .select({ summary: caseEvents.summary })
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, kase.id), eq(caseEvents.kind, 'milestone_completed')));
    expect(events.map((e) => e.summary)).toEqual(
      expect.arrayContaining([
        'Milestone done: Strategy discussion held',
        expect.stringMatching(/^Milestone record undone: Strategy discussion held .*Recorded on the wrong case$/),
      ]),
    );

    await markNotApplicable(db(), midwife, kase.id, 'initial_child_protection_conference', 'Strategy discussion: threshold for conference not met', now);
    m = await byKey(kase.id, now);
    expect(m.initial_child_protection_conference!.state).toBe('not_applicable');
    expect(m.initial_child_protection_conference!.notApplicableReason).toBe('Strategy discussion: threshold for conference not met');
  });

  it('refuses bad input and changes nothing', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    const now = new Date('2026-12-15T12:00:00Z');
    const attempt = (raw: unknown) => completeMilestone(db(), midwife, kase.id, 'strategy_discussion', raw, now);
    await expect(attempt({ completedAt: '2026-12-16T09:00:00Z' })).rejects.toMatchObject({
      fieldErrors: { completedAt: 'The date it was done cannot be in the future' },
    });
    await expect(attempt({ completedAt: '2025-11-01' })).rejects.toMatchObject({
      fieldErrors: { completedAt: 'The date it was done must be no more than a year before the case was opened' },
    });
    await expect(attempt({ completedAt: '2026-02-30' })).rejects.toMatchObject({ fieldErrors: { completedAt: expect.stringContaining('real date') } });
    await expect(attempt({})).rejects.toMatchObject({ fieldErrors: { completedAt: 'Enter the date it was done' } });
    await expect(markNotApplicable(db(), midwife, kase.id, 'strategy_discussion', '', now)).rejects.toThrow(ValidationError);
    await expect(completeMilestone(db(), midwife, kase.id, 'no_such_milestone', { completedAt: '2026-12-14' }, now)).rejects.toThrow('Milestone not found');
    expect(await db().select().from(milestoneRows).where(eq(milestoneRows.caseId, kase.id))).toHaveLength(0);
  });

  it('lets only the agencies on the case record', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    await expect(
      completeMilestone(db(), socialWorker, kase.id, 'strategy_discussion', { completedAt: '2026-12-14' }, new Date('2026-12-15T12:00:00Z')),
    ).rejects.toThrow(ForbiddenError);
    await expect(caseMilestones(db(), socialWorker, kase.id)).rejects.toThrow(ForbiddenError);
  });
});

describe('reminders of overdue milestones', () => {
  it('queues one email per milestone and due date, to the named professionals and the safeguarding team, without her name', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    await addProfessional(db(), midwife, kase.id, {
      role: 'midwife',
      name: 'Ann Midwife',
      organisationName: 'Community midwives',
      email: 'ann.midwife@nhs.example',
    });
    await addProfessional(db(), midwife, kase.id, {
      role: 'social_worker',
      name: 'Sam Social',
      organisationName: 'Southampton CSC',
      email: 'sam.social@council.example',
    });
    await addProfessional(db(), midwife, kase.id, { role: 'gp', name: 'Dr Gee', organisationName: 'Surgery', email: 'gp@nhs.example' });
    const now = new Date('2026-12-02T09:00:00Z');
    await remindOverdueMilestones(db(), now);
    const key = `milestone-overdue:${kase.id}:referral_to_social_care:2026-10-15T22:59:59.999Z`;
    const queued = await db()
      .select()
      .from(jobs)
      .where(like(jobs.idempotencyKey, `milestone-overdue:${kase.id}:%`));
    expect(queued.map((j) => j.idempotencyKey)).toEqual([key]);
    expect(queued[0]!.type).toBe(MILESTONE_OVERDUE_EMAIL_JOB);

    // The next hourly run finds the same overdue milestone and queues nothing more.
    await remindOverdueMilestones(db(), new Date('2026-12-02T10:00:00Z'));
    expect(
      await db()
        .select()
        .from(jobs)
        .where(like(jobs.idempotencyKey, `milestone-overdue:${kase.id}:%`)),
    ).toHaveLength(1);

    const mailer = memoryMailer();
    const sent = await emailOverdueMilestone(db(), mailer, PUBLIC_URL, queued[0]!.payload as { caseId: string; key: string; dueAt: string }, now);
    const team = await safeguardingMailboxes(db(), midwife.actor.organisationId);
    expect(team.length).toBeGreaterThan(0);
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['ann.midwife@nhs.example', 'sam.social@council.example', ...team].sort());
    expect(sent).toBe(mailer.sent.length);
    for (const mail of mailer.sent) {
      expect(mail.subject).toContain(kase.reference);
      expect(mail.text).toContain('Referral to children’s social care');
      expect(mail.text).toContain(`${PUBLIC_URL}/cases/${kase.id}/milestones`);
      for (const personal of [SUBJECT.given, SUBJECT.family, SUBJECT.nhsNumber, SUBJECT.dateOfBirth]) {
        expect(`${mail.subject}\n${mail.text}`).not.toContain(personal);
      }
    }

    // Done since it was queued: the email is not sent.
    mailer.clear();
    await completeMilestone(db(), midwife, kase.id, 'referral_to_social_care', { completedAt: '2026-12-02T08:00:00Z' }, now);
    expect(await emailOverdueMilestone(db(), mailer, PUBLIC_URL, queued[0]!.payload as { caseId: string; key: string; dueAt: string }, now)).toBe(0);
    expect(mailer.sent).toHaveLength(0);
  });

  it('does not remind about closed cases', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    await closeCase(db(), midwife, kase.id, { reason: 'opened_in_error', note: 'Duplicate' });
    await remindOverdueMilestones(db(), new Date('2026-12-02T09:00:00Z'));
    expect(
      await db()
        .select()
        .from(jobs)
        .where(like(jobs.idempotencyKey, `milestone-overdue:${kase.id}:%`)),
    ).toHaveLength(0);
  });

  it('counts the cases with an overdue step for the menu from each case’s stored next due time', async () => {
    const now = new Date('2026-12-02T09:00:00Z');
    const before = await overdueCasesCount(db(), midwife, now);
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    // Opened after 16 weeks: its referral is already overdue, so it counts at once.
    expect(await overdueCasesCount(db(), midwife, now)).toBe(before + 1);
    const others = await overdueCasesCount(db(), socialWorker, now);
    await completeMilestone(db(), midwife, kase.id, 'referral_to_social_care', { completedAt: '2026-12-01T11:00:00Z' }, now);
    // The next step (the assessment, 10 working days on) is not due yet.
    expect(await overdueCasesCount(db(), midwife, now)).toBe(before);
    expect(await overdueCasesCount(db(), midwife, new Date('2027-01-20T09:00:00Z'))).toBeGreaterThan(before);
    // Someone who cannot list the case never counts it.
    expect(await overdueCasesCount(db(), socialWorker, now)).toBe(others);
    // The hourly job keeps the stored time true when it has drifted.
    await db().update(cases).set({ nextDueAt: null }).where(eq(cases.id, kase.id));
    expect(await refreshNextDue(db(), [kase.id], now)).toBe(1);
    expect(await refreshNextDue(db(), [kase.id], now)).toBe(0);
  });

  it('lists overdue milestones across the organisation’s open cases', async () => {
    const kase = await openTestCase(db(), midwife, { edd: EDD }, OPENED);
    const rows = await overdueAcrossCases(db(), midwife, new Date('2026-12-02T09:00:00Z'));
    const mine = rows.filter((r) => r.caseId === kase.id);
    expect(mine.map((r) => r.key)).toEqual(['referral_to_social_care']);
    expect(mine[0]).toMatchObject({ reference: kase.reference, overdueDays: 48 });
    expect((await overdueAcrossCases(db(), socialWorker, new Date('2026-12-02T09:00:00Z'))).some((r) => r.caseId === kase.id)).toBe(false);
  });
});
