/**
 * Turning an Identity or a Query into the normalised, comparison-ready form the scorer and the
 * index share. Name tokens carry their phonetic codes and nickname groups, computed once: the
 * index interns tokens so each distinct name is prepared once however many identities carry it.
 */
import type { Identity, Query } from './model';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number';
import { nicknameGroups } from './nicknames';
import { dayNumber, normaliseNameList, parseDate, parsePostcode, type PostcodeParts } from './normalise';
import { phoneticKeys } from './phonetic';

/** A normalised name token with everything the comparisons need. */
export interface NameToken {
  readonly s: string;
  /** Double Metaphone primary and secondary codes ('' when none). */
  readonly p1: string;
  readonly p2: string;
  /** Nickname groups (indexes into NICKNAME_GROUPS). */
  readonly groups: readonly number[];
}

export type Sex = 'f' | 'm';

/** The comparison-ready form of an identity or a query. Absent fields are null / empty. */
export interface PreparedRecord {
  /** Given-name tokens, forename first. */
  readonly given: readonly NameToken[];
  /** Family-name tokens, current surname first. */
  readonly family: readonly NameToken[];
  /** DOB as the eight digits YYYYMMDD (kept even if not a real date). */
  readonly dob: string | null;
  /** Normalised NHS number (ten digits, or whatever was given, for a transposition check). */
  readonly nhs: string | null;
  readonly nhsValid: boolean;
  readonly postcodes: readonly PostcodeParts[];
  /** EDD as days since 1970-01-01. */
  readonly eddDay: number | null;
  readonly sex: Sex | null;
  readonly otherIds: readonly string[];
}

export function makeNameToken(s: string): NameToken {
  const k = phoneticKeys(s);
  return { s, p1: k.primary, p2: k.secondary, groups: nicknameGroups(s) };
}

/** Supplies NameTokens: the index passes an interning version, tests a plain one. */
export type TokenSource = (s: string) => NameToken;

const EMPTY: readonly never[] = Object.freeze([]) as readonly never[];

export function normaliseSex(raw: string | undefined | null): Sex | null {
  if (raw == null) return null;
  const s = String(raw).trim().toLowerCase();
  if (s === 'f' || s === 'female' || s === 'w' || s === 'woman' || s === '2') return 'f';
  if (s === 'm' || s === 'male' || s === 'man' || s === '1') return 'm';
  return null;
}

function normaliseOtherId(raw: string): string {
  return String(raw)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/**
 * Prepare an identity or query. Never throws on odd input: unparseable values become "not
 * given". `postcodeSource` lets the index share one PostcodeParts object per distinct postcode.
 */
export function prepareRecord(
  r: Query | Identity,
  tokenSource: TokenSource = makeNameToken,
  postcodeSource: (raw: string) => PostcodeParts | null = parsePostcode,
): PreparedRecord {
  const given = normaliseNameList(asStrings(r.givenNames), 'given');
  const family = normaliseNameList(asStrings(r.familyNames), 'family');
  const dob = typeof r.dateOfBirth === 'string' ? (parseDate(r.dateOfBirth)?.digits ?? null) : null;
  const nhsRaw = typeof r.nhsNumber === 'string' ? normaliseNhsNumber(r.nhsNumber) : '';
  const postcodes: PostcodeParts[] = [];
  for (const p of asStrings(r.postcodes)) {
    const parts = postcodeSource(p);
    if (parts && !postcodes.some((x) => samePostcode(x, parts))) postcodes.push(parts);
  }
  const otherIds: string[] = [];
  for (const o of asStrings(r.otherIds)) {
    const n = normaliseOtherId(o);
    if (n && !otherIds.includes(n)) otherIds.push(n);
  }
  return {
    given: given.length ? given.map(tokenSource) : EMPTY,
    family: family.length ? family.map(tokenSource) : EMPTY,
    dob,
    nhs: nhsRaw ? nhsRaw : null,
    nhsValid: nhsRaw ? isValidNhsNumber(nhsRaw) : false,
    postcodes: postcodes.length ? postcodes : EMPTY,
    eddDay: typeof r.edd === 'string' ? dayNumber(r.edd) : null,
    sex: typeof r.sex === 'string' ? normaliseSex(r.sex) : null,
    otherIds: otherIds.length ? otherIds : EMPTY,
  };
}

function samePostcode(a: PostcodeParts, b: PostcodeParts): boolean {
  return a.full === b.full && a.sector === b.sector && a.district === b.district;
}

/** Defensive: callers may pass undefined, a single string or non-strings from parsed JSON. */
function asStrings(v: unknown): string[] {
  if (v == null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is string => typeof x === 'string');
}
