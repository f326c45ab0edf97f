import { createHash, randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/demo/directory-data';
import { organisations } from '../../src/directory/schema';
import { auditEvents } from '../../src/platform/audit/schema';
import { sessions, users } from '../../src/platform/auth/schema';
import { totpCode } from '../../src/platform/auth/totp';
import { ROLE_LABELS } from '../../src/platform/context';
import { sha256Hex } from '../../src/platform/crypto';
import { hashPassword } from '../../src/platform/auth/password';
import { DEMO_PASSWORD, startTestApp, type Browser, type TestApp } from '../support/app';

const RATE_LIMIT = 5;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SIGN_IN_RATE_LIMIT: String(RATE_LIMIT) });
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
const userId = async (email: string) => (await db().select({ id: users.id }).from(users).where(eq(users.email, email)))[0]!.id;
const auditCount = async () => (await db().select({ n: count() }).from(auditEvents))[0]!.n;
const orgCount = async () => (await db().select({ n: count() }).from(organisations))[0]!.n;
const lastSeq = async () => (await db().select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq))).at(-1)?.seq ?? 0;
const eventsSince = (seq: number) => db().select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));
/** Undo the HTML escaping of text in a page. */
const htmlText = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

const validOrg = (over: Record<string, string> = {}) => ({
  name: 'Test Valley Trust',
  odsCode: 'TV1',
  type: 'acute_trust',
  geographyCode: 'E10000014',
  addressLine: '',
  postcode: '',
  phone: '',
  active: 'true',
  ...over,
});

describe('service endpoints', () => {
  it('/ping answers OK without signing in', async () => {
    const res = await t.browser().get('/ping');
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
  });

  it('/health reports the database as ok', async () => {
    const res = await t.browser().get('/health');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { status: string; database: { status: string; engine: string } };
    expect(body.status).toBe('ok');
    expect(body.database).toMatchObject({ status: 'ok', engine: t.database.engine });
  });

  it('an unknown address is a 404 page', async () => {
    const res = await t.browser().get('/no-such-page');
    expect(res.status).toBe(404);
    expect(res.body).toContain('Page not found');
  });
});

describe('signing in', () => {
  it('a page needs sign-in: 302 to /sign-in with the page to come back to', async () => {
    const res = await t.browser().get('/users?q=a');
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/sign-in?next=${encodeURIComponent('/users?q=a')}`);
  });

  it.each(DEMO_USERS.map((u) => [u.role, u] as const))('%s can sign in and the home page names their role', async (_role, u) => {
    const b = t.browser();
    const res = await b.signIn(u.email);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/');
    expect(b.session).toBeDefined();
    const home = await b.get('/');
    expect(home.status).toBe(200);
    const text = htmlText(home.body);
    expect(text).toContain(`Acting as <strong>${ROLE_LABELS[u.role]}</strong>`);
    expect(text).toContain(`Hello ${u.displayName}.`);
  });

  it('returns to the page asked for, but never to another site', async () => {
    const b = t.browser();
    const res = await b.signIn('admin@beacon.example', DEMO_PASSWORD, '/users');
    expect(res.location).toBe('/users');
    const c = t.browser();
    const evil = await c.signIn('admin@beacon.example', DEMO_PASSWORD, '//evil.example/steal');
    expect(evil.location).toBe('/');
  });

  it('the session cookie is a fresh random token, HttpOnly and SameSite, stored only as a hash', async () => {
    const b = t.browser();
    const res = await b.signIn('midwife@beacon.example');
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]);
    const sessionCookie = setCookie.find((c) => c.startsWith('beacon_session='))!;
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);
    const token = b.session!;
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(await db().select().from(sessions).where(eq(sessions.tokenHash, token))).toEqual([]);
    expect(
      await db()
        .select()
        .from(sessions)
        .where(eq(sessions.tokenHash, sha256Hex(token))),
    ).toHaveLength(1);
  });

  it('a wrong password is 401 with the NHS error summary, and the typed email is kept', async () => {
    const b = t.browser();
    await b.get('/sign-in');
    const res = await b.post('/sign-in', { email: 'midwife@beacon.example', password: 'not-the-password-123' });
    expect(res.status).toBe(401);
    expect(res.body).toContain('nhsuk-error-summary');
    expect(res.body).toContain('There is a problem');
    expect(res.body).toContain('Enter a correct email address and password');
    expect(res.body).toContain('value="midwife@beacon.example"');
    expect(res.body).not.toContain('not-the-password-123');
    expect(res.body).toMatch(/<title>Error: /);
    expect(b.session).toBeUndefined();
  });

  it('an unknown email gets the same page as a wrong password', async () => {
    const b = t.browser();
    await b.get('/sign-in');
    const res = await b.post('/sign-in', { email: 'nobody@beacon.example', password: 'not-the-password-123' });
    expect(res.status).toBe(401);
    expect(res.body).toContain('Enter a correct email address and password');
  });

  it('a locked account answers exactly as an unknown one, so lockout does not tell which accounts exist', async () => {
    const message = (body: string) => /Enter a correct email address and password[^<]*/.exec(body)?.[0];
    const [u] = await t.database.db
      .insert(users)
      .values({ email: 'lockout.probe@beacon.example', displayName: 'Lockout Probe', passwordHash: await hashPassword(DEMO_PASSWORD) })
      .returning();
    expect(u).toBeDefined();
    // Each attempt from its own address, so the per-address rate limit does not answer first.
    const attempt = async (email: string, password: string) => {
      const b = t.browser();
      await b.get('/sign-in');
      return b.post('/sign-in', { email, password });
    };
    let real = '';
    for (let i = 0; i < 6; i++) real = (await attempt('lockout.probe@beacon.example', `wrong-password-${i}`)).body;
    let unknown = '';
    for (let i = 0; i < 6; i++) unknown = (await attempt('nobody.here@beacon.example', `wrong-password-${i}`)).body;
    expect(message(real)).toBeTruthy();
    expect(message(real)).toBe(message(unknown));
    // And it is really locked: the right password is refused the same way.
    const right = await attempt('lockout.probe@beacon.example', DEMO_PASSWORD);
    expect(right.status).toBe(401);
    expect(message(right.body)).toBe(message(unknown));
  });

  it('an empty form is 400 with a message for each field', async () => {
    const b = t.browser();
    await b.get('/sign-in');
    const res = await b.post('/sign-in', { email: '', password: '' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('Enter your email address');
    expect(res.body).toContain('Enter your password');
  });

  it(`sign-in is rate limited: 429 after ${RATE_LIMIT} attempts a minute from one address`, async () => {
    const b = t.browser();
    await b.get('/sign-in');
    for (let i = 0; i < RATE_LIMIT; i++) {
      const res = await b.post('/sign-in', { email: 'nobody@beacon.example', password: 'wrong-password-123' });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const blocked = await b.post('/sign-in', { email: 'admin@beacon.example', password: DEMO_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toContain('Too many attempts');
    expect(b.session).toBeUndefined();
    // Another address is not affected.
    expect((await t.browser().signIn('admin@beacon.example')).status).toBe(302);
  });
});

describe('CSRF', () => {
  it('a POST without the token is refused with "This form has expired", and nothing changes', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const orgs = await orgCount();
    const res = await admin.post('/organisations', validOrg(), { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body).toContain('This form has expired');
    expect(await orgCount()).toBe(orgs);
  });

  it('a POST with a made-up token, or a token without its cookie, is refused', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const orgs = await orgCount();
    expect((await admin.post('/organisations', { ...validOrg(), _csrf: 'made-up-token' })).status).toBe(403);
    const token = admin.csrf!;
    admin.cookies.delete('beacon_csrf');
    expect((await admin.post('/organisations', { ...validOrg(), _csrf: token })).status).toBe(403);
    expect(await orgCount()).toBe(orgs);
  });

  it('sign-in itself needs the token', async () => {
    const b = t.browser();
    await b.get('/sign-in');
    const since = await lastSeq();
    const res = await b.post('/sign-in', { email: 'admin@beacon.example', password: DEMO_PASSWORD }, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body).toContain('This form has expired');
    expect(b.session).toBeUndefined();
    expect(await eventsSince(since)).toEqual([]);
  });

  it('the CSRF cookie is signed, HttpOnly and SameSite=Strict', async () => {
    const b = t.browser();
    const res = await b.get('/sign-in');
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]);
    const csrf = setCookie.find((c) => c.startsWith('beacon_csrf='))!;
    expect(csrf).toMatch(/HttpOnly/i);
    expect(csrf).toMatch(/SameSite=Strict/i);
    expect(decodeURIComponent(csrf.split(';')[0]!.split('=').slice(1).join('='))).toMatch(/\.[A-Za-z0-9+/_-]+=*$/); // value.signature
  });
});

describe('sessions', () => {
  it('an expired session sends the person to sign in with expired=1, and clears the cookie', async () => {
    const b = await t.browser().signedInAs('auditor@beacon.example');
    await t.database.query(`UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE token_hash = $1`, [sha256Hex(b.session!)]);
    const res = await b.get('/users');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/sign-in?next=%2Fusers&expired=1');
    expect(b.session).toBeUndefined();
    const page = await b.get(res.location!);
    expect(page.body).toContain('Your session ended');
  });

  it('sign-out revokes the session: the old cookie no longer works', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const token = b.session!;
    const since = await lastSeq();
    const res = await b.post(`/sign-out?_csrf=${encodeURIComponent(b.csrf!)}`, {}, { csrf: false });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/sign-in?signed-out=1');
    expect(b.session).toBeUndefined();
    const [row] = await db()
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(token)));
    expect(row!.revokedAt).toBeInstanceOf(Date);
    expect((await eventsSince(since)).map((e) => e.action)).toEqual(['user.sign-out']);
    // Someone who kept a copy of the cookie gets nowhere.
    b.cookies.set('beacon_session', token);
    const after = await b.get('/');
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/sign-in/);
  });

  it('sign-out without the token is refused and the session stays', async () => {
    const b = await t.browser().signedInAs('social.worker@beacon.example');
    const res = await b.post('/sign-out', {}, { csrf: false });
    expect(res.status).toBe(403);
    expect((await b.get('/')).status).toBe(200);
  });

  it('a deactivated person is signed out at their next request', async () => {
    const b = await t.browser().signedInAs('coordinator.qah@beacon.example');
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const id = await userId('coordinator.qah@beacon.example');
    await admin.get(`/users/${id}`);
    const res = await admin.post(`/users/${id}/deactivate`);
    expect(res.status).toBe(302);
    expect(res.location?.startsWith(`/users/${id}?done=deactivated&ds=`)).toBe(true);
    const after = await b.get('/');
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/sign-in/);
    // Undo, so the account can sign in again.
    await admin.get(`/users/${id}`);
    expect((await admin.post(`/users/${id}/reactivate`)).status).toBe(302);
    expect((await t.browser().signIn('coordinator.qah@beacon.example')).status).toBe(302);
  });
});

describe('security headers', () => {
  it('send one CSP that allows the page’s only inline script by its hash, no framing, and nosniff', async () => {
    const b = t.browser();
    const a = await b.get('/sign-in');
    const csp = String(a.headers['content-security-policy']);
    const inline = [...a.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(1);
    const hash = createHash('sha256').update(inline[0]!).digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toContain('nonce');
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(a.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('same-origin');
    // Every other inline script would be refused: none is sent.
    expect(a.body.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toHaveLength(1);
    const again = await b.get('/sign-in');
    expect(again.headers['content-security-policy']).toBe(csp);
  });

  it('signed-in pages carry the same headers', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    const res = await b.get('/organisations');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('access and audit', () => {
  it('a forbidden page is 403 and writes an access.denied audit event', async () => {
    const b = await t.browser().signedInAs('ed.nurse@beacon.example');
    const since = await lastSeq();
    const res = await b.get('/users');
    expect(res.status).toBe(403);
    expect(res.body).toContain('You do not have permission to see this page');
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'access.denied',
      outcome: 'denied',
      actorUserId: await userId('ed.nurse@beacon.example'),
      actorRole: 'point_of_care',
      detail: { attempted: 'user.view', method: 'GET', path: '/users' },
    });
  });

  it('viewing a person is audited as user.view', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const id = await userId('midwife@beacon.example');
    const since = await lastSeq();
    const res = await admin.get(`/users/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Priya Shah');
    const events = await eventsSince(since);
    expect(events.map((e) => e.action)).toEqual(['user.view']);
    expect(events[0]).toMatchObject({ entityType: 'User', entityId: id, actorUserId: await userId('admin@beacon.example') });
  });

  it('the users list shows each person’s roles', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const res = await admin.get('/users?q=midwife');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Priya Shah');
    expect(res.body).toContain('1 user<');
    expect(res.body).toContain(ROLE_LABELS.safeguarding_practitioner);
    expect(res.body).toContain('University Hospital Southampton NHS Foundation Trust');
  });
});

describe('organisation forms', () => {
  it('a bad form is 400 with an error summary, keeps what was typed, and writes nothing', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    await admin.get('/organisations/new');
    const orgs = await orgCount();
    const audit = await auditCount();
    const res = await admin.post(
      '/organisations',
      validOrg({ name: 'Kept Name Trust', odsCode: 'bad code!', type: '', postcode: 'nowhere', addressLine: '1 Kept Street' }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toContain('nhsuk-error-summary');
    expect(res.body).toContain('There is a problem');
    expect(res.body).toContain('Enter an ODS code of 3 to 6 letters and numbers');
    expect(res.body).toContain('Select the type of organisation');
    expect(res.body).toContain('Enter a real postcode');
    expect(res.body).toContain('href="#odsCode"');
    expect(res.body).toContain('value="Kept Name Trust"');
    expect(res.body).toContain('value="bad code!"');
    expect(res.body).toContain('value="1 Kept Street"');
    expect(await orgCount()).toBe(orgs);
    expect(await auditCount()).toBe(audit);
  });

  it('a good form creates the organisation and goes to its page', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    await admin.get('/organisations/new');
    const res = await admin.post('/organisations', validOrg({ odsCode: 'tv2', name: 'Test Valley Two' }));
    expect(res.status).toBe(303);
    const [org] = await db().select().from(organisations).where(eq(organisations.odsCode, 'TV2'));
    expect(res.location).toBe(`/organisations/${org!.id}?created=1`);
    const page = await admin.get(res.location!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Organisation added');
    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'organisation.create'), eq(auditEvents.entityId, org!.id)));
    expect(event).toBeDefined();
  });

  it('an unknown organisation is 404, whether the id is well-formed or not', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    expect((await b.get(`/organisations/${randomUUID()}`)).status).toBe(404);
    expect((await b.get('/organisations/not-an-id')).status).toBe(404);
    const admin = await t.browser().signedInAs('admin@beacon.example');
    expect((await admin.get(`/organisations/${randomUUID()}/edit`)).status).toBe(404);
    await admin.get('/organisations/new');
    const orgs = await orgCount();
    expect((await admin.post(`/organisations/${randomUUID()}`, validOrg({ odsCode: 'TV3' }))).status).toBe(404);
    expect((await admin.post('/organisations/not-an-id', validOrg({ odsCode: 'TV3' }))).status).toBe(404);
    expect(
      (
        await admin.post('/organisations/not-an-id/units', {
          name: 'Unit',
          type: 'maternity_unit',
          siteName: '',
          postcode: '',
          inHoursPhone: '',
          outOfHoursPhone: '',
          sharedMailbox: '',
          active: 'true',
        })
      ).status,
    ).toBe(404);
    expect(await orgCount()).toBe(orgs);
  });

  it('user pages with a malformed id are 404, not a server error', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    expect((await admin.get('/users/not-an-id')).status).toBe(404);
    expect((await admin.post('/users/not-an-id/deactivate')).status).toBe(404);
    expect((await admin.post('/users/not-an-id/setup-link')).status).toBe(404);
  });
});

describe('two-factor sign-in', () => {
  let secret: string;

  async function enrol(b: Browser): Promise<string> {
    const page = await b.get('/account/two-factor');
    expect(page.status).toBe(200);
    const s = /secret=([A-Z2-7]+)/.exec(page.body)?.[1];
    expect(s).toBeDefined();
    return s!;
  }

  it('a person enrols with a code from their app', async () => {
    const b = await t.browser().signedInAs('designated@beacon.example');
    secret = await enrol(b);
    const wrong = await b.post('/account/two-factor', { code: '000000' === (await totpCode(secret)) ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    const ok = await b.post('/account/two-factor', { code: await totpCode(secret, Math.floor(Date.now() / 1000) - 30) });
    expect(ok.status).toBe(302);
    expect(ok.location).toBe('/account?enabled=1');
  });

  it('then signing in asks for the code, and only a valid code lets them in', async () => {
    const b = t.browser();
    const res = await b.signIn('designated@beacon.example');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/sign-in/code?next=%2F');
    // Half-signed-in: pages send you back to the code.
    const home = await b.get('/');
    expect(home.location).toBe('/sign-in/code');
    await b.get('/sign-in/code');
    expect((await b.post('/sign-in/code', { code: 'abc', next: '/' })).status).toBe(401);
    const code = await totpCode(secret);
    const done = await b.post('/sign-in/code', { code, next: '/' });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect((await b.get('/')).status).toBe(200);

    // The same code cannot be used by someone else who saw it.
    const thief = t.browser();
    await thief.signIn('designated@beacon.example');
    await thief.get('/sign-in/code');
    expect((await thief.post('/sign-in/code', { code, next: '/' })).status).toBe(401);
  });
});
