import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS } from './defaults';
import { MatchIndex } from './index';
import type { Identity } from './model';

function identity(id: string, subjectId: string, over: Partial<Identity> = {}): Identity {
  return {
    id,
    subjectId,
    givenNames: ['Elizabeth'],
    familyNames: ['Robinson'],
    dateOfBirth: '1990-03-04',
    postcodes: ['SO16 4XX'],
    ...over,
  };
}

function register(): MatchIndex {
  const idx = new MatchIndex();
  idx.add(identity('a1', 'A', { nhsNumber: '9434765919', edd: '2027-01-10', sex: 'F', otherIds: ['RHM1234567'] }));
  idx.add(identity('a2', 'A', { givenNames: ['Lisa'], familyNames: ['Okafor'] })); // alias of A
  idx.add(identity('b1', 'B', { givenNames: ['Katherine'], familyNames: ['Nowak'], dateOfBirth: '1988-11-22', postcodes: ['PO1 2AB'] }));
  idx.add(identity('c1', 'C', { givenNames: ['Amina'], familyNames: ['Hassan'], dateOfBirth: '1995-06-30', postcodes: ['RG21 7QA'], nhsNumber: '9434765870' }));
  idx.add(identity('d1', 'D', { givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1972-08-19', postcodes: ['M1 1AE'] }));
  return idx;
}

describe('MatchIndex: adding and removing', () => {
  it('tracks size, subjects and ids', () => {
    const idx = register();
    expect(idx.size).toBe(5);
    expect(idx.stats().subjects).toBe(4);
    expect(idx.has('a2')).toBe(true);
    expect(idx.remove('a2')).toBe(true);
    expect(idx.remove('a2')).toBe(false);
    expect(idx.size).toBe(4);
    expect(idx.removeSubject('A')).toBe(1);
    expect(idx.removeSubject('A')).toBe(0);
    expect(idx.size).toBe(3);
    expect(idx.stats().subjects).toBe(3);
  });

  it('a removed identity or subject is no longer found', () => {
    const idx = register();
    expect(idx.search({ nhsNumber: '9434765919' })[0]?.subjectId).toBe('A');
    idx.removeSubject('A');
    expect(idx.search({ nhsNumber: '9434765919' }).some((c) => c.subjectId === 'A')).toBe(false);
    expect(idx.search({ givenNames: ['Lisa'], familyNames: ['Okafor'], dateOfBirth: '1990-03-04' }).some((c) => c.subjectId === 'A')).toBe(false);
  });

  it('re-adding an id replaces the identity', () => {
    const idx = register();
    idx.add(identity('b1', 'B', { givenNames: ['Zofia'], familyNames: ['Wozniak'], dateOfBirth: '1999-01-01', postcodes: ['PO1 2AB'] }));
    expect(idx.size).toBe(5);
    const top = idx.search({ givenNames: ['Zofia'], familyNames: ['Wozniak'], dateOfBirth: '1999-01-01' })[0];
    expect(top?.identityId).toBe('b1');
    expect(top?.band).toBe('strong');
    expect(idx.search({ givenNames: ['Katherine'], familyNames: ['Nowak'], dateOfBirth: '1988-11-22' })[0]?.band).not.toBe('strong');
  });

  it('stays correct after many removals trigger a rebuild of the postings', () => {
    const idx = new MatchIndex();
    for (let i = 0; i < 3000; i++)
      idx.add(identity(`x${i}`, `X${i}`, { givenNames: [`name${i % 97}`], dateOfBirth: `19${50 + (i % 40)}-01-${String(1 + (i % 28)).padStart(2, '0')}` }));
    for (let i = 0; i < 2500; i++) idx.remove(`x${i}`);
    expect(idx.size).toBe(500);
    expect(idx.stats().deadSlots).toBeLessThan(2500);
    const q = {
      givenNames: ['name' + (2999 % 97)],
      familyNames: ['Robinson'],
      dateOfBirth: `19${50 + (2999 % 40)}-01-${String(1 + (2999 % 28)).padStart(2, '0')}`,
      postcodes: ['SO16 4XX'],
    };
    const res = idx.search(q, { limit: 50 });
    expect(res.map((c) => c.identityId)).toContain('x2999');
    expect(res.every((c) => Number(c.identityId.slice(1)) >= 2500)).toBe(true);
  });
});

describe('MatchIndex: search', () => {
  it('ranks the right subject first and returns each subject once, through its best identity', () => {
    const idx = register();
    const res = idx.search({ givenNames: ['Lisa'], familyNames: ['Okafor'], dateOfBirth: '1990-03-04', postcodes: ['SO16 4XX'] });
    expect(res[0]?.subjectId).toBe('A');
    expect(res[0]?.identityId).toBe('a2');
    expect(res.filter((c) => c.subjectId === 'A')).toHaveLength(1);
    for (let i = 1; i < res.length; i++) expect((res[i - 1] as { score: number }).score).toBeGreaterThanOrEqual((res[i] as { score: number }).score);
  });

  it('separates two women with the same name by DOB and address', () => {
    const idx = register();
    const res = idx.search({ givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1972-08-19', postcodes: ['M1 1AE'] });
    expect(res[0]?.subjectId).toBe('D');
    expect(res[0]?.band).toBe('strong');
    const other = res.find((c) => c.subjectId === 'A');
    expect(other === undefined || other.score < (res[0]?.score ?? 0) - 10).toBe(true);
  });

  it('finds her through each kind of error', () => {
    const idx = register();
    const cases = [
      { nhsNumber: '4934765919' }, // transposed NHS number, nothing else
      { givenNames: ['Beth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04' }, // nickname
      { givenNames: ['Robinson'], familyNames: ['Elizabeth'], dateOfBirth: '1990-03-04' }, // swapped
      { givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-04-03', postcodes: ['SO16 4XX'] }, // day-month swap
      { givenNames: ['Elizabeth'], familyNames: ['Smith'], dateOfBirth: '1990-03-04', postcodes: ['SO16 4XX'] }, // new surname
      { givenNames: ['Elisabeth'], familyNames: ['Robinsen'], postcodes: ['SO16 4AB'] }, // typos, no DOB
      { otherIds: ['rhm 1234567'] }, // hospital number only
      { givenNames: ['Liz'], edd: '2027-01-14' }, // forename + EDD only
    ];
    for (const q of cases) expect(idx.search(q)[0]?.subjectId, JSON.stringify(q)).toBe('A');
  });

  it('respects limit and minBand', () => {
    const idx = register();
    const q = { givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04', postcodes: ['SO16 4XX'] };
    expect(idx.search(q, { limit: 1 })).toHaveLength(1);
    expect(idx.search(q, { limit: 0 })).toHaveLength(0);
    const strong = idx.search(q, { minBand: 'strong' });
    expect(strong.length).toBeGreaterThan(0);
    expect(strong.every((c) => c.band === 'strong')).toBe(true);
    expect(idx.search({ givenNames: ['Nobody'], familyNames: ['Known'] }, { minBand: 'possible' })).toEqual([]);
  });

  it('returns probability, band and a line of explanation per field', () => {
    const idx = register();
    const [top] = idx.search({ givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04', nhsNumber: '9434765919' });
    expect(top?.band).toBe('strong');
    expect(top?.probability).toBeGreaterThan(0.99);
    expect(top?.score).toBeCloseTo(top?.explanation.reduce((a, e) => a + e.weight, 0) ?? 0, 9);
    expect(top?.explanation.map((e) => e.text)).toContain('due date (EDD): not given');
    expect(top?.explanation.find((e) => e.field === 'nhsNumber')?.text).toMatch(/^NHS number: same, \+\d/);
  });

  it('a different valid NHS number pushes a namesake down', () => {
    const idx = register();
    const withNhs = idx.search({ givenNames: ['Amina'], familyNames: ['Hassan'], dateOfBirth: '1995-06-30', nhsNumber: '9434765919' });
    const without = idx.search({ givenNames: ['Amina'], familyNames: ['Hassan'], dateOfBirth: '1995-06-30' });
    const c1 = withNhs.find((c) => c.subjectId === 'C');
    const c2 = without.find((c) => c.subjectId === 'C');
    expect(c1 && c2 && c1.score < c2.score - 5).toBe(true);
  });

  it('returns nothing for an empty query and never throws on odd input', () => {
    const idx = register();
    expect(idx.search({})).toEqual([]);
    expect(() => idx.search({ givenNames: ['', '—', '💥'], dateOfBirth: '31/02/1990', postcodes: ['???'], nhsNumber: 'abc', edd: 'soon' })).not.toThrow();
  });

  it('skips and counts oversized blocks', () => {
    const idx = new MatchIndex({ blockCap: 5 });
    for (let i = 0; i < 20; i++) idx.add(identity(`s${i}`, `S${i}`, { postcodes: [`SO16 ${i % 10}AA`] }));
    expect(idx.stats().oversizedBlocks).toBeGreaterThan(0);
    const before = idx.stats().oversizedBlockHits;
    idx.search({ givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04' });
    expect(idx.stats().oversizedBlockHits).toBeGreaterThan(before);
  });

  it('uses term frequencies counted in the index', () => {
    const idx = new MatchIndex();
    for (let i = 0; i < 200; i++) idx.add(identity(`s${i}`, `S${i}`, { givenNames: [`g${i}`], familyNames: ['Smith'], dateOfBirth: undefined, postcodes: [] }));
    idx.add(identity('r', 'R', { givenNames: ['g-rare'], familyNames: ['Okonkwo'], dateOfBirth: undefined, postcodes: [] }));
    expect(idx.familyCount('smith')).toBe(200);
    expect(idx.familyCount('okonkwo')).toBe(1);
    const common = idx.search({ familyNames: ['Smith'] }, { limit: 1 })[0];
    const rare = idx.search({ familyNames: ['Okonkwo'] }, { limit: 1 })[0];
    expect((rare?.score ?? 0) - (common?.score ?? 0)).toBeGreaterThan(2);
  });

  it('can swap in new parameters', () => {
    const idx = register();
    const q = { givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04' };
    const before = idx.search(q)[0]?.band;
    idx.setParameters({ ...DEFAULT_PARAMETERS, thresholds: { strong: 1000, possible: 999 } });
    expect(before).toBe('strong');
    expect(idx.search(q)[0]?.band).toBe('none');
  });

  it('produces comparison vectors for estimation', () => {
    const idx = register();
    const vs = idx.candidateVectors({ givenNames: ['Elizabeth'], familyNames: ['Robinson'], dateOfBirth: '1990-03-04' }, 'A');
    expect(vs.length).toBeGreaterThan(0);
    for (const v of vs) expect(v).toHaveLength(8);
  });
});

describe('MatchIndex: NHS number on its own', () => {
  it('an exact NHS number alone is strong; with a different name and DOB it needs a human check', () => {
    const idx = register();
    expect(idx.search({ nhsNumber: '9434765919' })[0]?.band).toBe('strong');
    const conflicting = idx.search({ nhsNumber: '9434765919', givenNames: ['Zofia'], familyNames: ['Wozniak'], dateOfBirth: '1970-01-01' });
    expect(conflicting[0]?.subjectId).toBe('A');
    expect(conflicting[0]?.band).toBe('possible');
  });
});
