import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayNumber, londonDate } from '../platform/dates';
import { ValidationError } from '../platform/errors';
import {
  CHRONOLOGY_KIND_LABELS,
  CHRONOLOGY_KINDS,
  type ChronologyKind,
  DEFAULT_PATTERN_RULES,
  evaluatePatterns,
  INDICATOR_OF,
  type PatternEvent,
  type PatternMatch,
  type PatternRule,
  PRACTITIONER_KINDS,
  parsePatternRules,
  patternRulesSchema,
  promptsToRaise,
  SYSTEM_KINDS,
} from './patterns';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T10:00:00Z').getTime(); // Monday 2 March 2026, GMT

let seq = 0;
const ev = (kind: ChronologyKind | string, daysAfter: number, id = `e${++seq}`): PatternEvent => ({ id, kind, at: new Date(T0 + daysAfter * DAY) });
const rule = (key: string) => DEFAULT_PATTERN_RULES.find((r) => r.key === key) as PatternRule;
const ids = (events: PatternEvent[]) => events.map((e) => e.id);

function problems(input: unknown): Record<string, string> {
  try {
    parsePatternRules(input);
  } catch (e) {
    if (e instanceof ValidationError) return e.fieldErrors;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('chronology kinds', () => {
  it('has a label and an indicator entry for every kind, and no kind twice', () => {
    expect(new Set(CHRONOLOGY_KINDS).size).toBe(CHRONOLOGY_KINDS.length);
    expect(CHRONOLOGY_KINDS).toEqual([...PRACTITIONER_KINDS, ...SYSTEM_KINDS]);
    for (const k of CHRONOLOGY_KINDS) {
      expect(CHRONOLOGY_KIND_LABELS[k]).toBeTruthy();
      expect(k in INDICATOR_OF).toBe(true);
    }
    expect(Object.keys(CHRONOLOGY_KIND_LABELS)).toHaveLength(CHRONOLOGY_KINDS.length);
  });

  it('marks the warning signs of closure, flight and disguised compliance', () => {
    expect(INDICATOR_OF.appointment_missed).toBe('closure');
    expect(INDICATOR_OF.refused_to_be_seen).toBe('closure');
    expect(INDICATOR_OF.address_change).toBe('flight');
    expect(INDICATOR_OF.name_change).toBe('flight');
    expect(INDICATOR_OF.agreed_action_not_done).toBe('disguised_compliance');
    expect(INDICATOR_OF.appointment_attended).toBeNull();
    expect(INDICATOR_OF.observation).toBeNull();
    for (const k of SYSTEM_KINDS) expect(INDICATOR_OF[k]).toBeNull();
  });
});

describe('patternRulesSchema', () => {
  it('accepts the default rules unchanged, and no rules at all', () => {
    expect(parsePatternRules(DEFAULT_PATTERN_RULES)).toEqual(DEFAULT_PATTERN_RULES);
    expect(parsePatternRules([])).toEqual([]);
    expect(patternRulesSchema.safeParse(JSON.parse(JSON.stringify(DEFAULT_PATTERN_RULES))).success).toBe(true);
  });

  it('tidies text and repeated kinds', () => {
    const [r] = parsePatternRules([
      { key: 'moves', label: ' Moves ', prompt: ' Consider flight. ', withinDays: 30, requires: [{ kinds: ['gp_change', 'gp_change'], atLeast: 2 }] },
    ]);
    expect(r).toEqual({ key: 'moves', label: 'Moves', prompt: 'Consider flight.', withinDays: 30, requires: [{ kinds: ['gp_change'], atLeast: 2 }] });
  });

  it('explains each problem by its field', () => {
    expect(problems('rules')).toEqual({ form: 'Enter the pattern rules as a list' });
    expect(
      problems([
        { key: 'A', label: '', prompt: '  ', withinDays: 0, requires: [] },
        { key: 'ok_key', label: 'x'.repeat(121), prompt: 'p'.repeat(501), withinDays: 366, requires: [{ kinds: [], atLeast: 0 }] },
        { key: 'ok_two', label: 'L', prompt: 'P', withinDays: 1.5, requires: [{ kinds: ['made_up', 'prompt_raised'], atLeast: 21 }, 'x'] },
        { key: 'ok_three', label: 'L', prompt: 'P', withinDays: 7, requires: Array.from({ length: 6 }, () => ({ kinds: ['observation'], atLeast: 1 })) },
        null,
      ]),
    ).toEqual({
      '0.key': 'The key must start with a lower-case letter and use only lower-case letters, numbers and underscores (2 to 50 characters)',
      '0.label': 'Enter the name of the pattern',
      '0.prompt': 'Enter the prompt practitioners will see',
      '0.withinDays': 'The number of days must be a whole number from 1 to 365',
      '0.requires': 'Add at least one thing the pattern needs',
      '1.label': 'The name of the pattern must be 120 characters or fewer',
      '1.prompt': 'The prompt must be 500 characters or fewer',
      '1.withinDays': 'The number of days must be a whole number from 1 to 365',
      '1.requires.0.kinds': 'Choose at least one kind of chronology entry',
      '1.requires.0.atLeast': 'How many must be a whole number from 1 to 20',
      '2.withinDays': 'The number of days must be a whole number from 1 to 365',
      '2.requires.0.kinds.0': 'Choose a kind of chronology entry from the list',
      '2.requires.0.kinds.1': 'Prompts cannot count towards a pattern: choose what happened, not the prompt about it',
      '2.requires.0.atLeast': 'How many must be a whole number from 1 to 20',
      '2.requires.1': 'Enter what the pattern needs',
      '3.requires': 'A pattern can need up to 5 things',
      '4': 'Enter the pattern',
    });
  });

  it('refuses a key used twice and more than 30 rules', () => {
    const r = DEFAULT_PATTERN_RULES[0] as PatternRule;
    expect(problems([r, { ...r, label: 'Copy' }])).toEqual({
      '1.key': 'The key “missed_appointments_and_move” is already used by another pattern: each pattern needs its own key',
    });
    expect(problems([r, { ...r, withinDays: 2.5 }])).toEqual({
      '1.key': 'The key “missed_appointments_and_move” is already used by another pattern: each pattern needs its own key',
      '1.withinDays': 'The number of days must be a whole number from 1 to 365',
    });
    expect(problems(Array.from({ length: 31 }, (_, i) => ({ ...r, key: `rule_${i}` })))).toEqual({ form: 'There can be up to 30 pattern rules' });
  });
});

describe('evaluatePatterns with the default rules', () => {
  const asOf = new Date(T0 + 200 * DAY);

  it('(a) three missed appointments and a change of address within 56 days prompt closure or flight', () => {
    const events = [ev('appointment_missed', 0), ev('appointment_cancelled_by_family', 14), ev('address_change', 20), ev('appointment_missed', 40)];
    const [match, ...rest] = evaluatePatterns([rule('missed_appointments_and_move')], events, asOf);
    expect(rest).toEqual([]);
    expect(match).toEqual({
      ruleKey: 'missed_appointments_and_move',
      eventIds: ids(events),
      windowStart: new Date('2026-02-14T00:00:00Z'), // 56 days before 11 April, start of the day in England
      windowEnd: new Date(T0 + 40 * DAY),
    });
  });

  it('(a) needs all of it: two missed appointments, or no move, is not the pattern', () => {
    const r = [rule('missed_appointments_and_move')];
    expect(evaluatePatterns(r, [ev('appointment_missed', 0), ev('appointment_missed', 10), ev('address_change', 20)], asOf)).toEqual([]);
    expect(evaluatePatterns(r, [ev('appointment_missed', 0), ev('appointment_missed', 10), ev('appointment_missed', 20)], asOf)).toEqual([]);
    // An attended appointment is not a missed one.
    expect(
      evaluatePatterns(r, [ev('appointment_missed', 0), ev('appointment_attended', 5), ev('appointment_missed', 10), ev('address_change', 20)], asOf),
    ).toEqual([]);
  });

  it('(a) counts entries exactly 56 days apart, but not 57', () => {
    const r = [rule('missed_appointments_and_move')];
    expect(
      evaluatePatterns(r, [ev('appointment_missed', 0), ev('appointment_missed', 20), ev('address_change', 30), ev('appointment_missed', 56)], asOf),
    ).toHaveLength(1);
    expect(
      evaluatePatterns(r, [ev('appointment_missed', 0), ev('appointment_missed', 20), ev('address_change', 30), ev('appointment_missed', 57)], asOf),
    ).toEqual([]);
  });

  it('(b) two no-access visits or refusals within 28 days prompt closure', () => {
    const events = [ev('no_access_visit', 0), ev('refused_to_be_seen', 28)];
    expect(evaluatePatterns([rule('not_seen')], events, asOf).map((m) => m.eventIds)).toEqual([ids(events)]);
    expect(evaluatePatterns([rule('not_seen')], [ev('no_access_visit', 0), ev('no_access_visit', 29)], asOf)).toEqual([]);
  });

  it('(c) two agreed actions not done within 56 days prompt disguised compliance', () => {
    const events = [ev('agreed_action_not_done', 0), ev('observation', 3), ev('agreed_action_not_done', 30)];
    expect(evaluatePatterns([rule('agreed_actions_not_done')], events, asOf)[0]?.eventIds).toEqual([events[0]?.id, events[2]?.id]);
  });

  it('(d) two changes of address, GP, unit, area or name within 84 days prompt flight', () => {
    const r = [rule('repeated_changes')];
    for (const [a, b] of [
      ['address_change', 'gp_change'],
      ['booking_unit_change', 'area_change'],
      ['name_change', 'name_change'],
    ] as const) {
      expect(evaluatePatterns(r, [ev(a, 0), ev(b, 84)], asOf)).toHaveLength(1);
      expect(evaluatePatterns(r, [ev(a, 0), ev(b, 85)], asOf)).toEqual([]);
    }
    expect(evaluatePatterns(r, [ev('address_change', 0)], asOf)).toEqual([]);
  });

  it('(e) selective engagement with an action not done or progress not seen prompts disguised compliance', () => {
    const r = [rule('selective_engagement')];
    expect(evaluatePatterns(r, [ev('selective_engagement', 0), ev('claimed_progress_not_seen', 10)], asOf)).toHaveLength(1);
    expect(evaluatePatterns(r, [ev('agreed_action_not_done', 0), ev('selective_engagement', 56)], asOf)).toHaveLength(1);
    expect(evaluatePatterns(r, [ev('selective_engagement', 0), ev('selective_engagement', 10)], asOf)).toEqual([]);
    expect(evaluatePatterns(r, [ev('claimed_progress_not_seen', 0), ev('agreed_action_not_done', 10)], asOf)).toEqual([]);
  });

  it('returns one match per rule that matches, in rule order', () => {
    const events = [ev('agreed_action_not_done', 0), ev('selective_engagement', 1), ev('agreed_action_not_done', 2), ev('address_change', 3)];
    expect(evaluatePatterns(DEFAULT_PATTERN_RULES, events, asOf).map((m) => m.ruleKey)).toEqual(['agreed_actions_not_done', 'selective_engagement']);
  });
});

describe('evaluatePatterns windows', () => {
  const twoMissed: PatternRule = {
    key: 'two_missed',
    label: 'Two missed',
    prompt: 'Think.',
    withinDays: 7,
    requires: [{ kinds: ['appointment_missed'], atLeast: 2 }],
  };

  it('ignores entries after asOf', () => {
    const events = [ev('appointment_missed', 0), ev('appointment_missed', 3)];
    expect(evaluatePatterns([twoMissed], events, new Date(T0 + 3 * DAY - 1))).toEqual([]);
    expect(evaluatePatterns([twoMissed], events, new Date(T0 + 3 * DAY))).toHaveLength(1);
  });

  it('gives the latest window, anchored at the entry that completed it', () => {
    const early = [ev('appointment_missed', 0), ev('appointment_missed', 2)];
    const late = [ev('appointment_missed', 30), ev('appointment_missed', 31), ev('appointment_missed', 33)];
    const [match] = evaluatePatterns([twoMissed], [...late, ...early], new Date(T0 + 100 * DAY));
    expect(match?.eventIds).toEqual(ids(late));
    expect(match?.windowEnd).toEqual(new Date(T0 + 33 * DAY));
    // 33 days after 2 March is 4 April, in summer time: the window starts at the start of 28 March in England.
    expect(match?.windowStart).toEqual(new Date('2026-03-28T00:00:00Z'));
  });

  it('keeps the last window that held, even if the pattern has since lapsed', () => {
    const events = [ev('appointment_missed', 0), ev('appointment_missed', 2), ev('appointment_missed', 40)];
    expect(evaluatePatterns([twoMissed], events, new Date(T0 + 100 * DAY))[0]?.eventIds).toEqual(ids(events.slice(0, 2)));
  });

  it('leaves entries that do not count out of the match, and sorts what it uses by time', () => {
    const events = [ev('appointment_missed', 5), ev('observation', 1), ev('appointment_attended', 2), ev('appointment_missed', 1)];
    expect(evaluatePatterns([twoMissed], events, new Date(T0 + 100 * DAY))[0]?.eventIds).toEqual([events[3]?.id, events[0]?.id]);
  });

  it('counts a single entry once towards a requirement', () => {
    const e = ev('appointment_missed', 0);
    expect(evaluatePatterns([twoMissed], [e, { ...e }], new Date(T0 + DAY))).toEqual([]);
  });

  it('counts an entry towards every requirement that lists its kind', () => {
    const overlapping: PatternRule = {
      key: 'overlap',
      label: 'Overlap',
      prompt: 'Think.',
      withinDays: 7,
      requires: [
        { kinds: ['appointment_missed', 'no_access_visit'], atLeast: 2 },
        { kinds: ['no_access_visit'], atLeast: 1 },
      ],
    };
    expect(evaluatePatterns([overlapping], [ev('appointment_missed', 0), ev('no_access_visit', 1)], new Date(T0 + 9 * DAY))).toHaveLength(1);
    expect(evaluatePatterns([overlapping], [ev('appointment_missed', 0), ev('appointment_missed', 1)], new Date(T0 + 9 * DAY))).toEqual([]);
  });

  it('counts days as dates in England: 23:30 UTC in summer is already the next day', () => {
    const oneDay: PatternRule = { ...twoMissed, withinDays: 1 };
    const summer = (iso: string, id: string): PatternEvent => ({ id, kind: 'appointment_missed', at: new Date(iso) });
    // 1 July 08:00 and 2 July 23:30 UTC (3 July 00:30 in London) are two days apart in England.
    expect(evaluatePatterns([oneDay], [summer('2026-07-01T08:00:00Z', 'a'), summer('2026-07-02T23:30:00Z', 'b')], new Date('2026-08-01T00:00:00Z'))).toEqual(
      [],
    );
    expect(
      evaluatePatterns([oneDay], [summer('2026-07-01T08:00:00Z', 'a'), summer('2026-07-02T22:30:00Z', 'b')], new Date('2026-08-01T00:00:00Z')),
    ).toHaveLength(1);
  });

  it('ignores kinds it does not know and dates that are not real', () => {
    const events = [ev('appointment_missed', 0), ev('missed_bus', 1), { id: 'bad', kind: 'appointment_missed', at: new Date(Number.NaN) }];
    expect(evaluatePatterns([twoMissed], events, new Date(T0 + 9 * DAY))).toEqual([]);
  });

  it('stays fast on a long chronology', () => {
    const kinds: ChronologyKind[] = ['appointment_missed', 'address_change', 'agreed_action_not_done', 'observation', 'gp_change', 'selective_engagement'];
    const events = Array.from({ length: 5000 }, (_, i) => ev(kinds[(i * 7) % kinds.length] as ChronologyKind, i * 0.37));
    const started = performance.now();
    const matches = evaluatePatterns(DEFAULT_PATTERN_RULES, events, new Date(T0 + 5000 * DAY));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(matches.length).toBeGreaterThan(0);
  });
});

describe('evaluatePatterns properties', () => {
  const KINDS: ChronologyKind[] = ['appointment_missed', 'address_change', 'gp_change', 'agreed_action_not_done', 'observation'];
  const eventsArb = fc
    .array(fc.record({ kind: fc.constantFrom(...KINDS), minutes: fc.integer({ min: 0, max: 120 * 24 * 60 }) }), { maxLength: 40 })
    .map((xs) => xs.map((x, i) => ({ id: `p${i}`, kind: x.kind, at: new Date(T0 + x.minutes * 60_000) })));
  const ruleArb: fc.Arbitrary<PatternRule> = fc.record({
    key: fc.constant('random_rule'),
    label: fc.constant('Random'),
    prompt: fc.constant('Think.'),
    withinDays: fc.integer({ min: 1, max: 60 }),
    requires: fc.array(
      fc.record({ kinds: fc.uniqueArray(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 3 }), atLeast: fc.integer({ min: 1, max: 4 }) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  });
  const asOfArb = fc.integer({ min: 0, max: 130 }).map((d) => new Date(T0 + d * DAY));

  /** The definition, checked the slow way: try every entry as the end of a window, latest first. */
  function slow(r: PatternRule, events: readonly PatternEvent[], asOf: Date): string[] | null {
    const counted = events
      .filter((e) => e.at <= asOf && r.requires.some((q) => (q.kinds as string[]).includes(e.kind)))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
    const day = (e: PatternEvent) => dayNumber(londonDate(e.at));
    for (let j = counted.length - 1; j >= 0; j--) {
      const end = counted[j] as PatternEvent;
      const window = counted.slice(0, j + 1).filter((e) => day(end) - day(e) <= r.withinDays);
      if (r.requires.every((q) => window.filter((e) => (q.kinds as string[]).includes(e.kind)).length >= q.atLeast)) return window.map((e) => e.id);
    }
    return null;
  }

  it('agrees with trying every window', () => {
    fc.assert(
      fc.property(ruleArb, eventsArb, asOfArb, (r, events, asOf) => {
        const [match] = evaluatePatterns([r], events, asOf);
        expect(match?.eventIds ?? null).toEqual(slow(r, events, asOf));
      }),
      { numRuns: 300 },
    );
  });

  it('only uses entries inside its window, on or before asOf', () => {
    fc.assert(
      fc.property(ruleArb, eventsArb, asOfArb, (r, events, asOf) => {
        for (const m of evaluatePatterns([r], events, asOf)) {
          expect(m.windowEnd.getTime()).toBeLessThanOrEqual(asOf.getTime());
          for (const id of m.eventIds) {
            const at = (events.find((e) => e.id === id) as PatternEvent).at.getTime();
            expect(at).toBeGreaterThanOrEqual(m.windowStart.getTime());
            expect(at).toBeLessThanOrEqual(m.windowEnd.getTime());
          }
        }
      }),
    );
  });

  it('does not raise the same prompt twice for the same entries', () => {
    fc.assert(
      fc.property(ruleArb, eventsArb, asOfArb, (r, events, asOf) => {
        const first = promptsToRaise(evaluatePatterns([r], events, asOf), []);
        expect(promptsToRaise(evaluatePatterns([r], events, asOf), first)).toEqual([]);
      }),
    );
  });
});

describe('promptsToRaise', () => {
  const match = (ruleKey: string, eventIds: string[]): PatternMatch => ({ ruleKey, eventIds, windowStart: new Date(T0), windowEnd: new Date(T0 + DAY) });

  it('raises a match no prompt has covered', () => {
    expect(promptsToRaise([match('not_seen', ['a', 'b'])], [])).toEqual([match('not_seen', ['a', 'b'])]);
  });

  it('does not raise it again for the same entries, or for fewer', () => {
    expect(promptsToRaise([match('not_seen', ['a', 'b'])], [{ ruleKey: 'not_seen', eventIds: ['a', 'b'] }])).toEqual([]);
    expect(promptsToRaise([match('not_seen', ['b'])], [{ ruleKey: 'not_seen', eventIds: ['a', 'b'] }])).toEqual([]);
  });

  it('raises it again when a new entry is part of it', () => {
    expect(promptsToRaise([match('not_seen', ['b', 'c'])], [{ ruleKey: 'not_seen', eventIds: ['a', 'b'] }])).toHaveLength(1);
  });

  it('counts entries covered by any earlier prompt of the same rule, and only that rule', () => {
    const existing = [
      { ruleKey: 'not_seen', eventIds: ['a', 'b'] },
      { ruleKey: 'not_seen', eventIds: ['c'] },
      { ruleKey: 'repeated_changes', eventIds: ['d'] },
    ];
    expect(promptsToRaise([match('not_seen', ['a', 'c'])], existing)).toEqual([]);
    expect(promptsToRaise([match('not_seen', ['c', 'd'])], existing)).toHaveLength(1);
    expect(promptsToRaise([match('repeated_changes', ['a', 'd'])], existing)).toHaveLength(1);
  });

  it('with the real rules: answering stops it, a new missed appointment brings it back', () => {
    const r = [rule('missed_appointments_and_move')];
    const events = [ev('appointment_missed', 0), ev('appointment_missed', 7), ev('address_change', 10), ev('appointment_missed', 14)];
    const first = promptsToRaise(evaluatePatterns(r, events, new Date(T0 + 20 * DAY)), []);
    expect(first).toHaveLength(1);
    expect(promptsToRaise(evaluatePatterns(r, events, new Date(T0 + 40 * DAY)), first)).toEqual([]);
    const more = [...events, ev('appointment_missed', 45)];
    const again = promptsToRaise(evaluatePatterns(r, more, new Date(T0 + 50 * DAY)), first);
    expect(again).toHaveLength(1);
    expect(again[0]?.eventIds).toEqual(ids(more));
  });
});
