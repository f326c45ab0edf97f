/**
 * Escalations between agencies as JSON: the same services, rules and audit as the pages. POSTs need
 * X-CSRF-Token (GET /api/session). Bad input is 400 `invalid` with `fields` (the form's field names).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, isoOrNull, jsonBody, pathParam, Uuid } from '../platform/http/api-helpers';
import type { RequestContext } from '../platform/context';
import { ESCALATION_STATUSES, ESCALATION_SUBJECTS } from './stages';
import { LIMITS, LIST_FILTERS, type ListFilter, STAGE_OUTCOMES } from './model';
import { escalate, raiseEscalation, recordAgreedActions, referToPartnership, resolve, withdraw } from './service';
import { escalationsForCase, type EscalationSummary, getEscalation, listEscalations } from './reading';
import { partnershipReport } from './report';

const text = (max: number) => z.string().max(max).nullish();
const StageNumber = z.int().min(1);

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────────

export const RaiseEscalationRequest = api.schema(
  'RaiseEscalationRequest',
  z.object({
    subject: z.enum(ESCALATION_SUBJECTS),
    concern: z.string().max(LIMITS.concern).meta({ description: 'What you disagree about and why it matters for the baby' }),
    desiredOutcome: text(LIMITS.desiredOutcome),
    raisedWithOrganisationId: Uuid.meta({ description: 'The agency you disagree with: not your own organisation' }),
    raisedWithName: text(LIMITS.name).meta({ description: 'The person you disagree with, if known' }),
    raisedWithEmail: z.string().optional().meta({ description: 'Their email, if known: they are emailed at raising and at each stage' }),
    caseId: Uuid.nullish().meta({ description: 'The case it is about (you must be able to update it); the escalation then shows on its chronology' }),
    ownerName: text(LIMITS.name).meta({ description: 'Who holds the first stage, if not the person raised with' }),
    startStage: StageNumber.optional().meta({
      description: 'Default 1. Higher only when the risk is too urgent, with `startReason`: the stages below are recorded as skipped',
    }),
    startReason: text(LIMITS.reason),
  }),
  'Raise an escalation with another agency. It starts at stage 1 of the stage table in force for the area (the case’s, or your organisation’s).',
);
export const RaisedEscalation = api.schema('RaisedEscalation', z.object({ id: Uuid, reference: z.string() }));

export const EscalateRequest = api.schema(
  'EscalateRequest',
  z.object({
    toStage: StageNumber,
    reason: text(LIMITS.reason).meta({ description: 'Required when skipping a stage (at least 10 characters): what the urgent risk is' }),
    ownerName: z.string().max(LIMITS.name).meta({ description: 'Who holds it at the new stage' }),
    ownerOrganisationId: Uuid.nullish().meta({ description: 'Their organisation (default: the agency raised with)' }),
    agreedActions: text(LIMITS.agreedActions).meta({ description: 'Anything agreed at the stage being left' }),
  }),
);
export const AgreedActionsRequest = api.schema(
  'AgreedActionsRequest',
  z.object({ agreedActions: z.string().max(LIMITS.agreedActions) }),
  'Replaces the agreed actions recorded for the current stage.',
);
export const ResolveRequest = api.schema('ResolveRequest', z.object({ outcome: z.string().max(LIMITS.outcome).meta({ description: 'What was agreed' }) }));
export const EscalationReasonRequest = api.schema(
  'EscalationReasonRequest',
  z.object({ reason: z.string().max(LIMITS.reason) }),
  'Why it is being referred to the partnership, or withdrawn.',
);

// The list and the detail both start with what names an escalation, then (after the detail's concern) where it stands.
const escalationHead = {
  id: Uuid,
  reference: z.string(),
  caseId: Uuid.nullable(),
  caseReference: z.string().nullable(),
  subject: z.enum(ESCALATION_SUBJECTS),
  subjectLabel: z.string(),
};
const escalationState = {
  status: z.enum(ESCALATION_STATUSES),
  statusLabel: z.string(),
  stage: z.int(),
  stageLabel: z.string(),
};
const SummarySchema = z.object({
  ...escalationHead,
  ...escalationState,
  raisedByOrganisation: z.string(),
  raisedWithOrganisation: z.string(),
  createdAt: DateTime,
  closedAt: DateTime.nullable(),
  dueAt: DateTime.nullable().meta({ description: 'When the current stage is due (open escalations)' }),
  overdue: z.boolean(),
});
export const EscalationList = api.schema('EscalationList', z.object({ escalations: z.array(SummarySchema) }));

const StageRowSchema = z.object({
  id: Uuid,
  stage: z.int(),
  stageLabel: z.string(),
  kind: z.enum(['reached', 'skipped']),
  ownerName: z.string().nullable(),
  ownerOrganisationId: Uuid.nullable(),
  ownerOrganisation: z.string().nullable(),
  enteredAt: DateTime,
  dueAt: DateTime.nullable(),
  reason: z.string().nullable(),
  agreedActions: z.string().nullable(),
  outcome: z.enum(STAGE_OUTCOMES).nullable(),
  endedAt: DateTime.nullable(),
});
export const EscalationDetail = api.schema(
  'EscalationDetail',
  z.object({
    ...escalationHead,
    concern: z.string(),
    desiredOutcome: z.string().nullable(),
    ...escalationState,
    raisedBy: z.object({ name: z.string(), organisationId: Uuid, organisation: z.string().nullable() }),
    raisedWith: z.object({ name: z.string().nullable(), email: z.string().nullable(), organisationId: Uuid, organisation: z.string().nullable() }),
    outcome: z.string().nullable().meta({ description: 'What was agreed, or why it was referred or withdrawn (closed escalations)' }),
    createdAt: DateTime,
    closedAt: DateTime.nullable(),
    overdue: z.boolean(),
    stages: z.array(StageRowSchema),
    stageTable: z.array(z.object({ stage: z.int(), label: z.string(), who: z.string(), due: z.record(z.string(), z.int()) })),
    canAct: z.boolean().meta({ description: 'Whether you may record actions, escalate, resolve or refer it' }),
    canWithdraw: z.boolean(),
  }),
  'An escalation with its stage history. Reading it is recorded in the audit log.',
);
const StageCount = z.object({ stage: z.int(), label: z.string(), count: z.int() });
export const EscalationReportSchema = api.schema(
  'EscalationReport',
  z.object({
    period: z.object({ from: z.iso.date(), to: z.iso.date() }),
    areaName: z.string().nullable(),
    raised: z.int(),
    open: z.object({ total: z.int(), byStage: z.array(StageCount) }),
    highestStage: z.array(StageCount),
    closed: z.object({ resolved: z.int(), referred: z.int(), withdrawn: z.int() }),
    timeToResolve: z.object({ count: z.int(), medianDays: z.number(), meanDays: z.number() }).nullable(),
    overdue: z.int(),
    themes: z.array(z.object({ subject: z.enum(ESCALATION_SUBJECTS), label: z.string(), count: z.int() })),
  }),
  'Counts for the partnership over escalations raised in the period (no personal data).',
);

// ── JSON shapes ────────────────────────────────────────────────────────────────────────────────────

const summaryJson = (e: EscalationSummary) => ({
  id: e.id,
  reference: e.reference,
  caseId: e.caseId,
  caseReference: e.caseReference,
  subject: e.subject,
  subjectLabel: e.subjectLabel,
  status: e.status,
  statusLabel: e.statusLabel,
  stage: e.stage,
  stageLabel: e.stageLabel,
  raisedByOrganisation: e.raisedByOrganisation,
  raisedWithOrganisation: e.raisedWithOrganisation,
  createdAt: e.createdAt.toISOString(),
  closedAt: isoOrNull(e.closedAt),
  dueAt: e.status === 'open' ? isoOrNull(e.dueAt) : null,
  overdue: e.overdue,
});

async function detailJson(db: AppDeps['database']['db'], ctx: RequestContext, id: string) {
  const v = await getEscalation(db, ctx, id);
  const e = v.escalation;
  return {
    id: e.id,
    reference: e.reference,
    caseId: e.caseId,
    caseReference: v.case?.reference ?? null,
    subject: e.subject,
    subjectLabel: v.subjectLabel,
    concern: e.concern,
    desiredOutcome: e.desiredOutcome,
    status: e.status,
    statusLabel: v.statusLabel,
    stage: e.stage,
    stageLabel: v.stageLabel,
    raisedBy: { name: e.raisedByName, organisationId: e.raisedByOrganisationId, organisation: v.raisedByOrganisation },
    raisedWith: { name: e.raisedWithName, email: e.raisedWithEmail, organisationId: e.raisedWithOrganisationId, organisation: v.raisedWithOrganisation },
    outcome: e.outcome,
    createdAt: e.createdAt.toISOString(),
    closedAt: isoOrNull(e.closedAt),
    overdue: v.overdue,
    stages: v.stages.map((s) => ({
      id: s.id,
      stage: s.stage,
      stageLabel: s.stageLabel,
      kind: s.kind,
      ownerName: s.ownerName,
      ownerOrganisationId: s.ownerOrganisationId,
      ownerOrganisation: s.ownerOrganisationName,
      enteredAt: s.enteredAt.toISOString(),
      dueAt: isoOrNull(s.dueAt),
      reason: s.reason,
      agreedActions: s.agreedActions,
      outcome: s.outcome,
      endedAt: isoOrNull(s.endedAt),
    })),
    stageTable: v.table,
    canAct: v.canAct,
    canWithdraw: v.canWithdraw,
  };
}

const TAGS = ['Escalations'];
const ID = { id: 'The escalation' };

export const escalationApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const detail = (reply: FastifyReply, ctx: RequestContext, id: string) => detailJson(db, ctx, id).then((d) => reply.send(d));

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/escalations',
        operationId: 'raiseEscalation',
        summary: 'Raise an escalation with another agency',
        tags: TAGS,
        body: { schema: RaiseEscalationRequest },
        responses: { 201: { description: 'Raised', schema: RaisedEscalation } },
      },
      async (req, reply) => reply.code(201).send(await raiseEscalation(db, req.ctx, jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/escalations',
        operationId: 'listEscalations',
        summary: 'Escalations you may see',
        description: 'Those your organisation is party to; a partnership manager’s area; every one for auditors. With `caseId`, that case’s escalations.',
        tags: TAGS,
        query: { status: 'open (default), closed or all', caseId: 'Only this case’s escalations (all statuses)' },
        responses: { 200: { description: 'Newest first', schema: EscalationList } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        if (query.caseId) return { escalations: (await escalationsForCase(db, req.ctx, query.caseId, { audit: true })).map(summaryJson) };
        const status = (LIST_FILTERS as readonly string[]).includes(query.status ?? '') ? (query.status as ListFilter) : 'open';
        return { escalations: (await listEscalations(db, req.ctx, { status })).map(summaryJson) };
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/escalations/report',
        operationId: 'escalationReport',
        summary: 'The partnership view: totals, stages reached, time to resolve, themes',
        tags: TAGS,
        query: { from: 'YYYY-MM-DD (default a year before `to`)', to: 'YYYY-MM-DD (default today)', geographyId: 'An area within yours' },
        responses: { 200: { description: 'Counts only', schema: EscalationReportSchema } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        return partnershipReport(db, req.ctx, { from: query.from, to: query.to, geographyId: query.geographyId });
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/escalations/:id',
        operationId: 'getEscalation',
        summary: 'One escalation and its stage history (audited)',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The escalation', schema: EscalationDetail } },
      },
      async (req, reply) => detail(reply, req.ctx, pathParam(req)),
    );

    const actions = [
      {
        path: 'escalate',
        operationId: 'escalateEscalation',
        summary: 'Move it up to a higher stage (a reason when skipping one)',
        schema: EscalateRequest,
        run: escalate,
      },
      {
        path: 'agreed-actions',
        operationId: 'recordEscalationActions',
        summary: 'Record the actions agreed at the current stage',
        schema: AgreedActionsRequest,
        run: recordAgreedActions,
      },
      { path: 'resolve', operationId: 'resolveEscalation', summary: 'Record it as resolved, with what was agreed', schema: ResolveRequest, run: resolve },
      {
        path: 'refer',
        operationId: 'referEscalation',
        summary: 'Refer it to the safeguarding partnership',
        schema: EscalationReasonRequest,
        run: referToPartnership,
      },
      { path: 'withdraw', operationId: 'withdrawEscalation', summary: 'Withdraw it (the raising agency)', schema: EscalationReasonRequest, run: withdraw },
    ] as const;
    for (const a of actions) {
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/escalations/:id/${a.path}`,
          operationId: a.operationId,
          summary: a.summary,
          tags: TAGS,
          params: ID,
          body: { schema: a.schema },
          responses: { 200: { description: 'The escalation as it is now', schema: EscalationDetail } },
        },
        async (req, reply) => {
          await a.run(db, req.ctx, pathParam(req), jsonBody(req));
          return detail(reply, req.ctx, pathParam(req));
        },
      );
    }
  };
