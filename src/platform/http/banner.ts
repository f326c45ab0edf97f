import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfUserInfo } from './security';

/**
 * Success banners after a form ("The agency has been added") ride in the redirect as `?done=<text>`. A
 * link anyone can write must not be able to put words on a real Beacon page ("Alert stood down: she
 * may go home"), so every redirect this service sends with `done` also carries `ds`, an HMAC of the
 * text bound to the signed-in session; a page shows the banner only when the two agree
 * (`req.banner()`). One hook signs every redirect, so no route can forget to.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** The `done` banner of this request, if this service wrote it for this session; otherwise null. */
    banner(): string | null;
  }
}

const sign = (key: Buffer, req: FastifyRequest, text: string) =>
  createHmac('sha256', key)
    .update(`${csrfUserInfo(req)}\n${text}`)
    .digest('base64url')
    .slice(0, 32);

export function registerBanners(app: FastifyInstance, secret: string): void {
  const key = createHmac('sha256', secret).update('beacon banner v1').digest();
  app.decorateRequest('banner', function (this: FastifyRequest): string | null {
    const q = this.query as Record<string, unknown> | undefined;
    const text = q?.done;
    const ds = q?.ds;
    if (typeof text !== 'string' || typeof ds !== 'string' || !text) return null;
    const want = Buffer.from(sign(key, this, text));
    const got = Buffer.from(ds);
    return want.length === got.length && timingSafeEqual(want, got) ? text : null;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const location = reply.getHeader('location');
    if (reply.statusCode < 300 || reply.statusCode >= 400 || typeof location !== 'string' || !/[?&]done=/.test(location) || /^[a-z]+:\/\//i.test(location))
      return payload;
    const text = new URL(location, 'http://beacon.invalid').searchParams.get('done');
    if (!text) return payload;
    // Appended as it is (before any #fragment), so the rest of the address stays exactly as written.
    const hash = location.indexOf('#');
    const [path, fragment] = hash >= 0 ? [location.slice(0, hash), location.slice(hash)] : [location, ''];
    reply.header('location', `${path}&ds=${sign(key, req, text)}${fragment}`);
    return payload;
  });
}
