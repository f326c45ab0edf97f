/**
 * Case-file audits as JSON, under /api/assurance: the rounds (progress) and one round (its sample, every
 * section's answers and moderation, progress by agency, the grade distribution, the discussion and findings),
 * and an agency completing its section. The same services, rules and audit as the pages.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { DateTime, IsoDay, isoOrNull, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { GRADES } from './rules';
import { getRound, listRounds } from './service';
import { completeSection } from './sections';

const TAGS = ['Assurance'];
const RoundSummary = z.object({
  id: Uuid,
  title: z.string(),
  theme: z.string(),
  partnership: z.object({ id: Uuid, name: z.string() }),
  status: z.enum(['open', 'closed']),
  seed: z.int().meta({ description: 'The seed the sample was drawn with: the same seed and criteria draw the same cases' }),
  candidates: z.int().meta({ description: 'How many cases met the criteria' }),
  cases: z.int(),
  sections: z.int(),
  completed: z.int(),
  moderated: z.int(),
  startedAt: DateTime,
});
const Rounds = api.schema('CaseFileRounds', z.object({ rounds: z.array(RoundSummary) }));
const Round = api.schema(
  'CaseFileRound',
  RoundSummary.omit({ cases: true, sections: true, completed: true, moderated: true }).extend({
    criteria: z.object({
      classifications: z.array(z.string()),
      openedFrom: IsoDay.nullable(),
      openedTo: IsoDay.nullable(),
      status: z.enum(['open', 'closed', 'all']),
    }),
    template: z.object({
      id: Uuid,
      title: z.string(),
      version: z.int(),
      questions: z.array(z.object({ key: z.string(), text: z.string(), type: z.enum(['grade', 'yes_no', 'text']) })),
    }),
    sections: z.array(
      z.object({
        id: Uuid,
        caseId: Uuid,
        caseReference: z.string(),
        position: z.int(),
        organisation: z.object({ id: Uuid, name: z.string() }),
        answers: z.record(z.string(), z.string()).nullable(),
        completedAt: DateTime.nullable(),
        completedBy: z.string().nullable(),
        moderatorGrades: z.record(z.string(), z.string()).nullable(),
        agreed: z.record(z.string(), z.object({ grade: z.string(), reason: z.string() })).nullable(),
        moderatedAt: DateTime.nullable(),
        moderatedBy: z.string().nullable(),
      }),
    ),
    progress: z.array(z.object({ organisation: z.object({ id: Uuid, name: z.string() }), total: z.int(), completed: z.int(), moderated: z.int() })),
    distribution: z.array(z.object({ grade: z.enum(GRADES), count: z.int() })),
    discussion: z.object({ text: z.string(), on: IsoDay.nullable(), by: z.string().nullable() }).nullable(),
    findings: z.array(z.object({ id: Uuid, theme: z.string(), learning: z.string(), at: DateTime })),
  }),
);

export const caseFileApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/case-file-rounds',
        operationId: 'listCaseFileRounds',
        summary: 'Multi-agency case-file audit rounds, newest first, with progress',
        tags: TAGS,
        responses: { 200: { description: 'Rounds', schema: Rounds } },
      },
      async (req) => ({
        rounds: (await listRounds(db, req.ctx)).map((r) => ({
          id: r.id,
          title: r.title,
          theme: r.theme,
          partnership: { id: r.geographyId, name: r.partnershipName },
          status: r.status as 'open' | 'closed',
          seed: r.seed,
          candidates: r.candidates,
          cases: r.cases,
          sections: r.sections,
          completed: r.completed,
          moderated: r.moderated,
          startedAt: r.createdAt.toISOString(),
        })),
      }),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/case-file-rounds/:id',
        operationId: 'getCaseFileRound',
        summary: 'One case-file audit round: the sample, every section and its moderation, progress, grades, discussion and findings',
        tags: TAGS,
        params: { id: 'The round' },
        responses: { 200: { description: 'The round', schema: Round } },
      },
      async (req) => {
        const v = await getRound(db, req.ctx, pathParam(req));
        const c = v.round.criteria as { classifications: string[]; openedFrom: string | null; openedTo: string | null; status: 'open' | 'closed' | 'all' };
        return {
          id: v.round.id,
          title: v.round.title,
          theme: v.round.theme,
          partnership: { id: v.round.geographyId, name: v.partnershipName },
          status: v.round.status as 'open' | 'closed',
          seed: v.round.seed,
          candidates: v.round.candidates,
          startedAt: v.round.createdAt.toISOString(),
          criteria: c,
          template: { id: v.template.id, title: v.template.title, version: v.template.version, questions: v.template.questions },
          sections: v.sections.map((s) => ({
            id: s.id,
            caseId: s.caseId,
            caseReference: s.caseReference,
            position: s.position,
            organisation: { id: s.organisationId, name: s.organisationName },
            answers: (s.answers ?? null) as Record<string, string> | null,
            completedAt: isoOrNull(s.completedAt),
            completedBy: s.completedByName,
            moderatorGrades: (s.moderatorGrades ?? null) as Record<string, string> | null,
            agreed: (s.agreed ?? null) as Record<string, { grade: string; reason: string }> | null,
            moderatedAt: isoOrNull(s.moderatedAt),
            moderatedBy: s.moderatedByName,
          })),
          progress: v.progress.map((p) => ({
            organisation: { id: p.organisationId, name: p.organisationName },
            total: p.total,
            completed: p.completed,
            moderated: p.moderated,
          })),
          distribution: v.distribution,
          discussion: v.round.discussion ? { text: v.round.discussion, on: v.round.discussionOn, by: v.round.discussionByName } : null,
          findings: v.findings.map((f) => ({ id: f.id, theme: f.theme, learning: f.learning, at: f.createdAt.toISOString() })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/case-file-sections/:id',
        operationId: 'completeCaseFileSection',
        summary: 'An agency completes its own section: { answers: { q1: "good", q2: "yes", q3: "text" … } } (until it is moderated)',
        tags: TAGS,
        params: { id: 'The section' },
        body: { schema: api.schema('CaseFileSectionRequest', z.object({ answers: z.record(z.string(), z.string()) })) },
        responses: { 200: { description: 'Saved', schema: api.schema('CaseFileSectionSaved', z.object({ ok: z.literal(true) })) } },
      },
      async (req) => {
        await completeSection(db, req.ctx, pathParam(req), jsonBody(req));
        return { ok: true as const };
      },
    );
  };
