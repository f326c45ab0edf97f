/**
 * The SOP audit as JSON, under /api/assurance: runs (list, start, read, sign off) and the criteria of a
 * partnership (read, new version). The same services, rules and audit as the pages; POSTs need
 * X-CSRF-Token (GET /api/session) or a bearer token with the `assurance` scope. Bad input is 400 `invalid`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, IsoDay, isoOrNull, jsonBody, pathParam, Uuid } from '../platform/http/api-helpers';
import { criteriaFor, getRun, listRuns, saveCriteria, signOffRun, startRun } from './audits';
import { AUDIT_KINDS, type AuditKind, CRITERION, PROTOCOL_CRITERIA_KEYS, SOP_CRITERIA_KEYS, standardText } from './criteria';

const TAGS = ['Assurance'];
const Rag = z
  .enum(['green', 'amber', 'red', 'none'])
  .meta({ description: 'Against the standard: green at or above it, amber within 10 points, red below; none with nothing to count' });
const Key = z.enum([...SOP_CRITERIA_KEYS, ...PROTOCOL_CRITERIA_KEYS]);
const Kind = z
  .enum(AUDIT_KINDS)
  .meta({ description: 'sop: the high-risk alert SOP; protocol: the concealed pregnancy and unborn baby protocol, over case data' });
const Tally = { met: z.int(), total: z.int(), pct: z.number().nullable().meta({ description: 'Met as a percentage of total, one decimal place' }) };
const Period = z.object({ from: IsoDay, to: IsoDay, baselineFrom: IsoDay.nullable(), baselineTo: IsoDay.nullable() });
const RagCounts = z.object({ green: z.int(), amber: z.int(), red: z.int(), none: z.int() });

const RunSummary = z.object({
  id: Uuid,
  kind: Kind,
  title: z.string(),
  partnership: z.object({ id: Uuid, name: z.string() }),
  period: Period,
  criteriaVersion: z.int().meta({ description: 'The partnership’s criteria version the run uses (0: Beacon’s defaults)' }),
  status: z.enum(['draft', 'frozen']),
  frozenAt: DateTime.nullable(),
  frozenBy: z.string().nullable(),
  snapshotHash: z.string().nullable().meta({ description: 'SHA-256 of the frozen report (canonical JSON)' }),
  startedBy: z.string(),
  startedAt: DateTime,
  rag: RagCounts.nullable().meta({ description: 'Criteria by RAG, for a frozen run (a draft is computed when read)' }),
  criteria: z
    .array(z.object({ key: Key, title: z.string(), standard: z.string(), ...Tally, rag: Rag }))
    .nullable()
    .meta({ description: 'Each criterion’s figure in the period, for a frozen run' }),
});
const Runs = api.schema('AuditRuns', z.object({ runs: z.array(RunSummary) }));

const Failing = z.object({
  id: z.string().meta({
    description:
      'The record not met (an alert, delivery, presentation, reveal, read, case milestone, birth plan recipient, discharge decision, prompt or escalation stage)',
  }),
  ref: z.string().meta({ description: 'Its reference: never a personal detail' }),
  href: z.string().nullable().meta({ description: 'The page that opens it, under its own access rules' }),
  at: DateTime,
  organisationId: Uuid.nullable(),
  unitId: Uuid.nullable(),
  note: z.string().nullable(),
});
const Report = api.schema(
  'AuditRun',
  RunSummary.omit({ rag: true, criteria: true }).extend({
    signOffNote: z.string().nullable(),
    verified: z.boolean().nullable().meta({ description: 'For a frozen run: the stored report still matches its hash' }),
    asOf: DateTime.meta({ description: 'The moment the figures look from: the end of the period, or when computed if sooner' }),
    computedAt: DateTime,
    document: z
      .object({ documentId: Uuid, versionId: Uuid, title: z.string(), version: z.string(), publishedOn: IsoDay.nullable() })
      .nullable()
      .meta({ description: 'The document the audit follows (the alert SOP, or the protocol), as in force' }),
    rag: RagCounts,
    names: z.record(z.string(), z.string()).meta({ description: 'Organisation and unit names by id, as they were when computed' }),
    criteria: z.array(
      z.object({
        key: Key,
        title: z.string(),
        explanation: z.string(),
        standard: z.string(),
        target: z.int(),
        thresholdMinutes: z.int().nullable(),
        period: z.object(Tally),
        baseline: z.object(Tally).nullable(),
        rag: Rag,
        change: z.number().nullable().meta({ description: 'Percentage points since the baseline' }),
        medianMinutes: z.number().nullable(),
        byMonth: z.array(z.object({ month: z.string().meta({ description: 'YYYY-MM' }), label: z.string(), inBaseline: z.boolean(), ...Tally })),
        byOrganisation: z.array(z.object({ organisationId: Uuid, ...Tally })),
        byUnit: z.array(z.object({ unitId: Uuid, organisationId: Uuid.nullable(), ...Tally })),
        groupNoun: z.string().nullable().meta({ description: 'What byGroup is by (milestone, recipient, stage), or null' }),
        byGroup: z.array(z.object({ group: z.string(), ...Tally })),
        failing: z.array(Failing),
      }),
    ),
  }),
  'An SOP audit run: for a frozen run the stored report (whatever has happened to the data since); for a draft, computed now.',
);
const StartRequest = api.schema(
  'AuditRunRequest',
  z.object({
    kind: Kind.optional().meta({ description: 'What to audit (default sop)' }),
    partnershipId: Uuid.meta({ description: 'The partnership (a local authority area) to audit' }),
    from: IsoDay.optional().meta({ description: 'First day of the period (default: the day its alert SOP, or its protocol, was published)' }),
    months: z.int().optional().meta({ description: 'Length of the period, 1 to 12 months (default 6)' }),
    baseline: z.boolean().optional().meta({ description: 'Compare with the same length before (default true)' }),
    title: z.string().optional(),
  }),
);
const SignOffRequest = api.schema('AuditRunSignOffRequest', z.object({ note: z.string().meta({ description: 'Where and by whom it was agreed' }) }));
const Setting = z.object({ key: Key, enabled: z.boolean(), target: z.int(), thresholdMinutes: z.int().nullable() });
const Criteria = api.schema(
  'AuditCriteria',
  z.object({
    kind: Kind,
    version: z.int(),
    changeReason: z.string().nullable(),
    changedBy: z.string().nullable(),
    changedAt: DateTime.nullable(),
    criteria: z.array(Setting.extend({ title: z.string(), standard: z.string() })),
    history: z.array(z.object({ version: z.int(), changeReason: z.string(), changedBy: z.string(), changedAt: DateTime })),
  }),
);
const CriteriaRequest = api.schema('AuditCriteriaRequest', z.object({ changeReason: z.string(), criteria: z.array(Setting) }));

type RunRowLike = Awaited<ReturnType<typeof listRuns>>[number];
const summary = (r: RunRowLike) => ({
  id: r.id,
  kind: r.kind as AuditKind,
  title: r.title,
  partnership: { id: r.geographyId, name: r.partnershipName },
  period: { from: r.periodFrom, to: r.periodTo, baselineFrom: r.baselineFrom, baselineTo: r.baselineTo },
  criteriaVersion: r.criteriaVersion,
  status: r.status as 'draft' | 'frozen',
  frozenAt: isoOrNull(r.frozenAt),
  frozenBy: r.frozenByName,
  snapshotHash: r.snapshotHash,
  startedBy: r.createdByName,
  startedAt: r.createdAt.toISOString(),
  rag: r.rag,
  criteria: r.criteria,
});

export const auditsApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const ID = { id: 'The audit run' };

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/audit-runs',
        operationId: 'listAuditRuns',
        summary: 'Audit runs (SOP and protocol), newest first, with their status and (frozen) figures',
        tags: TAGS,
        responses: { 200: { description: 'Runs', schema: Runs } },
      },
      async (req) => ({ runs: (await listRuns(db, req.ctx)).map(summary) }),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/audit-runs',
        operationId: 'startAuditRun',
        summary: 'Start an audit run for a partnership (a draft, computed whenever it is read)',
        tags: TAGS,
        body: { schema: StartRequest },
        responses: { 201: { description: 'Started', schema: api.schema('AuditRunCreated', z.object({ id: Uuid })) } },
      },
      async (req, reply) => reply.code(201).send(await startRun(db, req.ctx, jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/audit-runs/:id',
        operationId: 'getAuditRun',
        summary: 'An audit run’s report: every criterion’s figures, trend, breakdown and the records not met',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The run', schema: Report } },
      },
      async (req) => {
        const { run, report, verified } = await getRun(db, req.ctx, pathParam(req));
        return {
          id: run.id,
          kind: report.kind,
          title: report.title,
          partnership: report.partnership,
          period: report.period,
          criteriaVersion: report.criteriaVersion,
          status: run.status as 'draft' | 'frozen',
          frozenAt: isoOrNull(run.frozenAt),
          frozenBy: run.frozenByName,
          snapshotHash: run.snapshotHash,
          signOffNote: run.signOffNote,
          startedBy: run.createdByName,
          startedAt: run.createdAt.toISOString(),
          verified,
          asOf: report.asOf,
          computedAt: report.computedAt,
          document: report.document,
          rag: report.rag,
          names: report.names,
          criteria: report.criteria.map((c) => ({
            key: c.key,
            title: c.title,
            explanation: c.explanation,
            standard: c.standard,
            target: c.target,
            thresholdMinutes: c.thresholdMinutes,
            groupNoun: c.groupNoun,
            ...c.figures,
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/audit-runs/:id/sign-off',
        operationId: 'signOffAuditRun',
        summary: 'Sign a run off: its report is frozen and hashed, and never changes after',
        tags: TAGS,
        params: ID,
        body: { schema: SignOffRequest },
        responses: { 200: { description: 'Frozen', schema: api.schema('AuditRunFrozen', z.object({ hash: z.string() })) } },
      },
      async (req) => signOffRun(db, req.ctx, pathParam(req), jsonBody(req)),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/criteria/:id',
        operationId: 'getAuditCriteria',
        summary: 'The audit criteria a partnership uses now for a kind of audit, and the earlier versions',
        tags: TAGS,
        params: { id: 'The partnership (a local authority area)' },
        query: { kind: 'sop (default) or protocol' },
        responses: { 200: { description: 'The criteria', schema: Criteria } },
      },
      async (req) => criteriaBody(await criteriaFor(db, req.ctx, pathParam(req), kindQuery(req.query))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/assurance/criteria/:id',
        operationId: 'changeAuditCriteria',
        summary: 'A new version of a partnership’s audit criteria for a kind of audit (every criterion: used or not, its standard and time standard)',
        tags: TAGS,
        params: { id: 'The partnership (a local authority area)' },
        query: { kind: 'sop (default) or protocol' },
        body: { schema: CriteriaRequest },
        responses: { 201: { description: 'Saved', schema: api.schema('AuditCriteriaSaved', z.object({ version: z.int() })) } },
      },
      async (req, reply) => reply.code(201).send(await saveCriteria(db, req.ctx, pathParam(req), jsonBody(req), kindQuery(req.query))),
    );
  };

/** `?kind=`: sop when absent; anything but sop or protocol is refused by the service. */
function kindQuery(q: unknown): AuditKind {
  const k = (q as Record<string, unknown> | undefined)?.kind;
  return (typeof k === 'string' && k ? k : 'sop') as AuditKind;
}

function criteriaBody(c: Awaited<ReturnType<typeof criteriaFor>>) {
  return {
    kind: c.kind,
    version: c.current.version,
    changeReason: c.current.changeReason,
    changedBy: c.current.createdByName,
    changedAt: isoOrNull(c.current.createdAt),
    criteria: c.current.settings.map((s) => ({ ...s, title: CRITERION[s.key].title, standard: standardText(s) })),
    history: c.history.map((h) => ({ version: h.version, changeReason: h.changeReason, changedBy: h.createdByName, changedAt: h.createdAt.toISOString() })),
  };
}
