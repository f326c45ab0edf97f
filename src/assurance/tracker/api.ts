/**
 * The review tracker as JSON, under /api/assurance: reviews with their recommendations, responses and
 * actions (RAG computed from dates and evidence), and the changes a partner's system makes — a review, a
 * recommendation, an action, a response, evidence linked, an action's status. The same services, rules and
 * audit as the pages; POSTs need X-CSRF-Token (GET /api/session) or a bearer token with the `assurance` scope.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { DateTime, IsoDay, isoOrNull, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { addEvidence } from './evidence';
import { ACTION_STATUSES, EVIDENCE_KINDS, RECOMMENDATION_STAGES, REVIEW_TYPES } from './rules';
import { addRecommendation, createAction, createReview, respond, setStatus } from './service';
import { getReview, listReviews, type ReviewView } from './reading';

const TAGS = ['Assurance'];
const ActionRag = z.enum(['complete', 'red', 'amber', 'green', 'withdrawn']).meta({
  description:
    'From dates and evidence: complete only with evidence; red past its due date; amber due within 30 days with no evidence, or put back twice; green otherwise',
});

const Action = z.object({
  id: Uuid,
  title: z.string(),
  owner: z.string(),
  organisation: z.object({ id: Uuid, name: z.string().nullable() }).nullable().meta({ description: 'The agency that owns it (null: the partnership)' }),
  dueOn: IsoDay.meta({ description: 'The due date first agreed' }),
  currentDueOn: IsoDay.meta({ description: 'The due date in force (after any revision)' }),
  revisions: z.int(),
  status: z.enum(ACTION_STATUSES),
  completedAt: DateTime.nullable(),
  evidenceCount: z.int(),
  rag: ActionRag,
  ragReason: z.string(),
  sourceRunId: Uuid.nullable().meta({ description: 'The audit run it was raised from, if any' }),
  sourceCriterion: z.string().nullable(),
});
const Recommendation = z.object({
  id: Uuid,
  number: z.int(),
  text: z.string(),
  stage: z.enum(RECOMMENDATION_STAGES),
  rag: ActionRag,
  progress: z.string(),
  responses: z.array(
    z.object({
      id: Uuid,
      addressee: z.string(),
      organisationId: Uuid.nullable().meta({ description: 'null: the board' }),
      response: z.string().nullable(),
      respondedAt: DateTime.nullable(),
      respondedBy: z.string().nullable(),
    }),
  ),
  qualityAssured: z.object({ at: DateTime, by: z.string().nullable(), note: z.string().nullable() }).nullable(),
  signedOff: z.object({ at: DateTime, by: z.string().nullable(), note: z.string().nullable() }).nullable(),
  actions: z.array(Action),
});
const Review = z.object({
  id: Uuid,
  title: z.string(),
  reviewType: z.enum(REVIEW_TYPES),
  partnership: z.object({ id: Uuid, name: z.string() }),
  consideredOn: IsoDay.nullable(),
  decision: z.string().nullable(),
  ledBy: z.string().nullable(),
  methodology: z.string().nullable(),
  publishedOn: IsoDay.nullable(),
  subgroup: z.string(),
  recommendations: z.array(Recommendation),
});
const Reviews = api.schema('Reviews', z.object({ reviews: z.array(Review) }));
const ReviewSchema = api.schema('Review', Review);

const body = (r: ReviewView) => ({
  id: r.id,
  title: r.title,
  reviewType: r.reviewType as (typeof REVIEW_TYPES)[number],
  partnership: { id: r.geographyId, name: r.partnershipName },
  consideredOn: r.consideredOn,
  decision: r.decision,
  ledBy: r.ledBy,
  methodology: r.methodology,
  publishedOn: r.publishedOn,
  subgroup: r.subgroup,
  recommendations: r.recommendations.map((rec) => ({
    id: rec.id,
    number: rec.number,
    text: rec.text,
    stage: rec.progress.stage,
    rag: rec.progress.rag,
    progress: rec.progress.reason,
    responses: rec.responses.map((x) => ({
      id: x.id,
      addressee: x.addressee,
      organisationId: x.organisationId,
      response: x.response,
      respondedAt: isoOrNull(x.respondedAt),
      respondedBy: x.respondedByName,
    })),
    qualityAssured: rec.qaAt ? { at: rec.qaAt.toISOString(), by: rec.qaByName, note: rec.qaNote } : null,
    signedOff: rec.signedOffAt ? { at: rec.signedOffAt.toISOString(), by: rec.signedOffByName, note: rec.signOffNote } : null,
    actions: rec.actions.map((a) => ({
      id: a.id,
      title: a.title,
      owner: a.ownerName,
      organisation: a.organisationId ? { id: a.organisationId, name: a.organisationName } : null,
      dueOn: a.dueOn,
      currentDueOn: a.currentDueOn,
      revisions: a.revisions,
      status: a.status as (typeof ACTION_STATUSES)[number],
      completedAt: isoOrNull(a.completedAt),
      evidenceCount: a.evidenceCount,
      rag: a.rag,
      ragReason: a.ragReason,
      sourceRunId: a.sourceRunId,
      sourceCriterion: a.sourceCriterion,
    })),
  })),
});

const Created = api.schema('TrackerCreated', z.object({ id: Uuid }));
const OK = api.schema('TrackerUpdated', z.object({ ok: z.literal(true) }));

export const trackerApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/reviews',
        operationId: 'listReviews',
        summary: 'Reviews, newest first, with their recommendations (stage and RAG), responses and actions',
        tags: TAGS,
        responses: { 200: { description: 'Reviews', schema: Reviews } },
      },
      async (req) => ({ reviews: (await listReviews(db, req.ctx)).map(body) }),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/reviews/:id',
        operationId: 'getReview',
        summary: 'One review with its recommendations, responses and actions',
        tags: TAGS,
        params: { id: 'The review' },
        responses: { 200: { description: 'The review', schema: ReviewSchema } },
      },
      async (req) => body((await getReview(db, req.ctx, pathParam(req))).review),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/reviews',
        operationId: 'createReview',
        summary: 'Record a review (the partnership’s manager or a subgroup chair)',
        tags: TAGS,
        body: {
          schema: api.schema(
            'ReviewRequest',
            z.object({
              partnershipId: Uuid,
              title: z.string(),
              reviewType: z.enum(REVIEW_TYPES),
              consideredOn: IsoDay.optional().meta({ description: 'When the learning and inquiry group considered the case' }),
              decision: z.string().optional().meta({ description: 'Its decision (for example, that the case met the criteria for a partnership review)' }),
              ledBy: z.string().optional(),
              methodology: z.string().optional(),
              publishedOn: IsoDay.optional(),
              subgroup: z.string().meta({ description: 'The subgroup that quality-assures the response' }),
            }),
          ),
        },
        responses: { 201: { description: 'Recorded', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createReview(db, req.ctx, jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/reviews/:id/recommendations',
        operationId: 'addRecommendation',
        summary: 'Add a recommendation, addressed to the board ("board") and/or agencies (their organisation ids); each addressee gets a response to write',
        tags: TAGS,
        params: { id: 'The review' },
        body: { schema: api.schema('RecommendationRequest', z.object({ text: z.string(), addressees: z.array(z.string()) })) },
        responses: { 201: { description: 'Added', schema: api.schema('RecommendationCreated', z.object({ id: Uuid, number: z.int() })) } },
      },
      async (req, reply) => reply.code(201).send(await addRecommendation(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/responses/:id',
        operationId: 'recordResponse',
        summary: 'An addressee’s written response to a recommendation (an agency’s lead for their own organisation; the manager for the board)',
        tags: TAGS,
        params: { id: 'The response (one per addressee)' },
        body: { schema: api.schema('ResponseRequest', z.object({ response: z.string() })) },
        responses: { 200: { description: 'Recorded', schema: OK } },
      },
      async (req) => {
        await respond(db, req.ctx, pathParam(req), jsonBody(req));
        return { ok: true as const };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/recommendations/:id/actions',
        operationId: 'createAction',
        summary: 'Add an action to a recommendation (optionally raised from an audit criterion below its standard)',
        tags: TAGS,
        params: { id: 'The recommendation' },
        body: {
          schema: api.schema(
            'ActionRequest',
            z.object({
              title: z.string(),
              detail: z.string().optional(),
              ownerName: z.string(),
              organisationId: Uuid.optional().meta({ description: 'The agency that owns it (omit: the partnership)' }),
              dueOn: IsoDay,
              sourceRunId: Uuid.optional(),
              sourceCriterion: z.string().optional(),
            }),
          ),
        },
        responses: { 201: { description: 'Added', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createAction(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/actions/:id/evidence',
        operationId: 'addEvidence',
        summary: 'Link one of Beacon’s records as evidence for an action (read as the caller: a record they cannot see cannot be linked)',
        tags: TAGS,
        params: { id: 'The action' },
        body: {
          schema: api.schema(
            'EvidenceRequest',
            z.object({
              kind: z.enum(EVIDENCE_KINDS.filter((k) => k !== 'file') as ['course', 'readership', 'document', 'audit_run']).meta({
                description:
                  'course (its id: attendance and evaluation); readership (a library document id); document (a published version id); audit_run (a frozen run id)',
              }),
              targetId: Uuid,
              note: z.string().optional(),
            }),
          ),
        },
        responses: { 201: { description: 'Linked', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await addEvidence(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/actions/:id/status',
        operationId: 'setActionStatus',
        summary: 'Move an action on: in progress, complete (only with evidence), withdrawn (with a note), or reopened',
        tags: TAGS,
        params: { id: 'The action' },
        body: { schema: api.schema('ActionStatusRequest', z.object({ status: z.enum(ACTION_STATUSES), note: z.string().optional() })) },
        responses: { 200: { description: 'Changed', schema: OK } },
      },
      async (req) => {
        await setStatus(db, req.ctx, pathParam(req), jsonBody(req));
        return { ok: true as const };
      },
    );
  };
