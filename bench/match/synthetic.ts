/**
 * Seeded synthetic UK population for the matching benchmark: register subjects (with aliases,
 * previous surnames, other DOBs, previous addresses), the queries they would generate when
 * presenting with each kind of error or deception, and people with no alert.
 *
 * Deterministic: the same seed gives the same people and queries.
 */
import type { Identity, Query } from '../../src/identity/matching/model';
import { generateValidNhsNumber } from '../../src/identity/matching/nhs-number';
import { NICKNAME_GROUPS, nicknameGroups } from '../../src/identity/matching/nicknames';
import { ALL_SURNAMES, ORIGINS, type Origin } from './names';

import { Rng } from '../../src/demo/rng';

export { Rng };

// ---------------------------------------------------------------------------------------------
// Distributions

/** Flattened Zipf (exponent 0.6: the commonest surname ends up near 1.3% of everyone, as Smith is in England) cumulative weights, so early names in a pool are commoner. */
function zipfCdf(n: number, s = 0.6): Float64Array {
  const c = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += 1 / (i + 1) ** s;
    c[i] = acc;
  }
  for (let i = 0; i < n; i++) c[i] = (c[i] as number) / acc;
  return c;
}

function sampleCdf(rng: Rng, cdf: Float64Array): number {
  const x = rng.next();
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface PoolSampler {
  origin: Origin;
  fore: Float64Array;
  sur: Float64Array;
}
const SAMPLERS: PoolSampler[] = ORIGINS.map((o) => ({ origin: o, fore: zipfCdf(o.forenames.length), sur: zipfCdf(o.surnames.length) }));
const ORIGIN_CDF = (() => {
  const c = new Float64Array(ORIGINS.length);
  let acc = 0;
  ORIGINS.forEach((o, i) => {
    acc += o.weight;
    c[i] = acc;
  });
  for (let i = 0; i < c.length; i++) c[i] = (c[i] as number) / acc;
  return c;
})();

function pickOrigin(rng: Rng): PoolSampler {
  return SAMPLERS[sampleCdf(rng, ORIGIN_CDF)] as PoolSampler;
}
function pickForename(rng: Rng, s: PoolSampler): string {
  return s.origin.forenames[sampleCdf(rng, s.fore)] as string;
}
function pickSurname(rng: Rng, s: PoolSampler): string {
  return s.origin.surnames[sampleCdf(rng, s.sur)] as string;
}

// Postcodes: mostly the four Hampshire/IoW partnerships' areas, some from elsewhere.
const LOCAL_DISTRICTS: readonly string[] = [
  ...[14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 32, 40, 41, 42, 43, 45, 50, 51, 52, 53].map((n) => `SO${n}`),
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41].map((n) => `PO${n}`),
  ...[21, 22, 23, 24, 25, 26, 27, 28, 29].map((n) => `RG${n}`),
  ...[11, 12, 13, 14, 30, 31, 32, 33, 34, 35, 46, 51, 52].map((n) => `GU${n}`),
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23, 24, 25].map((n) => `BH${n}`),
  ...[4, 5, 6, 9, 10, 11].map((n) => `SP${n}`),
];
const OTHER_DISTRICTS: readonly string[] = [
  ...Array.from({ length: 29 }, (_, i) => `OX${i + 1}`),
  ...Array.from({ length: 45 }, (_, i) => `BN${i + 1}`),
  ...Array.from({ length: 26 }, (_, i) => `SN${i + 1}`),
  ...Array.from({ length: 11 }, (_, i) => `DT${i + 1}`),
  ...Array.from({ length: 17 }, (_, i) => `E${i + 1}`),
  ...Array.from({ length: 22 }, (_, i) => `N${i + 1}`),
  ...Array.from({ length: 28 }, (_, i) => `SE${i + 1}`),
  ...Array.from({ length: 98 }, (_, i) => `B${i + 1}`),
  ...Array.from({ length: 90 }, (_, i) => `M${i + 1}`),
  ...Array.from({ length: 29 }, (_, i) => `LS${i + 1}`),
];
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

function postcodeIn(rng: Rng, district: string): string {
  return `${district} ${rng.int(10)}${UNIT_LETTERS[rng.int(20)]}${UNIT_LETTERS[rng.int(20)]}`;
}
function randomPostcode(rng: Rng): string {
  return postcodeIn(rng, rng.chance(0.9) ? rng.pick(LOCAL_DISTRICTS) : rng.pick(OTHER_DISTRICTS));
}
function districtOf(pc: string): string {
  return pc.split(' ')[0] as string;
}

const DAY_MS = 86_400_000;
/** Reference "today" for EDDs, fixed so runs are reproducible. */
export const REFERENCE_DAY = Math.round(Date.UTC(2026, 10, 27) / DAY_MS);

function isoFromDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
function randomDob(rng: Rng): string {
  // Women of childbearing age: born 1981–2009.
  const start = Math.round(Date.UTC(1981, 0, 1) / DAY_MS);
  const end = Math.round(Date.UTC(2009, 11, 31) / DAY_MS);
  return isoFromDay(start + rng.int(end - start + 1));
}

// ---------------------------------------------------------------------------------------------
// People

export interface Person {
  subjectId: string;
  origin: string;
  forename: string;
  middle?: string;
  surname: string;
  previousSurnames: string[];
  dob: string;
  /** Another DOB she has given in the past (indexed as an identity of its own). */
  otherDob?: string;
  nhs: string;
  /** Whether the register holds her NHS number. */
  nhsKnown: boolean;
  postcode: string;
  previousPostcodes: string[];
  edd: string;
  hospitalNumber?: string;
  aliases: { forename: string; surname: string }[];
}

/** A person as she really is. `registerDetail` adds the aliases and history an alert would record. */
export function generatePerson(rng: Rng, subjectId: string, registerDetail = true): Person {
  const pool = pickOrigin(rng);
  const forename = pickForename(rng, pool);
  let middle: string | undefined;
  if (rng.chance(0.3)) {
    const m = pickForename(rng, pool);
    if (m !== forename) middle = m;
  }
  const surname = pickSurname(rng, pool);
  const postcode = randomPostcode(rng);
  const p: Person = {
    subjectId,
    origin: pool.origin.name,
    forename,
    surname,
    previousSurnames: [],
    dob: randomDob(rng),
    nhs: generateValidNhsNumber(rng.next),
    nhsKnown: rng.chance(0.85),
    postcode,
    previousPostcodes: [],
    edd: isoFromDay(REFERENCE_DAY - 20 + rng.int(280)),
    aliases: [],
  };
  if (middle) p.middle = middle;
  if (rng.chance(0.4)) p.hospitalNumber = `RHM${String(1_000_000 + rng.int(9_000_000))}`;
  if (!registerDetail) return p;
  if (rng.chance(0.2)) {
    const prev = rng.pick(ALL_SURNAMES);
    if (prev !== surname) p.previousSurnames.push(prev);
  }
  if (rng.chance(0.4)) {
    const n = 1 + rng.int(2);
    for (let i = 0; i < n; i++) {
      // Most moves are local.
      p.previousPostcodes.push(rng.chance(0.6) ? postcodeIn(rng, districtOf(postcode)) : randomPostcode(rng));
    }
  }
  if (rng.chance(0.25)) {
    const n = 1 + rng.int(2);
    for (let i = 0; i < n; i++) {
      const f = pickForename(rng, pickOrigin(rng));
      const s = rng.chance(0.5) ? surname : rng.pick(ALL_SURNAMES);
      if (f !== forename) p.aliases.push({ forename: f, surname: s });
    }
  }
  if (rng.chance(0.1)) p.otherDob = randomDob(rng);
  return p;
}

/** The identities an alert about this person would index. */
export function personIdentities(p: Person): Identity[] {
  const base = {
    subjectId: p.subjectId,
    postcodes: [p.postcode, ...p.previousPostcodes],
    edd: p.edd,
    sex: 'F',
    ...(p.nhsKnown ? { nhsNumber: p.nhs } : {}),
    ...(p.hospitalNumber ? { otherIds: [p.hospitalNumber] } : {}),
  };
  const given = p.middle ? [p.forename, p.middle] : [p.forename];
  const out: Identity[] = [{ ...base, id: `${p.subjectId}/main`, givenNames: given, familyNames: [p.surname, ...p.previousSurnames], dateOfBirth: p.dob }];
  p.aliases.forEach((a, i) => {
    out.push({ ...base, id: `${p.subjectId}/alias${i + 1}`, givenNames: [a.forename], familyNames: [a.surname], dateOfBirth: p.dob });
  });
  if (p.otherDob) {
    out.push({ ...base, id: `${p.subjectId}/dob2`, givenNames: given, familyNames: [p.surname], dateOfBirth: p.otherDob });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Corruptions: what she says at the desk, versus what the alert holds

export const SINGLE_CORRUPTIONS = [
  'clean',
  'missingNhs',
  'typo',
  'phonetic',
  'nickname',
  'alias',
  'surnameChange',
  'nameSwap',
  'dobDayMonthSwap',
  'dobTransposition',
  'dobYear',
  'oldPostcode',
  'newAddress',
  'nhsTransposed',
  'missingFields',
] as const;
export type SingleCorruption = (typeof SINGLE_CORRUPTIONS)[number];

/** Combinations reported as their own rows. */
export const COMBINED_CORRUPTIONS: readonly (readonly SingleCorruption[])[] = [
  ['nickname', 'newAddress'],
  ['typo', 'dobTransposition'],
  ['surnameChange', 'oldPostcode'],
  ['alias', 'dobYear'],
  ['nameSwap', 'typo'],
  ['phonetic', 'dobDayMonthSwap'],
  ['surnameChange', 'newAddress'],
  ['nickname', 'surnameChange', 'dobDayMonthSwap'],
  ['typo', 'newAddress', 'missingFields'],
];

export function corruptionLabel(c: readonly SingleCorruption[]): string {
  return c.join(' + ');
}

interface Draft {
  forename: string;
  middle?: string | undefined;
  surname: string;
  dob?: string | undefined;
  nhs?: string | undefined;
  postcode?: string | undefined;
  edd?: string | undefined;
  otherId?: string | undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function typo(rng: Rng, s: string): string {
  if (s.length < 2) return s + LETTERS[rng.int(26)];
  for (let tries = 0; tries < 10; tries++) {
    const i = rng.int(s.length);
    let out: string;
    switch (rng.int(4)) {
      case 0:
        out = s.slice(0, i) + LETTERS[rng.int(26)] + s.slice(i + 1);
        break;
      case 1:
        out = s.length > 3 ? s.slice(0, i) + s.slice(i + 1) : s + LETTERS[rng.int(26)];
        break;
      case 2:
        out = s.slice(0, i) + LETTERS[rng.int(26)] + s.slice(i);
        break;
      default:
        out = i + 1 < s.length ? s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2) : s.slice(0, -1) + LETTERS[rng.int(26)];
    }
    if (out !== s && /[a-z]/.test(out)) return out;
  }
  return `${s}e`;
}

const RESPELLINGS: readonly [RegExp, string][] = [
  [/ph/, 'f'],
  [/f/, 'ph'],
  [/ck/, 'k'],
  [/c(?=[aou])/, 'k'],
  [/k/, 'c'],
  [/ie$/, 'y'],
  [/y$/, 'ie'],
  [/ee/, 'ea'],
  [/ea/, 'ee'],
  [/ou/, 'ow'],
  [/ai/, 'ay'],
  [/ey$/, 'y'],
  [/z/, 's'],
  [/s(?=[aeiou])/, 'z'],
  [/th/, 't'],
  [/^mc/, 'mac'],
  [/^mac/, 'mc'],
  [/ll/, 'l'],
  [/([^l])l([aeiouy])/, '$1ll$2'],
  [/nn/, 'n'],
  [/tt/, 't'],
  [/([aeiou])t([aeiouy])/, '$1tt$2'],
  [/ss/, 's'],
  [/ei/, 'ie'],
  [/ie(?!$)/, 'ei'],
  [/w/, 'v'],
  [/x/, 'ks'],
  [/i(?=[^aeiou]*$)/, 'y'],
  [/oo/, 'u'],
  [/a$/, 'ah'],
  [/ah$/, 'a'],
  [/e$/, ''],
  [/([^e])$/, '$1e'],
  [/sh/, 'sch'],
  [/ou/, 'u'],
  [/j/, 'dj'],
  [/q/, 'k'],
  [/gh/, 'g'],
  [/ch/, 'sh'],
];

function respell(rng: Rng, s: string): string {
  const applicable = RESPELLINGS.filter(([re]) => re.test(s));
  for (let tries = 0; tries < 6 && applicable.length; tries++) {
    const [re, rep] = rng.pick(applicable);
    const out = s.replace(re, rep);
    if (out !== s && out.length >= 2) return out;
  }
  return s.endsWith('e') ? s.slice(0, -1) : `${s}e`;
}

function nicknameOf(rng: Rng, name: string): string | null {
  const options = new Set<string>();
  for (const g of nicknameGroups(name)) for (const n of NICKNAME_GROUPS[g] ?? []) if (n !== name && /^[a-z]+$/.test(n)) options.add(n);
  return options.size ? rng.pick([...options]) : null;
}

function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}
function isRealDate(digits: string): boolean {
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  const dt = new Date(Date.UTC(y, m - 1, d));
  return m >= 1 && m <= 12 && dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}
function digitsToIso(d: string): string {
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** Apply one corruption to a draft. Returns false when it does not apply to this person. */
function apply(rng: Rng, c: SingleCorruption, d: Draft, p: Person): boolean {
  switch (c) {
    case 'clean':
      d.nhs = p.nhs;
      return true;
    case 'missingNhs':
      d.nhs = undefined;
      return true;
    case 'typo':
      if (rng.chance(0.5)) d.forename = typo(rng, d.forename);
      else d.surname = typo(rng, d.surname);
      return true;
    case 'phonetic':
      if (rng.chance(0.5)) d.surname = respell(rng, d.surname);
      else d.forename = respell(rng, d.forename);
      return true;
    case 'nickname': {
      const n = nicknameOf(rng, d.forename);
      if (!n) return false;
      d.forename = n;
      return true;
    }
    case 'alias': {
      if (!p.aliases.length) return false;
      const a = rng.pick(p.aliases);
      d.forename = a.forename;
      d.surname = a.surname;
      d.middle = undefined;
      return true;
    }
    case 'surnameChange': {
      let s = rng.pick(ALL_SURNAMES);
      while (s === p.surname || p.previousSurnames.includes(s) || p.aliases.some((a) => a.surname === s)) s = rng.pick(ALL_SURNAMES);
      d.surname = s;
      return true;
    }
    case 'nameSwap': {
      const f = d.forename;
      d.forename = d.surname;
      d.surname = f;
      d.middle = undefined;
      return true;
    }
    case 'dobDayMonthSwap': {
      if (!d.dob) return false;
      const [y, m, dd] = d.dob.split('-');
      if (Number(dd) > 12 || m === dd) return false;
      d.dob = `${y}-${dd}-${m}`;
      return true;
    }
    case 'dobTransposition': {
      if (!d.dob) return false;
      const digits = d.dob.replace(/-/g, '');
      const options: string[] = [];
      for (let i = 0; i < 7; i++) {
        if (digits[i] === digits[i + 1]) continue;
        const t = digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
        // Typos that make an implausible year (e.g. 1098) would be caught at entry; skip them.
        const year = Number(t.slice(0, 4));
        if (isRealDate(t) && year >= 1900 && year <= 2026) options.push(t);
      }
      if (!options.length) return false;
      d.dob = digitsToIso(rng.pick(options));
      return true;
    }
    case 'dobYear': {
      if (!d.dob) return false;
      const y = Number(d.dob.slice(0, 4)) + (rng.chance(0.5) ? 1 : -1);
      const t = `${y}${d.dob.slice(5, 7)}${d.dob.slice(8, 10)}`;
      if (!isRealDate(t)) return false;
      d.dob = digitsToIso(t);
      return true;
    }
    case 'oldPostcode':
      if (!p.previousPostcodes.length) return false;
      d.postcode = rng.pick(p.previousPostcodes);
      return true;
    case 'newAddress':
      d.postcode = randomPostcode(rng);
      return true;
    case 'nhsTransposed': {
      const s = p.nhs;
      if (!p.nhsKnown) return false;
      const options: string[] = [];
      for (let i = 0; i < 9; i++) if (s[i] !== s[i + 1]) options.push(s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2));
      d.nhs = rng.pick(options);
      return true;
    }
    case 'missingFields': {
      const fields = ['dob', 'postcode', 'edd', 'middle'] as const;
      const a = rng.int(4);
      let b = rng.int(3);
      if (b >= a) b++;
      for (const i of [a, b]) d[fields[i] as 'dob'] = undefined;
      return true;
    }
  }
}

/**
 * The query she generates with the given corruptions, or null when one does not apply (no alias
 * to use, a DOB that cannot be day–month swapped...). Without an NHS corruption or 'clean', the
 * NHS number is withheld: the case CP-IS cannot handle and this matcher is for.
 */
export function makeQuery(rng: Rng, p: Person, corruptions: readonly SingleCorruption[]): Query | null {
  const d: Draft = {
    forename: p.forename,
    middle: rng.chance(0.3) ? p.middle : undefined,
    surname: p.surname,
    dob: p.dob,
    postcode: p.postcode,
    // The due date she gives, or the booking unit's, drifts by a few days.
    edd: rng.chance(0.7) ? isoFromDay(dayOf(p.edd) + rng.int(15) - 7) : undefined,
    otherId: p.hospitalNumber && rng.chance(0.2) ? p.hospitalNumber : undefined,
  };
  for (const c of corruptions) if (!apply(rng, c, d, p)) return null;
  return draftToQuery(d);
}

function draftToQuery(d: Draft): Query {
  const q: Query = {
    givenNames: d.middle ? [d.forename, d.middle] : [d.forename],
    familyNames: [d.surname],
    postcodes: d.postcode ? [d.postcode] : [],
    sex: 'F',
  };
  if (d.dob) q.dateOfBirth = d.dob;
  if (d.nhs) q.nhsNumber = d.nhs;
  if (d.edd) q.edd = d.edd;
  if (d.otherId) q.otherIds = [d.otherId];
  return q;
}

export type NoAlertKind = 'random' | 'sister' | 'sameName';

/**
 * A woman with no alert presenting for care. Most are random members of the population; some
 * are deliberately hard: a sister of a subject (same surname and address), or a namesake (same
 * forename and surname, otherwise unrelated).
 */
export function noAlertQuery(rng: Rng, register: readonly Person[], kind: NoAlertKind, id: string): Query {
  const p = generatePerson(rng, id, false);
  const d: Draft = {
    forename: p.forename,
    middle: rng.chance(0.3) ? p.middle : undefined,
    surname: p.surname,
    dob: p.dob,
    nhs: rng.chance(0.5) ? p.nhs : undefined,
    postcode: p.postcode,
    edd: rng.chance(0.7) ? p.edd : undefined,
  };
  const rel = register.length ? rng.pick(register) : null;
  if (rel && kind === 'sister') {
    d.surname = rel.surname;
    d.postcode = rel.postcode;
    if (d.forename === rel.forename) d.forename = typo(rng, d.forename);
  } else if (rel && kind === 'sameName') {
    d.forename = rel.forename;
    d.surname = rel.surname;
  }
  return draftToQuery(d);
}
