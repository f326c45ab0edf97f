/**
 * The SOP audit against a hand-built data set whose answers are known: every default criterion's figure in
 * the period and the baseline, the edge cases (nothing to count, a unit added during the period, an alert
 * stood down before delivery, a record still inside its time standard at the end, a delivery overtaken by a
 * newer version, another partnership's records), and freezing: a signed-off run never changes when the data
 * does, and its hash verifies (or, tampered with, does not). Runs on PGlite and, with TEST_DATABASE_URL, PostgreSQL.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from '../demo/seed';
import { createUser } from '../people/service';
import { geographies, organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { jobs } from '../platform/jobs/schema';
import { alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from '../alerts/schema';
import { pointOfCareReveals, pointOfCareSearches, presentations } from '../identity/point-of-care/schema';
import { PRESENTATION_EMAIL_JOB } from '../identity/point-of-care/service';
import { libraryCirculations, libraryDocuments, libraryReads, libraryVersions } from '../library/schema';
import { ForbiddenError, ValidationError } from '../platform/errors';
import { assuranceAuditRuns } from './schema';
import { compareRuns, criteriaFor, getRun, listRuns, reportCsvRows, saveCriteria, signOffRun, startRun } from './audits';
import { defaultSettings } from './criteria';
import { auditPdf } from './audit-pdf';

let tdb: TestDatabase;
const db = () => tdb.db;
const t = (iso: string) => new Date(iso);
const ids: Record<string, string> = {};
let partnershipId: string;
let runId: string;

async function idOf(table: typeof organisations | typeof units, where: ReturnType<typeof eq>) {
  const [row] = await db().select({ id: table.id }).from(table).where(where);
  return row!.id;
}

/** An alert of `org` with its first version, submission and decision, straight into the alerts tables. */
async function alert(
  ref: string,
  o: {
    org: string;
    submitted: string;
    decided?: string;
    decision?: 'approve' | 'return';
    nhs?: boolean;
    /** No NHS number, said to be not known. */
    nhsUnknown?: boolean;
    edd?: boolean;
    reason?: boolean;
    photo?: boolean;
    /** Why there is no photograph, in the approved version. */
    photoReason?: string;
    status?: string;
  },
) {
  const approved = o.decision === 'approve' ? t(o.decided!) : null;
  const [a] = await db()
    .insert(alerts)
    .values({
      reference: ref,
      status: o.status ?? (approved ? 'active' : o.decision === 'return' ? 'draft' : 'submitted'),
      originatorUserId: ids.midwife!,
      originatorOrganisationId: o.org,
      approverUserId: approved ? ids.designated! : null,
      approvedAt: approved,
      createdAt: t(o.submitted),
    })
    .returning({ id: alerts.id });
  const id = a!.id;
  await db()
    .insert(alertVersions)
    .values({
      alertId: id,
      version: 1,
      status: 'submitted',
      content: {
        subject: { nhsNumbers: o.nhs === false ? [] : [{ value: '9434765919', verification: 'pds' }], nhsNumberUnknown: o.nhsUnknown === true },
        noPhotographReason: o.photoReason ?? null,
        pregnancy: { edd: o.edd === false ? null : '2025-09-01' },
        distribution: { scope: 'icb', scopeReason: o.reason === false ? '' : 'She moves between the two cities' },
      },
    });
  await db()
    .insert(alertEvents)
    .values({ alertId: id, event: 'submit', fromStatus: 'draft', toStatus: 'submitted', version: 1, at: t(o.submitted) });
  if (o.decided)
    await db()
      .insert(alertEvents)
      .values({
        alertId: id,
        event: o.decision!,
        fromStatus: 'submitted',
        toStatus: o.decision === 'approve' ? 'active' : 'draft',
        version: 1,
        at: t(o.decided),
      });
  if (o.photo)
    await db()
      .insert(alertPhotos)
      .values({ alertId: id, contentType: 'image/jpeg', width: 10, height: 10, createdAt: t(o.submitted) });
  ids[ref] = id;
  return id;
}

async function delivery(ref: string, unit: string, o: { version?: number; kind?: string; at: string; acked?: string; escalated?: string }) {
  const [d] = await db()
    .insert(alertDeliveries)
    .values({
      alertId: ids[ref]!,
      version: o.version ?? 1,
      kind: o.kind ?? 'activation',
      unitId: unit,
      createdAt: t(o.at),
      acknowledgedAt: o.acked ? t(o.acked) : null,
      escalatedAt: o.escalated ? t(o.escalated) : null,
    })
    .returning({ id: alertDeliveries.id });
  return d!.id;
}

async function event(ref: string, event: string, at: string, o: { version?: number; reason?: string | null } = {}) {
  await db()
    .insert(alertEvents)
    .values({
      alertId: ids[ref]!,
      event,
      fromStatus: 'active',
      toStatus: event === 'renew' ? 'active' : event,
      version: o.version ?? 1,
      at: t(at),
      reason: o.reason ?? null,
    });
}

/** A reveal by a Southampton midwife and, when `presented`, the presentation and (when `emailed`) the owners' email. */
async function pointOfCare(ref: string, o: { at: string; reason: string; reasonOther?: string; presented?: boolean; emailed?: string }) {
  const [s] = await db()
    .insert(pointOfCareSearches)
    .values({ userId: ids.midwife!, organisationId: ids.RHM!, fields: ['familyName'], queryHash: 'x', candidates: [], registerSize: 1 })
    .returning();
  const [r] = await db()
    .insert(pointOfCareReveals)
    .values({
      searchId: s!.id,
      alertId: ids[ref]!,
      alertVersion: 1,
      userId: ids.midwife!,
      organisationId: ids.RHM!,
      unitId: ids.PAH!,
      reason: o.reason,
      reasonOther: o.reasonOther ?? null,
      createdAt: t(o.at),
    })
    .returning();
  if (!o.presented) return;
  const [p] = await db()
    .insert(presentations)
    .values({
      alertId: ids[ref]!,
      alertVersion: 1,
      revealId: r!.id,
      userId: ids.midwife!,
      userName: 'Priya Shah',
      userRole: 'safeguarding_practitioner',
      organisationId: ids.RHM!,
      organisationName: 'University Hospital Southampton',
      placeName: 'Princess Anne Hospital maternity unit',
      presentedAt: t(o.at),
      details: {},
      inconsistencies: [],
      inconsistent: false,
      createdAt: t(o.at),
    })
    .returning();
  if (o.emailed)
    await db()
      .insert(jobs)
      .values({ type: PRESENTATION_EMAIL_JOB, payload: { presentationId: p!.id, to: 'x@example.org' }, status: 'done', completedAt: t(o.emailed) });
}

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), 'correct horse battery staple 42');
  const admin = await contextFor(db(), 'admin@beacon.example');
  const [soton] = await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E06000045'));
  partnershipId = soton!.id;
  ids.RHM = await idOf(organisations, eq(organisations.odsCode, 'RHM'));
  ids.RHU = await idOf(organisations, eq(organisations.odsCode, 'RHU'));
  ids.PAH = await idOf(units, eq(units.name, 'Princess Anne Hospital maternity unit'));
  ids.QAH = await idOf(units, eq(units.name, 'Queen Alexandra Hospital maternity unit'));
  // Southampton's partnership manager (signs the audit off, and is one of the SOP's readers).
  await createUser(
    db(),
    admin,
    {
      email: 'sop.manager@beacon.example',
      displayName: 'Sam Okafor',
      jobTitle: 'Partnership manager',
      organisationId: ids.RHM,
      role: 'partnership_manager',
      unitId: '',
    },
    { password: 'correct horse battery staple 42' },
  );
  for (const [key, email] of [
    ['matron', 'sop.manager@beacon.example'],
    ['midwife', 'midwife@beacon.example'],
    ['designated', 'designated@beacon.example'],
    ['pahCoordinator', 'coordinator.pah@beacon.example'],
    ['qahCoordinator', 'coordinator.qah@beacon.example'],
  ] as const)
    ids[key] = (await db().select({ id: users.id }).from(users).where(eq(users.email, email)))[0]!.id;
  // A unit opened during the period: it appears in the breakdown from when it received something.
  const [fresh] = await db()
    .insert(units)
    .values({ organisationId: ids.RHM, name: 'Southampton birth centre', type: 'maternity', createdAt: t('2025-03-01T09:00:00Z') })
    .returning();
  ids.NEW = fresh!.id;
  // Period: January to June 2025. Baseline: July to December 2024.
  await alert('BCN-A1', {
    org: ids.RHM,
    submitted: '2025-02-03T10:00:00Z',
    decided: '2025-02-03T12:00:00Z',
    decision: 'approve',
    photo: true,
    status: 'stood_down',
  });
  await delivery('BCN-A1', ids.PAH, { at: '2025-02-03T12:05:00Z', acked: '2025-02-03T14:00:00Z' });
  await delivery('BCN-A1', ids.QAH, { at: '2025-02-03T12:30:00Z' }); // Portsmouth's unit: counts for the raising side only
  await event('BCN-A1', 'stand_down', '2025-06-01T12:00:00Z', { version: 2, reason: '' });
  await delivery('BCN-A1', ids.PAH, { version: 2, kind: 'stand_down', at: '2025-06-01T12:01:00Z' }); // QAH never told

  await alert('BCN-A2', { org: ids.RHM, submitted: '2025-03-10T09:00:00Z', decided: '2025-03-12T09:00:00Z', decision: 'approve', nhs: false });
  ids.A2PAH = await delivery('BCN-A2', ids.PAH, { at: '2025-03-12T09:05:00Z', escalated: '2025-03-13T09:10:00Z' });
  await delivery('BCN-A2', ids.NEW, { at: '2025-03-12T09:05:00Z', acked: '2025-03-12T10:05:00Z' });
  await event('BCN-A2', 'renew', '2025-04-15T10:00:00Z');

  await alert('BCN-A3', { org: ids.RHM, submitted: '2025-04-01T10:00:00Z', decided: '2025-04-01T11:00:00Z', decision: 'return' });

  await alert('BCN-A4', {
    org: ids.RHM,
    submitted: '2024-09-02T10:00:00Z',
    decided: '2024-09-02T11:00:00Z',
    decision: 'approve',
    // No NHS number, but said to be not known: met ("where known").
    nhs: false,
    nhsUnknown: true,
    status: 'expired',
  });
  await delivery('BCN-A4', ids.PAH, { at: '2024-09-02T11:05:00Z', acked: '2024-09-03T12:05:00Z' });
  await event('BCN-A4', 'expire', '2025-01-20T01:00:00Z');

  // Submitted an hour before the period ends (London time): still inside its 24 hours, so left out.
  await alert('BCN-A5', { org: ids.RHM, submitted: '2025-06-30T22:00:00Z' });

  // Stood down a minute after approval, before any unit received it; no reason for the distribution; no
  // photograph, but the reason why not (met).
  await alert('BCN-A6', {
    org: ids.RHM,
    submitted: '2025-05-05T09:00:00Z',
    decided: '2025-05-05T10:00:00Z',
    decision: 'approve',
    reason: false,
    photoReason: 'She declined a photograph',
    status: 'stood_down',
  });
  await event('BCN-A6', 'stand_down', '2025-05-05T10:01:00Z', { version: 2, reason: 'Birth: the baby is safe' });

  // Portsmouth's alert: another partnership, never counted.
  await alert('BCN-A7', { org: ids.RHU, submitted: '2025-02-03T10:00:00Z', decided: '2025-02-05T10:00:00Z', decision: 'approve', nhs: false });
  await delivery('BCN-A7', ids.QAH, { at: '2025-02-05T10:01:00Z' });

  // Updated before the unit acknowledged: the first delivery is overtaken, the update acknowledged in an hour.
  await alert('BCN-A8', { org: ids.RHM, submitted: '2025-02-10T10:00:00Z', decided: '2025-02-10T10:30:00Z', decision: 'approve', photo: true });
  await delivery('BCN-A8', ids.PAH, { at: '2025-02-10T10:32:00Z' });
  await delivery('BCN-A8', ids.PAH, { version: 2, kind: 'update', at: '2025-02-10T16:00:00Z', acked: '2025-02-10T17:00:00Z' });

  await pointOfCare('BCN-A1', { at: '2025-03-01T12:00:00Z', reason: 'presenting', presented: true, emailed: '2025-03-01T12:05:00Z' });
  await pointOfCare('BCN-A2', { at: '2025-04-02T12:00:00Z', reason: 'other', reasonOther: ' ', presented: true, emailed: '2025-04-02T12:40:00Z' });
  // Ten minutes before the period ends and no email yet: still inside the 15 minutes, left out.
  await pointOfCare('BCN-A8', { at: '2025-06-30T22:50:00Z', reason: 'presenting', presented: true });

  // The alert SOP, published on 1 January 2025 and circulated: three Southampton readers and one in Portsmouth.
  const [doc] = await db()
    .insert(libraryDocuments)
    .values({ geographyId: partnershipId, kind: 'sop', title: 'High-risk alert SOP', summary: 'SOP', topics: ['high_risk_alerts'] })
    .returning();
  const [v] = await db()
    .insert(libraryVersions)
    .values({
      documentId: doc!.id,
      major: 1,
      minor: 0,
      status: 'published',
      body: '# SOP',
      changeSummary: 'First',
      createdByName: 'Test',
      publishedAt: t('2025-01-01T09:00:00Z'),
    })
    .returning();
  const [c] = await db()
    .insert(libraryCirculations)
    .values({ documentId: doc!.id, versionId: v!.id, audience: {} as never, audienceLabel: 'Everyone', people: 4, byName: 'Test' })
    .returning();
  const read = (user: string, org: string, asked: string, acked: string | null) =>
    db()
      .insert(libraryReads)
      .values({
        documentId: doc!.id,
        versionId: v!.id,
        major: 1,
        circulationId: c!.id,
        userId: ids[user]!,
        organisationId: org,
        role: 'point_of_care',
        askedAt: t(asked),
        acknowledgedAt: acked ? t(acked) : null,
      });
  await read('midwife', ids.RHM, '2025-01-05T09:00:00Z', '2025-01-10T09:00:00Z');
  await read('pahCoordinator', ids.RHM, '2025-01-05T09:00:00Z', '2025-07-15T09:00:00Z'); // after the period
  await read('matron', ids.RHM, '2025-02-01T09:00:00Z', null);
  await read('qahCoordinator', ids.RHU, '2025-01-05T09:00:00Z', null); // Portsmouth

  const designated = await contextFor(db(), 'designated@beacon.example');
  runId = (await startRun(db(), designated, { partnershipId, from: null, months: 6, baseline: true }, t('2026-01-10T12:00:00Z'))).id;
}, 120_000);
afterAll(async () => tdb?.close());

const EXPECTED: Record<string, { period: [number, number]; baseline?: [number, number]; failing?: string[] }> = {
  nhs_number: { period: [3, 4], baseline: [1, 1], failing: ['BCN-A2'] },
  due_date: { period: [4, 4], baseline: [1, 1] },
  photograph: { period: [3, 4], failing: ['BCN-A2'] },
  distribution_reason: { period: [3, 4], failing: ['BCN-A6'] },
  approval_time: { period: [4, 5], baseline: [1, 1], failing: ['BCN-A2'] },
  delivery_time: { period: [2, 3], baseline: [1, 1], failing: ['BCN-A1'] },
  acknowledged: { period: [3, 4], baseline: [0, 1], failing: ['BCN-A2'] },
  escalated: { period: [1, 1], baseline: [0, 1] },
  reviews: { period: [1, 2], baseline: [0, 0], failing: ['BCN-A4'] },
  stand_down: { period: [1, 2], failing: ['BCN-A1'] },
  presentation_notified: { period: [1, 2], failing: ['BCN-A2'] },
  reveal_reason: { period: [2, 3], failing: ['BCN-A2'] },
  sop_readership: { period: [1, 3] },
};

describe('the SOP audit, computed from the records', () => {
  it('starts six months from the SOP’s publication, with the six months before as baseline, against the default criteria', async () => {
    const view = await getRun(db(), await contextFor(db(), 'designated@beacon.example'), runId);
    expect(view.report.period).toEqual({ from: '2025-01-01', to: '2025-06-30', baselineFrom: '2024-07-01', baselineTo: '2024-12-31' });
    expect(view.report.criteriaVersion).toBe(0);
    expect(view.report.criteria.map((c) => c.key)).toEqual(defaultSettings().map((s) => s.key));
    expect(view.report.document?.publishedOn).toBe('2025-01-01');
    expect(view.run.status).toBe('draft');
  });

  it('gives every default criterion its known answer, in the period and the baseline', async () => {
    const { report } = await getRun(db(), await contextFor(db(), 'designated@beacon.example'), runId);
    const got = Object.fromEntries(
      report.criteria.map((c) => [
        c.key,
        {
          period: [c.figures.period.met, c.figures.period.total],
          baseline: [c.figures.baseline!.met, c.figures.baseline!.total],
          failing: [...new Set(c.figures.failing.map((f) => f.ref))].sort(),
        },
      ]),
    );
    for (const [key, want] of Object.entries(EXPECTED)) {
      expect(got[key]!.period, key).toEqual(want.period);
      if (want.baseline) expect(got[key]!.baseline, `${key} baseline`).toEqual(want.baseline);
      if (want.failing) expect(got[key]!.failing, `${key} failing`).toEqual(want.failing);
    }
    // Portsmouth's alert, delivery and reader are nowhere.
    expect(JSON.stringify(report)).not.toContain('BCN-A7');
    expect(JSON.stringify(report)).not.toContain(ids.QAH);
  });

  it('audits the partnerships of an ICB area together: Portsmouth’s alert counts beside Southampton’s', async () => {
    const designated = await contextFor(db(), 'designated@beacon.example');
    const [icb] = await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'QRL'));
    const together = await startRun(db(), designated, { partnershipId: icb!.id, from: '2025-01-01', months: 6, baseline: true }, t('2026-01-10T12:00:00Z'));
    const { report } = await getRun(db(), designated, together.id);
    expect(report.partnership.name).toBe('Hampshire and Isle of Wight: its partnerships together');
    const nhs = report.criteria.find((c) => c.key === 'nhs_number')!.figures;
    // Southampton's 3 of 4, and Portsmouth's BCN-A7 (no NHS number) beside them.
    expect([nhs.period.met, nhs.period.total]).toEqual([3, 5]);
    expect(nhs.failing.map((f) => f.ref).sort()).toEqual(['BCN-A2', 'BCN-A7']);
    // Southampton's own manager reads it (their partnership is one of the four); the list says so too.
    const soton = await contextFor(db(), 'sop.manager@beacon.example');
    expect((await listRuns(db(), soton)).some((r) => r.id === together.id)).toBe(true);
    await expect(getRun(db(), soton, together.id)).resolves.toBeTruthy();
  });

  it('gives RAG against each standard, the months, the medians and the breakdown by organisation and unit', async () => {
    const { report } = await getRun(db(), await contextFor(db(), 'designated@beacon.example'), runId);
    const c = (k: string) => report.criteria.find((x) => x.key === k)!.figures;
    expect(c('due_date').rag).toBe('green');
    expect(c('nhs_number').rag).toBe('red'); // 75% against 95%
    expect(c('approval_time').rag).toBe('amber'); // 80% against 90%
    expect(c('reviews').baseline!.pct).toBeNull(); // nothing to count is not 0%
    expect(c('nhs_number').change).toBe(-25);
    expect(c('approval_time').medianMinutes).toBe(60); // 30 min, 1 h, 1 h, 2 h, 48 h
    // Every month of baseline and period is listed, counted where it had records.
    expect(c('nhs_number').byMonth.map((m) => m.month)).toEqual([
      '2024-07',
      '2024-08',
      '2024-09',
      '2024-10',
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
      '2025-03',
      '2025-04',
      '2025-05',
      '2025-06',
    ]);
    expect(c('nhs_number').byMonth.find((m) => m.month === '2025-02')).toMatchObject({ met: 2, total: 2, pct: 100, inBaseline: false });
    expect(c('nhs_number').byMonth.find((m) => m.month === '2024-09')).toMatchObject({ met: 1, total: 1, inBaseline: true });
    // The unit opened in March is in the breakdown beside Princess Anne.
    const ack = c('acknowledged');
    expect(ack.byUnit.map((u) => [report.names[u.unitId], u.met, u.total]).sort()).toEqual([
      ['Princess Anne Hospital maternity unit', 2, 3],
      ['Southampton birth centre', 1, 1],
    ]);
    expect(ack.byOrganisation).toEqual([{ organisationId: ids.RHM, met: 3, total: 4, pct: 75 }]);
    expect(ack.failing[0]).toMatchObject({ ref: 'BCN-A2', note: 'Not acknowledged', href: `/alerts/${ids['BCN-A2']}` });
  });

  it('lists, exports and compares runs; refuses what is not allowed', async () => {
    const designated = await contextFor(db(), 'designated@beacon.example');
    const csv = reportCsvRows((await getRun(db(), designated, runId)).report);
    expect(csv[0]).toContain('criterion');
    expect(csv.find((r) => r[0] === 'period' && r[1] === 'NHS number recorded where known')).toEqual(expect.arrayContaining(['3', '4', '75', 'Red']));
    expect(csv.filter((r) => r[0] === 'not met').map((r) => r[3])).toContain('BCN-A6');
    // The PDF: the table, the chart, and a page per criterion with its months.
    const view = await getRun(db(), designated, runId);
    const pdf = (await auditPdf(view)).toString('latin1');
    expect(pdf.startsWith('%PDF-')).toBe(true);
    expect(pdf.match(/\/Type \/Page\b/g)).toHaveLength(2 + view.report.criteria.length);
    // A unit coordinator reads no audits; the ED nurse may not run them.
    await expect(getRun(db(), await contextFor(db(), 'coordinator.qah@beacon.example'), runId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startRun(db(), await contextFor(db(), 'ed.nurse@beacon.example'), { partnershipId })).rejects.toBeInstanceOf(ForbiddenError);
    // A designated professional runs the audit but does not sign it off.
    await expect(signOffRun(db(), designated, runId, { note: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    // Bad input: a clear message and nothing written.
    const before = (await db().select().from(assuranceAuditRuns)).length;
    await expect(startRun(db(), designated, { partnershipId, from: '2031-01-01' })).rejects.toBeInstanceOf(ValidationError);
    await expect(startRun(db(), designated, { partnershipId, from: '2025-02-30' })).rejects.toBeInstanceOf(ValidationError);
    await expect(startRun(db(), designated, { partnershipId, months: 13 })).rejects.toBeInstanceOf(ValidationError);
    expect((await db().select().from(assuranceAuditRuns)).length).toBe(before);
    expect((await listRuns(db(), await contextFor(db(), 'auditor@beacon.example'))).map((r) => r.id)).toContain(runId);
  });

  it('versions the criteria: a new standard is used by runs started after it, never by one already started', async () => {
    const manager = await contextFor(db(), 'sop.manager@beacon.example');
    const settings = defaultSettings().map((s) => (s.key === 'nhs_number' ? { ...s, target: 70 } : s.key === 'reveal_reason' ? { ...s, enabled: false } : s));
    await expect(saveCriteria(db(), manager, partnershipId, { changeReason: '', criteria: settings })).rejects.toBeInstanceOf(ValidationError);
    await expect(saveCriteria(db(), manager, partnershipId, { changeReason: 'Agreed at the subgroup', criteria: settings.slice(1) })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await saveCriteria(db(), manager, partnershipId, { changeReason: 'Agreed at the subgroup', criteria: settings })).toEqual({ version: 1 });
    const designated = await contextFor(db(), 'designated@beacon.example');
    await expect(saveCriteria(db(), designated, partnershipId, { changeReason: 'x', criteria: settings })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await criteriaFor(db(), designated, partnershipId)).history).toHaveLength(1);
    // Two managers saving at once: both saved, numbered one after the other.
    const both = await Promise.all([
      saveCriteria(db(), manager, partnershipId, { changeReason: 'Same again', criteria: settings }),
      saveCriteria(db(), manager, partnershipId, { changeReason: 'Same again', criteria: settings }),
    ]);
    expect(both.map((b) => b.version).sort()).toEqual([2, 3]);
    const second = await startRun(db(), designated, { partnershipId, from: '2025-01-01' }, t('2026-01-11T12:00:00Z'));
    const { report } = await getRun(db(), designated, second.id);
    expect(report.criteriaVersion).toBe(3);
    expect(report.criteria.find((c) => c.key === 'nhs_number')!.figures.rag).toBe('green');
    expect(report.criteria.some((c) => c.key === 'reveal_reason')).toBe(false);
    // The first run keeps the defaults it started with.
    expect((await getRun(db(), designated, runId)).report.criteria.find((c) => c.key === 'nhs_number')!.standard).toBe('95%');
    const compared = await compareRuns(db(), designated, runId, second.id);
    expect(compared.sameCriteria).toBe(false);
    const nhs = compared.rows.find((r) => r.key === 'nhs_number')!;
    expect([nhs.a?.rag, nhs.b?.rag, nhs.sameStandard, nhs.change]).toEqual(['red', 'green', false, 0]);
    expect(compared.rows.find((r) => r.key === 'reveal_reason')!.b).toBeNull();
  });

  it('freezes on sign-off: the report no longer changes with the data, and its hash verifies', async () => {
    const manager = await contextFor(db(), 'sop.manager@beacon.example');
    const before = (await getRun(db(), manager, runId)).report;
    const { hash } = await signOffRun(db(), manager, runId, { note: 'Quality assurance subgroup, 12 January 2026' }, t('2026-01-12T12:00:00Z'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await expect(signOffRun(db(), manager, runId, { note: 'again' })).rejects.toThrow(/signed off already/);
    const frozen = await getRun(db(), manager, runId);
    expect(frozen.verified).toBe(true);
    expect(frozen.run.status).toBe('frozen');

    // The data changes: Princess Anne acknowledges A2 late, a delivery is added.
    await db()
      .update(alertDeliveries)
      .set({ acknowledgedAt: t('2025-03-12T10:00:00Z') })
      .where(eq(alertDeliveries.id, ids.A2PAH!));
    await delivery('BCN-A8', ids.NEW!, { at: '2025-02-10T10:33:00Z' });
    const after = await getRun(db(), manager, runId, t('2026-06-01T12:00:00Z'));
    expect(after.report).toEqual(frozen.report);
    expect(after.report.criteria.map((c) => c.figures)).toEqual(before.criteria.map((c) => c.figures));
    expect(after.verified).toBe(true);
    // A draft over the same period sees the change.
    const designated = await contextFor(db(), 'designated@beacon.example');
    const draft = await startRun(db(), designated, { partnershipId, from: '2025-01-01' }, t('2026-06-01T12:00:00Z'));
    const ack = (await getRun(db(), designated, draft.id)).report.criteria.find((c) => c.key === 'acknowledged')!.figures.period;
    expect([ack.met, ack.total]).toEqual([4, 5]);

    // Tampering with the stored snapshot is found.
    const [row] = await db().select().from(assuranceAuditRuns).where(eq(assuranceAuditRuns.id, runId));
    const tampered = structuredClone(row!.snapshot) as { criteria: { figures: { period: { met: number } } }[] };
    tampered.criteria[0]!.figures.period.met = 4;
    await db().update(assuranceAuditRuns).set({ snapshot: tampered }).where(eq(assuranceAuditRuns.id, runId));
    expect((await getRun(db(), manager, runId)).verified).toBe(false);
    await db().update(assuranceAuditRuns).set({ snapshot: row!.snapshot }).where(eq(assuranceAuditRuns.id, runId));
    expect((await getRun(db(), manager, runId)).verified).toBe(true);
  });

  it('will not freeze a period that has not ended', async () => {
    const manager = await contextFor(db(), 'sop.manager@beacon.example');
    const current = await startRun(db(), manager, { partnershipId, from: '2026-01-01', months: 6 }, t('2026-03-01T12:00:00Z'));
    await expect(signOffRun(db(), manager, current.id, { note: 'Too soon' }, t('2026-03-01T12:00:00Z'))).rejects.toMatchObject({
      fieldErrors: { form: expect.stringMatching(/once the period is over/) },
    });
  });
});
