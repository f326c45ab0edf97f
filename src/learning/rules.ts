/**
 * Learning's rules, pure and unit-tested (rules.test.ts): whether a place can be booked and what kind,
 * who comes off the waiting list, the cut-offs, when reminders and follow-ups are due, reading a
 * survey's answers, and the small-cell rule for results. No I/O: the services load, decide here, store.
 */
import { CONFIDENCE_LABELS, RATING_LABELS, type SurveyQuestion } from './model';

const DAY_MS = 86_400_000;

export interface SessionFacts {
  status: string;
  startsAt: Date | null;
  bookingCutoffAt: Date | null;
  cancellationCutoffAt: Date | null;
  capacity: number;
}

/** When bookings close: the cut-off, or the start if none was set (self-paced e-learning never closes). */
export const bookingClosesAt = (s: Pick<SessionFacts, 'startsAt' | 'bookingCutoffAt'>): Date | null => s.bookingCutoffAt ?? s.startsAt;
/** Until when a delegate may cancel their own place: the cancellation cut-off, or the start. */
export const selfCancelUntil = (s: Pick<SessionFacts, 'startsAt' | 'cancellationCutoffAt'>): Date | null => s.cancellationCutoffAt ?? s.startsAt;

export type BookingDecision = { ok: true; outcome: 'place' | 'waiting' } | { ok: false; message: string };

/**
 * Booking a place: refused for a cancelled session, one that has started or whose bookings have closed;
 * otherwise a place while places are left (places taken counts those booked and those awaiting their
 * manager's approval), else the waiting list.
 */
export function decideBooking(s: SessionFacts, placesTaken: number, now: Date): BookingDecision {
  if (s.status === 'cancelled') return { ok: false, message: 'This session has been cancelled, so it cannot be booked. Choose another date.' };
  if (s.startsAt && s.startsAt <= now)
    return { ok: false, message: 'This session has already started or taken place, so it cannot be booked. Choose a later date.' };
  const closes = bookingClosesAt(s);
  if (closes && closes <= now) return { ok: false, message: 'Bookings for this session have closed. Choose a later date, or ask the training team.' };
  return { ok: true, outcome: placesTaken < s.capacity ? 'place' : 'waiting' };
}

export type CancelDecision = { ok: true; late: boolean } | { ok: false; message: string };

/** Cancelling a place: the delegate until the cancellation cut-off; after it only an administrator (recorded as late). */
export function decideCancellation(s: SessionFacts, now: Date, byAdministrator: boolean): CancelDecision {
  if (s.startsAt && s.startsAt <= now && !byAdministrator)
    return { ok: false, message: 'The session has already started. Ask the training team to record your attendance.' };
  const until = selfCancelUntil(s);
  const late = !!until && until <= now;
  if (late && !byAdministrator) return { ok: false, message: 'The cancellation cut-off has passed. Contact the training team, who can cancel your place.' };
  return { ok: true, late };
}

export interface WaitingEntry {
  id: string;
  waitingSince: Date;
}

/**
 * Who comes off the waiting list: the longest waiting first, as many as places are free, and only until
 * bookings close (after that a freed place stays free: nobody can be told in time to come).
 */
export function promotions(s: SessionFacts, placesTaken: number, waiting: readonly WaitingEntry[], now: Date): string[] {
  if (s.status === 'cancelled') return [];
  if (s.startsAt && s.startsAt <= now) return [];
  const closes = bookingClosesAt(s);
  if (closes && closes <= now) return [];
  const free = Math.max(0, s.capacity - placesTaken);
  return [...waiting]
    .sort((a, b) => a.waitingSince.getTime() - b.waitingSince.getTime() || a.id.localeCompare(b.id))
    .slice(0, free)
    .map((w) => w.id);
}

/**
 * A reminder run for one session: every configured reminder now due is marked done, and one message is
 * sent, the nearest to the start (booked three days before: the 2-day reminder only, not the 14-day one
 * too). Nothing once the session has started.
 */
export function reminderRun(
  startsAt: Date | null,
  offsetsDays: readonly number[],
  alreadySent: readonly number[],
  now: Date,
): { mark: number[]; send: number | null } {
  if (!startsAt || startsAt <= now) return { mark: [], send: null };
  const sent = new Set(alreadySent);
  const mark = offsetsDays.filter((d) => !sent.has(d) && startsAt.getTime() - d * DAY_MS <= now.getTime());
  return { mark, send: mark.length ? Math.min(...mark) : null };
}

/** When the follow-up survey is sent: a number of weeks after the session ended. */
export const followUpDueAt = (endedAt: Date, weeks: number): Date => new Date(endedAt.getTime() + weeks * 7 * DAY_MS);

export const SURVEY_REMINDER_EVERY_DAYS = 7;
export const SURVEY_REMINDERS = 2;
export const SURVEY_OPEN_DAYS = 28;

/** Whether an unanswered survey request is due a reminder: every week after it was sent, twice, while it is open. */
export function surveyReminderDue(
  r: { sentAt: Date; closesAt: Date; remindersSent: number; lastRemindedAt: Date | null; respondedAt: Date | null },
  now: Date,
): boolean {
  if (r.respondedAt || r.closesAt <= now || r.remindersSent >= SURVEY_REMINDERS) return false;
  const from = r.lastRemindedAt ?? r.sentAt;
  return now.getTime() - from.getTime() >= SURVEY_REMINDER_EVERY_DAYS * DAY_MS;
}

// ── Answers ────────────────────────────────────────────────────────────────────────────────────────

export interface Answer {
  questionKey: string;
  valueNumber: number | null;
  valueText: string | null;
  valueChoices: number[] | null;
}

/** The labels of a 1–5 scale question. */
export const scaleLabels = (q: Pick<SurveyQuestion, 'type'>): readonly string[] => (q.type === 'confidence' ? CONFIDENCE_LABELS : RATING_LABELS);

/**
 * Read a submitted survey against its questions: every required question answered, every number on its
 * scale, every choice one of the options. Returns the answers, or a message per question (by key).
 */
export function readAnswers(
  questions: readonly SurveyQuestion[],
  raw: Record<string, unknown>,
): { ok: true; answers: Answer[] } | { ok: false; problems: Record<string, string> } {
  const answers: Answer[] = [];
  const problems: Record<string, string> = {};
  for (const q of questions) {
    const v = raw[q.key];
    const given = Array.isArray(v) ? v.filter((x) => String(x).trim() !== '') : v === undefined || v === null || String(v).trim() === '' ? [] : [v];
    if (!given.length) {
      if (q.required) problems[q.key] = q.type === 'text' ? `Answer “${q.text}”` : `Choose an answer to “${q.text}”`;
      continue;
    }
    if (q.type === 'text') {
      const text = String(given.join('\n')).trim();
      if (text.length > 4000) problems[q.key] = 'Your answer must be 4000 characters or fewer';
      else answers.push({ questionKey: q.key, valueNumber: null, valueText: text, valueChoices: null });
    } else if (q.type === 'rating' || q.type === 'confidence') {
      const n = Number(given[0]);
      if (given.length > 1 || !Number.isInteger(n) || n < 1 || n > 5) problems[q.key] = `Choose one of the five answers to “${q.text}” (1 to 5)`;
      else answers.push({ questionKey: q.key, valueNumber: n, valueText: null, valueChoices: null });
    } else {
      const options = q.options ?? [];
      const idx = given.map((g) => Number(g));
      if (idx.some((i) => !Number.isInteger(i) || i < 0 || i >= options.length)) problems[q.key] = `Choose from the answers listed for “${q.text}”`;
      else if (q.type === 'single' && idx.length > 1) problems[q.key] = `Choose one answer to “${q.text}”`;
      else if (q.type === 'single') answers.push({ questionKey: q.key, valueNumber: idx[0]!, valueText: null, valueChoices: null });
      else answers.push({ questionKey: q.key, valueNumber: null, valueText: null, valueChoices: [...new Set(idx)].sort((a, b) => a - b) });
    }
  }
  for (const k of Object.keys(raw)) if (!questions.some((q) => q.key === k)) problems[k] = 'This survey has no such question';
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, answers };
}

// ── Results ────────────────────────────────────────────────────────────────────────────────────────

/** The smallest group results are shown for: fewer and the figure is withheld, and the page says so. */
export const MIN_CELL = 5;

/** A count, or null when it is a group too small to show. Zero is shown (it identifies nobody). */
export const suppress = (n: number, min = MIN_CELL): number | null => (n === 0 || n >= min ? n : null);

/**
 * Secondary suppression. Where some figures of a breakdown are withheld but the total is shown (by role,
 * with the stage's total above; an option's count, with the number who answered), one withheld group could
 * be worked out by subtraction. So while the withheld groups add up to fewer than five, the smallest shown
 * group is withheld too. Returns which groups to withhold.
 */
export function withheldTogether(ns: readonly number[], min = MIN_CELL): boolean[] {
  const hidden = ns.map((n) => n > 0 && n < min);
  let total = ns.reduce((sum, n, i) => sum + (hidden[i] ? n : 0), 0);
  while (total > 0 && total < min) {
    let pick = -1;
    for (const [i, n] of ns.entries()) if (!hidden[i] && n > 0 && (pick < 0 || n < ns[pick]!)) pick = i;
    if (pick < 0) break;
    hidden[pick] = true;
    total += ns[pick]!;
  }
  return hidden;
}

export interface ScaleSummary {
  n: number;
  /** Null when suppressed (fewer than five answers). */
  mean: number | null;
  /** Answers for 1..5; null when suppressed. */
  distribution: number[] | null;
  suppressed: boolean;
}

/** The distribution and mean of 1–5 answers, withheld for a group of fewer than five. */
export function summariseScale(values: readonly number[], min = MIN_CELL): ScaleSummary {
  const n = values.length;
  if (n > 0 && n < min) return { n, mean: null, distribution: null, suppressed: true };
  const distribution = [0, 0, 0, 0, 0];
  for (const v of values) if (v >= 1 && v <= 5) distribution[v - 1]!++;
  return { n, mean: n ? Math.round((values.reduce((a, b) => a + b, 0) / n) * 100) / 100 : null, distribution, suppressed: false };
}

/** A response rate in whole per cent, or null when nobody was asked. */
export const responseRate = (answered: number, asked: number): number | null => (asked ? Math.round((answered / asked) * 100) : null);

/** Counts of each theme over some answers, the most used first; a count under five withheld. */
export function themeCounts(rows: readonly { themes: string[] | null }[]) {
  const counts = new Map<string, number>();
  for (const r of rows) for (const t of r.themes ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([theme, n]) => ({ theme, count: suppress(n) }));
}
