import { describe, expect, it } from 'vitest';
import { checkHeadcounts, coverageRows, coverageTotal, roundOverdue, roundProgress, signOffProblems } from './needs-rules';

describe('review rounds', () => {
  const items = [
    { courseTitle: 'A', coverage: 'covered' as const, action: null },
    { courseTitle: 'B', coverage: 'partly' as const, action: 'Add the case study' },
    { courseTitle: 'C', coverage: null, action: null },
  ];
  it('counts what was found and what is left', () => {
    expect(roundProgress(items)).toEqual({ total: 3, reviewed: 2, toReview: 1, covered: 1, partly: 1, notCovered: 0 });
  });
  it('cannot be signed off with a course unreviewed, or a gap without an action', () => {
    expect(signOffProblems(items)).toEqual(['1 course has not been reviewed yet: C']);
    const gap = [items[0]!, { courseTitle: 'D', coverage: 'not_covered' as const, action: null }];
    expect(signOffProblems(gap)).toEqual(['Agree an action for D']);
    expect(signOffProblems([items[0]!, items[1]!])).toEqual([]);
  });
  it('is overdue after its due date until signed off', () => {
    expect(roundOverdue({ dueOn: '2026-12-01', status: 'open' }, '2026-12-04')).toBe(true);
    expect(roundOverdue({ dueOn: '2026-12-04', status: 'open' }, '2026-12-04')).toBe(false);
    expect(roundOverdue({ dueOn: '2026-12-01', status: 'signed_off' }, '2026-12-04')).toBe(false);
  });
});

describe('workforce coverage', () => {
  const o = (organisationId: string, role: string, count: number) => ({ organisationId, role, count });
  it('measures against an imported headcount where there is one, else the people Beacon knows', () => {
    const rows = coverageRows({
      people: [o('t1', 'point_of_care', 4), o('t1', 'safeguarding_practitioner', 2)],
      imported: [o('t1', 'point_of_care', 40)],
      completed: [o('t1', 'point_of_care', 30), o('t1', 'safeguarding_practitioner', 2)],
      targetPercent: 80,
    });
    const poc = rows.find((r) => r.role === 'point_of_care')!;
    expect(poc).toMatchObject({ headcount: 40, source: 'imported', completed: 30, percent: 75, shortfall: 2, gap: true });
    const sp = rows.find((r) => r.role === 'safeguarding_practitioner')!;
    expect(sp).toMatchObject({ headcount: 2, source: 'beacon', completed: 2, percent: 100, shortfall: 0, gap: false });
    expect(coverageTotal(rows, 80)).toMatchObject({ headcount: 42, completed: 32, percent: 76, shortfall: 2, gaps: 1 });
  });
  it('never counts more completions than the headcount, and shows people trained with no headcount known', () => {
    const rows = coverageRows({
      people: [],
      imported: [o('t1', 'social_worker', 3)],
      completed: [o('t1', 'social_worker', 5), o('t2', 'social_worker', 2)],
      targetPercent: 80,
    });
    expect(rows.find((r) => r.organisationId === 't1')).toMatchObject({ headcount: 3, completed: 3, percent: 100, gap: false });
    expect(rows.find((r) => r.organisationId === 't2')).toMatchObject({ headcount: 2, completed: 2, source: 'beacon' });
  });
  it('a group of nobody is not a gap', () => {
    const rows = coverageRows({ people: [], imported: [o('t1', 'auditor', 0)], completed: [], targetPercent: 80 });
    expect(rows[0]).toMatchObject({ headcount: 0, percent: null, gap: false, shortfall: 0 });
  });
});

describe('headcount import', () => {
  const orgs: Record<string, string> = { R1C: 'org-1', RHM: 'org-2' };
  const role = (t: string) => (t.trim().toLowerCase() === 'point_of_care' || t.trim() === 'Point-of-care clinician' ? 'point_of_care' : null);
  it('reads good rows, and lists every problem with its line', () => {
    expect(checkHeadcounts([{ line: 2, odsCode: 'R1C', role: 'point_of_care', headcount: '120' }], (c) => orgs[c] ?? null, role)).toEqual({
      rows: [{ organisationId: 'org-1', role: 'point_of_care', count: 120 }],
      problems: [],
    });
    const bad = checkHeadcounts(
      [
        { line: 2, odsCode: 'XXX', role: 'point_of_care', headcount: '1' },
        { line: 3, odsCode: 'R1C', role: 'astronaut', headcount: 'ten' },
        { line: 4, odsCode: 'RHM', role: 'Point-of-care clinician', headcount: '5' },
        { line: 5, odsCode: 'RHM', role: 'point_of_care', headcount: '6' },
      ],
      (c) => orgs[c] ?? null,
      role,
    );
    expect(bad.problems).toEqual([
      'Line 2: no organisation of this partnership has the ODS code “XXX”',
      'Line 3: “astronaut” is not a Beacon role',
      'Line 3: the headcount must be a whole number, not “ten”',
      'Line 5: RHM and point_of_care appear more than once',
    ]);
  });
  it('an empty file says what columns it needs', () => {
    expect(
      checkHeadcounts(
        [],
        () => null,
        () => null,
      ).problems,
    ).toEqual(['The file has no rows. Use the columns ods_code, role, headcount']);
  });
});
