import { datePartsReason } from '../dates';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors';

/** What an NHS form page needs to show errors: a summary list (with links) and a message per field. */
export interface FormErrors {
  list: { text: string; href: string }[];
  fields: Record<string, { text: string }>;
}

export function formErrors(fieldErrors: Record<string, string>, idFor: (field: string) => string = (f) => f): FormErrors {
  const list = Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${idFor(field)}` }));
  const fields = Object.fromEntries(Object.entries(fieldErrors).map(([f, text]) => [f, { text }]));
  return { list, fields };
}

/** A form body as plain strings (arrays joined), with the CSRF field removed. */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === '_csrf') continue;
      out[k] = Array.isArray(v) ? String(v[v.length - 1] ?? '') : v == null ? '' : String(v);
    }
  }
  return out;
}

/** Only same-site relative paths may be returned to after sign-in (no open redirects). */
export function safeReturnPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : '/';
}

/**
 * The one form round trip for a page: the body as the person typed it (`formValues`), the action run
 * (which validates with its zod schema in the service), and then either a 303 redirect to `next` (with a
 * `?done=` banner if wanted: the redirect hook signs it), or, on a ValidationError, the page rendered again
 * by `rerender` with the values kept and the NHS error summary (`formErrors`, links to each field; a
 * problem with the whole form links to the main content). Any other error goes to the error page.
 */
/**
 * A service refuses a date and time it cannot read with its own words ("Enter the date and time it was
 * done"); when the form sent day, month, year (and time) boxes for that field, say which part is
 * impossible too: "…: there is no month 13 and 25:99 is not a time".
 */
export function explainDateParts(values: Record<string, string>, fieldErrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const part = (p: string) => values[`${field}.${p}`];
    const given = ['day', 'month', 'year'].every((p) => (part(p) ?? '').trim() !== '');
    const reason = given ? datePartsReason({ day: part('day')!, month: part('month')!, year: part('year')!, time: part('time') }) : null;
    out[field] = reason ? `${message.replace(/\.$/, '')}: ${reason}` : message;
  }
  return out;
}

export async function handleForm(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: {
    act: (values: Record<string, string>, body: Record<string, unknown>) => Promise<unknown>;
    /** Where to go after success (a 303, the usual ending)… */
    next?: string | ((result: unknown) => string);
    /** …or a page to show instead, for an answer that must not sit in an address (a one-time link). */
    success?: (result: unknown, values: Record<string, string>) => Promise<unknown>;
    rerender: (values: Record<string, string>, errors: ReturnType<typeof formErrors>, fieldErrors: Record<string, string>) => Promise<unknown>;
    /** Field path → element id, for the error summary links (default: the path itself). */
    idFor?: (field: string) => string;
  },
) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values = formValues(body);
  let result: unknown;
  try {
    result = await opts.act(values, body);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const fieldErrors = explainDateParts(values, err.fieldErrors);
    return opts.rerender(
      values,
      formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : (opts.idFor?.(f) ?? f.replace(/\./g, '-')))),
      fieldErrors,
    );
  }
  if (opts.success) return opts.success(result, values);
  if (opts.next === undefined) throw new Error('handleForm needs next or success');
  return reply.redirect(typeof opts.next === 'function' ? opts.next(result) : opts.next, 303);
}
