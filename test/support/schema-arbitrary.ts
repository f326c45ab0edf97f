import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON Schema (2020-12, as OpenAPI 3.1 carries it) of Beacon's API
 * document: `validFrom` gives values the schema accepts (as far as JSON Schema can say: refinements in
 * code may still refuse them, which is the point of asking), `hostileFrom` gives values that break it in
 * the ways clients and attackers do — wrong types, nulls, control and bidi characters, huge numbers and
 * strings, extra and missing fields — one part of an otherwise valid value at a time, or all of it.
 *
 * Covers the keywords the document uses: type (and type lists), properties, required,
 * additionalProperties, propertyNames, items, minItems/maxItems, enum, const, anyOf/oneOf/allOf,
 * $ref into components, format (uuid, date, date-time, email), pattern, minLength/maxLength,
 * minimum/maximum. Anything else is generated as any JSON value.
 */
export type JsonSchema = Record<string, unknown>;
export type Components = Record<string, JsonSchema>;

const MAX_DEPTH = 6;

function resolve(schema: JsonSchema, components: Components): JsonSchema {
  let s = schema;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = (s.$ref as string).replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) throw new Error(`No schema ${s.$ref}`);
    s = target;
  }
  return s;
}

const isoDate = fc
  .date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const isoDateTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const words = fc
  .array(fc.constantFrom('Baby', 'unborn', 'Southampton', 'strategy', 'meeting', 'midwife', 'her', 'partner', 'seen', 'O’Neil', 'Zoë', 'review'), {
    minLength: 1,
    maxLength: 6,
  })
  .map((w) => w.join(' '));

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Math.max(min, 80);
  const withinLength = (a: fc.Arbitrary<string>) => a.filter((v) => v.length >= min && v.length <= max);
  switch (s.format) {
    case 'uuid':
      return fc.uuid({ version: 4 });
    case 'date':
      return isoDate;
    case 'date-time':
      return isoDateTime;
    case 'email':
      return fc.constantFrom('someone@nhs.example', 'duty.team@council.example');
  }
  if (typeof s.pattern === 'string') {
    try {
      return withinLength(fc.stringMatching(new RegExp(s.pattern)));
    } catch {
      // A pattern fast-check cannot generate from: fall through to plain text.
    }
  }
  return withinLength(fc.oneof(words, fc.string({ minLength: min, maxLength: Math.min(max, 200) })));
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : -1000;
  const max = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : 1000;
  return integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

export function validFrom(schema: JsonSchema, components: Components, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, components);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key])) return fc.oneof(...(s[key] as JsonSchema[]).map((o) => validFrom(o, components, depth + 1)));
  }
  if (Array.isArray(s.allOf)) return validFrom(Object.assign({}, ...(s.allOf as JsonSchema[]).map((o) => resolve(o, components))), components, depth + 1);
  const type = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : null;
  if (type && type.length > 1) return fc.oneof(...type.map((t) => validFrom({ ...s, type: t }, components, depth)));
  switch (type?.[0]) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = s.items ? validFrom(s.items as JsonSchema, components, depth + 1) : fc.jsonValue();
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, Math.max(minLength, 4));
      return fc.array(items, { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((s.required ?? []) as string[]);
      const known = Object.keys(props);
      if (!known.length && s.additionalProperties && typeof s.additionalProperties === 'object') {
        const keyArb = s.propertyNames
          ? (validFrom(s.propertyNames as JsonSchema, components, depth + 1) as fc.Arbitrary<string>)
          : fc.string({ minLength: 1, maxLength: 12 });
        return fc.dictionary(keyArb, validFrom(s.additionalProperties as JsonSchema, components, depth + 1), { maxKeys: 3 });
      }
      return fc.record(Object.fromEntries(known.map((k) => [k, validFrom(props[k]!, components, depth + 1)])), {
        requiredKeys: known.filter((k) => required.has(k)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Strings that have broken services before: control characters, bidi overrides, huge, SQL-ish, markup. */
export const hostileString = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u202Eevil',
    '\u0007',
    '',
    ' ',
    "'; DROP TABLE cases; --",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\uFFFF',
    '\uD800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  ),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Values of the wrong kind for almost any field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constantFrom(true, false, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 63, 1.5, [], {}, [null], { $ne: null }, '1e309', 'NaN', '-0'),
  hostileString,
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Put `value` at a random place inside `base` (an object's field or an array's item), or add a field. */
function plant(base: unknown, path: number[], value: unknown, extraKey: string | null): unknown {
  if (extraKey !== null && base && typeof base === 'object' && !Array.isArray(base)) return { ...(base as object), [extraKey]: value };
  if (!path.length || base === null || typeof base !== 'object') return value;
  const [head, ...rest] = path as [number, ...number[]];
  if (Array.isArray(base)) {
    if (!base.length) return [value];
    const i = head % base.length;
    return base.map((v, j) => (j === i ? plant(v, rest, value, null) : v));
  }
  const keys = Object.keys(base as object);
  if (!keys.length) return { x: value };
  const k = keys[head % keys.length]!;
  return { ...(base as object), [k]: plant((base as Record<string, unknown>)[k], rest, value, null) };
}

/** A valid value broken in one place, or replaced outright, or with a field removed. */
export function hostileFrom(schema: JsonSchema, components: Components): fc.Arbitrary<unknown> {
  const valid = validFrom(schema, components);
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(valid, fc.array(fc.nat(), { maxLength: 4 }), wrongValue).map(([v, path, bad]) => plant(v, path, bad, null)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('__proto__', 'constructor', 'extra', 'id', 'status', 'organisationId', 'actorUserId'), wrongValue)
        .map(([v, k, bad]) => plant(v, [], bad, k)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([v, i]) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
        const keys = Object.keys(v);
        if (!keys.length) return v;
        const { [keys[i % keys.length]!]: _gone, ...rest } = v as Record<string, unknown>;
        return rest;
      }),
    },
    { weight: 1, arbitrary: wrongValue },
  );
}
