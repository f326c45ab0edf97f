/**
 * The rules of machine clients, pure: which scopes open which parts of the API, which roles a client may
 * be given, what a token request may ask for, and how the end user a system acts for is named.
 */
import { type EndUser, ROLES, type Role } from '../platform/context';

/** What a client may be allowed to call, each a part of the API by its path. */
export const CLIENT_SCOPES = {
  check: { label: 'Point-of-care check and presentations', prefixes: ['/api/check', '/api/presentations'] },
  alerts: { label: 'Alerts (raise, approve, read, acknowledge, update, stand down)', prefixes: ['/api/alerts'] },
  cases: { label: 'Protocol cases, protocols and escalations', prefixes: ['/api/cases', '/api/protocols', '/api/escalations'] },
  directory: { label: 'Directory of organisations, units and areas', prefixes: ['/api/directory'] },
  learning: { label: 'Learning (courses, bookings, attendance)', prefixes: ['/api/learning'] },
  library: { label: 'Library (documents, circulation, readership)', prefixes: ['/api/library'] },
  assurance: { label: 'Assurance reports', prefixes: ['/api/assurance'] },
  fhir: { label: 'FHIR R4 (Flag, Patient $match, AuditEvent)', prefixes: ['/fhir/R4'] },
  webhooks: { label: 'Webhook subscriptions', prefixes: ['/api/webhooks'] },
} as const;
export type ClientScope = keyof typeof CLIENT_SCOPES;
export const SCOPE_NAMES = Object.keys(CLIENT_SCOPES) as ClientScope[];

/** Paths any client with a token may call, whatever its scopes: who am I, what is there. */
const ALWAYS = ['/api/session', '/api/openapi.json', '/fhir/R4/metadata'];

/** The scope a path needs: a scope name, 'any' for the paths every token may call, or null (never with a token). */
export function scopeForPath(path: string): ClientScope | 'any' | null {
  const p = path.split('?')[0] ?? '';
  if (ALWAYS.includes(p)) return 'any';
  for (const name of SCOPE_NAMES) {
    if (CLIENT_SCOPES[name].prefixes.some((pre) => p === pre || p.startsWith(`${pre}/`))) return name;
  }
  return null;
}

/**
 * Roles a client may never have: administering people, clients and the directory, and the training
 * administration, are for people signed in, each answerable by name.
 */
export const NEVER_CLIENT_ROLES: readonly Role[] = ['system_admin', 'training_admin'];

/**
 * Why a client cannot be given these roles, or null. A client may act only with roles that people of
 * its organisation hold in Beacon (never more than a person of that organisation could hold), and never
 * with an administrator's.
 */
export function clientRolesProblem(roles: readonly string[], heldInOrganisation: readonly string[], organisationName: string): string | null {
  if (!roles.length) return 'Select at least one role the client acts with';
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) return 'Select roles from the list';
    if ((NEVER_CLIENT_ROLES as readonly string[]).includes(r)) return 'A client cannot be an administrator: administration is done by people who sign in';
    if (!heldInOrganisation.includes(r))
      return `Nobody at ${organisationName} holds that role in Beacon, so a client of theirs cannot act with it: choose a role their staff hold`;
  }
  return null;
}

export interface TokenGrant {
  role: Role;
  scopes: ClientScope[];
}
export interface GrantRefusal {
  error: 'invalid_scope';
  description: string;
}

/**
 * What a token request gets: the scopes it asks for (space-separated, as OAuth 2.0 has it; none asked
 * means all the client is allowed) and the role it acts with (`role:<role>`; needed only when the client
 * has more than one). Asking for anything the client was not given is refused outright, never trimmed.
 */
export function grantFor(requested: string | undefined, client: { roles: readonly string[]; scopes: readonly string[] }): TokenGrant | GrantRefusal {
  const words = (requested ?? '').split(/\s+/).filter(Boolean);
  const roleWords = words.filter((w) => w.startsWith('role:')).map((w) => w.slice(5));
  const scopeWords = words.filter((w) => !w.startsWith('role:'));
  if (roleWords.length > 1) return { error: 'invalid_scope', description: 'Ask for one role at a time (role:<role>).' };
  let role: string | undefined = roleWords[0];
  if (role === undefined) {
    if (client.roles.length !== 1)
      return { error: 'invalid_scope', description: `This client acts with more than one role: ask for one in scope, e.g. role:${client.roles[0]}.` };
    role = client.roles[0];
  }
  if (!role || !client.roles.includes(role)) return { error: 'invalid_scope', description: `This client may not act with the role ${role}.` };
  const unknown = scopeWords.find((s) => !(SCOPE_NAMES as string[]).includes(s));
  if (unknown) return { error: 'invalid_scope', description: `There is no scope ${unknown}. Scopes: ${SCOPE_NAMES.join(', ')}.` };
  const notAllowed = scopeWords.find((s) => !client.scopes.includes(s));
  if (notAllowed) return { error: 'invalid_scope', description: `This client is not allowed the scope ${notAllowed}.` };
  const scopes = (scopeWords.length ? [...new Set(scopeWords)] : [...client.scopes]) as ClientScope[];
  return { role: role as Role, scopes };
}

/** The header a calling system names its user in: `Beacon-End-User: <name>; <role>` (the role optional). */
export const END_USER_HEADER = 'beacon-end-user';

/** The end user a request is made for, from the header; null when absent or empty. Control characters are dropped, lengths capped. */
export function parseEndUser(header: string | string[] | undefined): EndUser | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return null;
  const clean = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const [name, ...rest] = clean.split(';');
  const n = (name ?? '').trim().slice(0, 120);
  if (!n) return null;
  const role = rest.join(';').trim().slice(0, 120);
  return { name: n, role: role || null };
}

/** Bearer tokens last five minutes; a client assertion may not be valid for longer than that either. */
export const TOKEN_SECONDS = 300;
export const MAX_ASSERTION_SECONDS = 300;
/** Signing algorithms accepted for client assertions (NHS England's APIs use RS512). */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
