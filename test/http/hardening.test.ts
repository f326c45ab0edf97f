/**
 * The holes an attacker's and an insider's probe found (issue 10), each tried again through the real
 * app: bad input answers 4xx with a message and changes nothing, responses are never cacheable, a
 * CSRF token works only in the session it was issued to, and a clash is a 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { ConflictError } from '../../src/platform/errors';
import { cases, caseEvents } from '../../src/cases/schema';
import { areaId, openCaseInput } from '../support/cases';
import { ApiClient } from '../support/api-client';
import { contextFor, validAlertContent } from '../support/alerts';
import { createDraft } from '../../src/alerts/service';
import { startTestApp, type TestApp } from '../support/app';
import { openTestDatabase } from '../support/db';
import { seedDemo } from '../../src/demo/seed';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BEACON_DATA_DIR: '/tmp/beacon-hardening-test' });
});
afterAll(async () => t?.close());

const rowCounts = async () => {
  const db = t.database.db;
  const [c] = await db.select({ n: count() }).from(cases);
  const [e] = await db.select({ n: count() }).from(caseEvents);
  return { cases: c!.n, events: e!.n };
};

describe('bad input is a 4xx with a message, and changes nothing', () => {
  it('refuses a NUL or other control character in any text field, naming the field, on the API and the page', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const before = await rowCounts();
    const input = await openCaseInput(t.database.db);
    for (const bad of ['Mari\u0000sol', 'Mari\u001Bsol']) {
      const res = await api.post('/api/cases', { ...input, givenName: bad });
      expect(res.status, bad).toBe(400);
      expect(res.json.fields.givenName).toMatch(/control character/);
    }
    const b = await t.browser().signedInAs('midwife@beacon.example');
    await b.get('/cases/new');
    const page = await b.post('/cases/new', { ...Object.fromEntries(Object.entries(input).map(([k, v]) => [k, String(v)])), summary: 'x\u0000y' });
    expect(page.status).toBe(400);
    expect(page.body).toContain('control character');
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a control character in an address (a path parameter), found by the API fuzzer', async () => {
    const api = await ApiClient.as(t, 'admin@beacon.example');
    const res = await api.post('/api/protocols/milestones/a%00b', { definition: {}, changeReason: 'x' });
    expect(res.status).toBe(400);
    expect(res.json.message).toBeTruthy();
    const page = await (await t.browser().signedInAs('admin@beacon.example')).get('/protocols/milestones/a%00b');
    expect(page.status).toBe(400);
  });

  it('removes bidirectional overrides, so a list cannot show a spoofed name', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const res = await api.post('/api/cases', { ...(await openCaseInput(t.database.db)), givenName: 'Jane\u202E', familyName: '\u2066Htims\u2069' });
    expect(res.status).toBe(201);
    const got = await api.get(`/api/cases/${res.json.id}`);
    expect(JSON.stringify(got.json)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });

  it('answers a broken upload with 400, on the API and the page', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const draft = await createDraft(t.database.db, await contextFor(t.database.db, 'midwife@beacon.example'), validAlertContent());
    const noBoundary = await api.send('POST', `/api/alerts/${draft.id}/photos`, undefined, {
      raw: Buffer.from('--x\r\nnothing'),
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary.status).toBe(400);
    const truncated = await api.send('POST', `/api/alerts/${draft.id}/photos`, undefined, {
      raw: Buffer.from('--b\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff'),
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expect(truncated.status).toBe(400);
    expect(typeof truncated.json.message).toBe('string');
  });

  it('refuses an audit page number too large to be an entry, and an update of a draft', async () => {
    const auditor = await t.browser().signedInAs('auditor@beacon.example');
    const huge = await auditor.get(`/audit?before=${'9'.repeat(40)}`);
    expect(huge.status).toBe(400);
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const draft = await createDraft(t.database.db, await contextFor(t.database.db, 'midwife@beacon.example'), {});
    const res = await api.post(`/api/alerts/${draft.id}/update`, { content: {}, reason: 'x' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('responses are never kept in a cache', () => {
  it('sends no-store on pages, API answers and redirects, and lets static assets be cached', async () => {
    const b = await t.browser().signedInAs('auditor@beacon.example');
    for (const url of ['/', '/audit', '/cases', '/api/session', '/users']) {
      const res = await b.get(url);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    const css = await b.get('/nhsuk/beacon-nhsuk.css');
    expect(String(css.headers['cache-control'])).toMatch(/max-age/);
  });
});

describe('CSRF tokens', () => {
  it('work only in the session they were issued to', async () => {
    const mine = await ApiClient.as(t, 'midwife@beacon.example');
    const theirs = await ApiClient.as(t, 'social.worker@beacon.example');
    const before = await rowCounts();
    // The social worker's session cookie with the midwife's CSRF cookie and token: refused.
    theirs.b.cookies.set('beacon_csrf', mine.b.cookies.get('beacon_csrf')!);
    theirs.token = mine.token;
    const res = await theirs.post('/api/cases', await openCaseInput(t.database.db));
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('csrf');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('a clash with what is recorded', () => {
  it('is a 409 with the service’s message, never a 500', async () => {
    const database = await openTestDatabase();
    try {
      await seedDemo(database.db, 'correct horse battery staple 42');
      const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DEMO_DATA: 'false' }), database });
      app.get('/api/test-conflict', { config: { auth: 'public' } }, async () => {
        throw new ConflictError('Another change added one of these ODS codes while the file was being imported. Nothing was imported; try again.');
      });
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/api/test-conflict' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'conflict', message: expect.stringMatching(/Nothing was imported/) });
      await app.close();
    } finally {
      await database.close();
    }
  });
});

describe('a success banner cannot be put on a page by a link', () => {
  it('shows the banner the service wrote for this session, and not one written into an address', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    await b.get('/cases/new');
    const opened = await b.post('/cases/new', {
      classification: 'unbooked_in_labour',
      givenName: 'Ada',
      familyName: 'Linwood',
      source: 'self_reported',
      geographyId: await areaId(t.database.db),
    });
    expect(opened.status).toBe(303);
    expect(opened.location).toMatch(/\?done=[^&]+&ds=[\w-]{32}$/);
    expect((await b.get(opened.location!)).body).toContain('The case has been opened');
    // The same address with other words, or without its signature, or in another session: no banner.
    const caseUrl = opened.location!.split('?')[0]!;
    const spoof = `${caseUrl}?done=${encodeURIComponent('Alert stood down: she may go home')}`;
    expect((await b.get(spoof)).body).not.toContain('Alert stood down');
    const ds = /ds=([\w-]+)/.exec(opened.location!)![1];
    expect((await b.get(`${spoof}&ds=${ds}`)).body).not.toContain('Alert stood down');
    const other = await t.browser().signedInAs('midwife@beacon.example');
    const elsewhere = await other.get(opened.location!);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).not.toContain('The case has been opened');
  });

  it('the unit inbox too: its acknowledgement banner was once any text after ?acknowledged=', async () => {
    const b = await t.browser().signedInAs('coordinator.pah@beacon.example');
    const words = 'Acknowledged: no need to read this alert';
    for (const address of [`/inbox?acknowledged=${encodeURIComponent(words)}`, `/inbox?done=${encodeURIComponent(words)}`]) {
      const page = await b.get(address);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('no need to read');
    }
  });
});
