import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app';
import { api } from '../../alerts/api';
import { MILESTONE_SOURCES, MILESTONE_STATES } from '../protocol';
import { caseMilestones, completeMilestone, markNotApplicable, moveToCurrentProtocol, undoMilestone } from './service';

const Uuid = z.uuid();
const DateTime = z.iso.datetime();

const ProtocolRef = z.object({ id: Uuid, version: z.int(), name: z.string(), geographyCode: z.string().meta({ description: 'The area whose series it belongs to, or `national`' }) });

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
    completedAt: z.string().meta({ description: 'YYYY-MM-DD (read as 00:00 in England) or an ISO date-time; not in the future, not more than a year before the case was opened' }),
    note: z.string().nullish(),
  }),
);
export const MilestoneReasonRequest = api.schema('MilestoneReasonRequest', z.object({ reason: z.string().meta({ description: 'Required: why' }) }));

const TAGS = ['Case milestones'];

export const milestonesApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    const milestonesJson = async (req: Parameters<Parameters<typeof api.route>[2]>[0], caseId: string) => {
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
          dueAt: m.dueAt?.toISOString() ?? null,
          notBefore: m.notBefore?.toISOString() ?? null,
          completedAt: m.completedAt?.toISOString() ?? null,
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
      { method: 'GET', url: '/api/cases/:id/milestones', operationId: 'getCaseMilestones', summary: 'The protocol milestones of a case', tags: TAGS, params: { id: 'The case' }, responses: { 200: { description: 'Milestones', schema: CaseMilestones } } },
      async (req) => milestonesJson(req, (req.params as { id: string }).id),
    );

    const params = { id: 'The case', key: 'The milestone key from the case’s protocol' };
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/milestones/:key/complete',
        operationId: 'completeCaseMilestone',
        summary: 'Record a milestone as done',
        tags: TAGS,
        params,
        body: { schema: CompleteMilestoneRequest },
        responses: { 200: { description: 'The milestones after the change', schema: CaseMilestones } },
      },
      async (req) => {
        const { id, key } = req.params as { id: string; key: string };
        await completeMilestone(db, req.ctx, id, key, req.body ?? {});
        return milestonesJson(req, id);
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/milestones/:key/not-applicable',
        operationId: 'markCaseMilestoneNotApplicable',
        summary: 'Record that a milestone is not needed for this case, with the reason',
        tags: TAGS,
        params,
        body: { schema: MilestoneReasonRequest },
        responses: { 200: { description: 'The milestones after the change', schema: CaseMilestones } },
      },
      async (req) => {
        const { id, key } = req.params as { id: string; key: string };
        await markNotApplicable(db, req.ctx, id, key, (req.body as { reason?: unknown } | undefined)?.reason);
        return milestonesJson(req, id);
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/milestones/:key/undo',
        operationId: 'undoCaseMilestone',
        summary: 'Undo what is recorded against a milestone (kept in the history), with the reason',
        tags: TAGS,
        params,
        body: { schema: MilestoneReasonRequest },
        responses: { 200: { description: 'The milestones after the change', schema: CaseMilestones } },
      },
      async (req) => {
        const { id, key } = req.params as { id: string; key: string };
        await undoMilestone(db, req.ctx, id, key, (req.body as { reason?: unknown } | undefined)?.reason);
        return milestonesJson(req, id);
      },
    );
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
        const { id } = req.params as { id: string };
        await moveToCurrentProtocol(db, req.ctx, id, (req.body as { reason?: unknown } | undefined)?.reason);
        return milestonesJson(req, id);
      },
    );
  };
