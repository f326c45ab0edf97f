import { describe, expect, it } from 'vitest';
import { ValidationError } from '../platform/errors';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS, WorkingCalendar } from '../platform/working-days';
import {
  applyEscalation,
  DEFAULT_STAGES,
  ESCALATION_STATUS_LABELS,
  ESCALATION_STATUSES,
  ESCALATION_SUBJECT_LABELS,
  ESCALATION_SUBJECTS,
  type EscalationCommand,
  type EscalationResult,
  type EscalationStage,
  type EscalationStatus,
  parseStageTable,
  stageDueAt,
  stageTableSchema,
} from './stages';

const calendar = new WorkingCalendar(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date));
const URGENT = 'Baby due for discharge today and the risk is immediate';

function problems(input: unknown): Record<string, string> {
  try {
    parseStageTable(input);
  } catch (e) {
    if (e instanceof ValidationError) return e.fieldErrors;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('labels', () => {
  it('has a label for every subject and status', () => {
    for (const s of ESCALATION_SUBJECTS) expect(ESCALATION_SUBJECT_LABELS[s]).toBeTruthy();
    for (const s of ESCALATION_STATUSES) expect(ESCALATION_STATUS_LABELS[s]).toBeTruthy();
  });
});

describe('stageTableSchema', () => {
  it('accepts the default stages unchanged', () => {
    expect(parseStageTable(DEFAULT_STAGES)).toEqual(DEFAULT_STAGES);
    expect(stageTableSchema.safeParse(JSON.parse(JSON.stringify(DEFAULT_STAGES))).success).toBe(true);
    expect(DEFAULT_STAGES.map((s) => s.due)).toEqual([{ hours: 48 }, { workingDays: 5 }, { hours: 48 }, { workingDays: 10 }]);
  });

  it('accepts 2 to 6 stages and refuses 1 or 7', () => {
    const stages = (n: number) => Array.from({ length: n }, (_, i) => ({ stage: i + 1, label: `Stage ${i + 1}`, who: 'Someone', due: { days: 5 } }));
    expect(parseStageTable(stages(2))).toHaveLength(2);
    expect(parseStageTable(stages(6))).toHaveLength(6);
    expect(problems(stages(1))).toEqual({ form: 'Enter at least 2 stages' });
    expect(problems(stages(7))).toEqual({ form: 'There can be up to 6 stages' });
    expect(problems({})).toEqual({ form: 'Enter the stages as a list' });
  });

  it('refuses stages out of order, or numbered with gaps', () => {
    const [a, b, c] = DEFAULT_STAGES as [EscalationStage, EscalationStage, EscalationStage];
    expect(problems([b, a])).toEqual({
      '0.stage': 'Number the stages 1, 2, 3 and so on, in order: this should be stage 1',
      '1.stage': 'Number the stages 1, 2, 3 and so on, in order: this should be stage 2',
    });
    expect(problems([a, c])).toEqual({ '1.stage': 'Number the stages 1, 2, 3 and so on, in order: this should be stage 2' });
  });

  it('explains problems within a stage, alongside numbering problems', () => {
    expect(
      problems([
        { stage: 1.5, label: ' ', who: 'w'.repeat(121), due: {} },
        { stage: 3, label: 'Managers', who: 'Managers', due: { workingDays: 0 } },
        'stage three',
      ]),
    ).toEqual({
      '0.stage': 'The stage number must be a whole number',
      '0.label': 'Enter the name of the stage',
      '0.who': 'Who holds it must be 120 characters or fewer',
      '0.due': 'Enter a time limit in hours, days or working days',
      '1.stage': 'Number the stages 1, 2, 3 and so on, in order: this should be stage 2',
      '1.due.workingDays': 'The number of working days must be 1 or more',
      '2': 'Enter the stage',
    });
  });
});

describe('stageDueAt', () => {
  it('counts each stage’s time limit from when the escalation reached it', () => {
    const friday = new Date('2026-12-18T15:00:00Z');
    expect(stageDueAt(DEFAULT_STAGES, 1, friday, calendar)).toEqual(new Date('2026-12-20T15:00:00Z'));
    // 5 working days after Friday 18 December 2026: 21, 22, 23, 24, 29 December.
    expect(stageDueAt(DEFAULT_STAGES, 2, friday, calendar)).toEqual(new Date('2026-12-29T23:59:59.999Z'));
    expect(stageDueAt(DEFAULT_STAGES, 3, friday, calendar)).toEqual(new Date('2026-12-20T15:00:00Z'));
    expect(stageDueAt(DEFAULT_STAGES, 4, friday, calendar)).toEqual(new Date('2027-01-06T23:59:59.999Z'));
  });

  it('refuses a stage that is not in the table', () => {
    expect(() => stageDueAt(DEFAULT_STAGES, 5, new Date(), calendar)).toThrow(RangeError);
    expect(() => stageDueAt(DEFAULT_STAGES, 0, new Date(), calendar)).toThrow(RangeError);
  });
});

// ── The state machine ──────────────────────────────────────────────────────────────────────────────

const ok = (status: EscalationStatus, stage: number, skipped: number[] = []): EscalationResult => ({ ok: true, state: { status, stage }, skipped });
const refused = (problems: Record<string, string>): EscalationResult => ({ ok: false, problems });

const LAST_STAGE = 'This is the last stage. Refer it to the safeguarding partnership instead of escalating further.';

/** Every kind of command, as each is sent from the page, well and badly filled in. */
const COMMANDS: Record<string, EscalationCommand> = {
  'escalate to 2': { type: 'escalate', toStage: 2 },
  'escalate to 3': { type: 'escalate', toStage: 3 },
  'escalate to 3 with reason': { type: 'escalate', toStage: 3, reason: URGENT },
  'escalate to 4': { type: 'escalate', toStage: 4, reason: null },
  'escalate to 4 with reason': { type: 'escalate', toStage: 4, reason: URGENT },
  'escalate to 4 with short reason': { type: 'escalate', toStage: 4, reason: ' urgent  ' },
  'escalate to 4 with blank reason': { type: 'escalate', toStage: 4, reason: '   ' },
  'escalate to 1': { type: 'escalate', toStage: 1 },
  'escalate to 5': { type: 'escalate', toStage: 5, reason: URGENT },
  'escalate to 0': { type: 'escalate', toStage: 0 },
  'escalate to 2.5': { type: 'escalate', toStage: 2.5 },
  resolve: { type: 'resolve', outcome: 'Agreed to hold a strategy discussion on Monday' },
  'resolve without outcome': { type: 'resolve', outcome: ' ' },
  refer: { type: 'refer_to_partnership', reason: 'Stages exhausted without agreement' },
  'refer without reason': { type: 'refer_to_partnership', reason: '' },
  withdraw: { type: 'withdraw', reason: 'Further information received; no longer disagree' },
  'withdraw without reason': { type: 'withdraw', reason: '\n' },
};

const SKIP_REASON_2_3 = { reason: 'Enter why you are skipping stages 2 and 3' };

/** For an open escalation at each stage of the default four: command → expected result. */
const OPEN: Record<number, Record<keyof typeof COMMANDS, EscalationResult>> = {
  1: {
    'escalate to 2': ok('open', 2),
    'escalate to 3': refused({ reason: 'Enter why you are skipping stage 2' }),
    'escalate to 3 with reason': ok('open', 3, [2]),
    'escalate to 4': refused(SKIP_REASON_2_3),
    'escalate to 4 with reason': ok('open', 4, [2, 3]),
    'escalate to 4 with short reason': refused({ reason: 'The reason for skipping stages 2 and 3 must be at least 10 characters' }),
    'escalate to 4 with blank reason': refused(SKIP_REASON_2_3),
    'escalate to 1': refused({ toStage: 'Choose a stage higher than the current stage (stage 1)' }),
    'escalate to 5': refused({ toStage: 'Choose a stage from 2 to 4' }),
    'escalate to 0': refused({ toStage: 'Choose a stage from 2 to 4' }),
    'escalate to 2.5': refused({ toStage: 'Choose a stage from 2 to 4' }),
    resolve: ok('resolved', 1),
    'resolve without outcome': refused({ outcome: 'Enter the outcome: what was agreed' }),
    refer: ok('referred_to_partnership', 4, [2, 3]),
    'refer without reason': refused({ reason: 'Enter why you are referring this to the safeguarding partnership' }),
    withdraw: ok('withdrawn', 1),
    'withdraw without reason': refused({ reason: 'Enter why the escalation is being withdrawn' }),
  },
  2: {
    'escalate to 2': refused({ toStage: 'Choose a stage higher than the current stage (stage 2)' }),
    'escalate to 3': ok('open', 3),
    'escalate to 3 with reason': ok('open', 3),
    'escalate to 4': refused({ reason: 'Enter why you are skipping stage 3' }),
    'escalate to 4 with reason': ok('open', 4, [3]),
    'escalate to 4 with short reason': refused({ reason: 'The reason for skipping stage 3 must be at least 10 characters' }),
    'escalate to 4 with blank reason': refused({ reason: 'Enter why you are skipping stage 3' }),
    'escalate to 1': refused({ toStage: 'Choose a stage higher than the current stage (stage 2)' }),
    'escalate to 5': refused({ toStage: 'Choose a stage from 3 to 4' }),
    'escalate to 0': refused({ toStage: 'Choose a stage from 3 to 4' }),
    'escalate to 2.5': refused({ toStage: 'Choose a stage from 3 to 4' }),
    resolve: ok('resolved', 2),
    'resolve without outcome': refused({ outcome: 'Enter the outcome: what was agreed' }),
    refer: ok('referred_to_partnership', 4, [3]),
    'refer without reason': refused({ reason: 'Enter why you are referring this to the safeguarding partnership' }),
    withdraw: ok('withdrawn', 2),
    'withdraw without reason': refused({ reason: 'Enter why the escalation is being withdrawn' }),
  },
  3: {
    'escalate to 2': refused({ toStage: 'Choose a stage higher than the current stage (stage 3)' }),
    'escalate to 3': refused({ toStage: 'Choose a stage higher than the current stage (stage 3)' }),
    'escalate to 3 with reason': refused({ toStage: 'Choose a stage higher than the current stage (stage 3)' }),
    'escalate to 4': ok('open', 4),
    'escalate to 4 with reason': ok('open', 4),
    'escalate to 4 with short reason': ok('open', 4), // the next stage needs no reason, so a short one is fine
    'escalate to 4 with blank reason': ok('open', 4),
    'escalate to 1': refused({ toStage: 'Choose a stage higher than the current stage (stage 3)' }),
    'escalate to 5': refused({ toStage: 'Choose a stage from 4 to 4' }),
    'escalate to 0': refused({ toStage: 'Choose a stage from 4 to 4' }),
    'escalate to 2.5': refused({ toStage: 'Choose a stage from 4 to 4' }),
    resolve: ok('resolved', 3),
    'resolve without outcome': refused({ outcome: 'Enter the outcome: what was agreed' }),
    refer: ok('referred_to_partnership', 4),
    'refer without reason': refused({ reason: 'Enter why you are referring this to the safeguarding partnership' }),
    withdraw: ok('withdrawn', 3),
    'withdraw without reason': refused({ reason: 'Enter why the escalation is being withdrawn' }),
  },
  4: {
    'escalate to 2': refused({ toStage: LAST_STAGE }),
    'escalate to 3': refused({ toStage: LAST_STAGE }),
    'escalate to 3 with reason': refused({ toStage: LAST_STAGE }),
    'escalate to 4': refused({ toStage: LAST_STAGE }),
    'escalate to 4 with reason': refused({ toStage: LAST_STAGE }),
    'escalate to 4 with short reason': refused({ toStage: LAST_STAGE }),
    'escalate to 4 with blank reason': refused({ toStage: LAST_STAGE }),
    'escalate to 1': refused({ toStage: LAST_STAGE }),
    'escalate to 5': refused({ toStage: LAST_STAGE }),
    'escalate to 0': refused({ toStage: LAST_STAGE }),
    'escalate to 2.5': refused({ toStage: LAST_STAGE }),
    resolve: ok('resolved', 4),
    'resolve without outcome': refused({ outcome: 'Enter the outcome: what was agreed' }),
    refer: ok('referred_to_partnership', 4),
    'refer without reason': refused({ reason: 'Enter why you are referring this to the safeguarding partnership' }),
    withdraw: ok('withdrawn', 4),
    'withdraw without reason': refused({ reason: 'Enter why the escalation is being withdrawn' }),
  },
};

const CLOSED_MESSAGES: Record<Exclude<EscalationStatus, 'open'>, string> = {
  resolved: 'This escalation has been resolved, so it cannot be changed. Raise a new one if the disagreement has come back.',
  referred_to_partnership: 'This escalation has been referred to the safeguarding partnership, so it cannot be changed here.',
  withdrawn: 'This escalation has been withdrawn, so it cannot be changed. Raise a new one if you still disagree.',
};

describe('applyEscalation: every status × command', () => {
  const openRows = Object.entries(OPEN).flatMap(([stage, byCommand]) =>
    Object.entries(byCommand).map(([name, result]) => ({ stage: Number(stage), name, result })),
  );

  it('covers every command at every stage', () => {
    for (const byCommand of Object.values(OPEN)) expect(Object.keys(byCommand).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it.each(openRows)('open at stage $stage: $name', ({ stage, name, result }) => {
    expect(applyEscalation({ status: 'open', stage }, COMMANDS[name] as EscalationCommand, DEFAULT_STAGES)).toEqual(result);
  });

  const closedRows = (['resolved', 'referred_to_partnership', 'withdrawn'] as const).flatMap((status) =>
    [1, 4].flatMap((stage) => Object.keys(COMMANDS).map((name) => ({ status, stage, name }))),
  );

  it.each(closedRows)('$status at stage $stage: $name is refused', ({ status, stage, name }) => {
    expect(applyEscalation({ status, stage }, COMMANDS[name] as EscalationCommand, DEFAULT_STAGES)).toEqual(refused({ form: CLOSED_MESSAGES[status] }));
  });
});

describe('applyEscalation with other tables', () => {
  const two: EscalationStage[] = [
    { stage: 1, label: 'Practitioners', who: 'Practitioners', due: { days: 2 } },
    { stage: 2, label: 'Leads', who: 'Leads', due: { days: 5 } },
  ];
  const six: EscalationStage[] = Array.from({ length: 6 }, (_, i) => ({ stage: i + 1, label: `S${i + 1}`, who: 'W', due: { days: 1 } }));

  it('works with a two-stage table', () => {
    expect(applyEscalation({ status: 'open', stage: 1 }, { type: 'escalate', toStage: 2 }, two)).toEqual(ok('open', 2));
    expect(applyEscalation({ status: 'open', stage: 2 }, { type: 'escalate', toStage: 3 }, two)).toEqual(refused({ toStage: LAST_STAGE }));
    expect(applyEscalation({ status: 'open', stage: 1 }, { type: 'refer_to_partnership', reason: 'No agreement' }, two)).toEqual(
      ok('referred_to_partnership', 2),
    );
  });

  it('names every stage jumped over in a long table', () => {
    expect(applyEscalation({ status: 'open', stage: 1 }, { type: 'escalate', toStage: 5 }, six)).toEqual(
      refused({ reason: 'Enter why you are skipping stages 2, 3 and 4' }),
    );
    expect(applyEscalation({ status: 'open', stage: 1 }, { type: 'escalate', toStage: 5, reason: URGENT }, six)).toEqual(ok('open', 5, [2, 3, 4]));
    expect(applyEscalation({ status: 'open', stage: 2 }, { type: 'refer_to_partnership', reason: URGENT }, six)).toEqual(
      ok('referred_to_partnership', 6, [3, 4, 5]),
    );
  });

  it('treats an escalation left past the end of a shortened table as at the top', () => {
    expect(applyEscalation({ status: 'open', stage: 4 }, { type: 'escalate', toStage: 5 }, two)).toEqual(refused({ toStage: LAST_STAGE }));
    expect(applyEscalation({ status: 'open', stage: 4 }, { type: 'refer_to_partnership', reason: 'No agreement' }, two)).toEqual(
      ok('referred_to_partnership', 4),
    );
  });
});
