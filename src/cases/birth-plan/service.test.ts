import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/db';
import { memoryMailer, PUBLIC_URL, SUBJECT } from '../../../test/support/alerts';
import { type CaseContext, caseContexts, openSeededDatabase, openTestCase } from '../../../test/support/cases';
import { jobs } from '../../platform/jobs/schema';
import { ValidationError } from '../../platform/errors';
import { addProfessional } from '../service';
import { birthPlanDistributions, birthPlanVersions, caseEvents } from '../schema';
import { caseMilestones } from '../milestones/service';
import { DISTRIBUTION_OVERDUE_EMAIL_JOB, emailOverdueDistribution, remindOverdueMilestones } from '../milestones/reminders';
import { DEFAULT_PROTOCOL } from '../protocol';
import { distributionDeadlines, getBirthPlan, recordSent, saveBirthPlan } from './service';
import { changedFields } from './model';

let database: TestDatabase;
const db = () => database.db;
let midwife: CaseContext;

beforeAll(async () => {
  database = await openSeededDatabase();
  ({ midwife } = await caseContexts(db()));
});
afterAll(async () => {
  await database?.close();
});

const OPENED = new Date('2026-12-01T10:00:00Z');
// Agreed on Wednesday 23 December 2026 at 14:00.
const AGREED = '2026-12-23T14:00:00.000Z';
const NOW = new Date('2026-12-24T09:00:00Z');

const content = (over: Record<string, unknown> = {}) => ({
  birthPartners: [{ name: 'Jo Partner', relationship: 'Sister' }, {}],
  excludedPeople: [{ name: 'Dale Excluded', relationship: 'Ex-partner', reason: 'Injunction: threatened staff', description: 'Tall, shaved head' }],
  notifyInHours: { name: 'Sam Social', role: 'Allocated social worker', phone: '023 8083 3336' },
  notifyOutOfHours: { name: 'Emergency duty team', phone: '023 8023 3344' },
  babyMayLeaveUnit: 'no',
  contingencyPreterm: 'Labour ward coordinator phones the emergency duty team at once.',
  contingencyMissing: 'Tell the police and children’s social care; raise a high-risk alert.',
  ...over,
});
const plan = (over: Record<string, unknown> = {}) => ({
  content: content(),
  agreedAt: AGREED,
  agreedAtMeeting: 'Initial child protection conference',
  parentsName: 'Ms Q and Mr R',
  additionalRecipients: [
    { recipient: 'health_visitor', name: 'Hal Visitor' },
    { recipient: '', name: '' },
  ],
  ...over,
});

async function newCase() {
  const kase = await openTestCase(db(), midwife, { edd: '2027-04-01' }, OPENED);
  await addProfessional(db(), midwife, kase.id, {
    role: 'midwife',
    name: 'Ann Midwife',
    organisationName: 'Community midwives',
    email: 'ann.midwife@nhs.example',
  });
  return kase;
}

const milestones = async (caseId: string, now = NOW) =>
  Object.fromEntries((await caseMilestones(db(), midwife, caseId, now)).milestones.map((m) => [m.key, m]));

describe('deadlines from the protocol', () => {
  it('reads the time limits of the milestones counted from agreeing the plan, or falls back', () => {
    expect(distributionDeadlines(DEFAULT_PROTOCOL)).toEqual({ named_midwife: { hours: 48 }, parents: { workingDays: 3 }, other: { workingDays: 3 } });
    const changed = structuredClone(DEFAULT_PROTOCOL);
    const m = changed.milestones.find((x) => x.key === 'birth_plan_sent_named_midwife')!;
    m.due = { from: 'milestone', key: 'birth_plan_agreed', after: { hours: 24 } };
    changed.milestones = changed.milestones.filter((x) => x.key !== 'birth_plan_sent_parents');
    expect(distributionDeadlines(changed)).toEqual({ named_midwife: { hours: 24 }, parents: { workingDays: 3 }, other: { workingDays: 3 } });
  });
});

describe('birth plan versions and distribution', () => {
  it('saves version 1 with due times of 48 hours and 3 working days over Christmas, and completes the milestone', async () => {
    const kase = await newCase();
    expect(await saveBirthPlan(db(), midwife, kase.id, plan(), NOW)).toEqual({ version: 1 });
    const p = await getBirthPlan(db(), midwife, kase.id, NOW);
    expect(p.current?.content.birthPartners).toEqual([{ name: 'Jo Partner', relationship: 'Sister' }]);
    const due = Object.fromEntries(p.distribution.map((d) => [d.recipient, d]));
    expect(due.named_midwife!.recipientName).toBe('Ann Midwife');
    expect(due.named_midwife!.dueAt.toISOString()).toBe('2026-12-25T14:00:00.000Z');
    // Thursday 24 is day 1; Christmas Day, the weekend and the Boxing Day substitute are skipped: Tue 29, Wed 30.
    expect(due.parents!.dueAt.toISOString()).toBe('2026-12-30T23:59:59.999Z');
    expect(due.health_visitor!.dueAt.toISOString()).toBe('2026-12-30T23:59:59.999Z');
    expect(p.distribution).toHaveLength(3);
    const m = await milestones(kase.id);
    expect(m.birth_plan_agreed!.completedAt?.toISOString()).toBe(AGREED);
    expect(m.birth_plan_sent_named_midwife!.dueAt?.toISOString()).toBe('2026-12-25T14:00:00.000Z');
    const events = await db().select().from(caseEvents).where(eq(caseEvents.caseId, kase.id));
    expect(events.some((e) => e.kind === 'birth_plan' && e.summary.startsWith('Birth plan agreed at Initial child protection conference'))).toBe(true);
  });

  it('records sending, which completes the milestone for the first version only', async () => {
    const kase = await newCase();
    await saveBirthPlan(db(), midwife, kase.id, plan(), NOW);
    let p = await getBirthPlan(db(), midwife, kase.id, NOW);
    const midwifeRow = p.distribution.find((d) => d.recipient === 'named_midwife')!;
    await expect(recordSent(db(), midwife, kase.id, midwifeRow.id, { sentAt: '2026-12-23T13:00:00Z', method: 'secure_email' }, NOW)).rejects.toMatchObject({
      fieldErrors: { sentAt: 'The plan cannot have been sent before it was agreed' },
    });
    await expect(recordSent(db(), midwife, kase.id, midwifeRow.id, { sentAt: '2026-12-24T08:00:00Z', method: 'pigeon' }, NOW)).rejects.toMatchObject({
      fieldErrors: { method: 'Choose how it was sent' },
    });
    await recordSent(db(), midwife, kase.id, midwifeRow.id, { sentAt: '2026-12-24T08:00:00Z', method: 'secure_email' }, NOW);
    await expect(recordSent(db(), midwife, kase.id, midwifeRow.id, { sentAt: '2026-12-24T08:00:00Z', method: 'email' }, NOW)).rejects.toThrow(ValidationError);
    let m = await milestones(kase.id);
    expect(m.birth_plan_sent_named_midwife!.state).toBe('done');
    expect(m.birth_plan_sent_named_midwife!.completedAt?.toISOString()).toBe('2026-12-24T08:00:00.000Z');

    // Version 2 must say why; the milestone for agreeing keeps version 1's date.
    const later = new Date('2027-01-05T12:00:00Z');
    await expect(saveBirthPlan(db(), midwife, kase.id, plan({ agreedAt: '2027-01-05T10:00:00Z' }), later)).rejects.toMatchObject({
      fieldErrors: { changeReason: 'Enter what has changed and why' },
    });
    await saveBirthPlan(
      db(),
      midwife,
      kase.id,
      plan({
        agreedAt: '2027-01-05T10:00:00Z',
        changeReason: 'Grandmother added as birth partner',
        content: content({
          birthPartners: [
            { name: 'Jo Partner', relationship: 'Sister' },
            { name: 'Gran', relationship: 'Mother' },
          ],
        }),
      }),
      later,
    );
    p = await getBirthPlan(db(), midwife, kase.id, later);
    expect(p.current?.version).toBe(2);
    expect(p.history.map((v) => v.version)).toEqual([2, 1]);
    expect(p.history[0]!.changed).toEqual(['Birth partners']);
    const parents2 = p.distribution.find((d) => d.version === 2 && d.recipient === 'parents')!;
    const parents1 = p.distribution.find((d) => d.version === 1 && d.recipient === 'parents')!;
    expect(parents1.state).toBe('superseded');
    await recordSent(db(), midwife, kase.id, parents2.id, { sentAt: '2027-01-05T11:00:00Z', method: 'post' }, later);
    m = await milestones(kase.id, later);
    expect(m.birth_plan_agreed!.completedAt?.toISOString()).toBe(AGREED);
    expect(m.birth_plan_sent_parents!.state).toBe('overdue');
  });

  it('refuses bad input and changes nothing', async () => {
    const kase = await newCase();
    const attempt = (raw: unknown) => saveBirthPlan(db(), midwife, kase.id, raw, NOW);
    await expect(attempt(plan({ agreedAt: '2026-12-25T09:00:00Z' }))).rejects.toMatchObject({
      fieldErrors: { agreedAt: 'The date the plan was agreed cannot be in the future' },
    });
    await expect(attempt(plan({ agreedAt: '2025-12-01T09:00:00Z' }))).rejects.toMatchObject({
      fieldErrors: { agreedAt: 'The date the plan was agreed must be within the last year' },
    });
    await expect(attempt(plan({ content: content({ babyMayLeaveUnit: 'only_with' }) }))).rejects.toMatchObject({
      fieldErrors: { 'content.onlyWith': 'Enter with whom the baby may leave the unit' },
    });
    await expect(attempt(plan({ content: content({ excludedPeople: [{}, { name: 'Dale' }] }) }))).rejects.toMatchObject({
      fieldErrors: { 'content.excludedPeople.1.reason': 'Enter why this person must not be in the unit' },
    });
    await expect(attempt(plan({ content: content({ notifyOutOfHours: { name: 'EDT', phone: 'ring them' } }) }))).rejects.toMatchObject({
      fieldErrors: { 'content.notifyOutOfHours.phone': expect.stringContaining('Enter a phone number') },
    });
    await expect(attempt(plan({ content: content({ contingencyMissing: ' ' }) }))).rejects.toMatchObject({
      fieldErrors: { 'content.contingencyMissing': 'Enter what to do if the family goes missing' },
    });
    await expect(attempt(plan({ parentsName: '' }))).rejects.toThrow(ValidationError);
    expect(await db().select().from(birthPlanVersions).where(eq(birthPlanVersions.caseId, kase.id))).toHaveLength(0);
    expect(await db().select().from(birthPlanDistributions).where(eq(birthPlanDistributions.caseId, kase.id))).toHaveLength(0);
    expect((await milestones(kase.id)).birth_plan_agreed!.completedAt).toBeNull();
  });

  it('needs the named midwife’s name when the case has none', async () => {
    const kase = await openTestCase(db(), midwife, { edd: '2027-04-01' }, OPENED);
    await expect(saveBirthPlan(db(), midwife, kase.id, plan(), NOW)).rejects.toMatchObject({
      fieldErrors: { namedMidwifeName: expect.stringContaining('no named midwife') },
    });
    await saveBirthPlan(db(), midwife, kase.id, plan({ namedMidwifeName: 'Nia Named' }), NOW);
    const p = await getBirthPlan(db(), midwife, kase.id, NOW);
    expect(p.distribution.find((d) => d.recipient === 'named_midwife')?.recipientName).toBe('Nia Named');
  });

  it('reminds about overdue distributions of the current version, once, without names', async () => {
    const kase = await newCase();
    await saveBirthPlan(db(), midwife, kase.id, plan(), NOW);
    await remindOverdueMilestones(db(), new Date('2026-12-26T09:00:00Z'));
    const queued = await db().select().from(jobs).where(like(jobs.idempotencyKey, 'bp-overdue:%'));
    const p = await getBirthPlan(db(), midwife, kase.id, NOW);
    const midwifeRow = p.distribution.find((d) => d.recipient === 'named_midwife')!;
    const mine = queued.filter((j) => (j.payload as { distributionId: string }).distributionId === midwifeRow.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.type).toBe(DISTRIBUTION_OVERDUE_EMAIL_JOB);
    expect(mine[0]!.idempotencyKey).toBe(`bp-overdue:${midwifeRow.id}`);
    // Parents not overdue until the end of 30 December.
    expect(queued.some((j) => (j.payload as { distributionId: string }).distributionId === p.distribution.find((d) => d.recipient === 'parents')!.id)).toBe(
      false,
    );
    await remindOverdueMilestones(db(), new Date('2026-12-26T10:00:00Z'));
    expect(
      await db()
        .select()
        .from(jobs)
        .where(eq(jobs.idempotencyKey, `bp-overdue:${midwifeRow.id}`)),
    ).toHaveLength(1);

    const mailer = memoryMailer();
    await emailOverdueDistribution(db(), mailer, PUBLIC_URL, { distributionId: midwifeRow.id });
    expect(mailer.sent.map((m) => m.to)).toContain('ann.midwife@nhs.example');
    for (const mail of mailer.sent) {
      expect(mail.subject).toBe(`[Beacon] Case ${kase.reference}: birth plan not yet sent to the named midwife`);
      for (const personal of [SUBJECT.given, SUBJECT.family, 'Ann Midwife', 'Ms Q']) expect(`${mail.subject}\n${mail.text}`).not.toContain(personal);
    }
  });
});

describe('differences between versions', () => {
  it('ignores key order and blank optional fields', () => {
    const a = { notifyInHours: { name: 'A', role: 'B', phone: '1' }, otherArrangements: null };
    const b = { notifyInHours: { phone: '1', role: 'B', name: 'A' } };
    expect(changedFields(a as never, b as never)).toEqual([]);
    expect(changedFields(a as never, { ...b, contingencyPreterm: 'x' } as never)).toEqual(['If the baby is born early']);
  });
});
