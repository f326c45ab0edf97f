/**
 * One file upload on a plugin's own routes (register it inside the plugin, so only those routes parse
 * multipart): the form's fields go on the body (the CSRF check reads `_csrf` there), the file arrives as a
 * Buffer under its field name, cut at the limit + 1 byte so the service answers with its own message about
 * the size, and `fileName(req)` is the name the browser sent.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export async function acceptOneFile(app: FastifyInstance, opts: { maxBytes: number; fields: number }): Promise<(req: FastifyRequest) => string | undefined> {
  const names = new WeakMap<FastifyRequest, string>();
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: opts.maxBytes + 1, files: 1, fields: opts.fields, parts: opts.fields + 1 },
    async onFile(part) {
      names.set(this as unknown as FastifyRequest, part.filename);
      (part as unknown as { value: Buffer }).value = await part.toBuffer();
    },
  });
  return (req) => names.get(req);
}
