import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { seedDemo } from '../demo/seed';
import { users } from '../platform/auth/schema';
import { auditEvents } from '../platform/audit/schema';
import { verifyAuditChain } from '../platform/audit/service';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { startTestProvider, type TestAccount, type TestProvider } from '../../test/support/oidc-provider';

/**
 * Single sign-on end to end: the real app listening on a port, a real OpenID provider, and a
 * "browser" made of fetch and a cookie jar, following redirects and the provider's login form.
 */

const PASSWORD = 'correct horse battery staple 42';

/** A minimal browser: a cookie jar (per host:port, honouring path and expiry) and manual redirects. */
class Browser {
  private jar = new Map<string, { name: string; value: string; path: string; expires: number | null }>();

  private store(url: URL, headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eqAt = pair!.indexOf('=');
      const name = pair!.slice(0, eqAt).trim();
      const value = pair!.slice(eqAt + 1).trim();
      let path = '/';
      let expires: number | null = null;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        if (key === 'max-age') expires = Date.now() + Number(v.trim()) * 1000;
        if (key === 'expires' && expires === null) expires = Date.parse(v.trim());
      }
      const id = `${url.host} ${path} ${name}`;
      if (expires !== null && expires <= Date.now()) this.jar.delete(id);
      else this.jar.set(id, { name, value, path, expires });
    }
  }

  private header(url: URL): string {
    const now = Date.now();
    return [...this.jar.entries()]
      .filter(
        ([id, c]) =>
          id.startsWith(`${url.host} `) &&
          (c.expires === null || c.expires > now) &&
          (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
      )
      .map(([, c]) => `${c.name}=${c.value}`)
      .join('; ');
  }

  cookie(host: string, name: string): string | undefined {
    return [...this.jar.entries()].find(([id]) => id.startsWith(`${host} `) && id.endsWith(` ${name}`))?.[1].value;
  }

  setCookie(host: string, path: string, name: string, value: string | null) {
    const id = `${host} ${path} ${name}`;
    if (value === null) this.jar.delete(id);
    else this.jar.set(id, { name, value, path, expires: null });
  }

  /**
   * Request and follow redirects. Stops before requesting a URL for which `stopBefore` is true and
   * returns it as `stoppedAt`, so a test can inspect or alter a callback before it is delivered.
   */
  async go(
    start: string,
    init: { method?: 'GET' | 'POST'; form?: Record<string, string>; stopBefore?: (u: URL) => boolean } = {},
  ): Promise<{ status: number; url: URL; text: string; stoppedAt?: URL }> {
    let url = new URL(start);
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hops = 0; hops < 20; hops++) {
      const cookie = this.header(url);
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
      });
      this.store(url, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        const next = new URL(location, url);
        if (init.stopBefore?.(next)) return { status: res.status, url, text: '', stoppedAt: next };
        url = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: res.status, url, text: await res.text() };
    }
    throw new Error('Too many redirects');
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * The app on a real port with single sign-on pointing at a fresh test provider. The public URL must be
 * known before the app is built (it is the registered redirect URI), so the app's port is chosen
 * first; the provider binds its own port before it is configured.
 */
async function startStack(database: TestDatabase, accounts: Record<string, TestAccount>, options: { emailInIdToken?: boolean } = {}) {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider({ redirectUri: `${appUrl}/sign-in/sso/callback`, accounts, ...options });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    BEACON_DEMO_DATA: 'false',
    BEACON_WORKER: 'false',
    BEACON_PUBLIC_URL: appUrl,
    SIGN_IN_RATE_LIMIT: '1000',
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_ALLOW_HTTP: 'true',
  });
  const app = await buildApp({ config, database });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, provider, appUrl, appHost: `127.0.0.1:${port}` };
}

describe('single sign-on with OpenID Connect', () => {
  let database: TestDatabase;
  let provider: TestProvider;
  let app: FastifyInstance;
  let appUrl: string;
  let appHost: string;
  const callbackPrefix = () => `${appUrl}/sign-in/sso/callback`;
  const isCallback = (u: URL) => u.href.startsWith(callbackPrefix());

  /** Start at Beacon, reach the provider's login form. */
  async function reachLoginForm(browser: Browser, next = '/') {
    const page = await browser.go(`${appUrl}/sign-in/sso?next=${encodeURIComponent(next)}`);
    expect(page.status).toBe(200);
    expect(page.url.origin).toBe(provider.issuer);
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
    expect(action).toBeDefined();
    return new URL(action!, page.url).href;
  }

  /** Sign in (or cancel) at the provider; returns the callback URL Beacon would receive, not yet requested. */
  async function callbackFor(browser: Browser, login: string, options: { next?: string; action?: 'sign-in' | 'cancel' } = {}) {
    const action = await reachLoginForm(browser, options.next);
    const res = await browser.go(action, { method: 'POST', form: { login, action: options.action ?? 'sign-in' }, stopBefore: isCallback });
    expect(res.stoppedAt, `provider did not redirect back (status ${res.status}): ${res.text.slice(0, 300)}`).toBeDefined();
    return res.stoppedAt!;
  }

  async function signIn(browser: Browser, login: string, options: { next?: string; action?: 'sign-in' | 'cancel' } = {}) {
    return browser.go((await callbackFor(browser, login, options)).href);
  }

  const userByEmail = async (email: string) => (await database.db.select().from(users).where(sql`lower(${users.email}) = ${email}`))[0]!;
  const countUsers = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(users))[0]!.n;
  const signInEvents = async () =>
    (await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.sign-in'))).filter(
      (e) => (e.detail as { method?: string } | null)?.method === 'oidc',
    );
  const lastOidcSignIn = async () => (await signInEvents()).sort((a, b) => b.seq - a.seq)[0]!;

  beforeAll(async () => {
    database = await openTestDatabase();
    await seedDemo(database.db, PASSWORD);
    ({ app, provider, appUrl, appHost } = await startStack(database, {
      'priya-cis2': { email: 'Midwife@Beacon.Example', name: 'Priya Shah' },
      'helen-cis2': { email: 'designated@beacon.example' },
      'helen-other': { email: 'designated@beacon.example' },
      'jamie-cis2': { email: 'ed.nurse@beacon.example' },
      'daniel-cis2': { email: 'social.worker@beacon.example', emailVerified: false },
      stranger: { email: 'stranger@nhs.example' },
      'no-email': {},
    }));
  });

  afterAll(async () => {
    await app?.close();
    await provider?.close();
    await database?.close();
  });

  it('signs in a known person, links their account on first sign-in and audits it', async () => {
    const midwife = await userByEmail('midwife@beacon.example');
    expect(midwife.oidcSubject).toBeNull();
    const browser = new Browser();

    // The transaction cookie is signed, httpOnly and scoped to the SSO paths.
    const start = await fetch(`${appUrl}/sign-in/sso?next=%2F`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authUrl = new URL(start.headers.get('location')!);
    expect(authUrl.origin).toBe(provider.issuer);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('code_challenge')).toBeTruthy();
    expect(authUrl.searchParams.get('state')).toBeTruthy();
    expect(authUrl.searchParams.get('nonce')).toBeTruthy();
    expect(authUrl.searchParams.get('redirect_uri')).toBe(`${appUrl}/sign-in/sso/callback`);
    const setCookie = start.headers.getSetCookie().find((c) => c.startsWith('beacon_oidc='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/sign-in\/sso/);

    const home = await signIn(browser, 'priya-cis2');
    expect(home.status).toBe(200);
    expect(home.url.href).toBe(`${appUrl}/`);
    expect(home.text).toContain('Priya Shah');
    expect(browser.cookie(appHost, 'beacon_session')).toBeTruthy();

    const linked = await userByEmail('midwife@beacon.example');
    expect(linked.oidcIssuer).toBe(provider.issuer);
    expect(linked.oidcSubject).toBe('priya-cis2');
    expect(linked.lastSignInAt).not.toBeNull();

    const links = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'user.sso.link'), eq(auditEvents.entityId, midwife.id)));
    expect(links).toHaveLength(1);
    const event = await lastOidcSignIn();
    expect(event.outcome).toBe('success');
    expect(event.actorUserId).toBe(midwife.id);
    expect(event.detail).toMatchObject({ method: 'oidc', result: 'signed in; account linked', subject: 'priya-cis2', email: 'midwife@beacon.example' });
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('signs a linked person in again by subject, returning to the page they asked for', async () => {
    provider.accounts.set('priya-cis2', { email: 'priya.shah@nhs.example' }); // email changed at the provider: the link is by subject
    const page = await signIn(new Browser(), 'priya-cis2', { next: '/account' });
    expect(page.status).toBe(200);
    expect(page.url.href).toBe(`${appUrl}/account`);
    expect(page.text).toContain('Priya Shah');
    expect((await lastOidcSignIn()).detail).toMatchObject({ method: 'oidc', result: 'signed in' });
    const links = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.sso.link'));
    expect(links).toHaveLength(1);
  });

  it('refuses an unknown person and creates no account', async () => {
    const before = await countUsers();
    const browser = new Browser();
    const page = await signIn(browser, 'stranger');
    expect(page.status).toBe(403);
    expect(page.text).toContain('Your NHS account is not set up in Beacon.');
    expect(page.text).toContain('add stranger@nhs.example');
    expect(await countUsers()).toBe(before);
    expect(browser.cookie(appHost, 'beacon_session')).toBeUndefined();
    const event = await lastOidcSignIn();
    expect(event.outcome).toBe('failure');
    expect(event.actorUserId).toBeNull();
    expect(event.detail).toMatchObject({ method: 'oidc', result: 'unknown account', email: 'stranger@nhs.example', subject: 'stranger' });
    const home = await browser.go(`${appUrl}/`);
    expect(home.url.pathname).toBe('/sign-in');
  });

  it('refuses a person whose provider shares no email address', async () => {
    const page = await signIn(new Browser(), 'no-email');
    expect(page.status).toBe(403);
    expect(page.text).toContain('did not share an email address');
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'no email address from the provider' });
  });

  it('refuses a deactivated person and does not link them', async () => {
    await database.db.update(users).set({ active: false }).where(sql`lower(${users.email}) = 'ed.nurse@beacon.example'`);
    const browser = new Browser();
    const page = await signIn(browser, 'jamie-cis2');
    expect(page.status).toBe(403);
    expect(page.text).toContain('deactivated');
    expect(browser.cookie(appHost, 'beacon_session')).toBeUndefined();
    const nurse = await userByEmail('ed.nurse@beacon.example');
    expect(nurse.oidcSubject).toBeNull();
    const event = await lastOidcSignIn();
    expect(event.outcome).toBe('denied');
    expect(event.detail).toMatchObject({ method: 'oidc', result: 'account deactivated' });
  });

  it('refuses a linked person once deactivated', async () => {
    const midwife = await userByEmail('midwife@beacon.example');
    await database.db.update(users).set({ active: false }).where(eq(users.id, midwife.id));
    try {
      const page = await signIn(new Browser(), 'priya-cis2');
      expect(page.status).toBe(403);
      expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'account deactivated' });
    } finally {
      await database.db.update(users).set({ active: true }).where(eq(users.id, midwife.id));
    }
  });

  it('does not link an account already linked to a different subject', async () => {
    expect((await signIn(new Browser(), 'helen-cis2')).status).toBe(200);
    const page = await signIn(new Browser(), 'helen-other');
    expect(page.status).toBe(403);
    expect(page.text).toContain('already linked to a different NHS account');
    expect((await userByEmail('designated@beacon.example')).oidcSubject).toBe('helen-cis2');
    expect((await lastOidcSignIn()).outcome).toBe('denied');
  });

  it('does not link by an email address the provider says is unverified', async () => {
    const page = await signIn(new Browser(), 'daniel-cis2');
    expect(page.status).toBe(403);
    expect((await userByEmail('social.worker@beacon.example')).oidcSubject).toBeNull();
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'email address not verified by the provider' });
  });

  it('refuses a callback whose state was tampered with, and the real one cannot be replayed after', async () => {
    const usersBefore = await countUsers();
    const browser = new Browser();
    const callback = await callbackFor(browser, 'helen-cis2');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const page = await browser.go(tampered.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('did not match the sign-in you started');
    expect(browser.cookie(appHost, 'beacon_session')).toBeUndefined();
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'state did not match' });

    // The attempt was used up: the genuine callback no longer works either.
    const replay = await browser.go(callback.href);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('Your sign-in attempt has expired');
    expect(browser.cookie(appHost, 'beacon_session')).toBeUndefined();
    expect(await countUsers()).toBe(usersBefore);
  });

  it('refuses a callback with no state or no sign-in attempt in progress', async () => {
    const browser = new Browser();
    const callback = await callbackFor(browser, 'helen-cis2');
    const noState = new URL(callback);
    noState.searchParams.delete('state');
    expect((await browser.go(noState.href)).status).toBe(400);

    // A different browser (no transaction cookie) presenting a genuine callback.
    const other = new Browser();
    const callback2 = await callbackFor(new Browser(), 'helen-cis2');
    const page = await other.go(callback2.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('Your sign-in attempt has expired');
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'no sign-in attempt in progress' });
  });

  it('refuses an altered transaction cookie', async () => {
    const browser = new Browser();
    const callback = await callbackFor(browser, 'helen-cis2');
    const value = browser.cookie(appHost, 'beacon_oidc')!;
    expect(value).toBeTruthy();
    browser.setCookie(appHost, '/sign-in/sso', 'beacon_oidc', `${value.slice(0, -3)}abc`);
    const page = await browser.go(callback.href);
    expect(page.status).toBe(400);
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'sign-in attempt altered or expired' });
  });

  it('shows a clear page when the person cancels at the provider (error=access_denied)', async () => {
    const browser = new Browser();
    const callback = await callbackFor(browser, 'helen-cis2', { action: 'cancel' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const page = await browser.go(callback.href);
    expect(page.status).toBe(401);
    expect(page.text).toContain('You did not finish signing in');
    expect(browser.cookie(appHost, 'beacon_session')).toBeUndefined();
    expect((await lastOidcSignIn()).detail).toMatchObject({ method: 'oidc', result: 'provider returned an error', providerError: 'access_denied' });
  });

  it('refuses a code exchanged twice', async () => {
    const browser = new Browser();
    const callback = await callbackFor(browser, 'helen-cis2');
    const sealed = browser.cookie(appHost, 'beacon_oidc')!;
    expect((await browser.go(callback.href)).status).toBe(200);
    // Replay the same code with the same (copied) transaction cookie: the provider refuses the code.
    const attacker = new Browser();
    attacker.setCookie(appHost, '/sign-in/sso', 'beacon_oidc', sealed);
    const page = await attacker.go(callback.href);
    expect(page.status).toBe(400);
    expect(attacker.cookie(appHost, 'beacon_session')).toBeUndefined();
    expect((await lastOidcSignIn()).detail).toMatchObject({ result: 'response could not be verified' });
  });

  it('has no single sign-on routes when no issuer is configured', async () => {
    const plain = await buildApp({
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DEMO_DATA: 'false', BEACON_WORKER: 'false' }),
      database,
    });
    try {
      expect((await plain.inject({ method: 'GET', url: '/sign-in/sso' })).statusCode).toBe(404);
      expect((await plain.inject({ method: 'GET', url: '/sign-in/sso/callback?code=x&state=y' })).statusCode).toBe(404);
      const signInPage = await plain.inject({ method: 'GET', url: '/sign-in' });
      expect(signInPage.body).not.toContain('/sign-in/sso');
    } finally {
      await plain.close();
    }
  });
});

describe('single sign-on with the email in the ID token (Entra ID style, no userinfo)', () => {
  let database: TestDatabase;
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    database = await openTestDatabase();
    await seedDemo(database.db, PASSWORD);
    stack = await startStack(database, { 'tom-entra': { email: 'coordinator.pah@beacon.example' } }, { emailInIdToken: true });
  });

  afterAll(async () => {
    await stack?.app.close();
    await stack?.provider.close();
    await database?.close();
  });

  it('reads the email from the ID token and links the account', async () => {
    const browser = new Browser();
    const login = await browser.go(`${stack.appUrl}/sign-in/sso`);
    const action = /<form method="post" action="([^"]+)"/.exec(login.text)?.[1];
    const home = await browser.go(new URL(action!, login.url).href, { method: 'POST', form: { login: 'tom-entra', action: 'sign-in' } });
    expect(home.status).toBe(200);
    expect(home.text).toContain('Tom Hughes');
    const [tom] = await database.db.select().from(users).where(eq(users.email, 'coordinator.pah@beacon.example'));
    expect(tom!.oidcSubject).toBe('tom-entra');
    expect(tom!.oidcIssuer).toBe(stack.provider.issuer);
  });
});
