import { describe, expect, it } from 'vitest';
import { answerProblems, differences, finalGrade, gradeDistribution, moderationProblems, progressByAgency, type Question, sample } from './rules';

const Q: Question[] = [
  { key: 'q1', text: 'Was the pregnancy concealment recognised early?', type: 'grade' },
  { key: 'q2', text: 'Was a discharge planning meeting held?', type: 'yes_no' },
  { key: 'q3', text: 'What would have made the difference?', type: 'text' },
  { key: 'q4', text: 'Was information shared between agencies?', type: 'grade' },
];

describe('the reproducible sample', () => {
  const cases = Array.from({ length: 40 }, (_, i) => ({ id: `c${i}`, ref: `CAS-${String(i).padStart(3, '0')}` }));
  it('is the same for the same seed and cases, in whatever order the cases come', () => {
    const a = sample(cases, 8, 20260905, (c) => c.ref);
    const b = sample([...cases].reverse(), 8, 20260905, (c) => c.ref);
    expect(a).toEqual(b);
    expect(new Set(a.map((c) => c.id)).size).toBe(8);
    // Fixed here so a change of generator (which would change every recorded sample) cannot go unnoticed.
    expect(a.map((c) => c.ref)).toEqual(['CAS-033', 'CAS-020', 'CAS-006', 'CAS-022', 'CAS-015', 'CAS-027', 'CAS-003', 'CAS-034']);
  });
  it('differs for another seed, and takes them all when fewer than asked', () => {
    expect(sample(cases, 8, 1, (c) => c.ref)).not.toEqual(sample(cases, 8, 2, (c) => c.ref));
    expect(sample(cases.slice(0, 3), 8, 1, (c) => c.ref)).toHaveLength(3);
    expect(sample([], 8, 1, (c: { ref: string }) => c.ref)).toEqual([]);
  });
  it('is fair: over many seeds each case is picked about as often', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 4000; seed++) for (const c of sample(cases, 5, seed, (x) => x.ref)) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
    // Expected 4000 × 5 / 40 = 500 each.
    for (const n of counts.values()) expect(Math.abs(n - 500)).toBeLessThan(100);
  });
});

describe('answers and moderation', () => {
  const auditor = { q1: 'good', q2: 'yes', q3: 'Earlier sharing', q4: 'inadequate' };
  it('needs every question answered in its own kind', () => {
    expect(answerProblems(Q, auditor)).toEqual({});
    expect(answerProblems(Q, { q1: 'excellent', q2: 'maybe', q3: ' ' })).toEqual({
      q1: 'Choose a grade for “Was the pregnancy concealment recognised early?”',
      q2: 'Answer yes, no or not applicable to “Was a discharge planning meeting held?”',
      q3: 'Answer “What would have made the difference?”',
      q4: 'Choose a grade for “Was information shared between agencies?”',
    });
  });
  it('flags the differences, and needs the agreed grade and a reason for each', () => {
    const moderator = { q1: 'good', q4: 'requires_improvement' };
    expect(differences(Q, auditor, moderator)).toEqual(['q4']);
    expect(moderationProblems(Q, auditor, moderator, {})).toEqual({
      'q4.agreed': 'The grades differ on “Was information shared between agencies?”: choose the grade you agreed',
      'q4.reason': 'The grades differ on “Was information shared between agencies?”: say why you agreed that grade',
    });
    expect(moderationProblems(Q, auditor, { q1: 'good' }, {})).toEqual({ 'q4.moderator': 'Choose your grade for “Was information shared between agencies?”' });
    expect(moderationProblems(Q, auditor, moderator, { q4: { grade: 'requires_improvement', reason: 'Information was shared late, not never' } })).toEqual({});
  });
  it('ends each graded question at the agreed grade where there is one, else the auditor’s', () => {
    const agreed = { q4: { grade: 'requires_improvement' } };
    expect(finalGrade('q4', auditor, agreed)).toBe('requires_improvement');
    expect(finalGrade('q1', auditor, agreed)).toBe('good');
    expect(finalGrade('q2', auditor, agreed)).toBeNull();
    const done = new Date();
    expect(
      gradeDistribution(Q, [
        { answers: auditor, agreed, completedAt: done },
        { answers: { q1: 'outstanding', q4: 'good' }, agreed: null, completedAt: done },
        { answers: { q1: 'inadequate' }, agreed: null, completedAt: null },
      ]),
    ).toEqual({ outstanding: 1, good: 2, requires_improvement: 1, inadequate: 0 });
  });
  it('counts progress by agency', () => {
    const d = new Date();
    expect(
      progressByAgency([
        { organisationId: 'a', completedAt: d, moderatedAt: d },
        { organisationId: 'a', completedAt: d, moderatedAt: null },
        { organisationId: 'b', completedAt: null, moderatedAt: null },
      ]),
    ).toEqual([
      { organisationId: 'a', total: 2, completed: 2, moderated: 1 },
      { organisationId: 'b', total: 1, completed: 0, moderated: 0 },
    ]);
  });
});
