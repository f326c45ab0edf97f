import { describe, expect, it } from 'vitest';
import { cloneParameters, DEFAULT_PARAMETERS } from './defaults';
import { FIELDS, type FieldExplanation, type FieldName, type Identity, LEVELS, type Query } from './model';
import { makeNameToken, prepareRecord } from './prepare';
import {
  bandFor,
  compareDob,
  compareEdd,
  compareNameTokens,
  compareNhs,
  compareOtherIds,
  comparePostcodes,
  compileParameters,
  formatWeight,
  MISSING,
  probabilityFromScore,
  scorePair,
  type TermFrequencies,
} from './score';
import { parsePostcode } from './normalise';

const cp = compileParameters(DEFAULT_PARAMETERS);

const base: Identity = {
  id: 'i1',
  subjectId: 's1',
  givenNames: ['Elizabeth', 'Anne'],
  familyNames: ['Robinson', 'Okafor'],
  dateOfBirth: '1990-03-14',
  nhsNumber: '9434765919',
  postcodes: ['SO16 4XX', 'PO1 2AB'],
  edd: '2027-01-10',
  sex: 'F',
  otherIds: ['RHM1234567'],
};

function explain(q: Query, r: Identity = base, tf: TermFrequencies | null = null): Record<FieldName, FieldExplanation> {
  const out: FieldExplanation[] = [];
  const total = scorePair(prepareRecord(q), prepareRecord(r), cp, tf, undefined, out);
  expect(total).toBeCloseTo(
    out.reduce((a, e) => a + e.weight, 0),
    9,
  );
  return Object.fromEntries(out.map((e) => [e.field, e])) as Record<FieldName, FieldExplanation>;
}

const t = makeNameToken;

describe('name token comparison levels', () => {
  it.each([
    ['robinson', 'robinson', false, 'exact'],
    ['beth', 'elizabeth', true, 'nickname'],
    ['jonathan', 'jonathon', false, 'jw94'],
    ['stephens', 'stevens', false, 'phonetic'],
    ['robinson', 'rodinson', false, 'jw88'],
    ['r', 'robinson', false, 'initial'],
    ['robinson', 'jones', false, 'different'],
    ['beth', 'elizabeth', false, 'different'],
  ] as const)('%s vs %s (nicknames %s) → %s', (a, b, nick, level) => {
    expect(LEVELS.forename[compareNameTokens(t(a), t(b), nick)]).toBe(level);
  });
});

describe('forename levels in a full comparison', () => {
  it.each([
    [{ givenNames: ['Elizabeth'] }, 'exact'],
    [{ givenNames: ['Anne'] }, 'exact'],
    [{ givenNames: ['Beth'] }, 'nickname'],
    [{ givenNames: ['Lizzie'] }, 'nickname'],
    [{ givenNames: ['Elisabeth'] }, 'nickname'],
    [{ givenNames: ['Elizabet'] }, 'jw94'],
    [{ givenNames: ['E'] }, 'initial'],
    [{ givenNames: ['Fatima'] }, 'different'],
    [{ givenNames: [] }, 'missing'],
  ] as const)('%j → %s', (q, level) => {
    const e = explain({ givenNames: [...q.givenNames], familyNames: ['Robinson'] }).forename;
    expect(e.level).toBe(level);
    if (level === 'missing') {
      expect(e.weight).toBe(0);
      expect(e.text).toBe('forename: not given');
    }
  });

  it('forename and surname swapped', () => {
    const e = explain({ givenNames: ['Robinson'], familyNames: ['Elizabeth'] });
    expect(e.forename.level).toBe('swapped');
    expect(e.surname.level).toBe('swapped');
    expect(e.forename.text).toMatch(/^forename: matches the recorded surname \(forename and surname swapped\), \+\d/);
    expect(e.forename.weight + e.surname.weight).toBeGreaterThan(8);
  });
});

describe('surname levels', () => {
  it.each([
    ['Robinson', 'exact'],
    ['Okafor', 'exact'], // previous surname
    ['Robinsen', 'jw94'],
    ['Rodinson', 'jw88'],
    ['Okafur', 'phonetic'],
    ['R', 'initial'],
    ['Nowak', 'different'],
  ] as const)('%s → %s', (surname, level) => {
    expect(explain({ givenNames: ['Elizabeth'], familyNames: [surname] }).surname.level).toBe(level);
  });

  it('weighs a rare surname more than a common one (term frequency)', () => {
    const tf: TermFrequencies = {
      total: 100_000,
      givenCount: () => 100,
      familyCount: (s) => (s === 'robinson' ? 2000 : 1),
    };
    const common = explain({ familyNames: ['Robinson'] }, base, tf).surname;
    const rare = explain({ familyNames: ['Okafor'] }, base, tf).surname;
    expect(rare.weight).toBeGreaterThan(common.weight + 3);
    expect(common.text).toContain('(common name)');
    expect(rare.text).toContain('(uncommon name)');
  });
});

describe('date of birth levels', () => {
  it.each([
    ['19900314', '19900314', 'exact'],
    ['19900304', '19900403', 'dayMonthSwapped'],
    ['19900314', '19900315', 'oneEdit'],
    ['19900314', '19900341', 'oneEdit'],
    ['19900314', '19090314', 'oneEdit'],
    ['19900314', '19910314', 'oneEdit'], // one digit: the year ±1 level is for 1989/1990 style changes
    ['19900314', '19890314', 'yearPlusMinusOne'],
    ['19900314', '19851122', 'different'],
  ] as const)('%s vs %s → %s', (a, b, level) => {
    expect(LEVELS.dateOfBirth[compareDob(a, b)]).toBe(level);
  });

  it('day and month swapped in a full comparison explains itself', () => {
    const e = explain({ dateOfBirth: '1990-03-04' }, { ...base, dateOfBirth: '1990-04-03' }).dateOfBirth;
    expect(e.level).toBe('dayMonthSwapped');
    expect(e.text).toMatch(/^date of birth: day and month swapped, \+\d+\.\d$/);
  });

  it('accepts DD/MM/YYYY in a query and treats an unparseable DOB as not given', () => {
    expect(explain({ dateOfBirth: '14/03/1990' }).dateOfBirth.level).toBe('exact');
    const e = explain({ dateOfBirth: 'unknown' }).dateOfBirth;
    expect(e.level).toBe('missing');
    expect(e.text).toBe('date of birth: not given');
    expect(compareDob(null, '19900314')).toBe(MISSING);
  });
});

describe('postcode levels (against any known postcode)', () => {
  const pc = (...xs: string[]) => xs.map((x) => parsePostcode(x)).filter((x) => x !== null);
  it.each([
    ['SO16 4XX', 'full'],
    ['PO1 2AB', 'full'], // previous address
    ['SO16 4AB', 'sector'],
    ['SO16 7AB', 'district'],
    ['SO17 1AA', 'area'],
    ['M1 1AE', 'different'],
  ] as const)('%s → %s', (q, level) => {
    expect(LEVELS.postcode[comparePostcodes(pc(q), pc('SO16 4XX', 'PO1 2AB'))]).toBe(level);
  });

  it('compares FEBRL numeric codes by their prefixes', () => {
    expect(LEVELS.postcode[comparePostcodes(pc('4223'), pc('4223'))]).toBe('full');
    expect(LEVELS.postcode[comparePostcodes(pc('4224'), pc('4223'))]).toBe('sector');
    expect(LEVELS.postcode[comparePostcodes(pc('4233'), pc('4223'))]).toBe('district');
    expect(LEVELS.postcode[comparePostcodes(pc('3223'), pc('4223'))]).toBe('different');
    expect(comparePostcodes([], pc('4223'))).toBe(MISSING);
  });

  it('counts a shared surname and full postcode as household evidence, not two coincidences', () => {
    const withSurname = explain({ familyNames: ['Robinson'], postcodes: ['SO16 4XX'] }).postcode;
    const withoutSurname = explain({ familyNames: ['Nowak'], postcodes: ['SO16 4XX'] }).postcode;
    expect(withSurname.level).toBe('full');
    expect(withSurname.weight).toBeLessThan(withoutSurname.weight - 5);
    expect(withSurname.text).toContain('could be a relative at the same address');
  });
});

describe('NHS number levels', () => {
  it.each([
    ['9434765919', 'exact'],
    ['4934765919', 'transposition'],
    ['9434775919', 'oneDigit'],
    ['9434765870', 'differentValid'],
    ['1111111112', 'invalid'],
    ['12345', 'invalid'],
  ] as const)('%s → %s', (q, level) => {
    const e = explain({ nhsNumber: q }).nhsNumber;
    expect(e.level).toBe(level);
  });

  it('a different valid number is strong evidence against; an unrelated invalid one is neutral', () => {
    expect(explain({ nhsNumber: '9434765870' }).nhsNumber.weight).toBeLessThan(-5);
    expect(explain({ nhsNumber: '1111111112' }).nhsNumber.weight).toBeCloseTo(0, 6);
    expect(explain({ nhsNumber: '4934765919' }).nhsNumber.weight).toBeGreaterThan(10);
    expect(compareNhs(null, false, '9434765919', true)).toBe(MISSING);
  });

  it('explains a transposed number in words', () => {
    expect(explain({ nhsNumber: '4934765919' }).nhsNumber.text).toMatch(
      /^NHS number: given number is invalid; two adjacent digits swapped from the recorded number, \+\d/,
    );
  });
});

describe('EDD, other identifier and sex levels', () => {
  it.each([
    ['2027-01-24', 'within2Weeks'],
    ['2026-12-27', 'within2Weeks'],
    ['2027-01-25', 'within6Weeks'],
    ['2027-02-21', 'within6Weeks'],
    ['2027-02-22', 'different'],
  ] as const)('EDD %s vs 2027-01-10 → %s', (edd, level) => {
    expect(explain({ edd }).edd.level).toBe(level);
  });

  it('compares EDD day numbers', () => {
    expect(compareEdd(null, 5)).toBe(MISSING);
    expect(LEVELS.edd[compareEdd(0, 14)]).toBe('within2Weeks');
  });

  it.each([
    [['RHM1234567'], 'exact'],
    [['rhm 1234567'], 'exact'],
    [['RHM1234576'], 'oneEdit'],
    [['RHM7654321'], 'different'],
  ] as const)('other id %j → %s', (ids, level) => {
    expect(explain({ otherIds: [...ids] }).otherId.level).toBe(level);
  });

  it('does not call short identifiers one edit apart', () => {
    expect(LEVELS.otherId[compareOtherIds(['1234'], ['1243'])]).toBe('different');
  });

  it('sex same / different / not given', () => {
    expect(explain({ sex: 'female' }).sex.level).toBe('same');
    expect(explain({ sex: 'M' }).sex.level).toBe('different');
    expect(explain({ sex: 'unknown' }).sex.level).toBe('missing');
  });
});

describe('explanations', () => {
  it('gives one line per field, in a fixed order, with signed weights', () => {
    const lines = Object.values(explain({ givenNames: ['Beth'], familyNames: ['Nowak'], dateOfBirth: '1990-03-14', postcodes: ['SO16 4AB'] }));
    expect(lines.map((l) => l.field)).toEqual([...FIELDS]);
    const byField = Object.fromEntries(lines.map((l) => [l.field, l.text]));
    expect(byField.surname).toMatch(/^surname: different, \u2212\d+\.\d$/);
    expect(byField.forename).toMatch(/^forename: a known short form or variant of the recorded name, \+\d+\.\d$/);
    expect(byField.dateOfBirth).toMatch(/^date of birth: same, \+\d+\.\d$/);
    expect(byField.postcode).toMatch(/^postcode: same sector/);
    expect(byField.edd).toBe('due date (EDD): not given');
  });

  it('formats weights with a sign and a true minus', () => {
    expect(formatWeight(4.06)).toBe('+4.1');
    expect(formatWeight(-3.24)).toBe('\u22123.2');
    expect(formatWeight(0.01)).toBe('0');
  });

  it('never reveals recorded values in the text', () => {
    const e = Object.values(explain({ givenNames: ['Beth'], familyNames: ['Robinsen'], postcodes: ['SO16 4AB'], nhsNumber: '4934765919' }));
    for (const line of e) {
      expect(line.text).not.toMatch(/elizabeth|robinson|SO16 4XX|9434765919/i);
    }
  });
});

describe('parameters, probability and bands', () => {
  it('defaults: m and u each sum to about 1 per field, and agreement weighs more than disagreement', () => {
    for (const f of FIELDS) {
      const table = DEFAULT_PARAMETERS.fields[f] as Record<string, { m: number; u: number }>;
      const ms = Object.values(table).reduce((a, x) => a + x.m, 0);
      const us = Object.values(table).reduce((a, x) => a + x.u, 0);
      expect(ms, f).toBeGreaterThan(0.98);
      expect(ms, f).toBeLessThan(1.02);
      expect(us, f).toBeGreaterThan(0.98);
      expect(us, f).toBeLessThan(1.02);
      const w = cp.weights[f];
      // The best level is positive evidence and the worst is negative evidence.
      expect(Math.max(...w), f).toBe(w[0]);
      expect(w[0] as number, f).toBeGreaterThan(0);
      expect(Math.min(...w), f).toBeLessThan(0);
    }
  });

  it('probability rises with score and reflects the prior', () => {
    expect(probabilityFromScore(13, -13)).toBeCloseTo(0.5, 9);
    expect(probabilityFromScore(30, -13)).toBeGreaterThan(0.9999);
    expect(probabilityFromScore(0, -13)).toBeLessThan(0.001);
    expect(probabilityFromScore(1000, -13)).toBe(1);
  });

  it('bands follow the thresholds', () => {
    const th = DEFAULT_PARAMETERS.thresholds;
    expect(bandFor(th.strong, th)).toBe('strong');
    expect(bandFor(th.strong - 0.01, th)).toBe('possible');
    expect(bandFor(th.possible, th)).toBe('possible');
    expect(bandFor(th.possible - 0.01, th)).toBe('none');
  });

  it('a full agreement is strong, a stranger is none', () => {
    const same = scorePair(prepareRecord(base), prepareRecord(base), cp, null);
    expect(bandFor(same, DEFAULT_PARAMETERS.thresholds)).toBe('strong');
    const stranger: Query = { givenNames: ['Fatima'], familyNames: ['Nowak'], dateOfBirth: '1985-11-22', postcodes: ['M1 1AE'], nhsNumber: '9434765870' };
    expect(bandFor(scorePair(prepareRecord(stranger), prepareRecord(base), cp, null), DEFAULT_PARAMETERS.thresholds)).toBe('none');
  });

  it('cloneParameters gives an independent copy', () => {
    const p = cloneParameters();
    p.fields.forename.exact.m = 0.1;
    expect(DEFAULT_PARAMETERS.fields.forename.exact.m).toBe(0.8);
  });
});
