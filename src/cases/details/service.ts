/**
 * The identity details page: each detail about the woman (and, after the birth, the baby) with where it
 * came from, where sources disagree, the full history, and what she gave at point-of-care checks on a
 * linked alert. Recording and superseding are the core case service's (recordFact, supersedeFact): this
 * module shapes what they keep for reading, behind the same access rule and audit.
 */
import { inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { users } from '../../platform/auth/schema';
import { organisations } from '../../directory/schema';
import { describeDetails } from '../../identity/point-of-care/details';
import type { GivenDetails } from '../../identity/register-index';
import type { CaseRow } from '../access';
import { requireCase } from '../access';
import { inconsistenciesOf, listFacts, pointOfCareVariants } from '../service';
import {
  FACT_FIELD_LABELS,
  FACT_FIELDS,
  FACT_SOURCE_LABELS,
  FACT_SUBJECT_LABELS,
  FACT_SUBJECTS,
  type FactField,
  type FactSource,
  type FactSubject,
} from '../demographics';

export interface FactEntry {
  id: string;
  subject: FactSubject;
  subjectLabel: string;
  field: FactField;
  fieldLabel: string;
  value: unknown;
  text: string;
  source: FactSource;
  sourceLabel: string;
  sourceDetail: string | null;
  sourceDate: string;
  recordedBy: string | null;
  recordedByOrganisation: string | null;
  recordedAt: Date;
  current: boolean;
  /** A current value that another current value for the same detail disagrees with. */
  inconsistent: boolean;
  supersededAt: Date | null;
  supersededBy: string | null;
  supersededReason: string | null;
}

/** Everything the details page and GET /api/cases/:id/facts show. No authorisation: callers have loaded the case. */
/** `ctx` is the reader, for the point-of-care variants of linked alerts they may view; null leaves those out. */
export async function loadDetails(db: Db, ctx: RequestContext | null, kase: CaseRow) {
  const facts = await listFacts(db, kase.id);
  const inconsistencies = inconsistenciesOf(facts);
  const clashing = new Set(inconsistencies.flatMap((i) => i.groups.flatMap((g) => g.factIds)));

  const orgIds = [...new Set(facts.map((f) => f.recordedByOrganisationId).filter((v): v is string => !!v))];
  const userIds = [...new Set(facts.map((f) => f.supersededByUserId).filter((v): v is string => !!v))];
  const orgNames = new Map(
    orgIds.length
      ? (await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, orgIds))).map((o) => [
          o.id,
          o.name,
        ])
      : [],
  );
  const userNames = new Map(
    userIds.length ? (await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, userIds))).map((u) => [u.id, u.name]) : [],
  );

  const entries: FactEntry[] = facts.map((f) => {
    const subject = f.subject as FactSubject;
    const field = f.field as FactField;
    const source = f.source as FactSource;
    return {
      id: f.id,
      subject,
      subjectLabel: FACT_SUBJECT_LABELS[subject] ?? f.subject,
      field,
      fieldLabel: FACT_FIELD_LABELS[field] ?? f.field,
      value: f.value,
      text: f.text,
      source,
      sourceLabel: FACT_SOURCE_LABELS[source] ?? f.source,
      sourceDetail: f.sourceDetail,
      sourceDate: f.sourceDate,
      recordedBy: f.recordedByName,
      recordedByOrganisation: f.recordedByOrganisationId ? (orgNames.get(f.recordedByOrganisationId) ?? null) : null,
      recordedAt: f.recordedAt,
      current: !f.supersededAt,
      inconsistent: !f.supersededAt && clashing.has(f.id),
      supersededAt: f.supersededAt,
      supersededBy: f.supersededByUserId ? (userNames.get(f.supersededByUserId) ?? null) : null,
      supersededReason: f.supersededReason,
    };
  });

  // The baby's details have a place once the baby is born (or once someone has recorded one).
  const subjects = FACT_SUBJECTS.filter((s) => s === 'mother' || !!kase.bornAt || entries.some((e) => e.subject === s));
  const current = subjects.map((subject) => ({
    subject,
    label: FACT_SUBJECT_LABELS[subject],
    fields: FACT_FIELDS.map((field) => ({
      field,
      label: FACT_FIELD_LABELS[field],
      values: entries
        .filter((e) => e.current && e.subject === subject && e.field === field)
        .sort((a, b) => b.sourceDate.localeCompare(a.sourceDate) || b.recordedAt.getTime() - a.recordedAt.getTime()),
    })),
  }));

  const history = [...entries].sort((a, b) => b.recordedAt.getTime() - a.recordedAt.getTime());

  const variants = (ctx ? await pointOfCareVariants(db, ctx, kase) : []).map((v) => ({
    id: v.id,
    presentedAt: v.presentedAt,
    placeName: v.placeName,
    organisationName: v.organisationName,
    given: describeDetails(v.details as GivenDetails),
    differences: v.inconsistencies,
  }));

  return {
    subjects,
    current,
    history,
    inconsistencies: inconsistencies.map((i) => ({
      subject: i.subject,
      subjectLabel: FACT_SUBJECT_LABELS[i.subject],
      field: i.field,
      label: i.label,
      values: i.values.map((v) => ({
        text: v.text,
        sources: v.sources,
        facts: v.factIds.map((id) => entries.find((e) => e.id === id)!).filter(Boolean),
      })),
    })),
    variants,
  };
}

export type CaseDetails = Awaited<ReturnType<typeof loadDetails>>;

/** The identity details of a case for someone who may see it: audited as `case.details.view`. */
export async function caseDetails(db: Db, ctx: RequestContext, caseId: string): Promise<CaseDetails> {
  const kase = await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.details.view' });
  return loadDetails(db, ctx, kase);
}

/** One fact of a case, for the "mark as no longer current" page. No authorisation: callers have loaded the case. */
export async function loadFact(db: Db, kase: CaseRow, factId: string): Promise<FactEntry | null> {
  const details = await loadDetails(db, null, kase);
  return details.history.find((f) => f.id === factId) ?? null;
}
