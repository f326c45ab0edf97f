import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBJECT } from '../support/alerts';
import { startTestApp, type TestApp } from '../support/app';
import { buildRouteFixtures, changedTables, rowCounter, type RouteFixtures, urlFor as fixtureUrl } from '../support/route-fixtures';
import { type Components, type JsonSchema, validFrom } from '../support/schema-arbitrary';
import { ALERT_CONTENT_ROUTES, LAST_WRITES, PEOPLE, type Person, ROUTE_ACCESS, SESSION_ROUTES } from './route-access';

/**
 * The permissions matrix over every route the service serves, pages and API, enumerated from Fastify's
 * own route table: a route added without an entry in route-access.ts fails here. Each route is asked
 * for by each demo person (one per role, in organisations that do and do not own the records) with
 * real records as its parameters, and by nobody signed in:
 *  - a person the table does not list is refused (403, or 404 where the record is out of their sight),
 *    and a refused write changes no row anywhere;
 *  - a person the table lists gets past the gate (no 401 or 403);
 *  - nobody signed in gets 401 (API) or the sign-in page, except on the public routes;
 *  - side doors: no response to a person who may not view the demo alert carries what only the alert
 *    says (her name, NHS number, the reason and the action).
 * Writes by permitted people run last, one route after another, so they cannot hide a refusal.
 */

const RECORD = process.env.BEACON_RECORD_MATRIX === '1';

let t: TestApp;
let f: RouteFixtures;
let counts: () => Promise<Record<string, number>>;
/** For each API write, a body its schema accepts, so a refusal cannot hide behind a 400. */
let validBodies: Record<string, unknown>;
const observed: Record<string, Record<string, number>> = {};

/**
 * The alert's own words, which no one who may not view it should ever be sent. (Not her NHS number:
 * the demo number is also the example in form hints.)
 */
const ALERT_SECRETS = [SUBJECT.family, 'Arkwright', 'dyed red hair', '07700 900123', 'moved without telling services'];

beforeAll(async () => {
  t = await startTestApp({ BEACON_DATA_DIR: '/tmp/beacon-route-matrix-test' });
  f = await buildRouteFixtures(t);
  counts = await rowCounter(t);
  const doc = (await f.clients.midwife.get('/api/openapi.json')).json as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    components: { schemas: Components };
  };
  validBodies = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (schema)
        validBodies[`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`] = fc.sample(validFrom(schema, doc.components.schemas), {
          seed: 1,
          numRuns: 1,
        })[0];
    }
  }
}, 120_000);

afterAll(async () => {
  if (RECORD) console.log(`RECORDED\n${JSON.stringify(observed, null, 1)}`);
  await t?.close();
});

const urlFor = (route: string) => fixtureUrl(f, route);

function note(route: string, person: string, status: number) {
  (observed[route] ??= {})[person] = status;
}

const routes = () => t.app.routeTable.map((r) => `${r.method} ${r.url}`);
const people = Object.keys(PEOPLE) as Person[];
const allowed = (route: string, p: Person) => {
  const rule = ROUTE_ACCESS[route];
  return rule === '*' || rule === 'public' || (rule ?? '').split(/\s+/).includes(p);
};

describe('the permissions matrix over every route', () => {
  it('has an entry for every route served, and none for a route that is not served', () => {
    const served = routes();
    expect(
      served.filter((r) => !(r in ROUTE_ACCESS)),
      'routes without an entry in test/http/route-access.ts',
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_ACCESS).filter((r) => !served.includes(r)),
      'entries for routes that are not served',
    ).toEqual([]);
    for (const [r, rule] of Object.entries(ROUTE_ACCESS)) {
      if (rule === '*' || rule === 'public' || rule === 'session' || rule === '') continue;
      for (const p of rule.split(/\s+/)) expect(people, `${r}: unknown person ${p}`).toContain(p);
    }
  });

  it('reads: each person is let in or refused as the table says, and no refused person sees the alert', async () => {
    const failures: string[] = [];
    for (const route of routes().filter((r) => r.startsWith('GET ') && !SESSION_ROUTES.includes(r))) {
      const url = urlFor(route);
      for (const p of people) {
        const res = await f.clients[p].get(url);
        note(route, p, res.status);
        const body = res.raw.toString('utf8');
        if (res.status >= 500) failures.push(`${route} as ${p}: ${res.status}`);
        if (allowed(route, p) ? res.status === 401 || res.status === 403 : ![403, 404].includes(res.status)) {
          failures.push(`${route} as ${p}: ${res.status}, expected ${allowed(route, p) ? 'to be let in' : '403 or 404'}`);
        }
        const entitled = f.mayViewAlert[p] || (p === 'ed' && ALERT_CONTENT_ROUTES.includes(route));
        if (!entitled)
          for (const s of ALERT_SECRETS) if (body.includes(s)) failures.push(`${route} as ${p}: the response carries "${s}" from an alert they may not view`);
      }
    }
    if (RECORD) console.log(`FAILURES\n${failures.join('\n')}`);
    else expect(failures).toEqual([]);
  }, 180_000);

  it('writes: a refused person changes nothing', async () => {
    const failures: string[] = [];
    for (const route of routes().filter((r) => !r.startsWith('GET ') && !SESSION_ROUTES.includes(r))) {
      if (ROUTE_ACCESS[route] === 'public' || ROUTE_ACCESS[route] === '*') continue;
      const [method] = route.split(' ') as ['POST' | 'PUT'];
      const url = urlFor(route);
      for (const p of people.filter((x) => !allowed(route, x))) {
        const before = await counts();
        const res = await f.clients[p].send(method, url, validBodies[route] ?? {});
        note(route, p, res.status);
        if (![403, 404].includes(res.status)) failures.push(`${route} as ${p}: ${res.status}, expected 403 or 404`);
        const changed = changedTables(before, await counts());
        if (changed.length) failures.push(`${route} as ${p}: refused, but changed ${changed.join(', ')}`);
      }
    }
    if (RECORD) console.log(`FAILURES\n${failures.join('\n')}`);
    else expect(failures).toEqual([]);
  }, 180_000);

  it('signed out: only the public routes answer; the rest ask for sign-in', async () => {
    const failures: string[] = [];
    for (const route of routes()) {
      const [method] = route.split(' ') as ['GET' | 'POST' | 'PUT'];
      const url = urlFor(route);
      const res = await t.app.inject({ method, url, remoteAddress: '10.200.0.1', ...(method === 'GET' ? {} : { payload: {} }) });
      note(route, 'signedOut', res.statusCode);
      if (res.statusCode >= 500) failures.push(`${route} signed out: ${res.statusCode}`);
      const publicRoute = ROUTE_ACCESS[route] === 'public' || SESSION_ROUTES.includes(route);
      if (publicRoute) continue;
      const asksForSignIn =
        url.startsWith('/api/') || url.startsWith('/fhir/')
          ? res.statusCode === 401
          : [302, 303].includes(res.statusCode) && String(res.headers.location).startsWith('/sign-in');
      // A write without a CSRF token is refused before anything else: that is a refusal too.
      if (!asksForSignIn && !(method !== 'GET' && res.statusCode === 403))
        failures.push(`${route} signed out: ${res.statusCode} ${res.headers.location ?? ''}`);
    }
    if (RECORD) console.log(`FAILURES\n${failures.join('\n')}`);
    else expect(failures).toEqual([]);
  });

  it('writes: a permitted person gets past the gate', async () => {
    const failures: string[] = [];
    const writes = routes().filter((r) => !r.startsWith('GET ') && !SESSION_ROUTES.includes(r));
    const ordered = [...writes.filter((r) => !LAST_WRITES.includes(r)), ...LAST_WRITES];
    for (const route of ordered) {
      const [method] = route.split(' ') as ['POST' | 'PUT'];
      const url = urlFor(route);
      for (const p of people.filter((x) => allowed(route, x))) {
        const res = await f.clients[p].send(method, url, validBodies[route] ?? {});
        note(route, p, res.status);
        if (res.status >= 500 || res.status === 401 || res.status === 403) failures.push(`${route} as ${p}: ${res.status}`);
      }
    }
    if (RECORD) console.log(`FAILURES\n${failures.join('\n')}`);
    else expect(failures).toEqual([]);
  }, 180_000);
});
