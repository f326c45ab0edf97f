import { describe, expect, it } from 'vitest';
import {
  type Blocker,
  blockerMessage,
  checkDischargeGate,
  type DischargeOverride,
  dischargeBlockers,
  type GateInput,
  type GateResult,
  type ToxicologyTest,
} from './discharge-gate';

const NOW = new Date('2026-08-20T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const COMPLETE: DischargeOverride = {
  reason: 'Baby well and feeding; meconium result delayed by the bank holiday',
  seniorClinicianName: 'Dr Asha Patel',
  seniorClinicianRole: 'Consultant paediatrician',
  socialWorkerInformedName: 'Sam Jones',
  socialWorkerInformedAt: new Date(NOW.getTime() - 2 * HOUR),
};

// ── Every combination ──────────────────────────────────────────────────────────────────────────────

const DPM_STATES: { dpm: GateInput['dpm']; blocker: Blocker['code'] | null }[] = [
  { dpm: { required: null, held: false }, blocker: 'dpm_not_decided' },
  { dpm: { required: null, held: true }, blocker: 'dpm_not_decided' }, // held, but nobody said whether it was required
  { dpm: { required: true, held: false }, blocker: 'dpm_not_held' },
  { dpm: { required: true, held: true }, blocker: null },
  { dpm: { required: false, held: false }, blocker: null },
  { dpm: { required: false, held: true }, blocker: null },
];

const STATUSES = ['pending', 'resulted', 'cancelled'] as const;
const baby = (status: ToxicologyTest['status']): ToxicologyTest => ({ id: 'tox-baby', subject: 'baby', sample: 'meconium', status });
const mother = (status: ToxicologyTest['status']): ToxicologyTest => ({ id: 'tox-mother', subject: 'mother', sample: 'urine', status });

/** No tests, one test in each state, two tests in every pair of states. */
const TOXICOLOGY_SETS: ToxicologyTest[][] = [[], ...STATUSES.map((s) => [baby(s)]), ...STATUSES.flatMap((a) => STATUSES.map((b) => [baby(a), mother(b)]))];

const describeTox = (tests: readonly ToxicologyTest[]) => (tests.length === 0 ? 'no toxicology' : tests.map((t) => `${t.subject} ${t.status}`).join(' + '));

/** Override variants: null when no override was given, otherwise the fields expected to be reported. */
const OVERRIDES: { name: string; override: DischargeOverride | null | undefined; problems: string[] | null }[] = [
  { name: 'no override', override: undefined, problems: null },
  { name: 'override null', override: null, problems: null },
  { name: 'complete override', override: COMPLETE, problems: [] },
  {
    name: 'empty override',
    override: {},
    problems: ['overrideReason', 'seniorClinicianName', 'seniorClinicianRole', 'socialWorkerInformedName', 'socialWorkerInformedAt'],
  },
  { name: 'reason absent', override: { ...COMPLETE, reason: undefined }, problems: ['overrideReason'] },
  { name: 'reason null', override: { ...COMPLETE, reason: null }, problems: ['overrideReason'] },
  { name: 'reason empty', override: { ...COMPLETE, reason: '' }, problems: ['overrideReason'] },
  { name: 'reason whitespace', override: { ...COMPLETE, reason: ' \n\t  ' }, problems: ['overrideReason'] },
  { name: 'reason 19 characters', override: { ...COMPLETE, reason: 'Baby well, mum well' }, problems: ['overrideReason'] },
  { name: 'reason 20 characters', override: { ...COMPLETE, reason: 'Baby well, mum well.' }, problems: [] },
  { name: 'reason padded to 20', override: { ...COMPLETE, reason: '  Baby      well   ok     ' }, problems: ['overrideReason'] },
  { name: 'reason without words', override: { ...COMPLETE, reason: '....................' }, problems: ['overrideReason'] },
  { name: 'clinician name absent', override: { ...COMPLETE, seniorClinicianName: undefined }, problems: ['seniorClinicianName'] },
  { name: 'clinician name blank', override: { ...COMPLETE, seniorClinicianName: '   ' }, problems: ['seniorClinicianName'] },
  { name: 'clinician role null', override: { ...COMPLETE, seniorClinicianRole: null }, problems: ['seniorClinicianRole'] },
  { name: 'clinician role blank', override: { ...COMPLETE, seniorClinicianRole: '\n' }, problems: ['seniorClinicianRole'] },
  { name: 'social worker absent', override: { ...COMPLETE, socialWorkerInformedName: undefined }, problems: ['socialWorkerInformedName'] },
  { name: 'social worker blank', override: { ...COMPLETE, socialWorkerInformedName: ' ' }, problems: ['socialWorkerInformedName'] },
  { name: 'told: absent', override: { ...COMPLETE, socialWorkerInformedAt: undefined }, problems: ['socialWorkerInformedAt'] },
  { name: 'told: null', override: { ...COMPLETE, socialWorkerInformedAt: null }, problems: ['socialWorkerInformedAt'] },
  { name: 'told: invalid date', override: { ...COMPLETE, socialWorkerInformedAt: new Date(Number.NaN) }, problems: ['socialWorkerInformedAt'] },
  { name: 'told: 1 ms in the future', override: { ...COMPLETE, socialWorkerInformedAt: new Date(NOW.getTime() + 1) }, problems: ['socialWorkerInformedAt'] },
  { name: 'told: just now', override: { ...COMPLETE, socialWorkerInformedAt: NOW }, problems: [] },
  { name: 'told: exactly 7 days ago', override: { ...COMPLETE, socialWorkerInformedAt: new Date(NOW.getTime() - 7 * DAY) }, problems: [] },
  {
    name: 'told: 7 days and 1 ms ago',
    override: { ...COMPLETE, socialWorkerInformedAt: new Date(NOW.getTime() - 7 * DAY - 1) },
    problems: ['socialWorkerInformedAt'],
  },
  {
    name: 'two parts missing',
    override: { ...COMPLETE, seniorClinicianRole: '', socialWorkerInformedAt: null },
    problems: ['seniorClinicianRole', 'socialWorkerInformedAt'],
  },
];

/** The rule, written out plainly, to check every combination against. */
function expected(dpmBlocker: Blocker['code'] | null, tests: readonly ToxicologyTest[], problems: string[] | null): GateResult {
  const blockers: Blocker[] = [];
  if (dpmBlocker) blockers.push({ code: dpmBlocker } as Blocker);
  const pending = tests.filter((t) => t.status === 'pending');
  if (pending.length > 0) {
    blockers.push({ code: 'toxicology_pending', testIds: pending.map((t) => t.id), description: pending.map((t) => `${t.subject} ${t.sample}`).join(', ') });
  }
  if (blockers.length === 0) return { outcome: 'clear' };
  if (problems === null) return { outcome: 'blocked', blockers };
  if (problems.length === 0) return { outcome: 'overridden', blockers };
  return { outcome: 'override_incomplete', blockers, problems: expect.any(Object) as unknown as Record<string, string> };
}

describe('checkDischargeGate: every combination', () => {
  const rows = DPM_STATES.flatMap(({ dpm, blocker }) => TOXICOLOGY_SETS.map((toxicology) => ({ dpm, blocker, toxicology })));

  it('covers 6 meeting states × 13 toxicology sets × every kind of override', () => {
    expect(rows).toHaveLength(78);
    expect(OVERRIDES.length).toBeGreaterThan(20);
  });

  it.each(rows)('meeting required $dpm.required, held $dpm.held, $toxicology.length test(s)', ({ dpm, blocker, toxicology }) => {
    for (const { name, override, problems } of OVERRIDES) {
      const label = `${describeTox(toxicology)}, ${name}`;
      const result = checkDischargeGate({ dpm, toxicology, override, now: NOW });
      expect(result, label).toEqual(expected(blocker, toxicology, problems));
      if (result.outcome === 'override_incomplete') expect(Object.keys(result.problems), label).toEqual(problems);
    }
  });
});

// ── What it says ───────────────────────────────────────────────────────────────────────────────────

describe('blockers', () => {
  it('reads each blocker in plain English', () => {
    expect(blockerMessage({ code: 'dpm_not_decided' })).toBe('Nobody has recorded whether a discharge planning meeting is required');
    expect(blockerMessage({ code: 'dpm_not_held' })).toBe('A discharge planning meeting is required and has not been held');
    expect(blockerMessage({ code: 'toxicology_pending', testIds: ['a', 'b'], description: 'baby meconium, mother urine' })).toBe(
      'Toxicology is still pending: baby meconium, mother urine',
    );
  });

  it('names pending tests in the order given, each once, and lists every pending test id', () => {
    const blockers = dischargeBlockers({
      dpm: { required: false, held: false },
      toxicology: [
        { id: 't1', subject: 'baby', sample: 'meconium', status: 'pending' },
        { id: 't2', subject: 'mother', sample: ' urine ', status: 'pending' },
        { id: 't3', subject: 'baby', sample: 'urine', status: 'resulted' },
        { id: 't4', subject: 'baby', sample: 'meconium', status: 'pending' },
        { id: 't5', subject: 'mother', sample: '', status: 'pending' },
      ],
    });
    expect(blockers).toEqual([{ code: 'toxicology_pending', testIds: ['t1', 't2', 't4', 't5'], description: 'baby meconium, mother urine, mother sample' }]);
    expect(blockerMessage(blockers[0] as Blocker)).toBe('Toxicology is still pending: baby meconium, mother urine, mother sample');
  });

  it('puts the meeting before toxicology', () => {
    const result = checkDischargeGate({ dpm: { required: true, held: false }, toxicology: [baby('pending')], now: NOW });
    expect(result.outcome === 'blocked' && result.blockers.map((b) => b.code)).toEqual(['dpm_not_held', 'toxicology_pending']);
  });
});

describe('override problems', () => {
  const problemsFor = (dpm: GateInput['dpm'], toxicology: ToxicologyTest[], override: DischargeOverride) => {
    const result = checkDischargeGate({ dpm, toxicology, override, now: NOW });
    if (result.outcome !== 'override_incomplete') throw new Error(`expected override_incomplete, got ${result.outcome}`);
    return result.problems;
  };

  it('asks for each missing part in words a clinician understands, in form order', () => {
    expect(problemsFor({ required: true, held: false }, [], {})).toEqual({
      overrideReason: 'Enter the reason for discharging before the discharge planning meeting is held',
      seniorClinicianName: 'Enter the name of the senior clinician authorising discharge',
      seniorClinicianRole: 'Enter the senior clinician’s role, for example consultant paediatrician',
      socialWorkerInformedName: 'Enter the name of the social worker who was told',
      socialWorkerInformedAt: 'Enter the date and time the social worker was told',
    });
  });

  it('says what the discharge is ahead of', () => {
    const missingReason = { ...COMPLETE, reason: '' };
    expect(problemsFor({ required: null, held: false }, [], missingReason).overrideReason).toBe(
      'Enter the reason for discharging before it is decided whether a discharge planning meeting is required',
    );
    expect(problemsFor({ required: false, held: false }, [baby('pending')], missingReason).overrideReason).toBe(
      'Enter the reason for discharging before toxicology results are back',
    );
    expect(problemsFor({ required: true, held: false }, [baby('pending')], missingReason).overrideReason).toBe(
      'Enter the reason for discharging before the discharge planning meeting is held and toxicology results are back',
    );
  });

  it('explains a reason that is too short, and a time out of range', () => {
    const dpm = { required: true, held: false };
    expect(problemsFor(dpm, [], { ...COMPLETE, reason: 'Baby well, mum well' }).overrideReason).toBe(
      'The reason must be at least 20 characters: explain why the baby is being discharged now',
    );
    expect(problemsFor(dpm, [], { ...COMPLETE, socialWorkerInformedAt: new Date(NOW.getTime() + HOUR) }).socialWorkerInformedAt).toBe(
      'The time the social worker was told must not be in the future',
    );
    expect(problemsFor(dpm, [], { ...COMPLETE, socialWorkerInformedAt: new Date(NOW.getTime() - 8 * DAY) }).socialWorkerInformedAt).toBe(
      'The time the social worker was told must be within the last 7 days',
    );
  });

  it('ignores an override, even a broken one, when nothing blocks', () => {
    expect(checkDischargeGate({ dpm: { required: false, held: false }, toxicology: [baby('resulted')], override: {}, now: NOW })).toEqual({ outcome: 'clear' });
  });
});
