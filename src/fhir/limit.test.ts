/**
 * A check through FHIR is the same check: it counts against the same per-person search limit as the pages
 * and the JSON API, and the limit answers with an OperationOutcome.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app';
import { MachineClient, organisationId } from '../../test/support/machine-client';

let t: TestApp;
let ed: MachineClient;
beforeAll(async () => {
  vi.stubEnv('BEACON_CHECK_SEARCH_LIMIT', '3');
  t = await startTestApp();
  vi.unstubAllEnvs();
  const rhu = await organisationId(t, 'RHU');
  ed = await (
    await MachineClient.register(t, { name: 'Limited ED record', organisationId: rhu, roles: ['point_of_care'], scopes: ['check', 'fhir'] })
  ).signIn();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const match = {
  resourceType: 'Parameters',
  parameter: [{ name: 'resource', resource: { resourceType: 'Patient', name: [{ family: 'Nobody', given: ['Anne'] }], birthDate: '1990-01-01' } }],
};

describe('the search limit through FHIR', () => {
  it('is shared with the JSON API: two checks there, one $match, then the limit', async () => {
    expect((await ed.post('/api/check', { nhsNumber: '9434765919' })).status).toBe(200);
    expect((await ed.post('/api/check', { nhsNumber: '9434765919' })).status).toBe(200);
    expect((await ed.post('/fhir/R4/Patient/$match', match, { 'content-type': 'application/fhir+json' })).status).toBe(200);
    const refused = await ed.post('/fhir/R4/Patient/$match', match, { 'content-type': 'application/fhir+json' });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
    expect((await ed.post('/api/check', { nhsNumber: '9434765919' })).status).toBe(429);
  });
});
