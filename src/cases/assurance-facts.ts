/**
 * What the protocol embeddedness audit needs to know about cases, read here because these are the cases
 * capability's tables: for a partnership's cases, each milestone that fell due in a window (computed from
 * the protocol version the case follows, as the case page does), each birth plan recipient's deadline,
 * each discharge decision with whether the meeting and toxicology came first, each override and its review,
 * and each chronology prompt and its answer. Ids, case references, organisations and milestone names only.
 * The caller (assurance) has already authorised the audit; a drill-down opens the case through `requireCase`.
 */
import { and, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rowDate, rows, uuidList } from '../platform/db/sql';
import { configVersion, loadCalendar } from './protocol-config';
import { definitionOf, statusesFor } from './milestones/service';
import { caseMilestones, caseOrganisations, cases } from './schema';
import { FACT_FIELD_LABELS, type FactField, inconsistencyEpisodes } from './demographics';

interface CaseRef {
  caseId: string;
  reference: string;
  organisationId: string;
}
export interface MilestoneFact extends CaseRef {
  id: string;
  key: string;
  label: string;
  dueAt: Date;
  completedAt: Date | null;
}
export interface DistributionFact extends CaseRef {
  id: string;
  recipient: string;
  dueAt: Date;
  sentAt: Date | null;
}
export interface DischargeFact extends CaseRef {
  id: string;
  decidedAt: Date;
  dpmRequired: boolean;
  dpmHeldBefore: boolean;
  /** Toxicology requested before the decision: how many, and how many had a result (or were cancelled) by then. */
  toxicologyRequested: number;
  toxicologyKnown: number;
  overridden: boolean;
  overrideReason: boolean;
  reviewedAt: Date | null;
}
export interface PromptFact extends CaseRef {
  id: string;
  raisedAt: Date;
  respondedAt: Date | null;
}

export interface InconsistencyFact extends CaseRef {
  /** The fact whose recording made the case's details disagree. */
  id: string;
  /** Which detail, in words (address, date of birth …). */
  field: string;
  arisenAt: Date;
  resolvedAt: Date | null;
}

/** The partnership's cases (by the area whose protocol they follow) and what fell due or happened in [from, to). */
export async function caseAuditFacts(db: Db, opts: { geographyIds: readonly string[]; from: Date; to: Date; asOf: Date }) {
  const areas = uuidList(opts.geographyIds);
  const from = sql`${opts.from.toISOString()}::timestamptz`;
  const to = sql`${opts.to.toISOString()}::timestamptz`;
  const ref = (r: Record<string, unknown>): CaseRef => ({
    caseId: String(r.case_id),
    reference: String(r.reference),
    organisationId: String(r.lead_organisation_id),
  });

  // Milestones: every case open at some point in the window, worked out as its page would at the end of the window.
  const open = await db
    .select()
    .from(cases)
    .where(and(inArray(cases.geographyId, [...opts.geographyIds]), lt(cases.openedAt, opts.to), or(isNull(cases.closedAt), gte(cases.closedAt, opts.from))));
  const completions = open.length
    ? await db
        .select()
        .from(caseMilestones)
        .where(
          inArray(
            caseMilestones.caseId,
            open.map((c) => c.id),
          ),
        )
    : [];
  const calendar = await loadCalendar(db);
  const versions = new Map<string, ReturnType<typeof definitionOf>>();
  const milestones: MilestoneFact[] = [];
  for (const kase of open) {
    let def = versions.get(kase.protocolVersionId);
    if (!def) {
      def = definitionOf(await configVersion(db, kase.protocolVersionId));
      versions.set(kase.protocolVersionId, def);
    }
    const mine = completions.filter((c) => c.caseId === kase.id);
    for (const m of statusesFor(def, kase, mine, calendar, opts.asOf)) {
      // Due in the window and decided one way or the other by the end of it (done, done late, or overdue).
      if (!m.dueAt || m.dueAt < opts.from || m.dueAt >= opts.to) continue;
      if (m.state !== 'done' && m.state !== 'done_late' && m.state !== 'overdue') continue;
      milestones.push({
        id: `${kase.id}:${m.key}`,
        caseId: kase.id,
        reference: kase.reference,
        organisationId: kase.leadOrganisationId,
        key: m.key,
        label: m.label,
        dueAt: m.dueAt,
        completedAt: m.completedAt,
      });
    }
  }

  const distributions = (
    await rows<Record<string, unknown>>(
      db,
      sql`select d.id, d.case_id, c.reference, c.lead_organisation_id, d.recipient, d.due_at, d.sent_at
          from birth_plan_distributions d join cases c on c.id = d.case_id
          where c.geography_id in (${areas}) and d.due_at >= ${from} and d.due_at < ${to}`,
    )
  ).map((r): DistributionFact => ({ ...ref(r), id: String(r.id), recipient: String(r.recipient), dueAt: rowDate(r.due_at)!, sentAt: rowDate(r.sent_at) }));

  const discharges = (
    await rows<Record<string, unknown>>(
      db,
      sql`select d.id, d.case_id, c.reference, c.lead_organisation_id, d.decided_at, d.gate_outcome, coalesce(btrim(d.override_reason), '') <> '' as has_reason, d.reviewed_at,
            coalesce(p.required, false) as dpm_required,
            exists (select 1 from discharge_planning_meetings m where m.case_id = d.case_id and m.held_at is not null and m.held_at <= d.decided_at) as dpm_held,
            (select count(*) from toxicology_tests t where t.case_id = d.case_id and t.requested_at <= d.decided_at)::int as tox_requested,
            (select count(*) from toxicology_tests t where t.case_id = d.case_id and t.requested_at <= d.decided_at
               and ((t.resulted_at is not null and t.resulted_at <= d.decided_at) or (t.status = 'cancelled' and t.updated_at <= d.decided_at)))::int as tox_known
          from discharge_decisions d join cases c on c.id = d.case_id left join discharge_planning p on p.case_id = d.case_id
          where c.geography_id in (${areas}) and d.decided_at >= ${from} and d.decided_at < ${to}`,
    )
  ).map(
    (r): DischargeFact => ({
      ...ref(r),
      id: String(r.id),
      decidedAt: rowDate(r.decided_at)!,
      dpmRequired: r.dpm_required === true,
      dpmHeldBefore: r.dpm_held === true,
      toxicologyRequested: Number(r.tox_requested),
      toxicologyKnown: Number(r.tox_known),
      overridden: r.gate_outcome === 'overridden',
      overrideReason: r.has_reason === true,
      reviewedAt: rowDate(r.reviewed_at),
    }),
  );

  const prompts = (
    await rows<Record<string, unknown>>(
      db,
      sql`select p.id, p.case_id, c.reference, c.lead_organisation_id, p.raised_at, p.responded_at
          from case_prompts p join cases c on c.id = p.case_id
          where c.geography_id in (${areas}) and p.raised_at >= ${from} and p.raised_at < ${to}`,
    )
  ).map((r): PromptFact => ({ ...ref(r), id: String(r.id), raisedAt: rowDate(r.raised_at)!, respondedAt: rowDate(r.responded_at) }));

  // Demographic inconsistencies: every stretch of time a case's current facts disagreed, from the whole history of
  // the cases that had a fact recorded before the end of the window; those that arose in the window.
  const factRows = await rows<Record<string, unknown>>(
    db,
    sql`select f.id, f.case_id, c.reference, c.lead_organisation_id, f.subject, f.field, f.comparable, f.recorded_at, f.superseded_at
        from case_facts f join cases c on c.id = f.case_id
        where c.geography_id in (${areas}) and f.recorded_at < ${to}`,
  );
  const byCase = new Map<string, Record<string, unknown>[]>();
  for (const r of factRows) byCase.set(String(r.case_id), [...(byCase.get(String(r.case_id)) ?? []), r]);
  const inconsistencies: InconsistencyFact[] = [];
  for (const list of byCase.values()) {
    const episodes = inconsistencyEpisodes(
      list.map((r) => ({
        id: String(r.id),
        subject: String(r.subject),
        field: String(r.field),
        comparable: String(r.comparable),
        recordedAt: rowDate(r.recorded_at)!,
        supersededAt: rowDate(r.superseded_at),
      })),
    );
    for (const e of episodes)
      if (e.arisenAt >= opts.from && e.arisenAt < opts.to)
        inconsistencies.push({
          ...ref(list[0]!),
          id: e.factId,
          field: FACT_FIELD_LABELS[e.field as FactField] ?? e.field,
          arisenAt: e.arisenAt,
          resolvedAt: e.resolvedAt,
        });
  }

  return { milestones, distributions, discharges, prompts, inconsistencies };
}
export type CaseAuditFacts = Awaited<ReturnType<typeof caseAuditFacts>>;

export interface FileAuditCandidate {
  caseId: string;
  reference: string;
  classification: string;
  openedAt: Date;
  /** The agencies working on it (each completes its own section of a case-file audit). */
  organisationIds: string[];
}

/**
 * The cases a multi-agency case-file audit may sample: a partnership's cases of the chosen kinds, opened in a
 * window, open or closed, with the agencies working on each. References and organisations only.
 */
export async function caseFileAuditCandidates(
  db: Db,
  opts: {
    geographyIds: readonly string[];
    classifications: readonly string[];
    openedFrom: Date | null;
    openedTo: Date | null;
    status: 'open' | 'closed' | 'all';
  },
): Promise<FileAuditCandidate[]> {
  if (!opts.geographyIds.length) return [];
  const found = await db
    .select({ id: cases.id, reference: cases.reference, classification: cases.classification, openedAt: cases.openedAt })
    .from(cases)
    .where(
      and(
        inArray(cases.geographyId, [...opts.geographyIds]),
        opts.classifications.length ? inArray(cases.classification, [...opts.classifications]) : undefined,
        opts.openedFrom ? gte(cases.openedAt, opts.openedFrom) : undefined,
        opts.openedTo ? lt(cases.openedAt, opts.openedTo) : undefined,
        opts.status === 'all' ? undefined : sql`${cases.status} ${opts.status === 'open' ? sql`=` : sql`<>`} 'open'`,
      ),
    );
  if (!found.length) return [];
  const agencies = await db
    .select({ caseId: caseOrganisations.caseId, organisationId: caseOrganisations.organisationId })
    .from(caseOrganisations)
    .where(
      inArray(
        caseOrganisations.caseId,
        found.map((c) => c.id),
      ),
    );
  return found.map((c) => ({
    caseId: c.id,
    reference: c.reference,
    classification: c.classification,
    openedAt: c.openedAt,
    organisationIds: [...new Set(agencies.filter((a) => a.caseId === c.id).map((a) => a.organisationId))].sort(),
  }));
}
