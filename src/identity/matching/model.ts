/**
 * Types for the identity matcher.
 *
 * A *subject* is a person an alert is about. She may be known under several identities — aliases,
 * previous names, other dates of birth she has given, previous addresses — and each is indexed as
 * an {@link Identity}. A search returns each subject at most once, through her best-matching
 * identity, so that a woman known under three names does not crowd out everyone else.
 */

/** One indexed identity of a subject. Dates are YYYY-MM-DD; all free text is normalised on add. */
export interface Identity {
  /** Unique id of this identity (one alias / name / DOB / address combination). */
  id: string;
  /** The subject (person) this identity belongs to; many identities may share it. */
  subjectId: string;
  /** Given names; the first is the forename. Middle names and known forename aliases follow. */
  givenNames: string[];
  /** Family names: current first, then previous surnames (maiden name, former married names). */
  familyNames: string[];
  dateOfBirth?: string;
  nhsNumber?: string;
  /** Current and previous postcodes. */
  postcodes: string[];
  /** Estimated date of delivery, YYYY-MM-DD. */
  edd?: string;
  sex?: string;
  /** Other identifiers, compared exactly (local hospital number, FEBRL's soc_sec_id, ...). */
  otherIds?: string[];
}

/** What a searching clinician knows about the person in front of them. Every field is optional. */
export interface Query {
  givenNames?: string[];
  familyNames?: string[];
  dateOfBirth?: string;
  nhsNumber?: string;
  postcodes?: string[];
  edd?: string;
  sex?: string;
  otherIds?: string[];
}

/** The compared fields, in the order explanations are listed. */
export const FIELDS = ['nhsNumber', 'forename', 'surname', 'dateOfBirth', 'postcode', 'edd', 'otherId', 'sex'] as const;
export type FieldName = (typeof FIELDS)[number];

/**
 * Comparison levels per field, most to least agreeing. "missing" (either side not given) is not a
 * level with m/u probabilities: it contributes weight 0.
 */
export const LEVELS = {
  forename: ['exact', 'nickname', 'jw94', 'phonetic', 'jw88', 'swapped', 'initial', 'different'],
  surname: ['exact', 'jw94', 'phonetic', 'jw88', 'swapped', 'initial', 'different'],
  dateOfBirth: ['exact', 'dayMonthSwapped', 'oneEdit', 'yearPlusMinusOne', 'different'],
  postcode: ['full', 'sector', 'district', 'area', 'different'],
  nhsNumber: ['exact', 'transposition', 'oneDigit', 'differentValid', 'invalid'],
  edd: ['within2Weeks', 'within6Weeks', 'different'],
  otherId: ['exact', 'oneEdit', 'different'],
  sex: ['same', 'different'],
} as const satisfies Record<FieldName, readonly string[]>;

export type LevelOf<F extends FieldName> = (typeof LEVELS)[F][number];
export type AnyLevel = LevelOf<FieldName> | 'missing';

/** m = P(level | same person); u = P(level | different people). Weight = log2(m / u). */
export interface MU {
  m: number;
  u: number;
}

export type FieldParameters<F extends FieldName> = Record<LevelOf<F>, MU>;

export type Bands = 'strong' | 'possible' | 'none';

export interface MatchParameters {
  fields: { [F in FieldName]: FieldParameters<F> };
  /**
   * Term-frequency adjustment for exact name matches: u for a name is
   * (count in index + K·u_default) / (identities + K), so small registers lean on the default
   * and large ones on the observed frequency. K is this smoothing constant.
   */
  tfSmoothing: number;
  /**
   * u for a full postcode match when the surname also agrees exactly. Relatives share both
   * (sisters, mother and daughter), so under "different people" the two agreements are far from
   * independent: given the same surname, the same postcode is about 1 in 20, not 1 in 5,000.
   */
  householdPostcodeU: number;
  /** log2 prior odds that a query and one given subject are the same person. */
  priorLog2Odds: number;
  /** Total log2 Bayes factor at or above which a candidate is in the band. */
  thresholds: { strong: number; possible: number };
}

/** One line of a match explanation, e.g. "date of birth: day and month swapped, +7.5". */
export interface FieldExplanation {
  field: FieldName;
  level: AnyLevel;
  /** log2 Bayes factor contributed by this field (0 when not given). */
  weight: number;
  text: string;
}

export interface Candidate {
  subjectId: string;
  /** The identity of the subject that matched best. */
  identityId: string;
  /** Total log2 Bayes factor (sum of field weights). */
  score: number;
  /** Posterior probability of a match given the prior. */
  probability: number;
  band: Bands;
  explanation: FieldExplanation[];
}

export interface SearchOptions {
  /** Maximum subjects returned (default 10). */
  limit?: number;
  /** Drop candidates below this band (default: return all, including 'none'). */
  minBand?: Bands;
}
