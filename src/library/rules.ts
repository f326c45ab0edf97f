/**
 * The library's pure rules: Markdown to safe HTML, the difference between versions, version numbers, the
 * lifecycle's allowed steps, review dates and reminders, reading reminders and the knowledge check. No I/O.
 */
import { diffWordsWithSpace } from 'diff';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { addDays, type IsoDate } from '../platform/dates';
import type { KnowledgeQuestion } from './schema';
import type { VersionStatus } from './model';

/** Raw HTML in the Markdown is kept as text (html: false); what markdown-it makes is then cleaned again. */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h2',
    'h3',
    'h4',
    'p',
    'br',
    'hr',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    'a',
    'blockquote',
    'code',
    'pre',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'], th: ['scope'], ol: ['start'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowProtocolRelative: false,
  // A document's own headings sit under the page's title: # becomes a second-level heading.
  transformTags: {
    h1: 'h2',
    h5: 'h4',
    h6: 'h4',
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer' } }),
  },
  disallowedTagsMode: 'discard',
};

/** A version's body as HTML safe to put in a page: no script, no event handler, no javascript: link survives. */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(md.render(markdown), SANITIZE);
}

/** The blocks of a body for a PDF: headings, paragraphs and list items as plain text. */
export function markdownBlocks(markdown: string): { kind: 'heading' | 'paragraph' | 'item'; text: string }[] {
  const out: { kind: 'heading' | 'paragraph' | 'item'; text: string }[] = [];
  let inItem = 0;
  let pending: 'heading' | 'paragraph' | null = null;
  for (const t of md.parse(markdown, {})) {
    if (t.type === 'list_item_open') inItem++;
    else if (t.type === 'list_item_close') inItem--;
    else if (t.type === 'heading_open') pending = 'heading';
    else if (t.type === 'paragraph_open') pending = 'paragraph';
    else if (t.type === 'inline') {
      const text = (t.children ?? [])
        .map((c) => (c.type === 'softbreak' || c.type === 'hardbreak' ? ' ' : c.content))
        .join('')
        .trim();
      if (text) out.push({ kind: pending === 'heading' ? 'heading' : inItem > 0 ? 'item' : 'paragraph', text });
      pending = null;
    }
  }
  return out;
}

export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** The words added and removed from one version's text to the next (jsdiff), for an inline difference. */
export function versionDiff(before: string, after: string): DiffPart[] {
  return diffWordsWithSpace(before, after).map((p) => ({ kind: p.added ? 'added' : p.removed ? 'removed' : 'same', text: p.value }));
}

/** Counts of words added and removed (the summary above a difference). */
export function diffCounts(parts: readonly DiffPart[]): { added: number; removed: number } {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  return {
    added: parts.filter((p) => p.kind === 'added').reduce((n, p) => n + words(p.text), 0),
    removed: parts.filter((p) => p.kind === 'removed').reduce((n, p) => n + words(p.text), 0),
  };
}

export interface VersionNumber {
  major: number;
  minor: number;
}
export const versionLabel = (v: VersionNumber) => `${v.major}.${v.minor}`;

/** The next number: 1.0 first; a change of practice moves the major number, a change of wording the minor. */
export function nextVersionNumber(latest: VersionNumber | null, change: 'major' | 'minor'): VersionNumber {
  if (!latest) return { major: 1, minor: 0 };
  return change === 'major' ? { major: latest.major + 1, minor: 0 } : { major: latest.major, minor: latest.minor + 1 };
}

/** The lifecycle: each status and the steps that may follow it. */
export const NEXT_STATUS: Record<VersionStatus, readonly VersionStatus[]> = {
  draft: ['in_review', 'withdrawn'],
  in_review: ['draft', 'approved', 'withdrawn'],
  approved: ['published', 'draft', 'withdrawn'],
  published: ['superseded', 'withdrawn'],
  superseded: [],
  withdrawn: [],
};

const STEP_WORDS: Partial<Record<VersionStatus, string>> = {
  in_review: 'sent for review',
  draft: 'returned to draft',
  approved: 'approved',
  published: 'published',
  withdrawn: 'withdrawn',
};

/** Why a version cannot move from one status to another (null when it can), in words a clinician understands. */
export function transitionProblem(from: VersionStatus, to: VersionStatus): string | null {
  if (NEXT_STATUS[from].includes(to)) return null;
  if (to === 'published' && (from === 'draft' || from === 'in_review'))
    return 'This version has not been approved. Record the approval (the group, meeting and date) before publishing it.';
  if (to === 'approved' && from === 'draft') return 'Send this version for review before recording its approval.';
  if (from === 'withdrawn' || from === 'superseded') return `This version has been ${from}: it cannot be ${STEP_WORDS[to] ?? 'changed'}.`;
  if (from === 'published') return `This version is published: it cannot be ${STEP_WORDS[to] ?? 'changed'}. Start a new version instead.`;
  return `A version that is ${from.replace('_', ' ')} cannot be ${STEP_WORDS[to] ?? 'changed'}.`;
}

/** The review date: the same day so many months after publication (the last day of a shorter month). */
export function reviewDueOn(publishedOn: IsoDate, months: number): IsoDate {
  const [y, m, d] = publishedOn.split('-').map(Number) as [number, number, number];
  const total = m - 1 + months;
  const year = y + Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Days before the review date on which the owner is reminded; 0 is "it has passed". */
export const REVIEW_REMINDER_DAYS = [60, 14, 0] as const;

/** The review reminder due now (the latest stage reached and not yet sent), or null. */
export function reviewReminderDue(dueOn: IsoDate, today: IsoDate, sent: readonly number[]): number | null {
  const reached = REVIEW_REMINDER_DAYS.filter((d) => today >= addDays(dueOn, -d));
  const latest = reached.length ? Math.min(...reached) : null;
  return latest !== null && !sent.includes(latest) ? latest : null;
}

/** Where a published version stands against its review date: for the list of reviews due. */
export function reviewStage(dueOn: IsoDate | null, today: IsoDate): 'none' | 'ok' | 'due_soon' | 'overdue' {
  if (!dueOn) return 'none';
  if (today > dueOn) return 'overdue';
  if (today >= addDays(dueOn, -60)) return 'due_soon';
  return 'ok';
}

/** Days after which the person's organisation lead sees them on the outstanding list: a week after the last reminder (21 by default). */
export function outstandingAfterDays(reminderDays: readonly number[]): number {
  return (reminderDays.length ? Math.max(...reminderDays) : 14) + 7;
}

/**
 * The knowledge check marked: how many answers were right, or the problem with what was sent (a question
 * unanswered, an answer that is not one of its options).
 */
export function markAnswers(questions: readonly KnowledgeQuestion[], answers: readonly number[]): { correct: number } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  questions.forEach((q, i) => {
    const a = answers[i];
    if (a === undefined || !Number.isInteger(a) || a < 0 || a >= q.options.length) problems[`answer${i + 1}`] = `Answer question ${i + 1}: ${q.text}`;
  });
  if (Object.keys(problems).length) return { problems };
  return { correct: questions.filter((q, i) => answers[i] === q.correct).length };
}

/** A share as a whole percentage (null when there is nothing to share). */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 100) : null;
}

/** Every day from one to another inclusive (the readership over time). */
export function dayRange(from: IsoDate, to: IsoDate, maxDays = 400): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = from; d <= to && out.length < maxDays; d = addDays(d, 1)) out.push(d);
  return out;
}
