/**
 * Text as people send it, made safe to store and to show. PostgreSQL cannot store U+0000 in text, and
 * other control characters have no place in a name or a note; bidirectional overrides (U+202A–U+202E,
 * U+2066–U+2069) can make a list show a spoofed name ("Jane ‮htimS" reads as "Jane Smith" backwards),
 * so they are removed wherever text comes in.
 */
// Every C0 control but tab, line feed and carriage return; DEL; the C1 controls.
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

export const hasForbiddenControls = (s: string): boolean => FORBIDDEN_CONTROLS.test(s);
export const stripBidiControls = (s: string): string => s.replace(BIDI_CONTROLS, '');

export const CONTROL_CHARACTER_MESSAGE = 'contains a character that cannot be stored (a control character): retype it rather than pasting it';

/**
 * Walk a parsed request body (JSON or form): strip bidi controls from every string in place, and
 * return the path of the first string holding a forbidden control character, or null.
 */
export function cleanBody(value: unknown, path: string[] = [], depth = 0): { path: string[]; cleaned: unknown } | { path: null; cleaned: unknown } {
  if (typeof value === 'string') {
    if (hasForbiddenControls(value)) return { path, cleaned: value };
    return { path: null, cleaned: stripBidiControls(value) };
  }
  if (depth > 20 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return { path: null, cleaned: value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = cleanBody(value[i], [...path, String(i)], depth + 1);
      if (r.path) return r;
      value[i] = r.cleaned;
    }
    return { path: null, cleaned: value };
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (hasForbiddenControls(key)) return { path: [...path, key], cleaned: value };
    const r = cleanBody(obj[key], [...path, key], depth + 1);
    if (r.path) return r;
    obj[key] = r.cleaned;
  }
  return { path: null, cleaned: value };
}
