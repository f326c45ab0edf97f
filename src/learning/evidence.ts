/**
 * A course as evidence for a review's action (the assurance tracker): what was held, who attended, and what
 * the evaluation showed before, straight after and weeks later — counts only, read through the course
 * results' own gate (its partnership, its trainers, auditors), so the tracker shows nothing its reader could not.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { mayAtAll } from '../platform/auth/policy';
import { learningBookings, learningSessions } from './schema';
import { courseResults, resultsCourses } from './results';

export interface EvidenceFacts {
  label: string;
  summary: string;
  href: string;
}

const fmt = (n: number | null) => (n === null ? 'withheld (fewer than five answers)' : n.toFixed(1));

/** The courses this person could link as evidence (those whose results they may read). */
export async function courseEvidenceChoices(db: Db, ctx: RequestContext) {
  return mayAtAll(ctx.actor, 'learning.results') ? resultsCourses(db, ctx) : [];
}

/** A course's attendance and evaluation as it stands now, in words. Refused (ForbiddenError) for someone who may not read its results. */
export async function courseEvidence(db: Db, ctx: RequestContext, courseId: string, now = new Date()): Promise<EvidenceFacts> {
  const results = await courseResults(db, ctx, courseId);
  const sessionIds = results.sessions.map((s) => s.id);
  const held = results.sessions.filter((s) => s.startsAt && s.startsAt <= now).length;
  const rows = sessionIds.length
    ? await db
        .select({ attendance: learningBookings.attendance, n: sql<number>`count(*)::int` })
        .from(learningBookings)
        .innerJoin(learningSessions, eq(learningSessions.id, learningBookings.sessionId))
        .where(and(inArray(learningBookings.sessionId, sessionIds), eq(learningBookings.status, 'booked')))
        .groupBy(learningBookings.attendance)
    : [];
  const count = (a: string) => rows.filter((r) => r.attendance === a).reduce((s, r) => s + Number(r.n), 0);
  const attended = count('attended') + count('left_early');
  const marked = attended + count('did_not_attend') + count('cancelled_late');
  const stage = (kind: string) => results.stages.find((s) => s.kind === kind);
  const confidence = ['baseline', 'immediate', 'follow_up']
    .map((k) => stage(k))
    .filter((s) => s && s.confidence.n > 0)
    .map((s) => `${s!.label.toLowerCase()} ${fmt(s!.confidence.mean)} (${s!.confidence.n} answers)`);
  return {
    label: `Course: ${results.course.title}`,
    summary: [
      `${held} of ${results.sessions.length} sessions held; ${attended} attended of ${marked} on registers marked.`,
      confidence.length ? `Confidence (mean, 1 to 5): ${confidence.join('; ')}.` : 'No evaluation answered yet.',
    ].join(' '),
    href: `/learning/courses/${results.course.id}/results`,
  };
}
