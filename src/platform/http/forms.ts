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
