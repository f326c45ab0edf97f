import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/db';
import { raiseActiveAlert, validAlertContent } from '../../test/support/alerts';
import { areaId, caseContexts, openCaseInput, openSeededDatabase, openTestCase, organisationIds } from '../../test/support/cases';
import type { RequestContext } from '../platform/context';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { auditEvents } from '../platform/audit/schema';
import { caseEvents, caseFacts, caseOrganisations, cases } from './schema';
import { addAgency, addProfessional, closeCase, getCase, linkAlert, listCases, openCase, recordFact, reopenCase, supersedeFact } from './service';

let tdb: TestDatabase;
let midwife: RequestContext;
let designated: RequestContext;
let socialWorker: RequestContext;
let edNurse: RequestContext;
let auditor: RequestContext;
let partnership: RequestContext;

const counts = async () => {
  const db = tdb.db;
  const [c] = await db.select({ n: count() }).from(cases);
  const [f] = await db.select({ n: count() }).from(caseFacts);
  const [e] = await db.select({ n: count() }).from(caseEvents);
  return { cases: c!.n, facts: f!.n, events: e!.n };
};

let org: Record<string, string> = {};

beforeAll(async () => {
  tdb = await openSeededDatabase();
  ({ midwife, designated, socialWorker, edNurse, auditor, partnership } = await caseContexts(tdb.db));
  org = await organisationIds(tdb.db);
});
afterAll(async () => tdb?.close());

describe('opening a case', () => {
  it('records the first details as facts with their source, the opener’s agency and a chronology event', async () => {
    const { id, reference } = await openTestCase(tdb.db, midwife);
    expect(reference).toMatch(/^CAS-[0-9A-HJKMNP-TV-Z]{6}$/);
    const c = await getCase(tdb.db, midwife, id);
    expect(c.kase.displayName).toBe('Marisol Quennell');
    expect(c.agencies.map((a) => a.odsCode)).toEqual(['RHM']);
    expect(c.facts.map((f) => f.field).sort()).toEqual(['address', 'date_of_birth', 'name', 'nhs_number']);
    expect(c.facts.every((f) => f.source === 'self_reported')).toBe(true);
    expect(c.inconsistencies).toEqual([]);
    const events = await tdb.db.select().from(caseEvents).where(eq(caseEvents.caseId, id));
    expect(events.map((e) => e.kind)).toContain('case_opened');
    const audit = await tdb.db.select().from(auditEvents).where(eq(auditEvents.entityId, id));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['case.open', 'case.view']));
  });

  it('refuses bad input with a message per field and writes nothing', async () => {
    const before = await counts();
    const bad = await openCaseInput(tdb.db, { classification: 'made_up', givenName: ' ', edd: '2020-01-01', nhsNumber: '1234567890', geographyId: 'nope' });
    const err = await openCase(tdb.db, midwife, bad).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys(err.fieldErrors)).toEqual(expect.arrayContaining(['classification', 'givenName', 'edd', 'geographyId']));
    expect(await counts()).toEqual(before);

    // A valid form with one bad detail (an NHS number with the wrong check digit) changes nothing either.
    const oneBad = await openCaseInput(tdb.db, { nhsNumber: '9434765918' });
    const err2 = await openCase(tdb.db, midwife, oneBad).catch((e) => e);
    expect(err2).toBeInstanceOf(ValidationError);
    expect(err2.fieldErrors.nhsNumber).toMatch(/check digit/);
    expect(await counts()).toEqual(before);
  });

  it('needs a due date except for an unbooked woman in labour, and the area must be a local authority', async () => {
    const noEdd = await openCase(tdb.db, midwife, await openCaseInput(tdb.db, { edd: '', eddSource: null })).catch((e) => e);
    expect(noEdd.fieldErrors.edd).toMatch(/due date/);
    const labour = await openCase(
      tdb.db,
      edNurse,
      await openCaseInput(tdb.db, { classification: 'unbooked_in_labour', edd: '', eddSource: null, geographyId: await areaId(tdb.db, 'E06000044') }),
    );
    expect(labour.reference).toMatch(/^CAS-/);
    const icb = await openCase(tdb.db, midwife, await openCaseInput(tdb.db, { geographyId: await areaId(tdb.db, 'QRL') })).catch((e) => e);
    expect(icb.fieldErrors.geographyId).toMatch(/local authority/);
  });

  it('is refused to roles that do not open cases', async () => {
    await expect(openCase(tdb.db, partnership, await openCaseInput(tdb.db))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(openCase(tdb.db, auditor, await openCaseInput(tdb.db))).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('who may see a case', () => {
  it('only the agencies working on it (and auditors); adding an agency lets its staff in', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    await expect(getCase(tdb.db, socialWorker, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getCase(tdb.db, edNurse, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getCase(tdb.db, partnership, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await getCase(tdb.db, auditor, id)).kase.id).toBe(id);
    expect((await listCases(tdb.db, socialWorker)).some((c) => c.id === id)).toBe(false);

    await addAgency(tdb.db, midwife, id, socialWorker.actor!.organisationId, 'Children’s social care hold the pre-birth assessment');
    expect((await getCase(tdb.db, socialWorker, id)).kase.id).toBe(id);
    expect((await listCases(tdb.db, socialWorker)).some((c) => c.id === id)).toBe(true);
    await expect(addAgency(tdb.db, midwife, id, socialWorker.actor!.organisationId, 'Again')).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers not found for ids that are not cases', async () => {
    await expect(getCase(tdb.db, midwife, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getCase(tdb.db, midwife, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('auditors read but never change', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    await expect(
      addProfessional(tdb.db, auditor, id, { role: 'gp', name: 'Dr Rao', organisationName: 'Shirley Health Centre', phone: '023 8078 3611' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('demographic facts with provenance', () => {
  it('keeps a differing value beside the first, flags it, and resolves when one is marked no longer current', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    const r = await recordFact(tdb.db, midwife, id, {
      field: 'date_of_birth',
      value: { date: '1997-07-14' },
      source: 'other_agency',
      sourceDetail: "Southampton children's services",
      sourceDate: '2026-11-01',
    });
    expect(r.inconsistent).toBe(true);
    let c = await getCase(tdb.db, midwife, id);
    expect(c.inconsistencies).toHaveLength(1);
    expect(c.inconsistencies[0]!.field).toBe('date_of_birth');
    expect(c.inconsistencies[0]!.values.map((v) => v.text).sort()).toEqual(['14 July 1997', '14 July 1998']);
    const events = await tdb.db.select().from(caseEvents).where(eq(caseEvents.caseId, id));
    expect(events.filter((e) => e.kind === 'identity_inconsistency')).toHaveLength(1);

    // The same value written differently is not an inconsistency.
    const same = await recordFact(tdb.db, midwife, id, {
      field: 'address',
      value: { line: '14 TARN ROAD', postcode: 'so164xx' },
      source: 'pds_verified',
      sourceDate: '2026-11-02',
    });
    expect(same.inconsistent).toBe(false);

    const first = c.facts.find((f) => f.field === 'date_of_birth' && f.source === 'self_reported')!;
    await expect(supersedeFact(tdb.db, midwife, id, first.id, '  ')).rejects.toBeInstanceOf(ValidationError);
    await supersedeFact(tdb.db, midwife, id, first.id, 'Agency record confirmed by PDS trace');
    c = await getCase(tdb.db, midwife, id);
    expect(c.inconsistencies).toEqual([]);
    // History is kept: the superseded fact is still there, with its reason.
    const kept = c.facts.find((f) => f.id === first.id)!;
    expect(kept.supersededReason).toBe('Agency record confirmed by PDS trace');
  });

  it('refuses a fact without its source, or from another agency without naming it, and writes nothing', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    const before = await counts();
    const e1 = await recordFact(tdb.db, midwife, id, { field: 'phone', value: { number: '07700 900123' }, sourceDate: '2026-11-01' }).catch((e) => e);
    expect(e1.fieldErrors.source).toMatch(/where this detail came from/);
    const e2 = await recordFact(tdb.db, midwife, id, {
      field: 'phone',
      value: { number: '07700 900123' },
      source: 'other_agency',
      sourceDate: '2026-11-01',
    }).catch((e) => e);
    expect(e2.fieldErrors.sourceDetail).toMatch(/agency/);
    const e3 = await recordFact(tdb.db, midwife, id, {
      field: 'address',
      value: { line: '', postcode: 'XX1' },
      source: 'self_reported',
      sourceDate: '2099-01-01',
    }).catch((e) => e);
    expect(Object.keys(e3.fieldErrors)).toEqual(expect.arrayContaining(['sourceDate', 'value.line', 'value.postcode']));
    expect(await counts()).toEqual(before);
  });
});

describe('professionals, alerts and closing', () => {
  it('a new person in a role replaces the current one and the previous one is kept', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    await addProfessional(tdb.db, midwife, id, {
      role: 'social_worker',
      name: 'Sam Okafor',
      organisationId: socialWorker.actor!.organisationId,
      phone: '023 8083 3336',
    });
    await addProfessional(tdb.db, midwife, id, {
      role: 'social_worker',
      name: 'Jo Pryce',
      organisationId: socialWorker.actor!.organisationId,
      email: 'jo.pryce@southampton.example',
    });
    const c = await getCase(tdb.db, midwife, id);
    const sws = c.professionals.filter((p) => p.role === 'social_worker');
    expect(sws.map((p) => [p.name, !!p.endedAt])).toEqual([
      ['Sam Okafor', true],
      ['Jo Pryce', false],
    ]);
    const noContact = await addProfessional(tdb.db, midwife, id, { role: 'gp', name: 'Dr Rao', organisationName: 'Shirley Health Centre' }).catch((e) => e);
    expect(noContact.fieldErrors.phone).toMatch(/phone number or an email/);
  });

  it('links an alert the person may view, once', async () => {
    const alert = await raiseActiveAlert(tdb.db, midwife, designated, validAlertContent());
    const { id } = await openTestCase(tdb.db, midwife);
    await linkAlert(tdb.db, midwife, id, alert.reference.toLowerCase());
    expect((await getCase(tdb.db, midwife, id)).alerts.map((a) => [a.reference, a.visible, a.status])).toEqual([[alert.reference, true, 'active']]);
    await expect(linkAlert(tdb.db, midwife, id, alert.reference)).rejects.toBeInstanceOf(ValidationError);
  });

  it('a closed case is read-only until reopened with a reason', async () => {
    const { id } = await openTestCase(tdb.db, midwife);
    await expect(closeCase(tdb.db, midwife, id, { reason: 'no_further_action' })).rejects.toBeInstanceOf(ValidationError);
    await closeCase(tdb.db, midwife, id, { reason: 'no_further_action', note: 'Strategy discussion: no further action.' });
    await expect(
      recordFact(tdb.db, midwife, id, { field: 'phone', value: { number: '07700 900123' }, source: 'self_reported', sourceDate: '2026-11-01' }),
    ).rejects.toThrow(/closed/);
    await expect(reopenCase(tdb.db, midwife, id, '')).rejects.toBeInstanceOf(ValidationError);
    await reopenCase(tdb.db, midwife, id, 'New referral received');
    const [row] = await tdb.db.select().from(cases).where(eq(cases.id, id));
    expect(row!.status).toBe('open');
    const orgs = await tdb.db.select().from(caseOrganisations).where(eq(caseOrganisations.caseId, id));
    expect(orgs).toHaveLength(1);
    expect(org.RHM).toBe(orgs[0]!.organisationId);
  });
});
