/**
 * The tracker's judgements, pure: an action's RAG from its dates and its evidence (never from a "done"
 * tick), a recommendation's stage and RAG from its actions and sign-offs, and what must be true before an
 * action is complete, a recommendation is quality-assured, or the board signs it off.
 */
import { daysBetween, type IsoDate } from '../../platform/dates';

export const REVIEW_TYPES = ['rapid_review', 'partnership_review', 'cspr', 'serious_case_review', 'other'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];
export const REVIEW_TYPE_LABELS: Record<ReviewType, string> = {
  rapid_review: 'Rapid review',
  partnership_review: 'Partnership review',
  cspr: 'Local child safeguarding practice review',
  serious_case_review: 'Serious case review',
  other: 'Other learning review',
};

export const ACTION_STATUSES = ['not_started', 'in_progress', 'complete', 'withdrawn'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_STATUS_LABELS: Record<ActionStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  complete: 'Complete',
  withdrawn: 'Withdrawn',
};

export const EVIDENCE_KINDS = ['course', 'readership', 'document', 'audit_run', 'file'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export const EVIDENCE_KIND_LABELS: Record<EvidenceKind, string> = {
  course: 'A course: its attendance and evaluation',
  readership: 'A document’s readership',
  document: 'A published document version',
  audit_run: 'A signed-off (frozen) audit',
  file: 'An uploaded file',
};

/** Blue (complete, with evidence), then red, amber, green; withdrawn actions do not count. */
export type ActionRag = 'complete' | 'red' | 'amber' | 'green' | 'withdrawn';
export const ACTION_RAG_LABELS: Record<ActionRag, string> = {
  complete: 'Complete',
  red: 'Red',
  amber: 'Amber',
  green: 'Green',
  withdrawn: 'Withdrawn',
};
/** Amber: due within this many days with no evidence yet. */
export const DUE_SOON_DAYS = 30;
/** Amber: the due date has been put back this many times or more. */
export const SLIPPED_REVISIONS = 2;

export interface ActionFacts {
  status: string;
  /** The due date in force (the last revision, or the first). */
  currentDueOn: IsoDate;
  evidenceCount: number;
  /** How many times the due date has been revised. */
  revisions: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** An action's RAG and why, in words, on `today` (a London date). */
export function actionRag(a: ActionFacts, today: IsoDate): { rag: ActionRag; reason: string } {
  if (a.status === 'withdrawn') return { rag: 'withdrawn', reason: 'Withdrawn' };
  if (a.status === 'complete' && a.evidenceCount > 0) return { rag: 'complete', reason: `Complete, with ${plural(a.evidenceCount, 'piece')} of evidence` };
  const left = daysBetween(today, a.currentDueOn);
  if (left < 0) return { rag: 'red', reason: `Overdue by ${plural(-left, 'day')}` };
  if (left <= DUE_SOON_DAYS && a.evidenceCount === 0)
    return { rag: 'amber', reason: left === 0 ? 'Due today, with no evidence yet' : `Due in ${plural(left, 'day')}, with no evidence yet` };
  if (a.revisions >= SLIPPED_REVISIONS) return { rag: 'amber', reason: `Due date put back ${plural(a.revisions, 'time')}` };
  return {
    rag: 'green',
    reason: `On track: due in ${plural(left, 'day')}${a.evidenceCount ? `, ${plural(a.evidenceCount, 'piece')} of evidence so far` : ''}`,
  };
}

/** Why an action cannot be marked complete, or null. */
export function completionProblem(evidenceCount: number): string | null {
  return evidenceCount > 0 ? null : 'Add evidence that the action worked before marking it complete';
}

export const RECOMMENDATION_STAGES = ['open', 'awaiting_qa', 'awaiting_board', 'signed_off'] as const;
export type RecommendationStage = (typeof RECOMMENDATION_STAGES)[number];
export const RECOMMENDATION_STAGE_LABELS: Record<RecommendationStage, string> = {
  open: 'Actions open',
  awaiting_qa: 'Ready for the subgroup’s quality assurance',
  awaiting_board: 'Quality-assured: awaiting board sign-off',
  signed_off: 'Signed off by the board',
};

export interface RecommendationProgress {
  stage: RecommendationStage;
  /** The worst of its actions (complete when every one is), or amber with no action recorded. */
  rag: ActionRag;
  reason: string;
  actions: number;
  complete: number;
  overdue: number;
}

const WORST: readonly ActionRag[] = ['red', 'amber', 'green', 'complete'];

/** Where a recommendation stands, from its actions' RAGs and its sign-offs. */
export function recommendationProgress(rags: readonly ActionRag[], signoff: { qaAt: Date | null; signedOffAt: Date | null }): RecommendationProgress {
  const live: ActionRag[] = rags.filter((r) => r !== 'withdrawn');
  const complete = live.filter((r) => r === 'complete').length;
  const overdue = live.filter((r) => r === 'red').length;
  const counts = { actions: live.length, complete, overdue };
  if (!live.length) return { stage: 'open', rag: 'amber', reason: 'No action recorded yet', ...counts };
  const rag = WORST.find((w) => live.includes(w))!;
  const stage: RecommendationStage = signoff.signedOffAt ? 'signed_off' : signoff.qaAt ? 'awaiting_board' : complete === live.length ? 'awaiting_qa' : 'open';
  const reason =
    rag === 'complete'
      ? `All ${plural(live.length, 'action')} complete with evidence`
      : `${complete} of ${plural(live.length, 'action')} complete${overdue ? `, ${overdue} overdue` : ''}`;
  return { stage, rag, reason, ...counts };
}

/** Why the subgroup cannot quality-assure this recommendation yet, or null. */
export function qaProblem(p: RecommendationProgress, signoff: { qaAt: Date | null }): string | null {
  if (signoff.qaAt) return 'The subgroup has already quality-assured this recommendation';
  if (!p.actions) return 'Record at least one action before the subgroup quality-assures the recommendation';
  if (p.complete < p.actions) return 'Every action must be complete, with evidence, before the subgroup quality-assures the recommendation';
  return null;
}

/** Why the board cannot sign this recommendation off yet, or null. */
export function signOffProblem(p: RecommendationProgress, signoff: { qaAt: Date | null; signedOffAt: Date | null }): string | null {
  if (signoff.signedOffAt) return 'The board has already signed this recommendation off';
  if (!signoff.qaAt) return 'The responsible subgroup must quality-assure the recommendation before the board signs it off';
  if (p.complete < p.actions) return 'An action has been reopened since the subgroup’s quality assurance: it must be complete again first';
  return null;
}
