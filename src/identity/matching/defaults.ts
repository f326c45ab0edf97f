/**
 * Default Fellegi–Sunter parameters for a small alert register (hundreds to a few thousand
 * subjects, one region) searched by unscheduled-care staff.
 *
 * How to read them. For each field and comparison level, m is the probability of seeing that
 * level when the query and the identity are the same woman, u when they are different people.
 * The weight is log2(m / u): positive is evidence for a match, negative against. m values in a
 * field sum to 1, as do u values (up to rounding), over the levels other than "not given".
 *
 * The m values are set for a register whose subjects may be *trying not to be found*, which is
 * the point of Beacon: they put more mass on "different" than a routine data-quality matcher
 * would (another name, another DOB, an old address), so one disagreeing field does not sink a
 * candidate that agrees elsewhere. The u values come from the chance that two unrelated women
 * in one region agree by coincidence (rough UK name frequencies; ~25 birth years in the maternity
 * population; postcode units of ~40 people, sectors of ~3,000).
 *
 * They can be re-estimated from a register with the EM estimator in estimate.ts. The thresholds
 * were tuned with the benchmark in bench/match (see docs/matching.md for the figures).
 */
import type { MatchParameters } from './model';

export const DEFAULT_PARAMETERS: MatchParameters = {
  fields: {
    forename: {
      // Exact is term-frequency adjusted: this u is the average (sum of squared name shares for
      // UK women's forenames is about 0.5%); a rare forename weighs more, "Emily" less.
      exact: { m: 0.8, u: 0.005 },
      // Beth for Elizabeth: common in real records and in deliberate "softening" of a name.
      nickname: { m: 0.05, u: 0.003 },
      jw94: { m: 0.05, u: 0.002 },
      phonetic: { m: 0.02, u: 0.005 },
      jw88: { m: 0.02, u: 0.01 },
      // Forename given as surname and vice versa (forms, and cultures that put the family name first).
      swapped: { m: 0.01, u: 0.0002 },
      // One side only has an initial, and it agrees.
      initial: { m: 0.02, u: 0.0015 },
      // Aliases are indexed as identities of their own, so a forename that matches nothing is
      // evidence against — but not so strong that an unknown alias hides her.
      different: { m: 0.025, u: 0.9783 },
    },
    surname: {
      // Average u for UK surnames; term-frequency adjusted (Smith weighs less than Okonkwo-Reid).
      exact: { m: 0.78, u: 0.002 },
      jw94: { m: 0.05, u: 0.001 },
      phonetic: { m: 0.03, u: 0.002 },
      jw88: { m: 0.02, u: 0.005 },
      swapped: { m: 0.01, u: 0.00005 },
      initial: { m: 0.005, u: 0.0005 },
      // Surnames change (marriage, partner's name, deliberate). 10% of true matches in a
      // deceptive register is plausible, so "different" costs only about 3.3 bits.
      different: { m: 0.105, u: 0.98945 },
    },
    dateOfBirth: {
      // About 1 in 9,000 unrelated women share a full DOB (25 birth years × 365 days).
      exact: { m: 0.83, u: 0.00011 },
      // 03/04 vs 04/03: a US-style entry or a deliberate change; only possible for days ≤ 12.
      dayMonthSwapped: { m: 0.02, u: 0.00011 },
      // One digit keyed wrong or two adjacent digits swapped (~20 neighbouring dates).
      oneEdit: { m: 0.05, u: 0.002 },
      yearPlusMinusOne: { m: 0.02, u: 0.00022 },
      // A false DOB is a known tactic; 8% keeps a name + address match findable without it.
      different: { m: 0.08, u: 0.99756 },
    },
    postcode: {
      // Best agreement between any query postcode and any postcode known for the identity.
      full: { m: 0.55, u: 0.0002 },
      sector: { m: 0.08, u: 0.004 },
      district: { m: 0.07, u: 0.02 },
      // A regional register: most people share the postcode area, so it says almost nothing.
      area: { m: 0.07, u: 0.2 },
      // She may have moved or give an address she never lived at.
      different: { m: 0.23, u: 0.7758 },
    },
    nhsNumber: {
      // Unique by design; u allows for a number recorded against the wrong person. At 1e-7 an
      // exact number on its own (+23.2) reaches the strong band, as it does in CP-IS, while an
      // exact number with a different name and DOB falls to "possible" for a human to check.
      exact: { m: 0.95, u: 0.0000001 },
      // Given number is invalid and one adjacent swap away from hers (Modulus 11 catches all of these).
      transposition: { m: 0.01, u: 0.000001 },
      // Given number is invalid and one digit away from hers (~8 valid neighbours).
      oneDigit: { m: 0.01, u: 0.00001 },
      // Both valid and different: a different person, or someone else's number given on purpose.
      differentValid: { m: 0.02, u: 0.998 },
      // Given number is invalid and not a near miss: no evidence either way.
      invalid: { m: 0.01, u: 0.01 },
    },
    edd: {
      // EDD moves by a week or two between booking and the dating scan.
      within2Weeks: { m: 0.85, u: 0.1 },
      within6Weeks: { m: 0.1, u: 0.2 },
      different: { m: 0.05, u: 0.7 },
    },
    otherId: {
      exact: { m: 0.8, u: 0.000001 },
      oneEdit: { m: 0.05, u: 0.00001 },
      // Mild: identifiers of different kinds (two trusts' hospital numbers) legitimately differ.
      different: { m: 0.15, u: 0.999989 },
    },
    sex: {
      same: { m: 0.98, u: 0.5 },
      different: { m: 0.02, u: 0.5 },
    },
  },
  tfSmoothing: 2000,
  // Same surname and same full postcode: weighed as one household-level agreement (see model.ts).
  householdPostcodeU: 0.05,
  // Prior: roughly one in 8,000 that a given register subject is the woman at the desk.
  priorLog2Odds: -13,
  // Tuned on the synthetic benchmark for strong-band precision ≥ 0.999 and ≤ 1 strong false
  // alarm per 1,000 people with no alert; see docs/matching.md.
  thresholds: { strong: 22, possible: 10 },
};

/** A deep copy, so callers can adjust parameters without touching the defaults. */
export function cloneParameters(p: MatchParameters = DEFAULT_PARAMETERS): MatchParameters {
  return structuredClone(p);
}
