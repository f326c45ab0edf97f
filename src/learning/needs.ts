/**
 * The learning needs analysis: review rounds (every course of the partnership reviewed against one topic:
 * covered, partly, not, with evidence and an action; an owner, a due date, a sign-off), workforce coverage
 * (for each organisation and role, how many have completed training on a topic in the last N years against
 * a headcount, imported or Beacon's own), and the matrix of courses × topics. Rounds load through
 * `requireRound` (access.ts); lists use `needsScope`, the same rules.
 */
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList, can, scopeFor } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { londonDate } from '../platform/dates';
import { users } from '../platform/auth/schema';
import { isUuid, listGeographies, organisationGeographyId, organisationsAreaIds, organisationsIn } from '../directory/service';
import { peopleByOrganisationAndRole } from '../people/service';
import { learningBookings, learningCourses, learningHeadcounts, learningReviewItems, learningReviewRounds, learningSessions } from './schema';
import { needsScope, requireRound, type RoundRow } from './access';
import { userByEmail } from './booking';
import { TOPICS, type Topic } from './model';
import { type Coverage, coverageQuerySchema, WORKFORCE_ROLES, findingSchema, roleFromText, roundSchema, signOffSchema } from './needs-model';
import { checkHeadcounts, coverageRows, headcountLines, coverageTotal, type HeadcountLine, roundOverdue, roundProgress, signOffProblems } from './needs-rules';

const name = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

/** The geographies a person's needs analysis covers: their partnership area, or every area for a reader with no area condition. */
async function areaIds(db: Db, ctx: RequestContext): Promise<string[]> {
  if (!ctx.actor) return [];
  const scope = scopeFor(ctx.actor, 'learning.needs');
  if (scope.kind === 'all') return (await listGeographies(db)).map((g) => g.id);
  if (scope.kind === 'none') return [];
  return organisationsAreaIds(db, ctx.actor.organisationId);
}

/** The partnership's active courses, by title (the ones a round reviews and the matrix shows). */
async function areaCourses(db: Db, ctx: RequestContext) {
  const scope = await needsScope(db, ctx, learningCourses.geographyId);
  return db
    .select({ id: learningCourses.id, title: learningCourses.title, topics: learningCourses.topics, geographyId: learningCourses.geographyId })
    .from(learningCourses)
    .where(and(eq(learningCourses.status, 'active'), scope))
    .orderBy(asc(learningCourses.title));
}

// ── Review rounds ────────────────────────────────────────────────────────────────────────────────────

export async function listRounds(db: Db, ctx: RequestContext, now = new Date()) {
  authorizeList(ctx, 'learning.needs');
  const scope = await needsScope(db, ctx, learningReviewRounds.geographyId);
  const rounds = await db
    .select({ round: learningReviewRounds, ownerName: users.displayName })
    .from(learningReviewRounds)
    .innerJoin(users, eq(users.id, learningReviewRounds.ownerUserId))
    .where(scope)
    .orderBy(desc(learningReviewRounds.createdAt));
  const ids = rounds.map((r) => r.round.id);
  const items = ids.length
    ? await db
        .select({ roundId: learningReviewItems.roundId, coverage: learningReviewItems.coverage, action: learningReviewItems.action })
        .from(learningReviewItems)
        .where(inArray(learningReviewItems.roundId, ids))
    : [];
  const today = londonDate(now);
  return rounds.map((r) => {
    const mine = items.filter((i) => i.roundId === r.round.id).map((i) => ({ courseTitle: '', coverage: i.coverage as Coverage | null, action: i.action }));
    return { ...r.round, ownerName: r.ownerName, progress: roundProgress(mine), overdue: roundOverdue(r.round, today) };
  });
}

/** Start a review round: every active course of the partnership is put in it, to be reviewed against the topic. */
export async function createRound(db: Db, ctx: RequestContext, raw: unknown, now = new Date()): Promise<{ id: string }> {
  if (!ctx.actor) throw new ForbiddenError('learning.manage');
  const geographyId = await organisationGeographyId(db, ctx.actor.organisationId);
  authorizeContext(ctx, 'learning.manage', { inActorsArea: !!geographyId });
  const input = parseInput(roundSchema, raw);
  if (input.dueOn < londonDate(now)) throw new ValidationError({ dueOn: 'The due date must be today or later' });
  const owner = await userByEmail(db, input.ownerEmail);
  if (!owner) throw new ValidationError({ ownerEmail: `No active Beacon account has the email ${input.ownerEmail}` });
  const courses = await areaCourses(db, ctx);
  if (!courses.length) throw new ValidationError({ form: 'The partnership has no active courses to review yet' });
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(learningReviewRounds)
      .values({
        geographyId: geographyId!,
        title: input.title,
        topic: input.topic,
        brief: input.brief,
        ownerUserId: owner.id,
        dueOn: input.dueOn,
        createdByName: name(ctx),
      })
      .returning({ id: learningReviewRounds.id });
    await tx.insert(learningReviewItems).values(courses.map((c) => ({ roundId: row!.id, courseId: c.id })));
    await recordAudit(tx, ctx, {
      action: 'learning.needs.round.create',
      verb: 'C',
      entityType: 'LearningReviewRound',
      entityId: row!.id,
      detail: { title: input.title, topic: input.topic, ownerUserId: owner.id, dueOn: input.dueOn, courses: courses.length },
    });
    return { id: row!.id };
  });
}

export interface RoundView {
  round: RoundRow;
  ownerName: string;
  items: {
    courseId: string;
    courseTitle: string;
    /** Whether the course itself lists the round's topic in the catalogue. */
    listsTopic: boolean;
    coverage: Coverage | null;
    evidence: string | null;
    action: string | null;
    reviewedAt: Date | null;
    reviewedByName: string | null;
  }[];
  progress: ReturnType<typeof roundProgress>;
  problems: string[];
  overdue: boolean;
  /** Whether this person may record findings (an open round, its partnership's administrator). */
  reviews: boolean;
  /** Whether this person may sign it off (its owner, while it is open). */
  signs: boolean;
}

export async function getRound(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<RoundView> {
  const round = await requireRound(db, ctx, id, 'learning.needs');
  return roundView(db, ctx, round, now);
}

async function roundView(db: Db, ctx: RequestContext, round: RoundRow, now: Date): Promise<RoundView> {
  const [owner] = await db.select({ name: users.displayName }).from(users).where(eq(users.id, round.ownerUserId));
  const rows = await db
    .select({ item: learningReviewItems, title: learningCourses.title, topics: learningCourses.topics })
    .from(learningReviewItems)
    .innerJoin(learningCourses, eq(learningCourses.id, learningReviewItems.courseId))
    .where(eq(learningReviewItems.roundId, round.id))
    .orderBy(asc(learningCourses.title));
  const items = rows.map((r) => ({
    courseId: r.item.courseId,
    courseTitle: r.title,
    listsTopic: r.topics.includes(round.topic),
    coverage: r.item.coverage as Coverage | null,
    evidence: r.item.evidence,
    action: r.item.action,
    reviewedAt: r.item.reviewedAt,
    reviewedByName: r.item.reviewedByName,
  }));
  const open = round.status === 'open';
  const inActorsArea = ctx.actor ? (await organisationsAreaIds(db, ctx.actor.organisationId)).includes(round.geographyId) : false;
  return {
    round,
    ownerName: owner?.name ?? '',
    items,
    progress: roundProgress(items),
    problems: signOffProblems(items),
    overdue: roundOverdue(round, londonDate(now)),
    reviews: open && can(ctx.actor, 'learning.manage', { inActorsArea }),
    signs: open && ctx.actor?.userId === round.ownerUserId,
  };
}

/** One course's finding in a round: covered, partly or not, the evidence, and (unless covered) the action. */
export async function recordFinding(db: Db, ctx: RequestContext, roundId: string, courseId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const round = await requireRound(tx, ctx, roundId, 'learning.manage', { lock: true });
    if (!isUuid(courseId)) throw new NotFoundError('Course');
    const [item] = await tx
      .select()
      .from(learningReviewItems)
      .where(and(eq(learningReviewItems.roundId, round.id), eq(learningReviewItems.courseId, courseId)));
    if (!item) throw new NotFoundError('Course');
    if (round.status !== 'open') throw new ValidationError({ form: 'This review round has been signed off, so its findings can no longer change' });
    const input = parseInput(findingSchema, raw);
    await tx
      .update(learningReviewItems)
      .set({ coverage: input.coverage, evidence: input.evidence, action: input.action, reviewedAt: now, reviewedByName: name(ctx) })
      .where(and(eq(learningReviewItems.roundId, round.id), eq(learningReviewItems.courseId, courseId)));
    await recordAudit(tx, ctx, {
      action: 'learning.needs.finding',
      verb: 'U',
      entityType: 'LearningReviewRound',
      entityId: round.id,
      detail: { courseId, coverage: input.coverage, before: item.coverage },
    });
  });
}

/** Sign a round off: by its owner, once every course is reviewed and every gap has an action. */
export async function signOffRound(db: Db, ctx: RequestContext, roundId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const round = await requireRound(tx, ctx, roundId, 'learning.needs', { lock: true });
    const view = await roundView(tx, ctx, round, now);
    if (round.status !== 'open') throw new ValidationError({ form: 'This review round has already been signed off' });
    if (ctx.actor?.userId !== round.ownerUserId) throw new ValidationError({ form: `Only the round’s owner, ${view.ownerName}, can sign it off` });
    if (view.problems.length) throw new ValidationError({ form: view.problems.join('. ') });
    const input = parseInput(signOffSchema, raw);
    await tx
      .update(learningReviewRounds)
      .set({ status: 'signed_off', signedOffAt: now, signedOffByName: name(ctx), signOffNote: input.note })
      .where(eq(learningReviewRounds.id, round.id));
    await recordAudit(tx, ctx, {
      action: 'learning.needs.round.sign_off',
      verb: 'U',
      entityType: 'LearningReviewRound',
      entityId: round.id,
      detail: { ...view.progress },
    });
  });
}

// ── Workforce coverage ───────────────────────────────────────────────────────────────────────────────

export interface CoverageReport {
  query: { topic: Topic; years: number; target: number };
  since: string;
  rows: (ReturnType<typeof coverageRows>[number] & { organisationName: string; odsCode: string })[];
  total: ReturnType<typeof coverageTotal>;
  courses: { id: string; title: string }[];
}

/**
 * For each organisation and role of the partnership: the people who completed (attended) a session of a
 * course covering the topic in the last N years, against the headcount. A person counts under the
 * organisation and role they booked with, once however many courses they completed.
 */
export async function workforceCoverage(db: Db, ctx: RequestContext, raw: unknown, now = new Date()): Promise<CoverageReport> {
  authorizeList(ctx, 'learning.needs');
  const query = parseInput(coverageQuerySchema, raw);
  const areas = await areaIds(db, ctx);
  const orgs = await organisationsIn(db, areas);
  const orgIds = orgs.map((o) => o.id);
  const sinceDate = new Date(now);
  sinceDate.setUTCFullYear(sinceDate.getUTCFullYear() - query.years);
  const courses = (await areaCourses(db, ctx)).filter((c) => c.topics.includes(query.topic));
  const completed = orgIds.length
    ? await db
        .select({
          organisationId: learningBookings.organisationId,
          role: learningBookings.role,
          count: sql<number>`count(distinct ${learningBookings.userId})::int`,
        })
        .from(learningBookings)
        .innerJoin(learningSessions, eq(learningSessions.id, learningBookings.sessionId))
        .innerJoin(learningCourses, eq(learningCourses.id, learningSessions.courseId))
        .where(
          and(
            eq(learningBookings.attendance, 'attended'),
            inArray(learningBookings.organisationId, orgIds),
            sql`${learningCourses.topics} @> ${JSON.stringify([query.topic])}::jsonb`,
            gte(sql`coalesce(${learningSessions.endsAt}, ${learningSessions.startsAt}, ${learningBookings.attendanceMarkedAt})`, sinceDate),
          ),
        )
        .groupBy(learningBookings.organisationId, learningBookings.role)
    : [];
  const imported = orgIds.length
    ? await db
        .select({ organisationId: learningHeadcounts.organisationId, role: learningHeadcounts.role, count: learningHeadcounts.headcount })
        .from(learningHeadcounts)
        .where(inArray(learningHeadcounts.organisationId, orgIds))
    : [];
  const people = (await peopleByOrganisationAndRole(db, orgIds)).filter((p) => (WORKFORCE_ROLES as readonly string[]).includes(p.role));
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const rows = coverageRows({ people, imported, completed: completed.map((c) => ({ ...c, count: Number(c.count) })), targetPercent: query.target })
    .map((r) => ({ ...r, organisationName: byId.get(r.organisationId)?.name ?? '', odsCode: byId.get(r.organisationId)?.odsCode ?? '' }))
    .sort((a, b) => a.organisationName.localeCompare(b.organisationName) || a.role.localeCompare(b.role));
  return {
    query,
    since: londonDate(sinceDate),
    rows,
    total: coverageTotal(rows, query.target),
    courses: courses.map((c) => ({ id: c.id, title: c.title })),
  };
}

/** The headcounts imported for the partnership's organisations. */
export async function importedHeadcounts(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'learning.needs');
  const orgs = await organisationsIn(db, await areaIds(db, ctx));
  if (!orgs.length) return [];
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const rows = await db
    .select()
    .from(learningHeadcounts)
    .where(
      inArray(
        learningHeadcounts.organisationId,
        orgs.map((o) => o.id),
      ),
    );
  return rows
    .map((r) => ({ ...r, organisationName: byId.get(r.organisationId)?.name ?? '', odsCode: byId.get(r.organisationId)?.odsCode ?? '' }))
    .sort((a, b) => a.organisationName.localeCompare(b.organisationName) || a.role.localeCompare(b.role));
}

/**
 * Import headcounts by organisation (ODS code) and role, as CSV text (ods_code, role, headcount) or rows: every line checked first; nothing changes unless
 * all are right. Each organisation and role given replaces the one held; others stay.
 */
export async function importHeadcounts(db: Db, ctx: RequestContext, input: string | readonly HeadcountLine[]): Promise<{ imported: number }> {
  if (!ctx.actor) throw new ForbiddenError('learning.manage');
  const areas = await organisationsAreaIds(db, ctx.actor.organisationId);
  authorizeContext(ctx, 'learning.manage', { inActorsArea: areas.length > 0 });
  let lines = input;
  if (typeof input === 'string') {
    const read = headcountLines(input);
    if (read.problem) throw new ValidationError({ headcounts: read.problem });
    lines = read.lines;
  }
  const orgs = await organisationsIn(db, areas);
  const byOds = new Map(orgs.map((o) => [o.odsCode.toUpperCase(), o.id]));
  const checked = checkHeadcounts(lines as readonly HeadcountLine[], (ods) => byOds.get(ods.toUpperCase()) ?? null, roleFromText);
  if (checked.problems.length) throw new ValidationError({ headcounts: checked.problems.join('. ') });
  await db.transaction(async (tx) => {
    for (const r of checked.rows)
      await tx
        .insert(learningHeadcounts)
        .values({ organisationId: r.organisationId, role: r.role, headcount: r.count, importedByName: name(ctx) })
        .onConflictDoUpdate({
          target: [learningHeadcounts.organisationId, learningHeadcounts.role],
          set: { headcount: r.count, importedAt: new Date(), importedByName: name(ctx) },
        });
    await recordAudit(tx, ctx, {
      action: 'learning.needs.headcounts',
      verb: 'U',
      entityType: 'LearningHeadcounts',
      entityId: ctx.actor!.organisationId,
      detail: { rows: checked.rows.length },
    });
  });
  return { imported: checked.rows.length };
}

// ── Courses × topics ─────────────────────────────────────────────────────────────────────────────────

/**
 * Every active course of the partnership against every topic: whether the course lists the topic, and the
 * latest signed-off or open round's finding for that topic where there is one.
 */
export async function courseTopicMatrix(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'learning.needs');
  const courses = await areaCourses(db, ctx);
  const scope = await needsScope(db, ctx, learningReviewRounds.geographyId);
  const findings = courses.length
    ? await db
        .select({
          courseId: learningReviewItems.courseId,
          topic: learningReviewRounds.topic,
          coverage: learningReviewItems.coverage,
          at: learningReviewRounds.createdAt,
        })
        .from(learningReviewItems)
        .innerJoin(learningReviewRounds, eq(learningReviewRounds.id, learningReviewItems.roundId))
        .where(
          and(
            scope,
            inArray(
              learningReviewItems.courseId,
              courses.map((c) => c.id),
            ),
            sql`${learningReviewItems.coverage} IS NOT NULL`,
          ),
        )
        .orderBy(desc(learningReviewRounds.createdAt))
    : [];
  const latest = new Map<string, Coverage>();
  for (const f of findings) if (!latest.has(`${f.courseId}|${f.topic}`)) latest.set(`${f.courseId}|${f.topic}`, f.coverage as Coverage);
  return {
    topics: TOPICS,
    courses: courses.map((c) => ({
      id: c.id,
      title: c.title,
      cells: TOPICS.map((t) => ({ topic: t, listed: c.topics.includes(t), finding: latest.get(`${c.id}|${t}`) ?? null })),
    })),
    perTopic: TOPICS.map((t) => ({ topic: t, courses: courses.filter((c) => c.topics.includes(t)).length })),
  };
}
