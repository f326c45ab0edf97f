/**
 * The learning needs analysis as JSON, under /api/learning/needs: the same services, rules and audit as the
 * pages. POSTs need X-CSRF-Token (GET /api/session). Bad input is 400 `invalid` with `fields`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, IsoDay, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../platform/http/api-helpers';
import { ValidationError } from '../platform/errors';
import { courseTopicMatrix, createRound, getRound, importHeadcounts, listRounds, recordFinding, signOffRound, workforceCoverage } from './needs';
import { COVERAGE } from './needs-model';
import { TOPICS } from './model';

const TAGS = ['Learning'];
const Coverage = z.enum(COVERAGE);

const RoundSummary = z.object({
  id: Uuid,
  title: z.string(),
  topic: z.enum(TOPICS),
  owner: z.string(),
  dueOn: IsoDay,
  status: z.enum(['open', 'signed_off']),
  overdue: z.boolean(),
  reviewed: z.int(),
  total: z.int(),
});
const Rounds = api.schema('LearningReviewRounds', z.object({ rounds: z.array(RoundSummary) }));
const Round = api.schema(
  'LearningReviewRound',
  RoundSummary.extend({
    brief: z.string(),
    signedOffAt: DateTime.nullable(),
    signedOffBy: z.string().nullable(),
    signOffNote: z.string().nullable(),
    problems: z.array(z.string()).meta({ description: 'Why it cannot be signed off yet (empty: it can)' }),
    courses: z.array(
      z.object({
        courseId: Uuid,
        title: z.string(),
        listsTopic: z.boolean(),
        coverage: Coverage.nullable(),
        evidence: z.string().nullable(),
        action: z.string().nullable(),
        reviewedAt: DateTime.nullable(),
        reviewedBy: z.string().nullable(),
      }),
    ),
  }),
);
const RoundRequest = api.schema(
  'LearningReviewRoundRequest',
  z.object({
    title: z.string(),
    topic: z.enum(TOPICS),
    brief: z.string(),
    ownerEmail: z.string().meta({ description: 'The Beacon email of the person who signs the round off' }),
    dueOn: IsoDay,
  }),
);
const FindingRequest = api.schema(
  'LearningReviewFindingRequest',
  z.object({ coverage: Coverage, evidence: z.string(), action: z.string().optional().meta({ description: 'Required unless covered' }) }),
);
const SignOffRequest = api.schema('LearningReviewSignOffRequest', z.object({ note: z.string().optional() }));
const CoverageReport = api.schema(
  'LearningWorkforceCoverage',
  z.object({
    topic: z.enum(TOPICS),
    years: z.int(),
    target: z.int(),
    since: IsoDay,
    total: z.object({ headcount: z.int(), completed: z.int(), percent: z.int().nullable(), shortfall: z.int(), gaps: z.int() }),
    rows: z.array(
      z.object({
        organisationId: Uuid,
        odsCode: z.string(),
        organisation: z.string(),
        role: z.string(),
        headcount: z.int(),
        headcountSource: z.enum(['imported', 'beacon']),
        completed: z.int(),
        percent: z.int().nullable(),
        shortfall: z.int(),
        gap: z.boolean(),
      }),
    ),
  }),
  'For each organisation and role: the people who completed training covering the topic in the last `years`, against the headcount.',
);
const HeadcountsRequest = api.schema(
  'LearningHeadcountsRequest',
  z.object({ rows: z.array(z.object({ odsCode: z.string(), role: z.string(), headcount: z.union([z.int(), z.string()]) })) }),
);
const Matrix = api.schema(
  'LearningCourseTopicMatrix',
  z.object({
    courses: z.array(
      z.object({ id: Uuid, title: z.string(), topics: z.array(z.object({ topic: z.enum(TOPICS), listed: z.boolean(), finding: Coverage.nullable() })) }),
    ),
  }),
);

export const learningNeedsApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const ID = { id: 'The review round' };

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/needs/rounds',
        operationId: 'listLearningReviewRounds',
        summary: 'Review rounds of the learning needs analysis',
        tags: TAGS,
        responses: { 200: { description: 'Rounds', schema: Rounds } },
      },
      async (req) => ({
        rounds: (await listRounds(db, req.ctx)).map((r) => ({
          id: r.id,
          title: r.title,
          topic: r.topic,
          owner: r.ownerName,
          dueOn: r.dueOn,
          status: r.status,
          overdue: r.overdue,
          reviewed: r.progress.reviewed,
          total: r.progress.total,
        })),
      }),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/needs/rounds',
        operationId: 'createLearningReviewRound',
        summary: 'Start a review round: every active course of the partnership, against one topic',
        tags: TAGS,
        body: { schema: RoundRequest },
        responses: { 201: { description: 'Started', schema: api.schema('LearningReviewRoundCreated', z.object({ id: Uuid })) } },
      },
      async (req, reply) => reply.code(201).send(await createRound(db, req.ctx, jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/needs/rounds/:id',
        operationId: 'getLearningReviewRound',
        summary: 'A review round with every course’s finding',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The round', schema: Round } },
      },
      async (req) => {
        const v = await getRound(db, req.ctx, pathParam(req));
        return {
          id: v.round.id,
          title: v.round.title,
          topic: v.round.topic,
          owner: v.ownerName,
          dueOn: v.round.dueOn,
          status: v.round.status,
          overdue: v.overdue,
          reviewed: v.progress.reviewed,
          total: v.progress.total,
          brief: v.round.brief,
          signedOffAt: isoOrNull(v.round.signedOffAt),
          signedOffBy: v.round.signedOffByName,
          signOffNote: v.round.signOffNote,
          problems: v.problems,
          courses: v.items.map((i) => ({
            courseId: i.courseId,
            title: i.courseTitle,
            listsTopic: i.listsTopic,
            coverage: i.coverage,
            evidence: i.evidence,
            action: i.action,
            reviewedAt: isoOrNull(i.reviewedAt),
            reviewedBy: i.reviewedByName,
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/needs/rounds/:id/courses/:courseId',
        operationId: 'recordLearningReviewFinding',
        summary: 'Record one course’s finding in a round',
        tags: TAGS,
        params: { ...ID, courseId: 'The course' },
        body: { schema: FindingRequest },
        responses: { 204: { description: 'Recorded' } },
      },
      noContent((req) => recordFinding(db, req.ctx, pathParam(req), pathParam(req, 'courseId'), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/needs/rounds/:id/sign-off',
        operationId: 'signOffLearningReviewRound',
        summary: 'Sign a round off (its owner; every course reviewed, every gap with an action)',
        tags: TAGS,
        params: ID,
        body: { schema: SignOffRequest },
        responses: { 204: { description: 'Signed off' } },
      },
      noContent((req) => signOffRound(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/needs/coverage',
        operationId: 'getLearningWorkforceCoverage',
        summary: 'Workforce coverage of a topic by organisation and role',
        tags: TAGS,
        query: { topic: `One of ${TOPICS.join(', ')} (default disguised_compliance)`, years: '1 to 10 (default 3)', target: 'Per cent, 1 to 100 (default 80)' },
        responses: { 200: { description: 'Coverage', schema: CoverageReport } },
      },
      async (req) => {
        const r = await workforceCoverage(db, req.ctx, req.query);
        return {
          topic: r.query.topic,
          years: r.query.years,
          target: r.query.target,
          since: r.since,
          total: { headcount: r.total.headcount, completed: r.total.completed, percent: r.total.percent, shortfall: r.total.shortfall, gaps: r.total.gaps },
          rows: r.rows.map((x) => ({
            organisationId: x.organisationId,
            odsCode: x.odsCode,
            organisation: x.organisationName,
            role: x.role,
            headcount: x.headcount,
            headcountSource: x.source,
            completed: x.completed,
            percent: x.percent,
            shortfall: x.shortfall,
            gap: x.gap,
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/needs/headcounts',
        operationId: 'importLearningHeadcounts',
        summary: 'Import headcounts by organisation (ODS code) and role; nothing changes unless every row is right',
        tags: TAGS,
        body: { schema: HeadcountsRequest },
        responses: { 200: { description: 'Imported', schema: api.schema('LearningHeadcountsImported', z.object({ imported: z.int() })) } },
      },
      async (req) => {
        const rows = jsonBody(req).rows;
        if (!Array.isArray(rows)) throw new ValidationError({ rows: 'Send rows: a list of { odsCode, role, headcount }' });
        return importHeadcounts(
          db,
          req.ctx,
          rows.map((r, i) => {
            const o = (r ?? {}) as Record<string, unknown>;
            return { line: i + 1, odsCode: String(o.odsCode ?? ''), role: String(o.role ?? ''), headcount: String(o.headcount ?? '') };
          }),
        );
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/needs/matrix',
        operationId: 'getLearningCourseTopicMatrix',
        summary: 'Every active course against every topic, with the latest review finding',
        tags: TAGS,
        responses: { 200: { description: 'The matrix', schema: Matrix } },
      },
      async (req) => {
        const m = await courseTopicMatrix(db, req.ctx);
        return { courses: m.courses.map((c) => ({ id: c.id, title: c.title, topics: c.cells })) };
      },
    );
  };
