/**
 * How little someone may search the register with, and what a thin search may return (pure).
 *
 * A search by a first name and a date of birth is allowed because that is sometimes all a woman in
 * labour gives. But "K" with a date of birth, or "Smi" with one, is not a person: it is a way of
 * listing every alert with that birthday. So a name counts toward the minimum only as a whole name
 * (two letters or more, not an initial), and a search that rests on the minimum — no NHS number or
 * other identifier, one kind of name and one of date of birth or full postcode — returns only
 * alerts whose name agrees as a whole name (the same, a known nickname, a close spelling or the same
 * sound, or first and last given the other way round), never by an initial or a prefix.
 */
import { normaliseFamilyName, normaliseGivenName } from './matching/normalise';
import type { FieldExplanation, Query } from './matching/model';

const FULL_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i;
/** Levels at which a name agrees as a whole name. */
const WHOLE_NAME_LEVELS: ReadonlySet<string> = new Set(['exact', 'nickname', 'jw94', 'phonetic', 'swapped']);

/** Name tokens that count as a name: two letters or more (an initial does not). */
export const wholeNameTokens = (tokens: readonly string[]): string[] => tokens.filter((t) => [...t].length >= 2);

const wholeGiven = (names: readonly string[] | undefined) => (names ?? []).some((n) => wholeNameTokens(normaliseGivenName(n)).length > 0);
const wholeFamily = (names: readonly string[] | undefined) => (names ?? []).some((n) => wholeNameTokens(normaliseFamilyName(n)).length > 0);

export type Minimum = { ok: true; thin: boolean } | { ok: false; problem: 'not_enough' | 'partial_postcode_only' };

/**
 * Whether a query is enough to search with, and whether it only just is ("thin"): enough means an NHS
 * number, an identifier, or a whole last name with a date of birth or full postcode, or a whole first
 * name with a date of birth.
 */
export function minimumOf(q: Query): Minimum {
  if (q.nhsNumber || (q.otherIds ?? []).some((i) => i.trim().length >= 4)) return { ok: true, thin: false };
  const given = wholeGiven(q.givenNames);
  const family = wholeFamily(q.familyNames);
  const postcodes = q.postcodes ?? [];
  const fullPostcode = postcodes.some((p) => FULL_POSTCODE.test(p.trim()));
  const dob = !!q.dateOfBirth;
  if ((family && (dob || fullPostcode)) || (given && dob)) {
    // More than the minimum: both names, or a name with both a date of birth and a full postcode.
    const thin = !((given && family && (dob || fullPostcode)) || (dob && fullPostcode));
    return { ok: true, thin };
  }
  if (family && postcodes.length && !fullPostcode) return { ok: false, problem: 'partial_postcode_only' };
  return { ok: false, problem: 'not_enough' };
}

/**
 * For a thin query, whether a candidate found by it agrees on a name as a whole name. A candidate
 * of a fuller query always passes: there the other details carry the match.
 */
export function passesThinGate(thin: boolean, explanation: readonly Pick<FieldExplanation, 'field' | 'level'>[]): boolean {
  if (!thin) return true;
  return explanation.some((e) => (e.field === 'forename' || e.field === 'surname') && WHOLE_NAME_LEVELS.has(e.level));
}
