import type { Browser, TestApp } from './app';

/**
 * A JSON client on a signed-in session, as an integrating system uses the API: cookies from sign-in,
 * the CSRF token from GET /api/session sent as X-CSRF-Token on every POST and PUT.
 */
export class ApiClient {
  token = '';
  constructor(
    readonly t: TestApp,
    readonly b: Browser,
  ) {}

  static async as(t: TestApp, email: string): Promise<ApiClient> {
    const c = new ApiClient(t, await t.browser().signedInAs(email));
    const res = await c.get('/api/session');
    if (res.status !== 200) throw new Error(`GET /api/session answered ${res.status}`);
    c.token = String((res.json as { csrfToken: string }).csrfToken);
    return c;
  }

  async send(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, opts: { csrf?: boolean } = {}) {
    const cookie = [...this.b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.t.app.inject({
      method,
      url,
      remoteAddress: this.b.ip,
      headers: {
        cookie,
        ...(opts.csrf === false || method === 'GET' ? {} : { 'x-csrf-token': this.token }),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    for (const c of res.cookies as { name: string; value: string }[]) this.b.cookies.set(c.name, c.value);
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = null;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the endpoint answers
    return { status: res.statusCode, json: json as any, headers: res.headers };
  }

  get = (url: string) => this.send('GET', url);
  post = (url: string, body: unknown = {}, opts: { csrf?: boolean } = {}) => this.send('POST', url, body, opts);
}
