/**
 * Comparison systems run in the same process as the matcher, behind one interface so that another
 * baseline (e.g. the PostgreSQL trigram search the lead will add) is one more entry in the list.
 */
import type { Identity, Query } from '../../src/identity/matching/model';
import { isValidNhsNumber, normaliseNhsNumber } from '../../src/identity/matching/nhs-number';
import { normaliseFamilyName, normaliseGivenName, parseDate } from '../../src/identity/matching/normalise';
import type { MatchIndex } from '../../src/identity/matching/index';

export interface Hit {
  subjectId: string;
  /** Would this hit raise an alert at the point of care (the engine's strong band; any exact hit for a baseline)? */
  strong: boolean;
  possible: boolean;
}

export interface SearchSystem {
  name: string;
  add(identity: Identity): void;
  search(query: Query, limit: number): Hit[];
}

/** The matcher under test. */
export function engineSystem(index: MatchIndex, name = 'Beacon matcher'): SearchSystem {
  return {
    name,
    add: (i) => index.add(i),
    search: (q, limit) => index.search(q, { limit }).map((c) => ({ subjectId: c.subjectId, strong: c.band === 'strong', possible: c.band !== 'none' })),
  };
}

/** CP-IS model: a hit only on an exactly equal, valid NHS number. */
export function exactNhsBaseline(): SearchSystem {
  const byNhs = new Map<string, Set<string>>();
  return {
    name: 'Baseline: exact NHS number (CP-IS)',
    add(i) {
      const n = normaliseNhsNumber(i.nhsNumber);
      if (!isValidNhsNumber(n)) return;
      let s = byNhs.get(n);
      if (!s) byNhs.set(n, (s = new Set()));
      s.add(i.subjectId);
    },
    search(q, limit) {
      const n = normaliseNhsNumber(q.nhsNumber);
      if (!isValidNhsNumber(n)) return [];
      return [...(byNhs.get(n) ?? [])].slice(0, limit).map((subjectId) => ({ subjectId, strong: true, possible: true }));
    },
  };
}

/** Exact normalised forename + surname + date of birth, against every identity. */
export function exactNameDobBaseline(): SearchSystem {
  const byKey = new Map<string, Set<string>>();
  const keys = (given: string[] | undefined, family: string[] | undefined, dob: string | undefined): string[] => {
    const d = parseDate(dob)?.digits;
    const f = normaliseGivenName(given?.[0])[0];
    if (!d || !f) return [];
    return (family ?? []).flatMap((n) => normaliseFamilyName(n)).map((s) => `${f}|${s}|${d}`);
  };
  return {
    name: 'Baseline: exact name + DOB',
    add(i) {
      for (const k of keys(i.givenNames, i.familyNames, i.dateOfBirth)) {
        let s = byKey.get(k);
        if (!s) byKey.set(k, (s = new Set()));
        s.add(i.subjectId);
      }
    },
    search(q, limit) {
      const out = new Set<string>();
      for (const k of keys(q.givenNames, q.familyNames, q.dateOfBirth)) for (const s of byKey.get(k) ?? []) out.add(s);
      return [...out].slice(0, limit).map((subjectId) => ({ subjectId, strong: true, possible: true }));
    },
  };
}
