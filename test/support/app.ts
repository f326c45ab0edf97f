import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { seedDemo } from '../../src/demo/seed';
import { openTestDatabase, type TestDatabase } from './db';

/** The shared password of the demo people in HTTP tests (long enough, and no email in it). */
export const DEMO_PASSWORD = 'correct horse battery staple 42';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  /** A new browser with an empty cookie jar and its own client address (rate limits are per address). */
  browser(): Browser;
  close(): Promise<void>;
}

/**
 * The real application on a fresh test database (PGlite, or PostgreSQL when TEST_DATABASE_URL is set),
 * seeded with the demo directory and one demo person per role. Driven with `app.inject`, no socket.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await openTestDatabase();
  try {
    await seedDemo(database.db, DEMO_PASSWORD);
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DEMO_DATA: 'false', ...env });
    const app = await buildApp({ config, database });
    await app.ready();
    let clients = 0;
    return {
      app,
      database,
      config,
      browser: () => {
        clients++;
        return new Browser(app, `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`);
      },
      async close() {
        await app.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

export interface Response {
  status: number;
  headers: LightMyRequestResponse['headers'];
  body: string;
  /** The Location header of a redirect. */
  location: string | undefined;
}

/** The CSRF token a page carries: in a form's hidden field, or in the sign-out action URL. */
export function csrfTokenIn(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? /[?&]_csrf=([^"&\s]+)/.exec(html)?.[1];
}

/**
 * A cookie jar around `app.inject`: keeps `beacon_session` and the signed `beacon_csrf` cookie as a
 * browser would (dropping cleared ones), and remembers the CSRF token of the last page it saw.
 */
/** A form as a browser posts it: a list value is sent as the same name repeated (ticked checkboxes). */
export type FormBody = Record<string, string | readonly string[]>;

function encodeForm(form: FormBody): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of typeof v === 'string' ? [v] : v) params.append(k, one);
  return params.toString();
}

export class Browser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly ip: string,
  ) {}

  get session(): string | undefined {
    return this.cookies.get('beacon_session');
  }

  async request(method: 'GET' | 'POST', url: string, form?: FormBody): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: this.ip,
      headers: {
        'user-agent': 'beacon-tests',
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: encodeForm(form) } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const cleared = c.value === '' || c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const body = res.body;
    if (String(res.headers['content-type'] ?? '').startsWith('text/html')) this.csrf = csrfTokenIn(body) ?? this.csrf;
    const location = res.headers.location;
    return { status: res.statusCode, headers: res.headers, body, location: typeof location === 'string' ? location : undefined };
  }

  get(url: string): Promise<Response> {
    return this.request('GET', url);
  }

  /** Post a form with the CSRF token of the last page seen (unless `_csrf` is given, or `csrf: false`). */
  post(url: string, form: FormBody = {}, opts: { csrf?: boolean } = {}): Promise<Response> {
    const withToken = opts.csrf === false || '_csrf' in form || !this.csrf ? form : { _csrf: this.csrf, ...form };
    return this.request('POST', url, withToken);
  }

  /** Open the sign-in page and submit it. Returns the answer to the POST (a redirect when it worked). */
  async signIn(email: string, password: string = DEMO_PASSWORD, next?: string): Promise<Response> {
    const page = await this.get(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
    if (page.status !== 200) throw new Error(`sign-in page answered ${page.status}`);
    return this.post('/sign-in', { email, password, ...(next ? { next } : {}) });
  }

  /** Sign in and expect to be let straight in (one role, no second factor). */
  async signedInAs(email: string): Promise<this> {
    const res = await this.signIn(email);
    if (res.status !== 302 || res.location !== '/') throw new Error(`sign-in as ${email} answered ${res.status} → ${res.location}`);
    // Load a page so the browser holds a CSRF token for the signed-in session.
    await this.get('/');
    return this;
  }
}
