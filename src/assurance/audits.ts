/**
 * The SOP embeddedness audit: a partnership's criteria (versioned), its audit runs computed from Beacon's
 * own records, signed off and frozen (figures, failing record ids and the criteria, hashed), compared, and
 * exported. Runs load through `requireRun` (access.ts); lists use `runScope`, the same rule.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, max } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeList } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { canonicalJson } from '../platform/audit/hash';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { addDays, formatDate, isIsoDate, type IsoDate, londonDate } from '../platform/dates';
import { endOfLondonDay } from '../platform/working-days';
import { directoryNames, organisationsIn, partnershipAreaIds } from '../directory/service';
import { alertAuditFacts } from '../alerts/assurance-facts';
import { pointOfCareAuditFacts } from '../identity/point-of-care/assurance-facts';
import { alertSopInForce, protocolInForce, sopReadFacts } from '../library/assurance-facts';
import { caseAuditFacts } from '../cases/assurance-facts';
import { escalationAuditFacts } from '../escalations/assurance-facts';
import { PROTOCOL_MEASURES, type ProtocolFacts } from './protocol-measures';
import { auditAreas, partnershipsFor, requirePartnership, requireRun, type RunRow, runScope } from './access';
import { type AuditItem, type AuditPeriod, auditPeriod, periodEnded, type CriterionFigures, figures, RAG_LABELS, type Rag } from './audit-rules';
import { MEASURES, type SopFacts } from './measures';
import {
  AUDIT_KINDS,
  type AuditKind,
  CRITERION,
  type CriterionSetting,
  criteriaChangeSchema,
  defaultSettings,
  type ProtocolCriterionKey,
  type SopCriterionKey,
  settingsFrom,
  standardText,
} from './criteria';
import { assuranceAuditRuns, assuranceCriteriaVersions } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

// ── Criteria, versioned per partnership ─────────────────────────────────────────────────────────────

export interface CriteriaVersion {
  version: number;
  settings: CriterionSetting[];
  changeReason: string | null;
  createdByName: string | null;
  createdAt: Date | null;
}

/** The criteria a partnership audits against now for a kind of audit: its newest version, or Beacon's defaults (version 0). */
export async function criteriaInForce(db: Db, kind: AuditKind, geographyId: string): Promise<CriteriaVersion> {
  const [row] = await db
    .select()
    .from(assuranceCriteriaVersions)
    .where(and(eq(assuranceCriteriaVersions.kind, kind), eq(assuranceCriteriaVersions.geographyId, geographyId)))
    .orderBy(desc(assuranceCriteriaVersions.version))
    .limit(1);
  return row
    ? {
        version: row.version,
        settings: settingsFrom(kind, row.definition),
        changeReason: row.changeReason,
        createdByName: row.createdByName,
        createdAt: row.createdAt,
      }
    : { version: 0, settings: defaultSettings(kind), changeReason: null, createdByName: null, createdAt: null };
}

/** A kind of audit from outside (a query, a form) is one Beacon has. */
function checkKind(kind: string): asserts kind is AuditKind {
  if (!(AUDIT_KINDS as readonly string[]).includes(kind)) throw new ValidationError({ kind: 'Choose the SOP or the protocol audit' });
}

/** The criteria in force for a partnership and every earlier version, newest first. */
export async function criteriaFor(db: Db, ctx: RequestContext, geographyId: string, kind: AuditKind = 'sop') {
  checkKind(kind);
  const partnership = await requirePartnership(db, ctx, geographyId, 'assurance.view', { together: true });
  const versions = await db
    .select()
    .from(assuranceCriteriaVersions)
    .where(and(eq(assuranceCriteriaVersions.kind, kind), eq(assuranceCriteriaVersions.geographyId, geographyId)))
    .orderBy(desc(assuranceCriteriaVersions.version));
  return {
    partnership,
    kind,
    current: await criteriaInForce(db, kind, geographyId),
    history: versions.map((v) => ({ version: v.version, changeReason: v.changeReason, createdByName: v.createdByName, createdAt: v.createdAt })),
  };
}

/** A new criteria version for a partnership (the whole set: which are used, each standard and time standard). */
export async function saveCriteria(db: Db, ctx: RequestContext, geographyId: string, raw: unknown, kind: AuditKind = 'sop'): Promise<{ version: number }> {
  await requirePartnership(db, ctx, geographyId, 'assurance.configure', { together: true });
  checkKind(kind);
  const input = parseInput(criteriaChangeSchema(kind), raw);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const [m] = await tx
          .select({ v: max(assuranceCriteriaVersions.version) })
          .from(assuranceCriteriaVersions)
          .where(and(eq(assuranceCriteriaVersions.kind, kind), eq(assuranceCriteriaVersions.geographyId, geographyId)));
        const version = (m?.v ?? 0) + 1;
        await tx.insert(assuranceCriteriaVersions).values({
          kind,
          geographyId,
          version,
          definition: input.criteria,
          changeReason: input.changeReason,
          createdByUserId: ctx.actor?.userId ?? null,
          createdByName: actorName(ctx),
        });
        await recordAudit(tx, ctx, {
          action: 'assurance.criteria.change',
          verb: 'C',
          entityType: 'AssuranceCriteria',
          entityId: geographyId,
          detail: { kind, version, changeReason: input.changeReason, criteria: input.criteria },
        });
        return { version };
      });
    } catch (err) {
      // Two saves at once: the unique index keeps one of each number; the second takes the next (as protocol configuration does).
      if (attempt < 3 && /assurance_criteria_versions_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message)))
        continue;
      throw err;
    }
  }
}

// ── Starting a run ──────────────────────────────────────────────────────────────────────────────────

const dateField = (what: string) =>
  z
    .string({ error: `Enter the ${what}` })
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || isIsoDate(v), `The ${what} must be a real date, like 2026-01-31`);

export const startRunSchema = z.object({
  kind: z.enum(AUDIT_KINDS, { error: 'Choose what to audit' }).default('sop'),
  partnershipId: z.uuid({ error: 'Choose the partnership' }),
  from: dateField('start date'),
  months: z.coerce
    .number({ error: 'Enter the length of the period in months, from 1 to 12' })
    .int('Enter the length of the period in whole months, from 1 to 12')
    .min(1, 'The period must be from 1 to 12 months')
    .max(12, 'The period must be from 1 to 12 months')
    .default(6),
  baseline: z.boolean({ error: 'Say whether to compare with the months before' }).default(true),
  title: z
    .string()
    .trim()
    .max(200, 'The title must be 200 characters or fewer')
    .nullish()
    .transform((v) => v || null),
});

/** The document whose implementation a kind of audit follows: the alert SOP, or the protocol. */
const documentFor = (db: Db, kind: AuditKind, geographyId: string) => (kind === 'sop' ? alertSopInForce(db, geographyId) : protocolInForce(db, geographyId));

/** What the start form offers: the partnerships this person may audit, and when each one's SOP and protocol were published. */
export async function startChoices(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'assurance.run');
  const list = await partnershipsFor(db, ctx, 'assurance.run', { together: true });
  return Promise.all(
    list.map(async (p) => {
      const on = async (kind: AuditKind) => {
        const d = await documentFor(db, kind, p.id);
        return d?.publishedAt ? londonDate(d.publishedAt) : null;
      };
      return { id: p.id, name: p.name, together: p.level === 'icb', implementedOn: { sop: await on('sop'), protocol: await on('protocol') } };
    }),
  );
}

/**
 * Start an audit run for a partnership: the period (by default six months from the date its alert SOP, or its
 * protocol, was published, with the six months before as baseline) against the criteria in force now, recorded with the run.
 */
export async function startRun(db: Db, ctx: RequestContext, raw: unknown, now = new Date()): Promise<{ id: string }> {
  authorizeList(ctx, 'assurance.run');
  const input = parseInput(startRunSchema, raw);
  const partnership = await requirePartnership(db, ctx, input.partnershipId, 'assurance.run', { together: true }).catch((err) => {
    throw err instanceof NotFoundError ? new ValidationError({ partnershipId: 'Choose a safeguarding partnership (a local authority area)' }) : err;
  });
  const document = await documentFor(db, input.kind, partnership.id);
  const from = input.from ?? (document?.publishedAt ? londonDate(document.publishedAt) : null);
  if (!from)
    throw new ValidationError({
      from: `No ${input.kind === 'sop' ? 'alert SOP' : 'protocol'} is published for this partnership, so enter the date the audit period starts`,
    });
  const today = londonDate(now);
  if (from > today) throw new ValidationError({ from: 'The period must start today or earlier' });
  const period = auditPeriod(from, input.months, input.baseline);
  const criteria = await criteriaInForce(db, input.kind, partnership.id);
  const title =
    input.title ?? `${input.kind === 'sop' ? 'Alert SOP' : 'Protocol'} audit, ${partnership.name}: ${formatDate(period.from)} to ${formatDate(period.to)}`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(assuranceAuditRuns)
      .values({
        kind: input.kind,
        geographyId: partnership.id,
        title,
        periodFrom: period.from,
        periodTo: period.to,
        baselineFrom: period.baselineFrom,
        baselineTo: period.baselineTo,
        criteriaVersion: criteria.version,
        criteria: criteria.settings,
        createdByUserId: ctx.actor?.userId ?? null,
        createdByName: actorName(ctx),
        createdAt: now,
      })
      .returning({ id: assuranceAuditRuns.id });
    await recordAudit(tx, ctx, {
      action: 'assurance.audit.start',
      verb: 'C',
      entityType: 'AuditRun',
      entityId: row!.id,
      detail: { kind: input.kind, geographyId: partnership.id, period, criteriaVersion: criteria.version },
    });
    return { id: row!.id };
  });
}

// ── Computing a report ──────────────────────────────────────────────────────────────────────────────

export interface CriterionResult {
  key: CriterionSetting['key'];
  title: string;
  explanation: string;
  recordNoun: string;
  recordPlural: string;
  /** What the criterion's own breakdown (figures.byGroup) is by, or null. */
  groupNoun: string | null;
  standard: string;
  target: number;
  thresholdMinutes: number | null;
  figures: CriterionFigures;
}

/** A run's report: what a page, the CSV, the API and a frozen snapshot all show. */
export interface AuditReport {
  format: 1;
  runId: string;
  kind: AuditKind;
  title: string;
  partnership: { id: string; name: string };
  period: AuditPeriod;
  criteriaVersion: number;
  /** The moment the figures look from (the end of the period, or when computed if sooner). */
  asOf: string;
  computedAt: string;
  /** The document the audit follows (the alert SOP, or the protocol) as it is in force. */
  document: { documentId: string; versionId: string; title: string; version: string; publishedOn: IsoDate | null } | null;
  criteria: CriterionResult[];
  /** Names of the organisations and units in the breakdowns, as they were when computed. */
  names: Record<string, string>;
  rag: Record<Rag, number>;
}

/** The London-midnight instants bounding a run's data: the baseline's first day to the period's last. */
function windowOf(p: AuditPeriod) {
  const first = p.baselineFrom ?? p.from;
  return { from: new Date(endOfLondonDay(addDays(first, -1)).getTime() + 1), to: new Date(endOfLondonDay(p.to).getTime() + 1) };
}

async function compute(db: Db, run: RunRow, now: Date): Promise<AuditReport> {
  const period: AuditPeriod = { from: run.periodFrom, to: run.periodTo, baselineFrom: run.baselineFrom, baselineTo: run.baselineTo };
  const window = windowOf(period);
  const asOf = new Date(Math.min(window.to.getTime(), now.getTime()));
  const areaIds = await partnershipAreaIds(db, run.geographyId);
  const orgIds = (await organisationsIn(db, areaIds)).map((o) => o.id);
  const kind = run.kind as AuditKind;
  const document = await documentFor(db, kind, run.geographyId);
  const settings = settingsFrom(kind, run.criteria).filter((s) => s.enabled);
  const wants = (k: string) => settings.some((s) => s.key === k);
  const range = { from: window.from, to: window.to };
  let itemsOf: (s: CriterionSetting) => AuditItem[];
  if (kind === 'sop') {
    const facts: SopFacts = {
      alerts: await alertAuditFacts(db, { organisationIds: orgIds, ...range }),
      pointOfCare: await pointOfCareAuditFacts(db, { organisationIds: orgIds, ...range }),
      reads: document && wants('sop_readership') ? await sopReadFacts(db, { sop: document, organisationIds: orgIds, to: window.to }) : null,
      sopDocumentId: document?.documentId ?? null,
    };
    itemsOf = (s) => MEASURES[s.key as SopCriterionKey](facts, s, asOf);
  } else {
    const facts: ProtocolFacts = {
      cases: await caseAuditFacts(db, { geographyIds: areaIds, ...range, asOf }),
      stages: await escalationAuditFacts(db, { geographyIds: areaIds, organisationIds: orgIds, ...range }),
    };
    itemsOf = (s) => PROTOCOL_MEASURES[s.key as ProtocolCriterionKey](facts, s, asOf);
  }
  const criteria = settings.map((s): CriterionResult => {
    const d = CRITERION[s.key];
    return {
      key: s.key,
      title: d.title,
      explanation: d.explanation,
      recordNoun: d.recordNoun,
      recordPlural: d.recordPlural,
      groupNoun: d.groupNoun ?? null,
      standard: standardText(s),
      target: s.target,
      thresholdMinutes: s.thresholdMinutes,
      figures: figures(itemsOf(s), period, s.target),
    };
  });
  const named = new Set<string>();
  const unitIds = new Set<string>();
  for (const c of criteria) {
    for (const o of c.figures.byOrganisation) named.add(o.organisationId);
    for (const u of c.figures.byUnit) unitIds.add(u.unitId);
    for (const f of c.figures.failing) {
      if (f.organisationId) named.add(f.organisationId);
      if (f.unitId) unitIds.add(f.unitId);
    }
  }
  const names = await directoryNames(db, { organisationIds: [...named], unitIds: [...unitIds], geographyIds: [run.geographyId] });
  const rag: Record<Rag, number> = { green: 0, amber: 0, red: 0, none: 0 };
  for (const c of criteria) rag[c.figures.rag]++;
  return {
    format: 1,
    runId: run.id,
    kind,
    title: run.title,
    partnership: {
      id: run.geographyId,
      name: (await auditAreas(db)).find((a) => a.id === run.geographyId)?.name ?? names.get(run.geographyId) ?? 'Partnership',
    },
    period,
    criteriaVersion: run.criteriaVersion,
    asOf: asOf.toISOString(),
    computedAt: now.toISOString(),
    document: document
      ? {
          documentId: document.documentId,
          versionId: document.versionId,
          title: document.title,
          version: document.version,
          publishedOn: document.publishedAt ? londonDate(document.publishedAt) : null,
        }
      : null,
    criteria,
    names: Object.fromEntries(names),
    rag,
  };
}

export const snapshotHash = (report: AuditReport) => createHash('sha256').update(canonicalJson(report)).digest('hex');

export interface RunView {
  run: Omit<RunRow, 'snapshot'>;
  report: AuditReport;
  /** For a frozen run: whether the stored snapshot still matches its hash. */
  verified: boolean | null;
}

function viewOf(run: RunRow, report: AuditReport, verified: boolean | null): RunView {
  const { snapshot: _snapshot, ...rest } = run;
  return { run: rest, report, verified };
}

/** A run's report: a frozen run's stored snapshot (its hash checked), a draft's figures computed now. Reading it is audited. */
export async function getRun(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<RunView> {
  const run = await requireRun(db, ctx, id, 'assurance.view');
  const view = await reportOf(db, run, now);
  await recordAuditNow(db, ctx, {
    action: 'assurance.audit.view',
    verb: 'R',
    entityType: 'AuditRun',
    entityId: run.id,
    detail: { status: run.status, ...(run.snapshotHash ? { hash: run.snapshotHash, verified: view.verified } : {}) },
  });
  return view;
}

async function reportOf(db: Db, run: RunRow, now: Date): Promise<RunView> {
  if (run.status === 'frozen' && run.snapshot) {
    const report = run.snapshot as AuditReport;
    return viewOf(run, report, snapshotHash(report) === run.snapshotHash);
  }
  return viewOf(run, await compute(db, run, now), null);
}

/** The runs this person may read, newest first, with the RAG counts of those frozen. */
export async function listRuns(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'assurance.view');
  const scope = await runScope(db, ctx);
  const found = await db
    .select({
      id: assuranceAuditRuns.id,
      kind: assuranceAuditRuns.kind,
      title: assuranceAuditRuns.title,
      geographyId: assuranceAuditRuns.geographyId,
      periodFrom: assuranceAuditRuns.periodFrom,
      periodTo: assuranceAuditRuns.periodTo,
      baselineFrom: assuranceAuditRuns.baselineFrom,
      baselineTo: assuranceAuditRuns.baselineTo,
      criteriaVersion: assuranceAuditRuns.criteriaVersion,
      status: assuranceAuditRuns.status,
      frozenAt: assuranceAuditRuns.frozenAt,
      frozenByName: assuranceAuditRuns.frozenByName,
      snapshotHash: assuranceAuditRuns.snapshotHash,
      snapshot: assuranceAuditRuns.snapshot,
      createdByName: assuranceAuditRuns.createdByName,
      createdAt: assuranceAuditRuns.createdAt,
    })
    .from(assuranceAuditRuns)
    .where(scope)
    .orderBy(desc(assuranceAuditRuns.createdAt));
  const names = new Map((await auditAreas(db)).map((a) => [a.id, a.name]));
  return found.map(({ snapshot, ...r }) => {
    const report = snapshot as AuditReport | null;
    return {
      ...r,
      partnershipName: names.get(r.geographyId) ?? '',
      rag: report?.rag ?? null,
      criteria: report ? report.criteria.map((c) => ({ key: c.key, title: c.title, standard: c.standard, ...c.figures.period, rag: c.figures.rag })) : null,
    };
  });
}

// ── Sign-off: freezing ──────────────────────────────────────────────────────────────────────────────

export const signOffSchema = z.object({
  note: z
    .string({ error: 'Enter where and by whom the audit was agreed' })
    .trim()
    .min(1, 'Enter where and by whom the audit was agreed, like "Quality assurance subgroup, 12 March"')
    .max(1000, 'The note must be 1,000 characters or fewer'),
});

/**
 * Sign a run off: its report is computed one last time and stored with its SHA-256 (the criteria, every
 * figure, the failing record ids, the names as they are today), and read from that snapshot ever after.
 * Only once the period has ended, so the frozen figures are whole.
 */
export async function signOffRun(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<{ hash: string }> {
  return db.transaction(async (tx) => {
    // Loaded and authorised once, under the row's lock (refused before the note is read); bad input rolls back with nothing written.
    const run = await requireRun(tx, ctx, id, 'assurance.signoff', { lock: true });
    const input = parseInput(signOffSchema, raw);
    if (run.status === 'frozen') throw new ConflictError('This audit was signed off already; its figures are frozen.');
    if (!periodEnded(run.periodTo, now))
      throw new ValidationError({
        form: `The audit period ends on ${formatDate(run.periodTo)}: sign it off once the period is over, so its figures are complete`,
      });
    const report = await compute(tx, run, now);
    const hash = snapshotHash(report);
    await tx
      .update(assuranceAuditRuns)
      .set({ status: 'frozen', snapshot: report, snapshotHash: hash, frozenAt: now, frozenByName: actorName(ctx), signOffNote: input.note })
      .where(eq(assuranceAuditRuns.id, run.id));
    await recordAudit(tx, ctx, {
      action: 'assurance.audit.sign_off',
      verb: 'U',
      entityType: 'AuditRun',
      entityId: run.id,
      detail: { hash, note: input.note, rag: report.rag },
    });
    return { hash };
  });
}

// ── Comparing and exporting ─────────────────────────────────────────────────────────────────────────

/** Two runs side by side, criterion by criterion (matched by criterion; a criterion only one of them used shows as not measured). */
export async function compareRuns(db: Db, ctx: RequestContext, firstId: string, secondId: string, now = new Date()) {
  if (firstId === secondId) throw new ValidationError({ second: 'Choose two different audits to compare' });
  const [a, b] = [await getRun(db, ctx, firstId, now), await getRun(db, ctx, secondId, now)];
  const keys = [...new Set([...a.report.criteria.map((c) => c.key), ...b.report.criteria.map((c) => c.key)])];
  const order = (k: string) => Object.keys(CRITERION).indexOf(k);
  keys.sort((x, y) => order(x) - order(y));
  return {
    a,
    b,
    sameCriteria: a.run.criteriaVersion === b.run.criteriaVersion && a.run.geographyId === b.run.geographyId,
    rows: keys.map((key) => {
      const ca = a.report.criteria.find((c) => c.key === key) ?? null;
      const cb = b.report.criteria.find((c) => c.key === key) ?? null;
      const pa = ca?.figures.period.pct ?? null;
      const pb = cb?.figures.period.pct ?? null;
      return {
        key,
        title: CRITERION[key].title,
        a: ca ? { standard: ca.standard, ...ca.figures.period, rag: ca.figures.rag } : null,
        b: cb ? { standard: cb.standard, ...cb.figures.period, rag: cb.figures.rag } : null,
        sameStandard: !!ca && !!cb && ca.standard === cb.standard,
        change: pa !== null && pb !== null ? Math.round((pb - pa) * 10) / 10 : null,
      };
    }),
  };
}

const pctText = (p: number | null) => (p === null ? '' : String(p));

/** The report as CSV: one row per criterion and month (baseline and period), then the records not met. */
export function reportCsvRows(report: AuditReport): string[][] {
  const out: string[][] = [['section', 'criterion', 'standard', 'month or record', 'met', 'total', 'percent', 'rag', 'organisation', 'unit', 'note']];
  for (const c of report.criteria) {
    const f = c.figures;
    out.push([
      'period',
      c.title,
      c.standard,
      `${report.period.from} to ${report.period.to}`,
      String(f.period.met),
      String(f.period.total),
      pctText(f.period.pct),
      RAG_LABELS[f.rag],
      '',
      '',
      '',
    ]);
    if (f.baseline && report.period.baselineFrom)
      out.push([
        'baseline',
        c.title,
        c.standard,
        `${report.period.baselineFrom} to ${report.period.baselineTo}`,
        String(f.baseline.met),
        String(f.baseline.total),
        pctText(f.baseline.pct),
        '',
        '',
        '',
        '',
      ]);
    for (const m of f.byMonth)
      out.push([m.inBaseline ? 'baseline month' : 'month', c.title, c.standard, m.month, String(m.met), String(m.total), pctText(m.pct), '', '', '', '']);
    for (const o of f.byOrganisation)
      out.push([
        'organisation',
        c.title,
        c.standard,
        '',
        String(o.met),
        String(o.total),
        pctText(o.pct),
        '',
        report.names[o.organisationId] ?? o.organisationId,
        '',
        '',
      ]);
    for (const g of f.byGroup) out.push([c.groupNoun ?? 'group', c.title, c.standard, g.group, String(g.met), String(g.total), pctText(g.pct), '', '', '', '']);
    for (const u of f.byUnit)
      out.push([
        'unit',
        c.title,
        c.standard,
        '',
        String(u.met),
        String(u.total),
        pctText(u.pct),
        '',
        u.organisationId ? (report.names[u.organisationId] ?? '') : '',
        report.names[u.unitId] ?? u.unitId,
        '',
      ]);
  }
  for (const c of report.criteria)
    for (const r of c.figures.failing)
      out.push([
        'not met',
        c.title,
        c.standard,
        r.ref,
        '',
        '',
        '',
        '',
        r.organisationId ? (report.names[r.organisationId] ?? '') : '',
        r.unitId ? (report.names[r.unitId] ?? '') : '',
        `${londonDate(new Date(r.at))}${r.note ? `: ${r.note}` : ''}`,
      ]);
  return out;
}

/** One criterion of a run (for its drill-down page). */
export async function runCriterion(db: Db, ctx: RequestContext, id: string, key: string, now = new Date()) {
  const view = await getRun(db, ctx, id, now);
  const criterion = view.report.criteria.find((c) => c.key === key);
  if (!criterion) throw new NotFoundError('Criterion');
  return { ...view, criterion };
}
