import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from './schema';
import { addDays, londonDate } from '../alerts/pregnancy';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';
import { areaId } from '../../test/support/cases';

/** The core case pages and API on the real application: open, see, add to, close; errors change nothing. */
let t: TestApp;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-cases-http-'));
  t = await startTestApp({ BEACON_DATA_DIR: dataDir });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const caseCount = async () => (await t.database.db.select({ n: count() }).from(cases))[0]!.n;
const edd = addDays(londonDate(new Date()), 140);
const [eddY, eddM, eddD] = edd.split('-');
/** The open-a-case form, filled in for an unborn baby protocol case due in 20 weeks. */
const protocolCaseForm = async (givenName: string, familyName: string) => ({
  classification: 'unborn_baby_protocol',
  givenName,
  familyName,
  source: 'self_reported',
  'edd.day': eddD!,
  'edd.month': eddM!,
  'edd.year': eddY!,
  eddSource: 'dating_scan',
  geographyId: await areaId(t.database.db),
});

describe('case pages', () => {
  it('a midwife opens a case from the form; a bad form is shown again with the problems and nothing is saved', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    const list = await b.get('/cases');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Open a case');
    const form = await b.get('/cases/new');
    expect(form.status).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');

    const before = await caseCount();
    const bad = await b.post('/cases/new', {
      classification: 'unborn_baby_protocol',
      givenName: '',
      familyName: 'Quennell',
      source: 'self_reported',
      'edd.day': '31',
      'edd.month': '2',
      'edd.year': eddY!,
      geographyId: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('There is a problem');
    expect(bad.body).toContain('href="#givenName"');
    expect(bad.body).toContain('href="#edd-day"');
    // The date boxes' own problem is named, not only that the date is wrong.
    expect(bad.body).toMatch(/February \d{4} has 2[89] days, not 31/);
    expect(bad.body).toContain('value="Quennell"');
    expect(await caseCount()).toBe(before);

    const ok = await b.post('/cases/new', await protocolCaseForm('Marisol', 'Quennell'));
    expect(ok.status).toBe(303);
    expect(ok.location).toMatch(/^\/cases\/[0-9a-f-]{36}\?done=/);
    const summary = await b.get(ok.location!);
    expect(summary.status).toBe(200);
    expect(summary.body).toContain('Marisol Quennell');
    expect(summary.body).toContain('The case has been opened');
    expect(summary.body).toContain('aria-current="page"');

    const caseUrl = ok.location!.split('?')[0]!;
    const prof = await b.post(`${caseUrl}/professionals`, {
      role: 'social_worker',
      name: 'Sam Okafor',
      organisationName: 'Southampton children’s services',
      phone: '',
    });
    expect(prof.status).toBe(400);
    expect(prof.body).toContain('Enter a phone number or an email address');
    const prof2 = await b.post(`${caseUrl}/professionals`, {
      role: 'social_worker',
      name: 'Sam Okafor',
      organisationName: 'Southampton children’s services',
      phone: '023 8083 3336',
    });
    expect(prof2.status).toBe(303);
    expect((await b.get(caseUrl)).body).toContain('Sam Okafor');

    // Another organisation's staff cannot open it.
    const other = await t.browser().signedInAs('ed.nurse@beacon.example');
    expect((await other.get(caseUrl)).status).toBe(403);
    expect((await other.get(`${caseUrl}/details`)).status).toBe(403);
  });

  it('links on the case page are offered only where the policy lets the person through: no "Raise a new alert" for an ED nurse', async () => {
    const nurse = await t.browser().signedInAs('ed.nurse@beacon.example');
    const opened = await nurse.post('/cases/new', {
      classification: 'unbooked_in_labour',
      givenName: 'Jade',
      familyName: 'Morrow',
      source: 'self_reported',
      geographyId: await areaId(t.database.db),
    });
    expect(opened.status).toBe(303);
    const summary = (await nurse.get(opened.location!)).body;
    expect(summary).toContain('Link an alert');
    expect(summary).not.toContain('href="/alerts/new"');
    expect((await nurse.get('/alerts/new')).status).toBe(403);
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    const own = await midwife.post('/cases/new', await protocolCaseForm('Kerry', 'Whitlow'));
    expect((await midwife.get(own.location!)).body).toContain('href="/alerts/new"');
  });

  it('a partnership manager cannot open cases', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    expect((await b.get('/cases/new')).status).toBe(403);
  });
});

describe('case API', () => {
  it('opens, reads, adds to and closes a case; errors are 400 with fields and change nothing', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const before = await caseCount();
    const bad = await api.post('/api/cases', {
      classification: 'late_booking',
      givenName: 'A',
      familyName: 'B',
      source: 'self_reported',
      geographyId: await areaId(t.database.db),
    });
    expect(bad.status).toBe(400);
    expect(bad.json.fields.edd).toMatch(/due date/);
    expect(await caseCount()).toBe(before);

    const noCsrf = await api.post('/api/cases', {}, { csrf: false });
    expect(noCsrf.status).toBe(403);

    const created = await api.post('/api/cases', {
      classification: 'late_booking',
      givenName: 'Ada',
      familyName: 'Byron',
      source: 'self_reported',
      edd,
      eddSource: 'dating_scan',
      geographyId: await areaId(t.database.db),
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const got = await api.get(`/api/cases/${id}`);
    expect(got.status).toBe(200);
    expect(got.json.displayName).toBe('Ada Byron');
    // The area is named by its code as well as its name (a client matches it with GET /api/directory/geographies).
    expect(got.json.areaCode).toMatch(/^E\d{8}$/);
    expect((await api.get(`/api/directory/geographies?code=${got.json.areaCode}`)).json.geographies[0]).toMatchObject({
      id: got.json.areaId,
      name: got.json.area,
    });
    expect(got.json.facts.map((f: { field: string }) => f.field)).toEqual(['name']);

    expect((await api.post(`/api/cases/${id}/close`, { reason: 'no_further_action' })).status).toBe(400);
    expect((await api.post(`/api/cases/${id}/close`, { reason: 'no_further_action', note: 'Booked and engaging' })).status).toBe(200);
    expect((await api.get(`/api/cases?status=closed`)).json.cases.map((c: { id: string }) => c.id)).toContain(id);

    const outsider = await ApiClient.as(t, 'social.worker@beacon.example');
    expect((await outsider.get(`/api/cases/${id}`)).status).toBe(403);
  });
});
