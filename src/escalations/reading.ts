import { and, asc, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, can } from '../platform/auth/policy';
import { recordAuditNow } from '../platform/audit/service';
import { organisations } from '../directory/schema';
import { cases } from '../cases/schema';
import { requireCase } from '../cases/access';
import { configInForce } from '../cases/protocol-config';
import { escalationStages, escalations } from './schema';
import { byOrg, escalationResource, escalationScope, requireEscalation } from './access';
import { stageLabel, stageTableOf, stageTables } from './stage-tables';
import {
  DEFAULT_STAGES,
  ESCALATION_STATUS_LABELS,
  ESCALATION_SUBJECT_LABELS,
  type EscalationStage,
  type EscalationStatus,
  type EscalationSubject,
  stageTableSchema,
} from './stages';
import type { ListFilter } from './model';
import { organisationName } from './service';

const withOrg = alias(organisations, 'raised_with_org');
const currentStage = alias(escalationStages, 'current_stage');

export function listQuery(db: Db) {
  return db
    .select({
      id: escalations.id,
      reference: escalations.reference,
      caseId: escalations.caseId,
      caseReference: cases.reference,
      subject: escalations.subject,
      status: escalations.status,
      stage: escalations.stage,
      stageTableVersionId: escalations.stageTableVersionId,
      raisedByOrganisation: byOrg.name,
      raisedWithOrganisation: withOrg.name,
      createdAt: escalations.createdAt,
      closedAt: escalations.closedAt,
      dueAt: currentStage.dueAt,
    })
    .from(escalations)
    .innerJoin(byOrg, eq(byOrg.id, escalations.raisedByOrganisationId))
    .innerJoin(withOrg, eq(withOrg.id, escalations.raisedWithOrganisationId))
    .leftJoin(cases, eq(cases.id, escalations.caseId))
    .leftJoin(currentStage, and(eq(currentStage.escalationId, escalations.id), eq(currentStage.kind, 'reached'), isNull(currentStage.endedAt)));
}

export type ListRow = Awaited<ReturnType<ReturnType<typeof listQuery>['execute']>>[number];

export interface EscalationSummary extends ListRow {
  subjectLabel: string;
  statusLabel: string;
  stageLabel: string;
  overdue: boolean;
}

async function summarise(db: Db, list: ListRow[], now: Date): Promise<EscalationSummary[]> {
  const tableOf = stageTables(db);
  const out: EscalationSummary[] = [];
  for (const r of list) {
    const table = await tableOf(r.stageTableVersionId);
    out.push({
      ...r,
      subjectLabel: ESCALATION_SUBJECT_LABELS[r.subject as EscalationSubject] ?? r.subject,
      statusLabel: ESCALATION_STATUS_LABELS[r.status as EscalationStatus] ?? r.status,
      stageLabel: stageLabel(table, r.stage),
      overdue: r.status === 'open' && !!r.dueAt && r.dueAt.getTime() < now.getTime(),
    });
  }
  return out;
}

/** Escalations this person may see (the same rule as one escalation), newest first. */
export async function listEscalations(db: Db, ctx: RequestContext, opts: { status?: ListFilter } = {}, now = new Date()): Promise<EscalationSummary[]> {
  authorizeContext(ctx, 'escalation.list');
  const status = opts.status ?? 'open';
  const scope = await escalationScope(db, ctx, 'escalation.view');
  const statusCond = status === 'open' ? eq(escalations.status, 'open') : status === 'closed' ? ne(escalations.status, 'open') : undefined;
  const list = await listQuery(db).where(and(scope, statusCond)).orderBy(desc(escalations.createdAt)).limit(500);
  await recordAuditNow(db, ctx, { action: 'escalation.list', verb: 'R', entityType: 'Escalation', detail: { status, count: list.length } });
  return summarise(db, list, now);
}

/**
 * How many open escalations are waiting for this person's organisation to respond: those raised with it
 * (the navigation's count).
 */
export async function escalationsAwaitingCount(db: Db, ctx: RequestContext): Promise<number> {
  const actor = ctx.actor;
  // Those who may raise escalations answer those raised with their agency; overseers (partnership, audit) have none to answer.
  if (!actor || !can(actor, 'escalation.raise')) return 0;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(escalations)
    .where(and(eq(escalations.status, 'open'), eq(escalations.raisedWithOrganisationId, actor.organisationId)));
  return Number(r?.n ?? 0);
}

/**
 * A case's escalations, for its escalations page. The caller's page load audits the read
 * (renderCasePage); pass `audit: true` when nothing else does (the API).
 */
export async function escalationsForCase(
  db: Db,
  ctx: RequestContext,
  caseId: string,
  opts: { audit?: boolean } = {},
  now = new Date(),
): Promise<EscalationSummary[]> {
  await requireCase(db, ctx, caseId, 'case.view', opts.audit ? { auditRead: 'case.escalations.view' } : {});
  const list = await listQuery(db).where(eq(escalations.caseId, caseId)).orderBy(desc(escalations.createdAt));
  return summarise(db, list, now);
}

/** Open escalations on a case (for the case summary). The caller has already checked the person may see the case. */
export async function openEscalationCount(db: Db, caseId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(escalations)
    .where(and(eq(escalations.caseId, caseId), eq(escalations.status, 'open')));
  return Number(r?.n ?? 0);
}

/** One escalation in full: parties, stage history with owners and due times, and what this person may do. Audited. */
export async function getEscalation(db: Db, ctx: RequestContext, id: string, now = new Date()) {
  const esc = await requireEscalation(db, ctx, id, 'escalation.view', { auditRead: 'escalation.view' });
  const table = await stageTableOf(db, esc.stageTableVersionId);
  const ownerOrg = alias(organisations, 'owner_org');
  const stages = await db
    .select({ row: escalationStages, ownerOrganisationName: ownerOrg.name })
    .from(escalationStages)
    .leftJoin(ownerOrg, eq(ownerOrg.id, escalationStages.ownerOrganisationId))
    .where(eq(escalationStages.escalationId, esc.id))
    .orderBy(asc(escalationStages.stage), asc(escalationStages.enteredAt));
  const current = stages.find((s) => s.row.kind === 'reached' && !s.row.endedAt)?.row ?? null;
  const [kase] = esc.caseId ? await db.select({ id: cases.id, reference: cases.reference }).from(cases).where(eq(cases.id, esc.caseId)) : [];
  // One policy resource for both answers (it costs queries: the parties and the area).
  const resource = ctx.actor ? await escalationResource(db, ctx, esc) : null;
  const canAct = esc.status === 'open' && (ctx.actor ? can(ctx.actor, 'escalation.act', resource!) : !!ctx.system);
  return {
    escalation: esc,
    subjectLabel: ESCALATION_SUBJECT_LABELS[esc.subject as EscalationSubject] ?? esc.subject,
    statusLabel: ESCALATION_STATUS_LABELS[esc.status as EscalationStatus] ?? esc.status,
    stageLabel: stageLabel(table, esc.stage),
    raisedByOrganisation: await organisationName(db, esc.raisedByOrganisationId),
    raisedWithOrganisation: await organisationName(db, esc.raisedWithOrganisationId),
    case: kase ?? null,
    table,
    stages: stages.map((s) => ({ ...s.row, ownerOrganisationName: s.ownerOrganisationName, stageLabel: stageLabel(table, s.row.stage) })),
    current,
    overdue: esc.status === 'open' && !!current?.dueAt && current.dueAt.getTime() < now.getTime(),
    higherStages: table.filter((s) => s.stage > esc.stage),
    canAct,
    canWithdraw: canAct && !!ctx.actor && can(ctx.actor, 'escalation.withdraw', resource!),
  };
}

/** The stage table that would apply to a new escalation raised by this person (on a case: its area). */
export async function stageTableFor(db: Db, ctx: RequestContext, caseId?: string | null): Promise<EscalationStage[]> {
  let geographyId: string | null = null;
  if (caseId) geographyId = (await requireCase(db, ctx, caseId, 'case.view')).geographyId;
  else if (ctx.actor) {
    const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, ctx.actor.organisationId));
    geographyId = org?.geographyId ?? null;
  }
  const parsed = stageTableSchema.safeParse((await configInForce(db, 'escalation_stages', geographyId)).definition);
  return parsed.success ? parsed.data : DEFAULT_STAGES;
}

/**
 * Organisations to choose from: for raising, every active one except the person's own (it is between
 * agencies); for a stage's owner, any (a manager may be in the raiser's own agency).
 */
export async function organisationChoices(db: Db, ctx: RequestContext, opts: { excludeOwn?: boolean } = {}) {
  return db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(eq(organisations.active, true), opts.excludeOwn && ctx.actor ? ne(organisations.id, ctx.actor.organisationId) : undefined))
    .orderBy(asc(organisations.name));
}
