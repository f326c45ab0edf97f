/**
 * The case-file audit's rules, pure: the kinds of question and their answers, the reproducible random sample
 * (the same seed and the same cases give the same sample, on any machine), the differences a moderator's
 * grades flag and what the moderation must record, the grade a question ends with, and progress by agency.
 */

export const GRADES = ['outstanding', 'good', 'requires_improvement', 'inadequate'] as const;
export type Grade = (typeof GRADES)[number];
export const GRADE_LABELS: Record<Grade, string> = {
  outstanding: 'Outstanding',
  good: 'Good',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
};
export const YES_NO = ['yes', 'no', 'not_applicable'] as const;
export const YES_NO_LABELS: Record<(typeof YES_NO)[number], string> = { yes: 'Yes', no: 'No', not_applicable: 'Not applicable' };

export const QUESTION_TYPES = ['grade', 'yes_no', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  grade: 'Graded: outstanding, good, requires improvement, inadequate',
  yes_no: 'Yes, no or not applicable',
  text: 'Free text',
};

export interface Question {
  key: string;
  text: string;
  type: QuestionType;
}
export type Answers = Record<string, string>;

/** mulberry32: a small, well-known 32-bit generator; the same seed gives the same numbers everywhere. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A reproducible random sample of `size` from `items`: the items are put in order of `key` first (so the
 * order they came from the database does not matter), then a seeded Fisher–Yates shuffle picks them.
 */
export function sample<T>(items: readonly T[], size: number, seed: number, key: (t: T) => string): T[] {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const next = generator(seed);
  const n = Math.min(size, sorted.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (sorted.length - i));
    [sorted[i], sorted[j]] = [sorted[j]!, sorted[i]!];
  }
  return sorted.slice(0, n);
}

/** Why a section's answers cannot be saved as complete (by question key), or an empty object. */
export function answerProblems(questions: readonly Question[], answers: Answers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of questions) {
    const a = (answers[q.key] ?? '').trim();
    if (q.type === 'grade' && !(GRADES as readonly string[]).includes(a)) out[q.key] = `Choose a grade for “${q.text}”`;
    if (q.type === 'yes_no' && !(YES_NO as readonly string[]).includes(a)) out[q.key] = `Answer yes, no or not applicable to “${q.text}”`;
    if (q.type === 'text' && !a) out[q.key] = `Answer “${q.text}”`;
    if (q.type === 'text' && a.length > 4000) out[q.key] = 'An answer must be 4000 characters or fewer';
  }
  return out;
}

/** The graded questions on which the moderator's grade differs from the auditor's. */
export function differences(questions: readonly Question[], auditor: Answers, moderator: Answers): string[] {
  return questions.filter((q) => q.type === 'grade' && moderator[q.key] !== undefined && moderator[q.key] !== auditor[q.key]).map((q) => q.key);
}

/**
 * What a moderation must record: the moderator's grade for every graded question and, wherever it differs
 * from the auditor's, the agreed grade and the reason. Problems by field (`<key>.moderator`, `<key>.agreed`, `<key>.reason`).
 */
export function moderationProblems(
  questions: readonly Question[],
  auditor: Answers,
  moderator: Answers,
  agreed: Record<string, { grade: string; reason: string }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of questions.filter((x) => x.type === 'grade')) {
    if (!(GRADES as readonly string[]).includes(moderator[q.key] ?? '')) {
      out[`${q.key}.moderator`] = `Choose your grade for “${q.text}”`;
      continue;
    }
    if (moderator[q.key] === auditor[q.key]) continue;
    const a = agreed[q.key];
    if (!a || !(GRADES as readonly string[]).includes(a.grade)) out[`${q.key}.agreed`] = `The grades differ on “${q.text}”: choose the grade you agreed`;
    if (!a || !a.reason.trim()) out[`${q.key}.reason`] = `The grades differ on “${q.text}”: say why you agreed that grade`;
  }
  return out;
}

/** The grade a question ends with: the agreed one where the grades differed, otherwise the auditor's (which the moderator confirmed, or not yet moderated). */
export function finalGrade(key: string, auditor: Answers | null, agreed: Record<string, { grade: string }> | null): Grade | null {
  const g = agreed?.[key]?.grade ?? auditor?.[key];
  return g && (GRADES as readonly string[]).includes(g) ? (g as Grade) : null;
}

export interface SectionState {
  organisationId: string;
  completedAt: Date | null;
  moderatedAt: Date | null;
}

/** Sections done by agency: how many each has, completed and moderated. */
export function progressByAgency(sections: readonly SectionState[]) {
  const by = new Map<string, { organisationId: string; total: number; completed: number; moderated: number }>();
  for (const s of sections) {
    const row = by.get(s.organisationId) ?? { organisationId: s.organisationId, total: 0, completed: 0, moderated: 0 };
    row.total++;
    if (s.completedAt) row.completed++;
    if (s.moderatedAt) row.moderated++;
    by.set(s.organisationId, row);
  }
  return [...by.values()];
}

/** How many graded answers ended at each grade (only sections completed). */
export function gradeDistribution(
  questions: readonly Question[],
  sections: readonly { answers: Answers | null; agreed: Record<string, { grade: string }> | null; completedAt: Date | null }[],
): Record<Grade, number> {
  const out = Object.fromEntries(GRADES.map((g) => [g, 0])) as Record<Grade, number>;
  for (const s of sections.filter((x) => x.completedAt))
    for (const q of questions.filter((x) => x.type === 'grade')) {
      const g = finalGrade(q.key, s.answers, s.agreed);
      if (g) out[g]++;
    }
  return out;
}
