import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents } from '../../platform/audit/schema';
import { jobs } from '../../platform/jobs/schema';
import { presentations } from './schema';
import { PRESENTATION_EMAIL_JOB } from './service';
import { NOT_ENOUGH } from './details';
import { registerIndexFor } from '../register-index';
import { onPostgres } from '../../../test/support/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { activeAlert, approveAlert, CLINICIAN, RAISER, submittedAlert, waitFor } from '../../../test/support/point-of-care';

const LIMIT = 6;
const MARISOL = {
  given: 'Marisol',
  family: 'Quennell',
  dob: '1998-07-05',
  nhs: '9434765919',
  postcode: 'SO16 6YD',
  action: 'Keep the baby on the ward and phone the duty social worker before discharge.',
};

let t: TestApp;
let marisol: { id: string; reference: string };
beforeAll(async () => {
  // The point-of-care settings come from the environment when the routes are registered.
  vi.stubEnv('BEACON_CHECK_SEARCH_LIMIT', String(LIMIT));
  t = await startTestApp();
  vi.unstubAllEnvs();
  marisol = await activeAlert(t.database.db, MARISOL);
  // Approved after the app started: the running index hears of it (LISTEN/NOTIFY), with no call from the test.
  expect((await waitFor(() => registerIndexFor(t.database).has(marisol.id), 2000)).value).toBe(true);
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
/** Undo the HTML escaping of text in a page. */
const htmlText = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The details as the check form sends them. */
const form = (d: { given?: string; family?: string; dob?: string; nhs?: string; postcode?: string }) => {
  const [y, m, day] = (d.dob ?? '--').split('-');
  return {
    givenName: d.given ?? '',
    familyName: d.family ?? '',
    otherNames: '',
    'dateOfBirth-day': day ?? '',
    'dateOfBirth-month': m ?? '',
    'dateOfBirth-year': y ?? '',
    nhsNumber: d.nhs ?? '',
    postcode: d.postcode ?? '',
    'edd-day': '',
    'edd-month': '',
    'edd-year': '',
  };
};

/** A JSON client on a signed-in session (CSRF token from GET /api/session). */
async function apiAs(email: string) {
  const b = await t.browser().signedInAs(email);
  const token = (JSON.parse((await b.get('/api/session')).body) as { csrfToken: string }).csrfToken;
  const send = async (method: 'GET' | 'POST', url: string, body?: unknown, opts: { csrf?: boolean } = {}) => {
    const res = await t.app.inject({
      method,
      url,
      remoteAddress: b.ip,
      headers: {
        cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(method === 'POST' && opts.csrf !== false ? { 'x-csrf-token': token } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return {
      status: res.statusCode,
      json: (res.body ? JSON.parse(res.body) : null) as Record<string, unknown> & { candidates?: Record<string, unknown>[] },
      headers: res.headers,
    };
  };
  return { b, get: (url: string) => send('GET', url), post: (url: string, body: unknown = {}, opts: { csrf?: boolean } = {}) => send('POST', url, body, opts) };
}

describe('who may check', () => {
  it.each([
    ['ed.nurse@beacon.example', 200],
    ['coordinator.qah@beacon.example', 200],
    ['midwife@beacon.example', 200],
    ['designated@beacon.example', 200],
    ['social.worker@beacon.example', 403],
    ['partnership@beacon.example', 403],
    ['auditor@beacon.example', 403],
    ['admin@beacon.example', 403],
  ])('%s → GET /check is %i', async (email, status) => {
    const b = await t.browser().signedInAs(email);
    const res = await b.get('/check');
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body).toContain('<h1>Check for an alert</h1>');
    // The home page offers the check to exactly the people who may use it.
    expect((await b.get('/')).body.includes('href="/check"')).toBe(status === 200);
  });

  it('a role without alert.check gets 403 from the API too, and the refusal is audited', async () => {
    const sw = await apiAs('social.worker@beacon.example');
    const res = await sw.post('/api/check', { nhsNumber: MARISOL.nhs });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('forbidden');
    const denied = await db().select().from(auditEvents).where(eq(auditEvents.action, 'access.denied'));
    expect(denied.some((e) => (e.detail as { attempted?: string }).attempted === 'alert.check')).toBe(true);
  });

  it('point-of-care staff cannot browse alerts: no alert list, no alert page, only what they reveal', async () => {
    const nurse = await t.browser().signedInAs(CLINICIAN);
    expect((await nurse.get('/alerts')).status).toBe(403);
    expect((await nurse.get(`/alerts/${marisol.id}`)).status).toBe(403);
    expect((await nurse.get('/presentations')).status).toBe(403);
  });
});

describe('the check page', () => {
  it('refuses too little with the minimum needed, in the NHS error summary', async () => {
    const b = await t.browser().signedInAs(CLINICIAN);
    await b.get('/check');
    const res = await b.post('/check', form({ given: 'Marisol' }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('nhsuk-error-summary');
    expect(res.body).toContain('href="#givenName"');
    expect(htmlText(res.body)).toContain(NOT_ENOUGH);
    expect(res.body).toContain('value="Marisol"');
  });

  it('reports a date that is not a date with any other problem', async () => {
    const b = await t.browser().signedInAs(CLINICIAN);
    await b.get('/check');
    const res = await b.post('/check', {
      ...form({ family: 'Quennell', nhs: '123' }),
      'dateOfBirth-day': '31',
      'dateOfBirth-month': '2',
      'dateOfBirth-year': '1998',
    });
    expect(res.status).toBe(400);
    const body = htmlText(res.body);
    expect(body).toContain('Date of birth must be a real date');
    expect(body).toContain('href="#dateOfBirth-day"');
    expect(body).toContain('Enter the NHS number as 10 digits');
  });

  it('search → results (minimal detail) → reveal with a reason → the alert → same person → the owners see it', async () => {
    const b = await t.browser().signedInAs(CLINICIAN);
    await b.get('/check');
    // She gives a new surname and her date of birth with day and month swapped, and her real postcode.
    const searched = await b.post('/check', form({ given: 'Marisol', family: 'Brightwater', dob: '1998-05-07', postcode: 'SO16 6YD' }));
    expect(searched.status).toBe(303);
    expect(searched.location).toMatch(/^\/check\/searches\/[0-9a-f-]{36}$/);
    const results = await b.get(searched.location!);
    expect(results.status).toBe(200);
    const page = htmlText(results.body);
    expect(page).toContain('Strong match');
    expect(page).toMatch(new RegExp(`(Alert|alert) (<[^>]+>)?${marisol.reference}`));
    expect(page).toContain('Date of birth: day and month swapped');
    // Minimal detail before a reveal: nothing recorded on the alert is shown.
    expect(page).not.toContain('Quennell');
    expect(page).not.toContain(MARISOL.action);
    expect(page).not.toContain('943 476 5919');

    // Reveal without a reason: the error is on that candidate's radios.
    const noReason = await b.post(`${searched.location}/reveal`, { alertId: marisol.id, n: '1' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('href="#reason-1"');
    const revealed = await b.post(`${searched.location}/reveal`, { alertId: marisol.id, n: '1', reason: 'presenting' });
    expect(revealed.status).toBe(303);
    const alertPage = await b.get(revealed.location!);
    expect(alertPage.status).toBe(200);
    const shown = htmlText(alertPage.body);
    expect(shown).toContain('What to do now she has presented');
    expect(shown).toContain(MARISOL.action);
    expect(shown).toContain('Marisol Quennell');
    expect(shown).toContain('943 476 5919');
    expect(shown).toContain('tel:02380833336');
    // An address typed on two lines reads as one, with its parts apart (it once ran together: "14 Orchard LaneSouthampton").
    expect(shown).toContain('14 Orchard Lane, Southampton, SO16 6YD');

    // Another clinician cannot open this reveal.
    const other = await t.browser().signedInAs('coordinator.qah@beacon.example');
    expect((await other.get(revealed.location!)).status).toBe(403);

    // Same person.
    const outcome = await b.post(`${revealed.location}/outcome`, { outcome: 'same_person', location: 'Majors bay 4', note: '' });
    expect(outcome.status).toBe(303);
    const confirmed = htmlText((await b.get(outcome.location!)).body);
    expect(confirmed).toContain('Presentation recorded');
    expect(confirmed).toContain(MARISOL.action);
    const [p] = await db().select().from(presentations).where(eq(presentations.alertId, marisol.id));
    expect(p).toMatchObject({ location: 'Majors bay 4', inconsistent: true });
    expect((await db().select().from(jobs).where(eq(jobs.type, PRESENTATION_EMAIL_JOB))).length).toBeGreaterThanOrEqual(3);

    // The originator sees it as new, opens it, marks it seen.
    const midwife = await t.browser().signedInAs(RAISER);
    const home = await midwife.get('/');
    expect(home.body).toContain('href="/presentations"');
    const list = htmlText((await midwife.get('/presentations')).body);
    expect(list).toContain(marisol.reference);
    expect(list).toContain('Queen Alexandra Hospital emergency department');
    expect(list).toContain('Differ from the alert');
    expect(list).toContain('>New<');
    const detail = await midwife.get(`/presentations/${p!.id}`);
    expect(detail.status).toBe(200);
    expect(htmlText(detail.body)).toContain('Last name: not one recorded on the alert');
    const seen = await midwife.post(`/presentations/${p!.id}/seen`);
    expect(seen.status).toBe(303);
    expect(htmlText((await midwife.get(seen.location!)).body)).toContain('Marked as seen');
  });

  it('"No alert found" shows what was searched', async () => {
    const b = await t.browser().signedInAs(CLINICIAN);
    await b.get('/check');
    const res = await b.post('/check', form({ given: 'Gwendolyn', family: 'Fairweather', dob: '1988-01-30' }));
    const page = htmlText((await b.get(res.location!)).body);
    expect(page).toContain('No alert found');
    expect(page).toContain('Fairweather');
    expect(page).toContain('30 January 1988');
    expect(page).toMatch(/Checked against \d+ active alerts?/);
  });
});

describe('CSRF', () => {
  it('a search without the form token is refused and nothing is searched', async () => {
    const b = await t.browser().signedInAs(CLINICIAN);
    const before = (await db().select().from(auditEvents).where(eq(auditEvents.action, 'alert.check'))).length;
    const res = await b.post('/check', form({ nhs: MARISOL.nhs }), { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body).toContain('This form has expired');
    const api = await apiAs(CLINICIAN);
    const j = await api.post('/api/check', { nhsNumber: MARISOL.nhs }, { csrf: false });
    expect(j.status).toBe(403);
    expect(j.json.error).toBe('csrf');
    expect((await db().select().from(auditEvents).where(eq(auditEvents.action, 'alert.check'))).length).toBe(before);
  });
});

describe('the JSON API', () => {
  it('check → reveal → outcome, and the OpenAPI document describes it', async () => {
    const api = await apiAs('coordinator.qah@beacon.example');
    const thin = await api.post('/api/check', { givenName: 'Marisol' });
    expect(thin.status).toBe(400);
    expect(thin.json.fields).toEqual({ details: NOT_ENOUGH });
    const res = await api.post('/api/check', { nhsNumber: '943 476 5919' });
    expect(res.status).toBe(200);
    expect(res.json.result).toBe('candidates');
    const c = res.json.candidates![0]!;
    expect(c).toMatchObject({ alertId: marisol.id, reference: marisol.reference, band: 'strong' });
    // In plain words for a clinician, beside the matcher's weights.
    expect(c.comparison).toEqual([{ field: 'nhsNumber', label: 'NHS number', says: 'same', strength: 'Agrees strongly' }]);
    expect(JSON.stringify(res.json)).not.toContain('Quennell');
    const r = await api.post(`/api/check/searches/${res.json.searchId}/reveal`, { alertId: marisol.id, reason: 'before_appointment' });
    expect(r.status).toBe(201);
    expect((r.json.alert as { actionOnPresentation: string }).actionOnPresentation).toBe(MARISOL.action);
    const o = await api.post(`/api/check/reveals/${r.json.revealId}/outcome`, { outcome: 'not_sure' });
    expect(o.status).toBe(200);
    expect(o.json).toMatchObject({ outcome: 'not_sure', presentationId: null });
    const doc = (await api.get('/api/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/check', '/api/check/searches/{id}/reveal', '/api/check/reveals/{id}/outcome', '/api/presentations']),
    );
  });
});

describe('rate limit', () => {
  it(`${LIMIT} searches per person per window, shared by page and API; then 429 with advice; others unaffected`, async () => {
    const b = await t.browser().signedInAs('designated@beacon.example');
    await b.get('/check');
    for (let i = 0; i < LIMIT - 1; i++) expect((await b.post('/check', form({ nhs: MARISOL.nhs }))).status).toBe(303);
    const api = await apiAs('designated@beacon.example');
    expect((await api.post('/api/check', { nhsNumber: MARISOL.nhs })).status).toBe(200);
    const limited = await b.post('/check', form({ nhs: MARISOL.nhs }));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    const text = htmlText(limited.body);
    expect(text).toContain('You have made too many searches');
    expect(text).toContain(`You have made ${LIMIT} searches in 10 minutes`);
    expect(text).toContain('phone your safeguarding team');
    const j = await api.post('/api/check', { nhsNumber: MARISOL.nhs });
    expect(j.status).toBe(429);
    expect(j.json.error).toBe('rate_limited');
    // Audited as a denied check.
    const denied = (await db().select().from(auditEvents).where(eq(auditEvents.action, 'alert.check'))).filter((e) => e.outcome === 'denied');
    expect(denied.length).toBeGreaterThanOrEqual(2);
    // The limit is per person, not per address: someone else at the same address can still search.
    const other = await t.browser().signedInAs(CLINICIAN);
    await other.get('/check');
    expect((await other.post('/check', form({ nhs: MARISOL.nhs }))).status).toBe(303);
  });
});

/**
 * Two Beacon server processes on one PostgreSQL database: this test's app (process A) and a real
 * `beacon serve` child process (B) with reconciliation turned off, so only LISTEN/NOTIFY can tell B.
 * An alert approved through A is found by a search through B's HTTP API within a second.
 */
const twoTitle = `two server processes on one PostgreSQL database${onPostgres() ? '' : ' (skipped: needs PostgreSQL, TEST_DATABASE_URL; PGlite is embedded in one process)'}`;
describe.skipIf(!onPostgres())(twoTitle, () => {
  let child: ChildProcess | undefined;
  let base = '';
  let dataDir = '';
  const output: string[] = [];

  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-b-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['bin/beacon.js', 'serve'], {
      cwd: path.resolve(__dirname, '../../..'),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: t.database.url!,
        HOST: '127.0.0.1',
        PORT: String(port),
        BEACON_DATA_DIR: dataDir,
        BEACON_WORKER: 'false',
        BEACON_DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        BEACON_INDEX_RECONCILE_SECONDS: '0',
        BEACON_CHECK_SEARCH_LIMIT: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const up = await waitFor(async () => (await fetch(`${base}/ping`).catch(() => null))?.ok ?? false, 60_000, 200);
    if (!up.value) throw new Error(`The second process did not start:\n${output.join('')}`);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sign in to process B as a real browser would, and get a CSRF token for its API. */
  async function signInToB(email: string) {
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const [k, ...v] = pair!.split('=');
        jar.set(k!, v.join('='));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const page = await fetch(`${base}/sign-in`);
    keep(page);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const signedIn = await fetch(`${base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email, password: 'correct horse battery staple 42' }).toString(),
    });
    keep(signedIn);
    expect(signedIn.status).toBe(302);
    const session = await fetch(`${base}/api/session`, { headers: { cookie: cookie() } });
    keep(session);
    const token = ((await session.json()) as { csrfToken: string }).csrfToken;
    return (body: unknown) =>
      fetch(`${base}/api/check`, {
        method: 'POST',
        headers: { cookie: cookie(), 'x-csrf-token': token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as { candidates: { alertId: string }[] } }));
  }

  it('an alert approved through one process is found through the other within a second', async () => {
    const checkOnB = await signInToB(CLINICIAN);
    const query = { givenName: 'Lowenna', familyName: 'Trewartha', dateOfBirth: '2000-10-10' };
    const a = await submittedAlert(db(), { given: 'Lowenna', family: 'Trewartha', dob: '2000-10-10', postcode: 'SO16 6YD' });
    const before = await checkOnB(query);
    expect(before.status).toBe(200);
    expect(before.json.candidates.map((c) => c.alertId)).not.toContain(a.id);

    const approvedAt = Date.now();
    await approveAlert(db(), a.id);
    const found = await waitFor(async () => (await checkOnB(query)).json.candidates[0]?.alertId === a.id, 5000, 20);
    const elapsed = Date.now() - approvedAt;
    expect(found.value, output.join('')).toBe(true);
    expect(elapsed).toBeLessThan(1000);
    console.info(`approved through process A, found by a search through process B (HTTP) after ${elapsed} ms`);
  });
});
