/**
 * The FHIR R4 facade end to end, on both engines, driven as systems drive it: machine clients with bearer
 * tokens. A raising system and an approving system put an alert through the alerts API; an ED system finds
 * her with Patient/$match from variant details and reveals the match with its reason; the raising system
 * reads the Flag with its ETag, is refused a stale If-Match with nothing changed, removes the Flag, and reads
 * the alert's access history as AuditEvents. Every resource sent and received is checked with the validator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Flag, Resource } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';
import { MachineClient, organisationId } from '../../test/support/machine-client';
import { validAlertContent } from '../../test/support/alerts';
import { waitFor } from '../../test/support/point-of-care';
import { registerIndexFor } from '../identity/register-index';
import { fhirProblems } from './validate';

let t: TestApp;
let raiser: MachineClient;
let approver: MachineClient;
let ed: MachineClient;
let alertId: string;
let reference: string;

/** Every resource Beacon answers with must pass the validator (contained and bundled ones too). */
function valid<T extends Resource>(r: T): T {
  expect(fhirProblems(r), JSON.stringify(r).slice(0, 400)).toEqual([]);
  return r;
}

beforeAll(async () => {
  t = await startTestApp();
  const [rhm, qrl, rhu] = await Promise.all([organisationId(t, 'RHM'), organisationId(t, 'QRL'), organisationId(t, 'RHU')]);
  raiser = await (
    await MachineClient.register(t, {
      name: 'Southampton maternity record',
      organisationId: rhm,
      roles: ['safeguarding_practitioner'],
      scopes: ['alerts', 'fhir'],
    })
  ).signIn();
  raiser.endUser = 'Priya Shah; Safeguarding midwife';
  approver = await (
    await MachineClient.register(t, { name: 'ICB safeguarding system', organisationId: qrl, roles: ['designated_professional'], scopes: ['alerts', 'fhir'] })
  ).signIn();
  ed = await (
    await MachineClient.register(t, { name: 'Portsmouth ED record', organisationId: rhu, roles: ['point_of_care'], scopes: ['fhir', 'check'] })
  ).signIn();
  ed.endUser = 'Sam Example; ED receptionist';

  // Raised and approved through the API, as clients.
  const draft = await raiser.post('/api/alerts', validAlertContent());
  expect(draft.status).toBe(201);
  alertId = draft.json.id;
  reference = draft.json.reference;
  expect((await raiser.post(`/api/alerts/${alertId}/submit`)).status).toBe(204);
  expect((await approver.post(`/api/alerts/${alertId}/approve`, {})).status).toBe(204);
  expect((await waitFor(() => registerIndexFor(t.database).has(alertId), 5000)).value).toBe(true);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const fhirJson = { 'content-type': 'application/fhir+json' };

describe('metadata', () => {
  it('a CapabilityStatement that says what is supported, without signing in', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/fhir/R4/metadata' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/fhir\+json/);
    const cs = valid(JSON.parse(r.body));
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = cs.rest[0].resource.map((x: { type: string }) => x.type);
    expect(types).toEqual(['Flag', 'Patient', 'AuditEvent']);
  });
  it('signed out, the rest answers 401 with an OperationOutcome', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/fhir/R4/Flag/${alertId}` });
    expect(r.statusCode).toBe(401);
    expect(valid(JSON.parse(r.body))).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });
});

describe('a point-of-care system finds her without an NHS number', () => {
  let searchId: string;
  it('Patient/$match with variant details (a short first name, day and month swapped) answers a graded candidate and its minimal Flag', async () => {
    const params = valid({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'resource',
          resource: { resourceType: 'Patient', name: [{ family: 'Quennel', given: ['Mari'] }], birthDate: '1998-07-14', address: [{ postalCode: 'SO16 6YD' }] },
        },
        { name: 'count', valueInteger: 3 },
      ],
    } as Resource);
    const r = await ed.post('/fhir/R4/Patient/$match', params, fhirJson);
    expect(r.status).toBe(200);
    const bundle = valid(r.json as Bundle);
    searchId = bundle.id!;
    const match = bundle.entry!.find((e) => e.search?.mode === 'match')!;
    expect(match.resource).toMatchObject({ resourceType: 'Patient', identifier: [{ value: reference }] });
    expect(match.search!.score).toBeGreaterThan(0.5);
    expect(match.search!.extension!.find((x) => x.url.endsWith('match-grade'))?.valueCode).toMatch(/certain|probable|possible/);
    expect(match.search!.extension!.some((x) => x.url.endsWith('match-explanation') && /Last name/.test(x.valueString!))).toBe(true);
    const flag = bundle.entry!.find((e) => e.resource?.resourceType === 'Flag')!.resource as Flag;
    expect(flag).toMatchObject({ id: alertId, status: 'active', subject: { reference: match.fullUrl } });
    // Nothing about her before the reveal.
    expect(JSON.stringify(bundle)).not.toMatch(/Quennell|Marisol|9434765919|Do not discharge/);
  });

  it('reading the Flag before revealing is refused with what to do instead', async () => {
    const r = await ed.get(`/fhir/R4/Flag/${alertId}`);
    expect(r.status).toBe(403);
    expect(valid(r.json).issue[0].diagnostics).toMatch(/\$reveal/);
  });

  it('$reveal with the reason answers the full Flag; audited as a reveal under the client and the person at the desk', async () => {
    const noReason = await ed.post(
      `/fhir/R4/Flag/${alertId}/$reveal`,
      { resourceType: 'Parameters', parameter: [{ name: 'search', valueString: searchId }] },
      fhirJson,
    );
    expect(noReason.status).toBe(400);
    expect(valid(noReason.json).issue[0].diagnostics).toMatch(/reason/);
    const r = await ed.post(
      `/fhir/R4/Flag/${alertId}/$reveal`,
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'search', valueString: searchId },
          { name: 'reason', valueCode: 'presenting' },
        ],
      },
      fhirJson,
    );
    expect(r.status).toBe(200);
    const flag = valid(r.json as Flag);
    expect(flag.code?.text).toMatch(/Do not discharge the baby/);
    expect(flag.contained?.find((c) => c.resourceType === 'Patient')).toMatchObject({
      name: [{ family: 'Quennell' }, expect.anything()],
      birthDate: '1998-07-14',
    });
    expect(flag.author?.identifier?.value).toBe('RHM');
  });

  it('a Flag search by NHS number is a check, answered with minimal Flags', async () => {
    const r = await ed.get('/fhir/R4/Flag?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919');
    expect(r.status).toBe(200);
    const bundle = valid(r.json as Bundle);
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([alertId]);
    expect(JSON.stringify(bundle)).not.toMatch(/Quennell|Do not discharge/);
  });
});

describe('the raising organisation', () => {
  it('reads the full Flag with its version and ETag', async () => {
    const r = await raiser.get(`/fhir/R4/Flag/${alertId}`);
    expect(r.status).toBe(200);
    const flag = valid(r.json as Flag);
    expect(r.headers.etag).toBe(`W/"${flag.meta!.versionId}"`);
    expect(flag).toMatchObject({
      status: 'active',
      identifier: [{ value: reference }],
      subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' } },
      author: { identifier: { value: 'RHM' } },
    });
    expect(flag.contained?.find((c) => c.resourceType === 'Provenance')).toMatchObject({
      agent: [{ who: { display: 'Southampton maternity record' } }, { who: { display: 'ICB safeguarding system' } }],
    });
  });

  it('searches Flags and gets exactly what the same organisation sees in its alert list', async () => {
    const page = await raiser.get('/api/alerts');
    const listed = (page.json.alerts as { id: string; status: string }[])
      .filter((a) => ['active', 'stood_down', 'cancelled', 'expired', 'archived'].includes(a.status))
      .map((a) => a.id)
      .sort();
    const r = await raiser.get('/fhir/R4/Flag?_count=100');
    const bundle = valid(r.json as Bundle);
    expect(bundle.entry!.map((e) => e.resource!.id!).sort()).toEqual(listed);
    const byNhs = valid((await raiser.get('/fhir/R4/Flag?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919&status=active')).json as Bundle);
    expect(byNhs.entry!.map((e) => e.resource!.id)).toEqual([alertId]);
    const other = valid((await raiser.get('/fhir/R4/Flag?status=entered-in-error')).json as Bundle);
    expect(other.total).toBe(0);
    const bad = await raiser.get('/fhir/R4/Flag?name=Quennell');
    expect(bad.status).toBe(400);
    expect(valid(bad.json).issue[0].diagnostics).toMatch(/not supported/);
  });

  it('an update without If-Match, or with a stale one, is refused and changes nothing; with the current one, removes the Flag', async () => {
    const current = (await raiser.get(`/fhir/R4/Flag/${alertId}`)).json as Flag;
    const version = Number(current.meta!.versionId);
    const removal: Flag = {
      ...current,
      status: 'inactive',
      extension: [
        ...(current.extension ?? []),
        {
          url: `${t.config.publicUrl}/fhir/StructureDefinition/flag-removal-reason`,
          valueCodeableConcept: {
            coding: [{ system: `${t.config.publicUrl}/fhir/CodeSystem/flag-removal-reason`, code: 'found_safe' }],
            text: 'Seen with baby; plan agreed',
          },
        },
      ],
    };
    valid(removal);
    const noMatch = await raiser.put(`/fhir/R4/Flag/${alertId}`, removal, fhirJson);
    expect(noMatch.status).toBe(428);
    const stale = await raiser.put(`/fhir/R4/Flag/${alertId}`, removal, { ...fhirJson, 'if-match': `W/"${version - 1}"` });
    expect(stale.status).toBe(412);
    expect(valid(stale.json).issue[0].diagnostics).toMatch(/changed since you read it/);
    expect(((await raiser.get(`/fhir/R4/Flag/${alertId}`)).json as Flag).status).toBe('active');
    const content = await raiser.put(`/fhir/R4/Flag/${alertId}`, { ...current, status: 'active' }, { ...fhirJson, 'if-match': `W/"${version}"` });
    expect(content.status).toBe(422);
    const done = await raiser.put(`/fhir/R4/Flag/${alertId}`, removal, { ...fhirJson, 'if-match': `W/"${version}"` });
    expect(done.status).toBe(200);
    const flag = valid(done.json as Flag);
    expect(flag.status).toBe('inactive');
    expect(Number(flag.meta!.versionId)).toBe(version + 1);
    expect(flag.extension!.find((e) => e.url.endsWith('flag-removal-reason'))?.valueCodeableConcept?.coding?.[0]?.code).toBe('found_safe');
    // Beacon's own stand-down ran: the alert is stood down in the API too.
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    expect((await api.get(`/api/alerts/${alertId}`)).json.status).toBe('stood_down');
  });

  it('reads the access history as AuditEvents, newest first, naming the ED system and the person it acted for; others may not', async () => {
    const r = await raiser.get(`/fhir/R4/AuditEvent?entity=Flag/${alertId}`);
    expect(r.status).toBe(200);
    const bundle = valid(r.json as Bundle);
    const who = bundle.entry!.map((e) => (e.resource as { agent: { who: { display: string } }[] }).agent[0]!.who.display);
    expect(who).toContain('Portsmouth ED record (API client) for Sam Example (ED receptionist)');
    const times = bundle.entry!.map((e) => (e.resource as { recorded: string }).recorded);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await ed.get(`/fhir/R4/AuditEvent?entity=Flag/${alertId}`)).status).toBe(403);
  });
});
