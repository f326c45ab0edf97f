import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { DateTime, isoOrNull, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { MILESTONE_SOURCES, MILESTONE_STATES } from '../protocol';
import { caseMilestones, completeMilestone, markNotApplicable, moveToCurrentProtocol, undoMilestone } from './service';

const ProtocolRef = z.object({
  id: Uuid,
  version: z.int(),
  name: z.string(),
  geographyCode: z.string().meta({ description: 'The area whose series it belongs to, or `national`' }),
});

export const CaseMilestones = api.schema(
  'CaseMilestones',
  z.object({
    caseId: Uuid,
    reference: z.string(),
    protocol: ProtocolRef,
    newerProtocol: ProtocolRef.nullable().meta({ description: 'A newer version in force for the case’s area; the case keeps its own until moved' }),
    milestones: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        timing: z.string().meta({ description: 'The protocol’s rule in words, e.g. "by 16+0 weeks"' }),
        state: z.enum(MILESTONE_STATES),
        dueAt: DateTime.nullable(),
        notBefore: DateTime.nullable(),
        completedAt: DateTime.nullable(),
        overdueDays: z.int(),
        waitingFor: z.string().nullable(),
        notApplicableReason: z.string().nullable(),
        completedBy: z.enum(MILESTONE_SOURCES).nullable().meta({ description: 'Recorded automatically when this happens elsewhere on the case' }),
        note: z.string().nullable(),
        recordedByName: z.string().nullable(),
      }),
    ),
  }),
  'The protocol milestones of a case, in protocol order, with where each stands now.',
);
export const CompleteMilestoneRequest = api.schema(
  'CompleteMilestoneRequest',
  z.object({
    completedAt: z
      .string()
      .meta({ description: 'YYYY-MM-DD (read as 00:00 in England) or an ISO date-time; not in the future, not more than a year before the case was opened' }),
    note: z.string().nullish(),
  }),
);
export const MilestoneReasonRequest = api.schema('MilestoneReasonRequest', z.object({ reason: z.string().meta({ description: 'Required: why' }) }));

const TAGS = ['Case milestones'];

export const milestonesApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    const milestonesJson = async (req: FastifyRequest, caseId: string) => {
      const v = await caseMilestones(db, req.ctx, caseId);
      const ref = (p: NonNullable<typeof v.newer>) => ({ id: p.id, version: p.version, name: p.name, geographyCode: p.geographyCode });
      return {
        caseId: v.kase.id,
        reference: v.kase.reference,
        protocol: ref(v.protocol),
        newerProtocol: v.newer ? ref(v.newer) : null,
        milestones: v.milestones.map((m) => ({
          key: m.key,
          label: m.label,
          timing: m.timing,
          state: m.state,
          dueAt: isoOrNull(m.dueAt),
          notBefore: isoOrNull(m.notBefore),
          completedAt: isoOrNull(m.completedAt),
          overdueDays: m.overdueDays,
          waitingFor: m.waitingFor,
          notApplicableReason: m.notApplicableReason,
          completedBy: m.completedBy,
          note: m.record?.note ?? null,
          recordedByName: m.record?.recordedByName ?? null,
        })),
      };
    };

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/milestones',
        operationId: 'getCaseMilestones',
        summary: 'The protocol milestones of a case',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'Milestones', schema: CaseMilestones } },
      },
      async (req) => milestonesJson(req, pathParam(req)),
    );

    // Each change answers with the milestones as they are after it, so a client need not read them again.
    const params = { id: 'The case', key: 'The milestone key from the case’s protocol' };
    const changes = [
      {
        path: 'complete',
        operationId: 'completeCaseMilestone',
        summary: 'Record a milestone as done',
        schema: CompleteMilestoneRequest,
        run: (req: FastifyRequest) => completeMilestone(db, req.ctx, pathParam(req), pathParam(req, 'key'), jsonBody(req)),
      },
      {
        path: 'not-applicable',
        operationId: 'markCaseMilestoneNotApplicable',
        summary: 'Record that a milestone is not needed for this case, with the reason',
        schema: MilestoneReasonRequest,
        run: (req: FastifyRequest) => markNotApplicable(db, req.ctx, pathParam(req), pathParam(req, 'key'), jsonBody(req).reason),
      },
      {
        path: 'undo',
        operationId: 'undoCaseMilestone',
        summary: 'Undo what is recorded against a milestone (kept in the history), with the reason',
        schema: MilestoneReasonRequest,
        run: (req: FastifyRequest) => undoMilestone(db, req.ctx, pathParam(req), pathParam(req, 'key'), jsonBody(req).reason),
      },
    ];
    for (const c of changes) {
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/cases/:id/milestones/:key/${c.path}`,
          operationId: c.operationId,
          summary: c.summary,
          tags: TAGS,
          params,
          body: { schema: c.schema },
          responses: { 200: { description: 'The milestones after the change', schema: CaseMilestones } },
        },
        async (req) => {
          await c.run(req);
          return milestonesJson(req, pathParam(req));
        },
      );
    }

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/milestones/move-protocol',
        operationId: 'moveCaseToCurrentProtocol',
        summary: 'Move the case to the protocol version now in force for its area, with the reason',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: MilestoneReasonRequest },
        responses: { 200: { description: 'The milestones under the new version', schema: CaseMilestones } },
      },
      async (req) => {
        await moveToCurrentProtocol(db, req.ctx, pathParam(req), jsonBody(req).reason);
        return milestonesJson(req, pathParam(req));
      },
    );
  };
