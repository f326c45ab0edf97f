import type { Browser, TestApp } from './app';

/** A file part of a multipart upload. */
export interface UploadFile {
  name: string;
  filename: string;
  type: string;
  data: Buffer;
}

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

  /** Send `body` as JSON, or `raw` as it is (with its own content-type in `headers`). */
  async send(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string>; raw?: Buffer } = {}) {
    const cookie = [...this.b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.t.app.inject({
      method,
      url,
      remoteAddress: this.b.ip,
      headers: {
        cookie,
        ...(opts.csrf === false || method === 'GET' ? {} : { 'x-csrf-token': this.token }),
        ...(body !== undefined && !opts.raw ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.raw ? { payload: opts.raw } : body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    for (const c of res.cookies as { name: string; value: string }[]) this.b.cookies.set(c.name, c.value);
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = null;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the endpoint answers
    return { status: res.statusCode, json: json as any, headers: res.headers, raw: res.rawPayload };
  }

  get = (url: string) => this.send('GET', url);
  post = (url: string, body: unknown = {}, opts: { csrf?: boolean } = {}) => this.send('POST', url, body, opts);
  put = (url: string, body: unknown) => this.send('PUT', url, body);

  /** A multipart/form-data upload, as a browser or curl -F would send it. */
  upload(url: string, fields: Record<string, string>, file: UploadFile | null) {
    const boundary = `----beacon${Date.now().toString(16)}`;
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    if (file) {
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`),
        file.data,
        Buffer.from('\r\n'),
      );
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return this.send('POST', url, undefined, { raw: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  }
}
