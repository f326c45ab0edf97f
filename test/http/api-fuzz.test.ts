import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { buildRouteFixtures, changedTables, rowCounter, type RouteFixtures, urlFor } from '../support/route-fixtures';
import { type Components, hostileFrom, hostileString, type JsonSchema, validFrom } from '../support/schema-arbitrary';
import { type Person, ROUTE_ACCESS } from './route-access';

/**
 * API fuzzing from the OpenAPI document: every operation it describes is called with bodies generated
 * from its request schema (valid ones, and ones broken in one place: wrong types, nulls, control and
 * bidi characters, huge numbers and strings, extra or missing fields), with its path parameters either
 * real records or hostile strings, and its query parameters mutated. Each call is made by a person the
 * permissions matrix lets in, so validation and the services are reached, not only the gate.
 *
 * Asserted for every call: no 5xx; every 4xx is the API's error shape with a message; and a refused write
 * (any 4xx) changes no row in any table. Seeded (BEACON_FUZZ_SEED, printed on failure) and bounded
 * (BEACON_FUZZ_RUNS calls per operation, 24 by default: about 2,000 calls).
 */

const SEED = Number(process.env.BEACON_FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.BEACON_FUZZ_RUNS ?? 24);

interface Operation {
  method: 'GET' | 'POST' | 'PUT';
  /** Fastify form, /api/alerts/:id */
  route: string;
  params: string[];
  query: string[];
  body?: { schema: JsonSchema; contentType: string };
}

let t: TestApp;
let f: RouteFixtures;
let ops: Operation[];
let components: Components;
let counts: () => Promise<Record<string, number>>;

beforeAll(async () => {
  t = await startTestApp({ BEACON_DATA_DIR: '/tmp/beacon-api-fuzz-test' });
  f = await buildRouteFixtures(t);
  counts = await rowCounter(t);
  const doc = (await f.clients.midwife.get('/api/openapi.json')).json as {
    paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    components: { schemas: Components };
  };
  components = doc.components.schemas;
  ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const contentType = op.requestBody ? Object.keys(op.requestBody.content)[0]! : '';
      return {
        method: method.toUpperCase() as Operation['method'],
        route: path.replace(/\{(\w+)\}/g, ':$1'),
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        ...(op.requestBody ? { body: { schema: op.requestBody.content[contentType]!.schema, contentType } } : {}),
      };
    }),
  );
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** The first person the permissions matrix lets in, so the call reaches validation and the service. */
function callerFor(op: Operation): Person {
  const rule = ROUTE_ACCESS[`${op.method} ${op.route}`] ?? '*';
  if (rule === '*' || rule === 'public' || rule === '') return 'midwife';
  return rule.split(/\s+/)[0] as Person;
}

const hostileSegment = fc.oneof(
  hostileString.filter((s) => s.length < 3000),
  fc.constantFrom('0', '-1', '99999999999999999999', 'null', 'undefined', '%', '%2e%2e', 'BCN-000000', '00000000-0000-0000-0000-000000000000'),
);

/** Percent-encoded; a lone surrogate (which cannot be) becomes bytes that are not UTF-8 at all. */
function encodeSegment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function requestsFor(op: Operation) {
  const real = urlFor(f, `${op.method} ${op.route}`);
  const segments = real.split('/');
  const paramIndexes = op.route
    .split('/')
    .map((s, i) => (s.startsWith(':') ? i : -1))
    .filter((i) => i >= 0);
  const path = fc.oneof(
    { weight: 3, arbitrary: fc.constant(real) },
    {
      weight: paramIndexes.length ? 2 : 0,
      arbitrary: fc
        .tuple(fc.constantFrom(...(paramIndexes.length ? paramIndexes : [0])), hostileSegment)
        .map(([i, v]) => segments.map((s, j) => (j === i ? encodeSegment(v) : s)).join('/')),
    },
  );
  const query = op.query.length
    ? fc.dictionary(fc.constantFrom(...op.query), fc.oneof(fc.constantFrom('1', 'open', 'all', '2026-12-03'), hostileSegment), { maxKeys: op.query.length })
    : fc.constant({});
  const body = !op.body
    ? fc.constant(undefined)
    : op.body.contentType === 'multipart/form-data'
      ? fc.constant(undefined)
      : fc.oneof({ weight: 2, arbitrary: validFrom(op.body.schema, components) }, { weight: 3, arbitrary: hostileFrom(op.body.schema, components) });
  const raw = op.body?.contentType === 'multipart/form-data' ? fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) : fc.constant(undefined);
  return fc.record({ path, query, body, raw, boundary: fc.boolean() });
}

describe('the API under generated and hostile input', () => {
  it('covers every operation in the OpenAPI document', () => {
    expect(ops.length).toBeGreaterThan(70);
  });

  it('never answers 5xx, answers every 4xx with a message, and a refused write changes nothing', async () => {
    const failures: string[] = [];
    let calls = 0;
    const byStatus: Record<number, number> = {};
    for (const [n, op] of ops.entries()) {
      const client = f.clients[callerFor(op)];
      const samples = fc.sample(requestsFor(op), { seed: SEED + n, numRuns: RUNS });
      for (const s of samples) {
        const qs = new URLSearchParams(s.query as Record<string, string>).toString();
        const url = qs ? `${s.path}?${qs}` : s.path;
        const before = op.method === 'GET' ? null : await counts();
        const res = s.raw
          ? await client.send(op.method, url, undefined, {
              raw: s.raw,
              headers: { 'content-type': s.boundary ? 'multipart/form-data; boundary=----fuzz' : 'multipart/form-data' },
            })
          : await client.send(op.method, url, s.body);
        calls++;
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        const shown = `${op.method} ${url.slice(0, 160)} body=${JSON.stringify(s.body ?? (s.raw ? `<${s.raw.length} bytes>` : null))?.slice(0, 300)}`;
        if (res.status >= 500) failures.push(`${res.status} ${shown}`);
        if (res.status >= 400 && res.status < 500 && !(res.json && typeof res.json.message === 'string' && res.json.message.length))
          failures.push(`${res.status} without a message: ${shown}`);
        if (before && res.status >= 400) {
          const changed = changedTables(before, await counts());
          if (changed.length) failures.push(`${res.status} but changed ${changed.join(', ')}: ${shown}`);
        }
      }
    }
    // What the run reached, for the log (a fuzzer that only ever hits the gate proves little).
    console.log(`API fuzz: ${calls} calls over ${ops.length} operations, seed ${SEED}; statuses ${JSON.stringify(byStatus)}`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(byStatus[400] ?? 0).toBeGreaterThan(calls / 10);
    expect(
      Object.entries(byStatus)
        .filter(([s]) => Number(s) < 300)
        .reduce((a, [, c]) => a + c, 0),
    ).toBeGreaterThan(calls / 20);
  }, 300_000);
});
