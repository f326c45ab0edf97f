import { describe, expect, it } from 'vitest';
import {
  comparableValue,
  inconsistencyEpisodes,
  describeValue,
  disagreesWith,
  type FactField,
  factInputSchema,
  type FactValue,
  type FactView,
  findInconsistencies,
} from './demographics';
import { zodFieldErrors } from '../platform/errors';

const TODAY = '2026-11-27';
const schema = factInputSchema(TODAY);
const base = { subject: 'mother', source: 'self_reported', sourceDate: '2026-11-20' };

/** The field → message map a form would show for this input (first message per field), or null when it is valid. */
function problems(input: Record<string, unknown>): Record<string, string> | null {
  const r = schema.safeParse(input);
  return r.success ? null : zodFieldErrors(r.error.issues);
}

const cmp = (field: FactField, value: Record<string, unknown>) => comparableValue(field, value as FactValue);

let seq = 0;
const fact = (over: Partial<FactView> & Pick<FactView, 'field' | 'comparable'>): FactView => ({
  id: `f${++seq}`,
  subject: 'mother',
  source: 'self_reported',
  sourceDate: '2026-11-01',
  superseded: false,
  ...over,
});

describe('comparable values: what makes two values the same', () => {
  it.each([
    ['name: case and spacing', 'name', { given: ' marisol ', family: 'QUENNELL' }, { given: 'Marisol', family: 'Quennell' }],
    ['name: accents', 'name', { given: 'Siobhán', family: 'Quennell' }, { given: 'Siobhan', family: 'Quennell' }],
    ['name: apostrophes', 'name', { given: 'Aoife', family: "O'Brien" }, { given: 'Aoife', family: 'OBrien' }],
    ['name: typographic apostrophe and a space', 'name', { given: 'Aoife', family: 'O’Brien' }, { given: 'Aoife', family: 'O Brien' }],
    ['name: hyphen or space', 'name', { given: 'Marisol', family: 'Smith-Jones' }, { given: 'Marisol', family: 'Smith Jones' }],
    ['postcode: format', 'address', { line: '14 Tarn Road', postcode: 'SO16 4XX' }, { line: '14 tarn road', postcode: 'so164xx' }],
    [
      'address: flat written differently, same postcode',
      'address',
      { line: 'Flat 2, 14 Tarn Road', postcode: 'SO16 4XX' },
      { line: '14 Tarn Road flat 2', postcode: 'SO16 4XX' },
    ],
    ['address without postcode: punctuation', 'address', { line: '14, Tarn Road.', postcode: null }, { line: '14 tarn road', postcode: null }],
    ['NHS number: spacing', 'nhs_number', { number: '943 476 5919' }, { number: '9434765919' }],
    ['phone: international prefix', 'phone', { number: '+44 7700 900123' }, { number: '07700 900123' }],
    ['phone: brackets and dashes', 'phone', { number: '(023) 8077-7222' }, { number: '023 8077 7222' }],
    [
      'GP: ODS code case',
      'gp_practice',
      { practice: 'Shirley Health Partnership', odsCode: 'j82001' },
      { practice: 'Shirley Health Partnership (Hill Lane)', odsCode: 'J82001' },
    ],
    ['GP: name punctuation', 'gp_practice', { practice: 'St. Mary’s Surgery', odsCode: null }, { practice: 'St Marys Surgery', odsCode: null }],
  ] as const)('%s', (_what, field, a, b) => {
    expect(cmp(field, a)).toBe(cmp(field, b));
  });

  it.each([
    ['a different family name', 'name', { given: 'Marisol', family: 'Quennell' }, { given: 'Marisol', family: 'Brightwater' }],
    ['given and family names swapped', 'name', { given: 'Marisol', family: 'Quennell' }, { given: 'Quennell', family: 'Marisol' }],
    ['day and month swapped', 'date_of_birth', { date: '1998-07-05' }, { date: '1998-05-07' }],
    ['another postcode', 'address', { line: '14 Tarn Road', postcode: 'SO16 4XX' }, { line: '14 Tarn Road', postcode: 'SO16 6YD' }],
    ['another first line, no postcodes', 'address', { line: '14 Tarn Road', postcode: null }, { line: '2 Mill Road', postcode: null }],
    ['another NHS number', 'nhs_number', { number: '9434765919' }, { number: '9434765870' }],
    ['another phone', 'phone', { number: '07700 900123' }, { number: '07700 900124' }],
    [
      'another practice',
      'gp_practice',
      { practice: 'Shirley Health Partnership', odsCode: 'J82001' },
      { practice: 'Shirley Health Partnership', odsCode: 'J82002' },
    ],
  ] as const)('different: %s', (_what, field, a, b) => {
    expect(cmp(field, a)).not.toBe(cmp(field, b));
  });
});

describe('describing a value in one line', () => {
  it.each([
    ['name', { given: 'Marisol', family: 'Quennell' }, 'Marisol Quennell'],
    ['date_of_birth', { date: '1998-07-14' }, '14 July 1998'],
    ['date_of_birth', { date: 'not a date' }, ''],
    ['address', { line: '14 Tarn Road', postcode: 'SO16 4XX' }, '14 Tarn Road, SO16 4XX'],
    ['address', { line: '14 Tarn Road', postcode: null }, '14 Tarn Road'],
    ['nhs_number', { number: '9434765919' }, '943 476 5919'],
    ['gp_practice', { practice: 'Shirley Health Partnership', odsCode: 'J82001' }, 'Shirley Health Partnership (J82001)'],
    ['gp_practice', { practice: 'Shirley Health Partnership', odsCode: null }, 'Shirley Health Partnership'],
    ['phone', { number: '07700 900123' }, '07700 900123'],
  ] as const)('%s %j → %s', (field, value, text) => {
    expect(describeValue(field, value)).toBe(text);
  });

  it('copes with a missing value (an old row, a purged one)', () => {
    expect(describeValue('name', null)).toBe('');
    expect(describeValue('phone', undefined)).toBe('');
  });
});

describe('inconsistencies: current facts that disagree', () => {
  it('one value from several sources is not an inconsistency', () => {
    const facts = [
      fact({ field: 'date_of_birth', comparable: '1998-07-14', source: 'self_reported' }),
      fact({ field: 'date_of_birth', comparable: '1998-07-14', source: 'pds_verified' }),
    ];
    expect(findInconsistencies(facts)).toEqual([]);
  });

  it('two values are, grouped by value with each value’s sources', () => {
    const a = fact({ field: 'date_of_birth', comparable: '1998-07-14', source: 'self_reported' });
    const b = fact({ field: 'date_of_birth', comparable: '1998-07-14', source: 'id_document' });
    const c = fact({ field: 'date_of_birth', comparable: '1996-11-23', source: 'other_agency' });
    const d = fact({ field: 'date_of_birth', comparable: '1998-07-14', source: 'self_reported' });
    expect(findInconsistencies([a, b, c, d])).toEqual([
      {
        subject: 'mother',
        field: 'date_of_birth',
        groups: [
          { comparable: '1998-07-14', factIds: [a.id, b.id, d.id], sources: ['self_reported', 'id_document'] },
          { comparable: '1996-11-23', factIds: [c.id], sources: ['other_agency'] },
        ],
      },
    ]);
  });

  it('a superseded value does not count: marking the wrong one resolves it, and the history stays with the caller', () => {
    const right = fact({ field: 'address', comparable: 'SO164XX' });
    const old = fact({ field: 'address', comparable: 'PO12AL', superseded: true });
    expect(findInconsistencies([right, old])).toEqual([]);
  });

  it('the mother’s and the baby’s details are compared separately, and listed mother first in field order', () => {
    const facts = [
      fact({ subject: 'baby', field: 'name', comparable: 'baby|quennell' }),
      fact({ subject: 'baby', field: 'name', comparable: 'baby|brightwater' }),
      fact({ field: 'phone', comparable: '07700900123' }),
      fact({ field: 'phone', comparable: '07700900124' }),
      fact({ field: 'name', comparable: 'marisol|quennell' }),
      fact({ field: 'name', comparable: 'marisol|brightwater' }),
      fact({ subject: 'baby', field: 'date_of_birth', comparable: '2026-11-20' }),
      fact({ field: 'date_of_birth', comparable: '2026-11-20' }),
    ];
    expect(findInconsistencies(facts).map((i) => `${i.subject}:${i.field}`)).toEqual(['mother:name', 'mother:phone', 'baby:name']);
  });
});

describe('disagreesWith: the moment a new fact should be flagged', () => {
  const current = [
    fact({ id: 'dob-1', field: 'date_of_birth', comparable: '1998-07-14' }),
    fact({ id: 'dob-old', field: 'date_of_birth', comparable: '1990-01-01', superseded: true }),
    fact({ id: 'baby-dob', subject: 'baby', field: 'date_of_birth', comparable: '2026-11-20' }),
    fact({ id: 'name-1', field: 'name', comparable: 'marisol|quennell' }),
  ];

  it('returns the current facts for the same detail with another value', () => {
    expect(disagreesWith({ subject: 'mother', field: 'date_of_birth', comparable: '1996-11-23' }, current).map((f) => f.id)).toEqual(['dob-1']);
  });

  it('is empty for the same value, for superseded facts, and for the other subject', () => {
    expect(disagreesWith({ subject: 'mother', field: 'date_of_birth', comparable: '1998-07-14' }, current)).toEqual([]);
    expect(disagreesWith({ subject: 'baby', field: 'date_of_birth', comparable: '2026-11-20' }, current)).toEqual([]);
    expect(disagreesWith({ subject: 'mother', field: 'phone', comparable: '07700900123' }, current)).toEqual([]);
  });
});

describe('checking a new fact', () => {
  it('accepts a complete fact, tidying what was typed', () => {
    expect(schema.parse({ ...base, field: 'nhs_number', value: { number: ' 943 476 5919 ' } })).toEqual({
      subject: 'mother',
      field: 'nhs_number',
      value: { number: '9434765919' },
      source: 'self_reported',
      sourceDetail: null,
      sourceDate: '2026-11-20',
    });
    expect(
      schema.parse({
        ...base,
        subject: 'baby',
        field: 'address',
        value: { line: ' 14 Tarn Road ', postcode: 'so16  4xx' },
        source: 'id_document',
        sourceDetail: ' Tenancy agreement ',
      }),
    ).toMatchObject({
      subject: 'baby',
      value: { line: '14 Tarn Road', postcode: 'SO16 4XX' },
      sourceDetail: 'Tenancy agreement',
    });
  });

  it('the subject defaults to the mother', () => {
    const { subject: _omit, ...rest } = base;
    expect(schema.parse({ ...rest, field: 'phone', value: { number: '07700 900123' } }).subject).toBe('mother');
  });

  it.each([
    ['no detail chosen', { ...base, value: {} }, { field: 'Choose which detail this is' }],
    ['an unknown detail', { ...base, field: 'shoe_size', value: {} }, { field: 'Choose which detail this is' }],
    [
      'an unknown subject',
      { ...base, subject: 'father', field: 'phone', value: { number: '07700 900123' } },
      { subject: 'Choose whether this is about the mother or the baby' },
    ],
    ['no source', { ...base, source: undefined, field: 'phone', value: { number: '07700 900123' } }, { source: 'Choose where this detail came from' }],
    [
      'no source date',
      { ...base, sourceDate: undefined, field: 'phone', value: { number: '07700 900123' } },
      { sourceDate: 'Enter the date the source gave this detail' },
    ],
    [
      'a source date that is not a date',
      { ...base, sourceDate: '2026-02-30', field: 'phone', value: { number: '07700 900123' } },
      { sourceDate: 'The date the source gave it must be a real date' },
    ],
    [
      'a source date in the future',
      { ...base, sourceDate: '2026-11-28', field: 'phone', value: { number: '07700 900123' } },
      { sourceDate: 'The date the source gave it cannot be in the future' },
    ],
    [
      'another agency, not named',
      { ...base, source: 'other_agency', field: 'phone', value: { number: '07700 900123' } },
      { sourceDetail: 'Enter which agency reported this detail' },
    ],
    [
      'a document, not named',
      { ...base, source: 'id_document', sourceDetail: '  ', field: 'phone', value: { number: '07700 900123' } },
      { sourceDetail: 'Enter which document was seen, like passport or driving licence' },
    ],
    ['a name without a last name', { ...base, field: 'name', value: { given: 'Marisol', family: ' ' } }, { 'value.family': 'Enter the last name' }],
    ['a name with neither part', { ...base, field: 'name', value: {} }, { 'value.given': 'Enter the first name', 'value.family': 'Enter the last name' }],
    [
      'a very long name',
      { ...base, field: 'name', value: { given: 'M'.repeat(101), family: 'Quennell' } },
      { 'value.given': 'Must be 100 characters or fewer' },
    ],
    ['no date of birth', { ...base, field: 'date_of_birth', value: {} }, { 'value.date': 'Enter the date of birth' }],
    [
      'a date of birth that is not a date',
      { ...base, field: 'date_of_birth', value: { date: '1998-02-30' } },
      { 'value.date': 'Date of birth must be a real date' },
    ],
    ['a date of birth before 1900', { ...base, field: 'date_of_birth', value: { date: '1899-12-31' } }, { 'value.date': 'Date of birth must be after 1900' }],
    [
      'a date of birth in the future',
      { ...base, field: 'date_of_birth', value: { date: '2026-12-01' } },
      { 'value.date': 'Date of birth must be today or in the past' },
    ],
    [
      'a date of birth after the source gave it',
      { ...base, subject: 'baby', field: 'date_of_birth', value: { date: '2026-11-25' } },
      { 'value.date': 'Date of birth must be on or before the date the source gave it' },
    ],
    ['an address with no first line', { ...base, field: 'address', value: { postcode: 'SO16 4XX' } }, { 'value.line': 'Enter the address' }],
    [
      'a postcode that is not one',
      { ...base, field: 'address', value: { line: '14 Tarn Road', postcode: 'SO16' } },
      { 'value.postcode': 'Enter a real postcode, like SO16 6YD' },
    ],
    ['an empty NHS number', { ...base, field: 'nhs_number', value: { number: ' ' } }, { 'value.number': 'Enter the NHS number' }],
    ['a short NHS number', { ...base, field: 'nhs_number', value: { number: '943 476' } }, { 'value.number': 'NHS number must be 10 digits' }],
    [
      'a wrong check digit',
      { ...base, field: 'nhs_number', value: { number: '943 476 5918' } },
      { 'value.number': 'Enter a valid NHS number: the last digit (the check digit) does not match' },
    ],
    ['a GP practice with no name', { ...base, field: 'gp_practice', value: { odsCode: 'J82001' } }, { 'value.practice': 'Enter the GP practice' }],
    [
      'a phone number with letters',
      { ...base, field: 'phone', value: { number: 'ring her mum' } },
      { 'value.number': 'Enter a phone number, like 07700 900123' },
    ],
  ] as const)('refuses %s, saying what to do', (_what, input, expected) => {
    expect(problems(input as Record<string, unknown>)).toEqual(expected);
  });

  it('accepts a baby born today, given today', () => {
    expect(problems({ ...base, subject: 'baby', field: 'date_of_birth', value: { date: TODAY }, sourceDate: TODAY })).toBeNull();
  });
});

describe('inconsistencyEpisodes: every stretch of time two current facts disagreed', () => {
  const at = (day: number) => new Date(Date.UTC(2026, 0, day, 10));
  const fact = (id: string, comparable: string, recorded: number, superseded: number | null = null, field = 'address') => ({
    id,
    subject: 'mother',
    field,
    comparable,
    recordedAt: at(recorded),
    supersededAt: superseded === null ? null : at(superseded),
  });

  it('opens when a second value is recorded and closes when one is superseded', () => {
    expect(inconsistencyEpisodes([fact('a', 'x', 1, 5), fact('b', 'y', 3)])).toEqual([
      { factId: 'b', subject: 'mother', field: 'address', arisenAt: at(3), resolvedAt: at(5) },
    ]);
  });

  it('stays open while they still disagree, and counts each detail apart', () => {
    expect(inconsistencyEpisodes([fact('a', 'x', 1), fact('b', 'y', 3), fact('c', 'p', 2, null, 'name'), fact('d', 'p', 4, null, 'name')])).toEqual([
      { factId: 'b', subject: 'mother', field: 'address', arisenAt: at(3), resolvedAt: null },
    ]);
  });

  it('is not an inconsistency when the old value is superseded as the new one is recorded, or the same value comes again', () => {
    expect(inconsistencyEpisodes([fact('a', 'x', 1, 3), fact('b', 'y', 3), fact('c', 'y', 4)])).toEqual([]);
  });

  it('can happen again after it was resolved', () => {
    const episodes = inconsistencyEpisodes([fact('a', 'x', 1, 4), fact('b', 'y', 2), fact('c', 'z', 6, 9)]);
    expect(episodes.map((e) => [e.factId, e.arisenAt, e.resolvedAt])).toEqual([
      ['b', at(2), at(4)],
      ['c', at(6), at(9)],
    ]);
  });
});
