import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, type IsoDate } from '../platform/dates';
import { ValidationError } from '../platform/errors';
import {
  CASE_CLASSIFICATIONS,
  CLASSIFICATION_LABELS,
  computeMilestones,
  DEFAULT_PROTOCOL,
  MILESTONE_STATE_LABELS,
  MILESTONE_STATES,
  type MilestoneCase,
  type MilestoneCompletion,
  type MilestoneDefinition,
  type MilestoneStatus,
  overdueMilestones,
  type ProtocolDefinition,
  parseProtocol,
  protocolDefinitionSchema,
} from './protocol';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS, endOfLondonDay, WorkingCalendar } from '../platform/working-days';

const calendar = new WorkingCalendar(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date));

/** Due 4 September 2026: 0+0 was 28 November 2025, 16+0 is 20 March 2026 (GMT), 28+0 is 12 June 2026 (BST). */
const EDD: IsoDate = '2026-09-04';
const gestationDate = (weeks: number, days = 0) => addDays(EDD, weeks * 7 + days - 280);
const endOfGestationDay = (weeks: number, days = 0) => endOfLondonDay(gestationDate(weeks, days));

const kase = (over: Partial<MilestoneCase> = {}): MilestoneCase => ({
  classification: 'unborn_baby_protocol',
  edd: EDD,
  openedAt: new Date('2026-02-02T10:00:00Z'),
  bornAt: null,
  ...over,
});

const done = (iso: string): MilestoneCompletion => ({ completedAt: new Date(iso) });
const notNeeded = (reason: string): MilestoneCompletion => ({ notApplicable: true, reason });

function run(def: ProtocolDefinition, now: string | Date, completions: Record<string, MilestoneCompletion> = {}, over: Partial<MilestoneCase> = {}) {
  return computeMilestones(def, kase(over), new Map(Object.entries(completions)), calendar, typeof now === 'string' ? new Date(now) : now);
}
const byKey = (statuses: readonly MilestoneStatus[]) => Object.fromEntries(statuses.map((s) => [s.key, s]));

const protocol = (milestones: MilestoneDefinition[]): ProtocolDefinition => ({ name: 'Test', lateBookingWeeks: 20, milestones });

function problems(input: unknown): Record<string, string> {
  try {
    parseProtocol(input);
  } catch (e) {
    if (e instanceof ValidationError) return e.fieldErrors;
    throw e;
  }
  throw new Error('expected a validation error');
}

const milestone = (key: string, due: unknown, extra: Record<string, unknown> = {}) => ({ key, label: `Label ${key}`, due, ...extra });
const gestation = (weeks: number, days = 0) => ({ from: 'gestation', weeks, days });
const fromMilestone = (key: string, after: unknown = { days: 1 }) => ({ from: 'milestone', key, after });

describe('labels', () => {
  it('has a label for every classification and state', () => {
    for (const c of CASE_CLASSIFICATIONS) expect(CLASSIFICATION_LABELS[c]).toBeTruthy();
    for (const s of MILESTONE_STATES) expect(MILESTONE_STATE_LABELS[s]).toBeTruthy();
    expect(CLASSIFICATION_LABELS.unborn_baby_protocol).toBe('Unborn baby protocol referral');
    expect(MILESTONE_STATE_LABELS.done_late).toBe('Done late');
  });
});

describe('protocolDefinitionSchema', () => {
  it('accepts the default protocol unchanged', () => {
    expect(parseProtocol(DEFAULT_PROTOCOL)).toEqual(DEFAULT_PROTOCOL);
    expect(protocolDefinitionSchema.safeParse(JSON.parse(JSON.stringify(DEFAULT_PROTOCOL))).success).toBe(true);
  });

  it('fills in defaults and tidies optional fields', () => {
    const parsed = parseProtocol({
      name: '  Local protocol ',
      description: '',
      milestones: [
        milestone('referral', { from: 'gestation', weeks: 16 }, { guidance: '   ', appliesTo: ['concealed', 'concealed'], notBefore: null, completedBy: null }),
      ],
    });
    expect(parsed.name).toBe('Local protocol');
    expect(parsed.description).toBeUndefined();
    expect(parsed.lateBookingWeeks).toBe(20);
    const m = parsed.milestones[0] as MilestoneDefinition;
    expect(m.due).toEqual({ from: 'gestation', weeks: 16, days: 0 });
    expect(m.guidance).toBeUndefined();
    expect(m.appliesTo).toEqual(['concealed']);
    expect(m.notBefore).toBeUndefined();
    expect(m.completedBy).toBeUndefined();
  });

  it('keeps every kind of due rule, with its time limit tidied', () => {
    const parsed = parseProtocol({
      name: 'All rules',
      lateBookingWeeks: 12,
      milestones: [
        milestone('aa', gestation(44, 6)),
        milestone('bb', fromMilestone('aa', { hours: 48, days: null })),
        milestone('cc', { from: 'case_opened', after: { workingDays: 10 } }),
        milestone('dd', { from: 'birth', after: { days: 1 } }, { notBefore: { from: 'birth', after: { hours: 12 } } }),
      ],
    });
    expect(parsed.milestones.map((m) => m.due)).toEqual([
      { from: 'gestation', weeks: 44, days: 6 },
      { from: 'milestone', key: 'aa', after: { hours: 48 } },
      { from: 'case_opened', after: { workingDays: 10 } },
      { from: 'birth', after: { days: 1 } },
    ]);
  });

  it('explains problems with the protocol itself', () => {
    expect(problems(null)).toEqual({ form: 'Enter the protocol' });
    expect(problems({ milestones: [] })).toEqual({ name: 'Enter a name for the protocol', milestones: 'Add at least one milestone' });
    expect(problems({ name: 'x'.repeat(121), milestones: 'none' })).toEqual({
      name: 'The name of the protocol must be 120 characters or fewer',
      milestones: 'Add at least one milestone',
    });
    expect(problems({ name: 'P', lateBookingWeeks: 11, milestones: [milestone('aa', gestation(16))] })).toEqual({
      lateBookingWeeks: 'Late booking must be a whole number of weeks from 12 to 30',
    });
    expect(problems({ name: 'P', lateBookingWeeks: 20.5, milestones: [milestone('aa', gestation(16))] })).toEqual({
      lateBookingWeeks: 'Late booking must be a whole number of weeks from 12 to 30',
    });
    const many = Array.from({ length: 41 }, (_, i) => milestone(`m${i}`, gestation(16)));
    expect(problems({ name: 'P', milestones: many })).toEqual({ milestones: 'A protocol can have up to 40 milestones' });
  });

  it('explains problems with a milestone, by its field', () => {
    expect(
      problems({
        name: 'P',
        milestones: [
          { key: 'Referral', label: '', due: { from: 'yesterday' } },
          { key: 'x', label: 'L'.repeat(121), guidance: 'g'.repeat(501), due: gestation(45, 7), appliesTo: ['unknown'], completedBy: 'magic' },
          { key: 'ok_key', label: 'OK', due: { from: 'birth', after: { weeks: 1 } }, appliesTo: [] },
          { key: 'ok_two', label: 'OK', due: { from: 'milestone', key: '', after: { hours: 0 } } },
          'not a milestone',
        ],
      }),
    ).toEqual({
      'milestones.0.key': 'The key must start with a lower-case letter and use only lower-case letters, numbers and underscores (2 to 50 characters)',
      'milestones.0.label': 'Enter the name of the milestone',
      'milestones.0.due.from': 'Choose what the date is counted from: weeks of pregnancy, another milestone, the case being opened or the birth',
      'milestones.1.key': 'The key must start with a lower-case letter and use only lower-case letters, numbers and underscores (2 to 50 characters)',
      'milestones.1.label': 'The name of the milestone must be 120 characters or fewer',
      'milestones.1.guidance': 'Guidance must be 500 characters or fewer',
      'milestones.1.due.weeks': 'Weeks of pregnancy must be a whole number from 0 to 44',
      'milestones.1.due.days': 'Days must be a whole number from 0 to 6',
      'milestones.1.appliesTo.0': 'Choose a type of case from the list',
      'milestones.1.completedBy': 'Choose what completes this milestone from the list',
      'milestones.2.due.after': 'Enter a time limit in hours, days or working days',
      'milestones.2.appliesTo': 'Choose at least one type of case, or leave this out so it applies to every case',
      'milestones.3.due.key': 'Choose the milestone it is counted from',
      'milestones.3.due.after.hours': 'The number of hours must be 1 or more',
      'milestones.4': 'Enter the milestone',
    });
  });

  it('refuses a key used twice', () => {
    expect(problems({ name: 'P', milestones: [milestone('referral', gestation(16)), milestone('referral', gestation(20))] })).toEqual({
      'milestones.1.key': 'The key “referral” is already used by “Label referral”: each milestone needs its own key',
    });
  });

  it('refuses counting from a milestone that does not exist, or from itself', () => {
    expect(problems({ name: 'P', milestones: [milestone('referral', fromMilestone('refferal'))] })).toEqual({
      'milestones.0.due.key': 'There is no milestone with the key “refferal” in this protocol',
    });
    expect(problems({ name: 'P', milestones: [milestone('referral', gestation(16), { notBefore: fromMilestone('referral') })] })).toEqual({
      'milestones.0.notBefore.key': 'A milestone cannot be counted from itself: choose a different milestone',
    });
  });

  it('refuses milestones counted from each other in a loop, naming them', () => {
    expect(
      problems({ name: 'P', milestones: [milestone('start', gestation(10)), milestone('aa', fromMilestone('bb')), milestone('bb', fromMilestone('aa'))] }),
    ).toEqual({
      'milestones.1.due.key':
        'These milestones are counted from each other in a loop, so none of them could ever fall due: “Label aa” → “Label bb” → “Label aa”',
    });
    // A longer loop, closed through a "not before" rule, reported once at its first milestone.
    expect(
      problems({
        name: 'P',
        milestones: [
          milestone('cc', fromMilestone('aa')),
          milestone('aa', fromMilestone('bb')),
          milestone('bb', gestation(20), { notBefore: fromMilestone('cc') }),
        ],
      }),
    ).toEqual({
      'milestones.0.due.key':
        'These milestones are counted from each other in a loop, so none of them could ever fall due: “Label cc” → “Label aa” → “Label bb” → “Label cc”',
    });
  });

  it('reports separate loops separately', () => {
    const result = problems({
      name: 'P',
      milestones: [
        milestone('aa', fromMilestone('bb')),
        milestone('bb', fromMilestone('aa')),
        milestone('cc', fromMilestone('dd')),
        milestone('dd', fromMilestone('cc')),
      ],
    });
    expect(Object.keys(result)).toEqual(['milestones.0.due.key', 'milestones.2.due.key']);
  });

  it('accepts a milestone counted from a later one, when there is no loop', () => {
    expect(() => parseProtocol({ name: 'P', milestones: [milestone('aa', fromMilestone('bb')), milestone('bb', gestation(16))] })).not.toThrow();
  });

  it('refuses an earliest date after the due date when both are weeks of pregnancy', () => {
    expect(problems({ name: 'P', milestones: [milestone('icpc', gestation(28), { notBefore: gestation(30) })] })).toEqual({
      'milestones.0.notBefore': 'The earliest date must not be after the due date: 30+0 is after 28+0',
    });
    expect(problems({ name: 'P', milestones: [milestone('icpc', gestation(28, 2), { notBefore: gestation(28, 3) })] })).toEqual({
      'milestones.0.notBefore': 'The earliest date must not be after the due date: 28+3 is after 28+2',
    });
    expect(() => parseProtocol({ name: 'P', milestones: [milestone('icpc', gestation(28), { notBefore: gestation(28) })] })).not.toThrow();
  });

  it('still checks between milestones when a number is not whole', () => {
    expect(problems({ name: 'P', milestones: [milestone('aa', gestation(16.5)), milestone('aa', fromMilestone('bb', { days: 1.5 }))] })).toEqual({
      'milestones.0.due.weeks': 'Weeks of pregnancy must be a whole number from 0 to 44',
      'milestones.1.due.after.days': 'The number of days must be a whole number',
      'milestones.1.key': 'The key “aa” is already used by “Label aa”: each milestone needs its own key',
      'milestones.1.due.key': 'There is no milestone with the key “bb” in this protocol',
    });
  });

  it('lists field problems and problems between milestones together', () => {
    expect(problems({ name: '', milestones: [milestone('aa', fromMilestone('zz')), { key: 'aa', label: '', due: gestation(16) }] })).toEqual({
      name: 'Enter a name for the protocol',
      'milestones.1.label': 'Enter the name of the milestone',
      'milestones.1.key': 'The key “aa” is already used by “Label aa”: each milestone needs its own key',
      'milestones.0.due.key': 'There is no milestone with the key “zz” in this protocol',
    });
  });
});

describe('computeMilestones with the default protocol', () => {
  it('at 10 weeks with nothing done, shows what is coming and what waits for what', () => {
    const s = byKey(run(DEFAULT_PROTOCOL, endOfGestationDay(10)));
    expect(s.referral_to_social_care).toMatchObject({ state: 'upcoming', dueAt: new Date('2026-03-20T23:59:59.999Z'), overdueDays: 0, waitingFor: null });
    expect(s.pre_birth_assessment_started).toMatchObject({ state: 'waiting', dueAt: null, waitingFor: 'Referral to children’s social care' });
    expect(s.strategy_discussion).toMatchObject({ state: 'upcoming', dueAt: new Date('2026-06-12T22:59:59.999Z') });
    expect(s.initial_child_protection_conference).toMatchObject({
      state: 'upcoming',
      notBefore: new Date('2026-05-14T23:00:00.000Z'), // start of 15 May 2026 (24+0) in summer time
      dueAt: endOfGestationDay(30),
    });
    expect(s.birth_plan_sent_named_midwife).toMatchObject({ state: 'waiting', waitingFor: 'Birth plan agreed' });
    expect(s.birth_plan_sent_parents).toMatchObject({ state: 'waiting', waitingFor: 'Birth plan agreed' });
    expect(s.discharge_planning_meeting).toMatchObject({ state: 'waiting', waitingFor: 'the birth' });
  });

  it('returns milestones in protocol order with their guidance', () => {
    const statuses = run(DEFAULT_PROTOCOL, '2026-03-01T12:00:00Z');
    expect(statuses.map((s) => s.key)).toEqual(DEFAULT_PROTOCOL.milestones.map((m) => m.key));
    expect(statuses[0]?.guidance).toBe('Refer as soon as concerns are identified, and by 16 weeks of pregnancy at the latest.');
    expect('guidance' in (statuses[3] as MilestoneStatus)).toBe(false);
  });

  it('without a due date, every pregnancy milestone waits for one', () => {
    const s = byKey(run(DEFAULT_PROTOCOL, '2026-03-01T12:00:00Z', {}, { edd: null }));
    for (const key of [
      'referral_to_social_care',
      'strategy_discussion',
      'pre_birth_assessment_completed',
      'initial_child_protection_conference',
      'birth_plan_agreed',
    ]) {
      expect(s[key]).toMatchObject({ state: 'waiting', waitingFor: 'a due date', dueAt: null });
    }
    expect(s.initial_child_protection_conference?.notBefore).toBeNull();
  });

  it('counts the pre-birth assessment from the referral in working days, over Christmas', () => {
    const s = byKey(run(DEFAULT_PROTOCOL, '2027-01-05T12:00:00Z', { referral_to_social_care: done('2026-12-24T15:00:00Z') }, { edd: '2027-06-30' }));
    expect(s.referral_to_social_care).toMatchObject({ state: 'done', completedAt: new Date('2026-12-24T15:00:00Z') });
    // 10 working days after Thursday 24 December 2026: 29, 30, 31 Dec, 4–8 Jan, 11, 12 Jan.
    expect(s.pre_birth_assessment_started).toMatchObject({ state: 'due_soon', dueAt: new Date('2027-01-12T23:59:59.999Z') });
  });

  it('counts the birth plan deliveries from when it was agreed, and the meeting from the birth', () => {
    const s = byKey(
      run(DEFAULT_PROTOCOL, '2026-08-20T08:00:00Z', { birth_plan_agreed: done('2026-07-31T14:00:00Z') }, { bornAt: new Date('2026-08-19T03:00:00Z') }),
    );
    expect(s.birth_plan_agreed).toMatchObject({ state: 'done_late', overdueDays: 21 }); // due 10 July (32+0)
    expect(s.birth_plan_sent_named_midwife).toMatchObject({ state: 'overdue', dueAt: new Date('2026-08-02T14:00:00Z'), overdueDays: 18 });
    // Friday 31 July + 3 working days: 3, 4, 5 August (31 August is the bank holiday, not 3 August)
    expect(s.birth_plan_sent_parents).toMatchObject({ state: 'overdue', dueAt: new Date('2026-08-05T22:59:59.999Z'), overdueDays: 15 });
    expect(s.discharge_planning_meeting).toMatchObject({ state: 'due_soon', dueAt: new Date('2026-08-20T22:59:59.999Z') });
  });
});

describe('computeMilestones states', () => {
  const single = (due: MilestoneDefinition['due'], extra: Partial<MilestoneDefinition> = {}) => protocol([{ key: 'step', label: 'The step', due, ...extra }]);
  const only = (statuses: MilestoneStatus[]) => statuses[0] as MilestoneStatus;
  const dueAt = endOfGestationDay(16); // 2026-03-20T23:59:59.999Z

  it('is upcoming more than 7 days ahead, due soon from 7 days ahead, overdue after the end of the due day', () => {
    const def = single({ from: 'gestation', weeks: 16, days: 0 });
    expect(only(run(def, '2026-03-12T23:59:59Z')).state).toBe('upcoming'); // 8 days ahead
    expect(only(run(def, '2026-03-13T00:00:00Z')).state).toBe('due_soon'); // 7 days ahead
    expect(only(run(def, '2026-03-20T23:59:59.999Z')).state).toBe('due_soon'); // the last moment
    expect(only(run(def, '2026-03-21T00:00:00Z'))).toMatchObject({ state: 'overdue', overdueDays: 1, dueAt });
    expect(only(run(def, '2026-03-30T12:00:00Z'))).toMatchObject({ state: 'overdue', overdueDays: 10 });
  });

  it('judges due soon by the date in England', () => {
    const def = single({ from: 'gestation', weeks: 28, days: 0 }); // due 12 June 2026, summer time
    expect(only(run(def, '2026-06-04T22:59:59Z')).state).toBe('upcoming'); // still 4 June in London
    expect(only(run(def, '2026-06-04T23:00:00Z')).state).toBe('due_soon'); // 5 June in London
    expect(only(run(def, '2026-06-12T23:00:00Z'))).toMatchObject({ state: 'overdue', overdueDays: 1 });
  });

  it('is overdue with 0 days late when an hours deadline passed earlier the same day', () => {
    const def = single({ from: 'case_opened', after: { hours: 4 } });
    const opened = new Date('2026-02-02T08:00:00Z');
    expect(only(run(def, '2026-02-02T11:59:59Z', {}, { openedAt: opened })).state).toBe('due_soon');
    expect(only(run(def, '2026-02-02T12:00:00Z', {}, { openedAt: opened })).state).toBe('due_soon');
    expect(only(run(def, '2026-02-02T12:00:01Z', {}, { openedAt: opened }))).toMatchObject({ state: 'overdue', overdueDays: 0 });
    expect(only(run(def, '2026-02-03T09:00:00Z', {}, { openedAt: opened }))).toMatchObject({ state: 'overdue', overdueDays: 1 });
  });

  it('is done when completed on time, done late (with days late) after', () => {
    const def = single({ from: 'gestation', weeks: 16, days: 0 });
    const now = '2026-05-01T12:00:00Z';
    expect(only(run(def, now, { step: done('2026-03-20T23:59:59.999Z') }))).toMatchObject({ state: 'done', overdueDays: 0, dueAt });
    expect(only(run(def, now, { step: done('2026-03-01T09:00:00Z') }))).toMatchObject({ state: 'done', completedAt: new Date('2026-03-01T09:00:00Z') });
    expect(only(run(def, now, { step: done('2026-03-21T00:00:00Z') }))).toMatchObject({ state: 'done_late', overdueDays: 1 });
    expect(only(run(def, now, { step: done('2026-04-03T10:00:00Z') }))).toMatchObject({ state: 'done_late', overdueDays: 14 });
  });

  it('is done, not late, when completed before its due time could be worked out', () => {
    const def = single({ from: 'gestation', weeks: 16, days: 0 });
    expect(only(run(def, '2026-05-01T12:00:00Z', { step: done('2026-04-01T10:00:00Z') }, { edd: null }))).toMatchObject({
      state: 'done',
      dueAt: null,
      waitingFor: null,
    });
  });

  it('is not applicable, with the reason, when recorded so', () => {
    const def = single({ from: 'gestation', weeks: 16, days: 0 });
    expect(only(run(def, '2026-05-01T12:00:00Z', { step: notNeeded('Threshold for conference not met') }))).toMatchObject({
      state: 'not_applicable',
      notApplicableReason: 'Threshold for conference not met',
      dueAt,
      overdueDays: 0,
      completedAt: null,
    });
  });

  it('counts from the case being opened', () => {
    const def = single({ from: 'case_opened', after: { workingDays: 5 } });
    // Opened on Friday 27 March 2026, Easter Friday and Monday follow the next week.
    const s = only(run(def, '2026-03-27T16:00:00Z', {}, { openedAt: new Date('2026-03-27T09:00:00Z') }));
    expect(s).toMatchObject({ state: 'upcoming', dueAt: new Date('2026-04-07T22:59:59.999Z') });
  });

  it('waits for the birth, then counts from it', () => {
    const def = single({ from: 'birth', after: { days: 1 } }, { notBefore: { from: 'birth', after: { hours: 6 } } });
    expect(only(run(def, '2026-08-20T08:00:00Z'))).toMatchObject({ state: 'waiting', waitingFor: 'the birth', notBefore: null });
    expect(only(run(def, '2026-08-20T08:00:00Z', {}, { bornAt: new Date('2026-08-19T23:30:00Z') }))).toMatchObject({
      state: 'due_soon',
      // Born 00:30 on 20 August in London: due by the end of 21 August, not before 06:30.
      dueAt: new Date('2026-08-21T22:59:59.999Z'),
      notBefore: new Date('2026-08-20T05:30:00Z'),
    });
  });

  it('gives the start of the day for an earliest date in days, the exact time for one in hours', () => {
    const def = protocol([
      { key: 'first', label: 'First', due: { from: 'gestation', weeks: 20, days: 0 } },
      {
        key: 'second',
        label: 'Second',
        due: { from: 'milestone', key: 'first', after: { days: 14 } },
        notBefore: { from: 'milestone', key: 'first', after: { days: 7 } },
      },
      {
        key: 'third',
        label: 'Third',
        due: { from: 'milestone', key: 'first', after: { days: 14 } },
        notBefore: { from: 'milestone', key: 'first', after: { workingDays: 2 } },
      },
    ]);
    const s = byKey(run(def, '2026-04-20T12:00:00Z', { first: done('2026-04-17T15:00:00Z') }));
    expect(s.second?.notBefore).toEqual(new Date('2026-04-23T23:00:00Z')); // start of 24 April in London
    expect(s.third?.notBefore).toEqual(new Date('2026-04-20T23:00:00Z')); // start of Tuesday 21 April
    expect(s.second?.dueAt).toEqual(new Date('2026-05-01T22:59:59.999Z'));
  });

  it('does not hold back a milestone because its earliest date is still ahead', () => {
    const def = single({ from: 'gestation', weeks: 30, days: 0 }, { notBefore: { from: 'gestation', weeks: 24, days: 0 } });
    expect(only(run(def, endOfGestationDay(29, 1))).state).toBe('due_soon');
    expect(only(run(def, endOfGestationDay(20))).state).toBe('upcoming');
  });
});

describe('computeMilestones dependencies and case types', () => {
  const chain = protocol([
    { key: 'plan', label: 'Plan agreed', due: { from: 'gestation', weeks: 32, days: 0 } },
    { key: 'send', label: 'Plan sent', due: { from: 'milestone', key: 'plan', after: { hours: 48 } } },
    { key: 'confirm', label: 'Receipt confirmed', due: { from: 'milestone', key: 'send', after: { days: 2 } } },
  ]);
  const now = '2026-08-01T12:00:00Z';

  it('waits for the milestone it is counted from, by name', () => {
    const s = byKey(run(chain, now));
    expect(s.send).toMatchObject({ state: 'waiting', waitingFor: 'Plan agreed' });
    expect(s.confirm).toMatchObject({ state: 'waiting', waitingFor: 'Plan sent' });
  });

  it('counts from when that milestone was done, even if it was done late', () => {
    const s = byKey(run(chain, now, { plan: done('2026-07-31T13:00:00Z') }));
    expect(s.plan?.state).toBe('done_late');
    expect(s.send).toMatchObject({ state: 'due_soon', dueAt: new Date('2026-08-02T13:00:00Z') });
    expect(byKey(run(chain, '2026-08-02T13:00:01Z', { plan: done('2026-07-31T13:00:00Z') })).send?.state).toBe('overdue');
  });

  it('is not applicable when what it is counted from is not, down the chain', () => {
    const s = byKey(run(chain, now, { plan: notNeeded('Baby to be placed with foster carers from birth') }));
    expect(s.plan).toMatchObject({ state: 'not_applicable', notApplicableReason: 'Baby to be placed with foster carers from birth' });
    expect(s.send).toMatchObject({ state: 'not_applicable', notApplicableReason: '“Plan agreed” is not applicable', dueAt: null });
    expect(s.confirm).toMatchObject({ state: 'not_applicable', notApplicableReason: '“Plan sent” is not applicable' });
  });

  it('keeps a completion recorded on a milestone whose dependency is not applicable', () => {
    const s = byKey(run(chain, now, { plan: notNeeded('Not needed'), send: done('2026-07-20T10:00:00Z') }));
    expect(s.send).toMatchObject({ state: 'done', completedAt: new Date('2026-07-20T10:00:00Z'), dueAt: null });
    expect(s.confirm).toMatchObject({ state: 'overdue', dueAt: new Date('2026-07-22T22:59:59.999Z'), overdueDays: 10 });
  });

  it('leaves out milestones that do not apply to the type of case, and what is counted from them', () => {
    const def = protocol([
      { key: 'referral', label: 'Referral', due: { from: 'gestation', weeks: 16, days: 0 }, appliesTo: ['unborn_baby_protocol', 'late_booking'] },
      { key: 'assessment', label: 'Assessment started', due: { from: 'milestone', key: 'referral', after: { workingDays: 10 } } },
      { key: 'meeting', label: 'Meeting', due: { from: 'birth', after: { days: 1 } }, appliesTo: ['concealed'] },
    ]);
    expect(run(def, now).map((s) => s.key)).toEqual(['referral', 'assessment']);
    const concealed = run(def, now, {}, { classification: 'concealed' });
    expect(concealed.map((s) => s.key)).toEqual(['assessment', 'meeting']);
    expect(concealed[0]).toMatchObject({ state: 'not_applicable', notApplicableReason: '“Referral” does not apply to this case' });
  });

  it('works out a milestone counted from one listed after it', () => {
    const def = protocol([
      { key: 'later', label: 'Later', due: { from: 'milestone', key: 'earlier', after: { days: 3 } } },
      { key: 'earlier', label: 'Earlier', due: { from: 'gestation', weeks: 12, days: 0 } },
    ]);
    const s = run(def, now, { earlier: done('2026-02-20T10:00:00Z') });
    expect(s.map((x) => x.key)).toEqual(['later', 'earlier']);
    expect(s[0]).toMatchObject({ state: 'overdue', dueAt: new Date('2026-02-23T23:59:59.999Z') });
  });

  it('ignores completions for milestones the protocol does not have', () => {
    expect(run(chain, now, { removed_step: done('2026-07-01T10:00:00Z') })).toEqual(run(chain, now));
  });

  it('throws on a definition that was never validated', () => {
    const missing = protocol([{ key: 'aa', label: 'A', due: { from: 'milestone', key: 'zz', after: { days: 1 } } }]);
    expect(() => run(missing, now)).toThrow(/does not define/);
    const loop = protocol([
      { key: 'aa', label: 'A', due: { from: 'milestone', key: 'bb', after: { days: 1 } } },
      { key: 'bb', label: 'B', due: { from: 'milestone', key: 'aa', after: { days: 1 } } },
    ]);
    expect(() => run(loop, now)).toThrow(/loop/);
  });
});

describe('overdueMilestones', () => {
  it('picks the overdue milestones, in order', () => {
    const statuses = run(DEFAULT_PROTOCOL, endOfGestationDay(29), { strategy_discussion: done('2026-06-01T10:00:00Z') });
    expect(overdueMilestones(statuses).map((s) => s.key)).toEqual(['referral_to_social_care', 'pre_birth_assessment_completed']);
  });
});

describe('computeMilestones properties', () => {
  const gestationMilestone = fc.record({ weeks: fc.integer({ min: 0, max: 44 }), days: fc.integer({ min: 0, max: 6 }) });
  const instant = fc.date({ min: new Date('2025-10-01T00:00:00Z'), max: new Date('2027-03-01T00:00:00Z'), noInvalidDate: true });

  it('moves forward only: upcoming, then due soon, then overdue, as time passes', () => {
    const rank = { upcoming: 0, due_soon: 1, overdue: 2 } as Record<string, number>;
    fc.assert(
      fc.property(gestationMilestone, instant, instant, ({ weeks, days }, a, b) => {
        const def = protocol([{ key: 'step', label: 'Step', due: { from: 'gestation', weeks, days } }]);
        const [early, late] = a <= b ? [a, b] : [b, a];
        const x = run(def, early)[0] as MilestoneStatus;
        const y = run(def, late)[0] as MilestoneStatus;
        expect(rank[x.state]).toBeLessThanOrEqual(rank[y.state] as number);
        expect(y.overdueDays).toBeGreaterThanOrEqual(x.overdueDays);
        expect(x.state === 'overdue').toBe(early.getTime() > (x.dueAt as Date).getTime());
      }),
    );
  });

  it('is done late exactly when completed after the due time', () => {
    fc.assert(
      fc.property(gestationMilestone, instant, ({ weeks, days }, completedAt) => {
        const def = protocol([{ key: 'step', label: 'Step', due: { from: 'gestation', weeks, days } }]);
        const s = run(def, '2027-06-01T00:00:00Z', { step: { completedAt } })[0] as MilestoneStatus;
        expect(s.state).toBe(completedAt.getTime() > endOfGestationDay(weeks, days).getTime() ? 'done_late' : 'done');
        expect(s.overdueDays > 0).toBe(s.state === 'done_late');
      }),
    );
  });
});
