/**
 * Fellegi–Sunter scoring: each field is compared to a discrete level, each level carries a
 * weight log2(m/u), and the weights add up to a total log2 Bayes factor. The total, plus a prior,
 * gives a probability; fixed thresholds on the total give the band.
 *
 * Names and identifiers are compared against every value the identity holds (all given names,
 * current and previous surnames, all postcodes) and the best agreement is taken.
 */
import { type AnyLevel, type Bands, FIELDS, type FieldExplanation, type FieldName, LEVELS, type LevelOf, type MatchParameters } from './model';
import type { PostcodeParts } from './normalise';
import type { NameToken, PreparedRecord } from './prepare';
import * as metrics from './string-metrics';

// Local bindings for the hot path (see the note in compact.ts about loaders and live bindings).
const damerauLevenshtein = metrics.damerauLevenshtein;
const differsByOneSubstitution = metrics.differsByOneSubstitution;
const isAdjacentTransposition = metrics.isAdjacentTransposition;
const jaroWinkler = metrics.jaroWinkler;

/** Level indexes (positions in LEVELS[field]); MISSING marks "not given on one side". */
export const MISSING = -1;

/** Where exact-name u probabilities come from (the index's counts); absent means defaults. */
export interface TermFrequencies {
  /** Number of identities whose given names include the token. */
  givenCount(token: string): number;
  /** Number of identities whose family names include the token. */
  familyCount(token: string): number;
  /** Number of identities the counts are over. */
  readonly total: number;
}

/** Parameters with weights precomputed, so scoring a pair does no logarithms except for TF. */
export interface CompiledParameters {
  readonly params: MatchParameters;
  readonly weights: { readonly [F in FieldName]: Float64Array };
}

export function compileParameters(params: MatchParameters): CompiledParameters {
  const weights = {} as { [F in FieldName]: Float64Array };
  for (const f of FIELDS) {
    const levels = LEVELS[f] as readonly string[];
    const table = params.fields[f] as Record<string, { m: number; u: number }>;
    const arr = new Float64Array(levels.length);
    levels.forEach((lvl, i) => {
      const mu = table[lvl];
      if (!mu) throw new Error(`missing m/u for ${f}.${lvl}`);
      arr[i] = Math.log2(clampP(mu.m) / clampP(mu.u));
    });
    weights[f] = arr;
  }
  return { params, weights };
}

function clampP(p: number): number {
  return Math.min(1 - 1e-12, Math.max(1e-12, p));
}

// ---------------------------------------------------------------------------------------------
// Field comparisons. Each returns a level index (into LEVELS[field]) or MISSING.

export const NAME = {
  exact: 0,
  nickname: 1,
  jw94: 2,
  phonetic: 3,
  jw88: 4,
  swapped: 5,
  initial: 6,
  different: 7,
} as const;
/** Surname levels are the forename ones without "nickname"; map between the two numberings. */
export const SURNAME_FROM_NAME = [0, -1, 1, 2, 3, 4, 5, 6] as const;
/** Surname level numbers used in the logic below. */
export const SURNAME_EXACT = 0;
export const SURNAME_PHONETIC = 2;
export const SURNAME_SWAPPED = 4;

function phoneticEqual(a: NameToken, b: NameToken): boolean {
  if (!a.p1 || !b.p1) return false;
  return a.p1 === b.p1 || a.p1 === b.p2 || a.p2 === b.p1 || a.p2 === b.p2;
}

function sharesGroup(a: NameToken, b: NameToken): boolean {
  const ga = a.groups;
  if (ga.length === 0 || b.groups.length === 0) return false;
  for (let i = 0; i < ga.length; i++) if (b.groups.includes(ga[i] as number)) return true;
  return false;
}

/** Level for one pair of name tokens, in the forename numbering. */
export function compareNameTokens(a: NameToken, b: NameToken, allowNickname: boolean): number {
  if (a.s === b.s) return NAME.exact;
  const la = a.s.length;
  const lb = b.s.length;
  if (la === 1 || lb === 1) {
    return a.s.charCodeAt(0) === b.s.charCodeAt(0) ? NAME.initial : NAME.different;
  }
  if (allowNickname && sharesGroup(a, b)) return NAME.nickname;
  const jw = jaroWinkler(a.s, b.s);
  if (jw >= 0.94) return NAME.jw94;
  if (phoneticEqual(a, b)) return NAME.phonetic;
  if (jw >= 0.88) return NAME.jw88;
  return NAME.different;
}

/** Best (lowest) level over all token pairs; also reports which identity token gave it. */
function bestNameLevel(qs: readonly NameToken[], rs: readonly NameToken[], allowNickname: boolean, out: { token: NameToken | null }): number {
  let best: number = NAME.different;
  out.token = null;
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i] as NameToken;
    for (let j = 0; j < rs.length; j++) {
      const r = rs[j] as NameToken;
      const lvl = compareNameTokens(q, r, allowNickname);
      if (out.token === null || lvl < best) {
        best = lvl;
        out.token = r;
      }
      if (best === NAME.exact) return best;
    }
  }
  return best;
}

export const DOB = { exact: 0, dayMonthSwapped: 1, oneEdit: 2, yearPlusMinusOne: 3, different: 4 } as const;

export function compareDob(a: string | null, b: string | null): number {
  if (!a || !b) return MISSING;
  return compareDobNumbers(Number(a), Number(b));
}

const digitsA = new Int8Array(8);
const digitsB = new Int8Array(8);

/**
 * DOB comparison on YYYYMMDD numbers (0 = not given), so the index can keep dates in typed
 * arrays. One edit = exactly one of the eight digits different, or two adjacent digits swapped.
 */
export function compareDobNumbers(a: number, b: number): number {
  if (a === 0 || b === 0) return MISSING;
  if (a === b) return DOB.exact;
  const ya = Math.floor(a / 10000);
  const yb = Math.floor(b / 10000);
  const ma = Math.floor(a / 100) % 100;
  const mb = Math.floor(b / 100) % 100;
  const da = a % 100;
  const db = b % 100;
  if (ya === yb && ma === db && da === mb && ma !== da) return DOB.dayMonthSwapped;
  let x = a;
  let y = b;
  for (let i = 7; i >= 0; i--) {
    digitsA[i] = x % 10;
    digitsB[i] = y % 10;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
  }
  let first = -1;
  let diffs = 0;
  for (let i = 0; i < 8; i++) {
    if (digitsA[i] !== digitsB[i]) {
      if (first < 0) first = i;
      diffs++;
    }
  }
  if (diffs === 1) return DOB.oneEdit;
  if (diffs === 2 && first < 7 && digitsA[first] === digitsB[first + 1] && digitsA[first + 1] === digitsB[first]) {
    return DOB.oneEdit;
  }
  if (ma === mb && da === db && Math.abs(ya - yb) === 1) return DOB.yearPlusMinusOne;
  return DOB.different;
}

export const POSTCODE = { full: 0, sector: 1, district: 2, area: 3, different: 4 } as const;

function comparePostcodePair(a: PostcodeParts, b: PostcodeParts): number {
  // Finer levels imply the district matches, so test the district first: most pairs differ there.
  if (a.district === undefined || b.district === undefined) {
    if (a.full !== undefined && a.full === b.full) return POSTCODE.full;
    return a.area !== undefined && a.area === b.area ? POSTCODE.area : POSTCODE.different;
  }
  if (a.district === b.district) {
    if (a.full !== undefined && a.full === b.full) return POSTCODE.full;
    if (a.sector !== undefined && a.sector === b.sector) return POSTCODE.sector;
    return POSTCODE.district;
  }
  if (a.area !== undefined && a.area === b.area) return POSTCODE.area;
  return POSTCODE.different;
}

export function comparePostcodes(qs: readonly PostcodeParts[], rs: readonly PostcodeParts[]): number {
  if (qs.length === 0 || rs.length === 0) return MISSING;
  let best: number = POSTCODE.different;
  for (const q of qs) {
    for (const r of rs) {
      const lvl = comparePostcodePair(q, r);
      if (lvl < best) best = lvl;
      if (best === POSTCODE.full) return best;
    }
  }
  return best;
}

export const NHS = { exact: 0, transposition: 1, oneDigit: 2, differentValid: 3, invalid: 4 } as const;

export function compareNhs(q: string | null, qValid: boolean, r: string | null, rValid: boolean): number {
  if (!q || !r) return MISSING;
  if (q === r) return NHS.exact;
  if (qValid && rValid) return NHS.differentValid;
  // One side is invalid: that is a keying error; is it a near miss of the other?
  if (q.length === 10 && r.length === 10) {
    if (isAdjacentTransposition(q, r)) return NHS.transposition;
    if (differsByOneSubstitution(q, r)) return NHS.oneDigit;
  }
  return NHS.invalid;
}

export const EDD = { within2Weeks: 0, within6Weeks: 1, different: 2 } as const;

export function compareEdd(a: number | null, b: number | null): number {
  if (a === null || b === null) return MISSING;
  const d = Math.abs(a - b);
  if (d <= 14) return EDD.within2Weeks;
  if (d <= 42) return EDD.within6Weeks;
  return EDD.different;
}

export const OTHER_ID = { exact: 0, oneEdit: 1, different: 2 } as const;

export function compareOtherIds(qs: readonly string[], rs: readonly string[]): number {
  if (qs.length === 0 || rs.length === 0) return MISSING;
  let best: number = OTHER_ID.different;
  for (const q of qs) {
    for (const r of rs) {
      if (q === r) return OTHER_ID.exact;
      // One edit is only meaningful for identifiers long enough not to collide by chance.
      if (best > OTHER_ID.oneEdit && q.length >= 5 && Math.abs(q.length - r.length) <= 1 && damerauLevenshtein(q, r) === 1) {
        best = OTHER_ID.oneEdit;
      }
    }
  }
  return best;
}

export function compareSex(a: string | null, b: string | null): number {
  if (!a || !b) return MISSING;
  return a === b ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Whole-record scoring

/** Comparison vector: one level index (or MISSING) per field, in FIELDS order. */
export type ComparisonVector = Int8Array;

/** Field positions in a ComparisonVector. */
export const FIELD_INDEX: { readonly [F in FieldName]: number } = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as { [F in FieldName]: number };

const scratchToken = { token: null as NameToken | null };

interface NameOutcome {
  foreLevel: number;
  surLevel: number;
  foreWeight: number;
  surWeight: number;
  foreTf: number;
  surTf: number;
}
const nameOutcome: NameOutcome = { foreLevel: MISSING, surLevel: MISSING, foreWeight: 0, surWeight: 0, foreTf: 0, surTf: 0 };

/** The smallest term-frequency u among identity tokens that equal some query token. */
function minExactU(qs: readonly NameToken[], rs: readonly NameToken[], count: (token: string) => number, total: number, u0: number, k: number): number {
  let best = Infinity;
  for (const r of rs) {
    for (const q of qs) {
      if (q.s === r.s) {
        best = Math.min(best, tfU(count(r.s), total, u0, k));
        break;
      }
    }
  }
  return best === Infinity ? u0 : best;
}

/**
 * Cheap pre-check before the full swapped comparison: a swap at level jw88 or better almost
 * always keeps the first letter or the first phonetic symbol of both names.
 */
function mayBeSwapped(q: PreparedRecord, r: PreparedRecord): boolean {
  return anyInitialAgrees(q.given, r.family) && anyInitialAgrees(q.family, r.given);
}

export function anyInitialAgrees(a: readonly NameToken[], b: readonly NameToken[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as NameToken;
    for (let j = 0; j < b.length; j++) {
      const y = b[j] as NameToken;
      if (x.s.charCodeAt(0) === y.s.charCodeAt(0) || (x.p1 !== '' && x.p1.charCodeAt(0) === y.p1.charCodeAt(0))) return true;
    }
  }
  return false;
}

/**
 * The weight of the same full postcode when the surname is the same too (a relative at the same address
 * looks like that): capped at household level, but never below what the same postcode sector alone is
 * worth, so that agreeing on more can never count for less (a woman's own record must not rank below a
 * namesake's in the next street).
 */
export function householdPostcodeWeight(
  fullWeight: number,
  sectorWeight: number,
  p: { fields: { postcode: { full: { m: number } } }; householdPostcodeU: number },
): number {
  return Math.min(fullWeight, Math.max(sectorWeight, Math.log2(p.fields.postcode.full.m / p.householdPostcodeU)));
}

/**
 * u for an exact name match, adjusted for how common the name is in the index:
 * (count + K·u0) / (N + K). With no counts, it is the default u0.
 */
export function tfU(count: number, total: number, u0: number, k: number): number {
  return (count + k * u0) / (total + k);
}

function scoreNames(q: PreparedRecord, r: PreparedRecord, cp: CompiledParameters, tf: TermFrequencies | null): void {
  const o = nameOutcome;
  const wF = cp.weights.forename;
  const wS = cp.weights.surname;
  const p = cp.params;
  o.foreTf = 0;
  o.surTf = 0;
  const haveF = q.given.length > 0 && r.given.length > 0;
  const haveS = q.family.length > 0 && r.family.length > 0;
  let fl: number = MISSING;
  let fw = 0;
  if (haveF) {
    fl = bestNameLevel(q.given, r.given, true, scratchToken);
    if (fl === NAME.exact && tf) {
      // Several names may agree exactly (she gave two given names): count the rarest.
      const u = minExactU(q.given, r.given, (t) => tf.givenCount(t), tf.total, p.fields.forename.exact.u, p.tfSmoothing);
      o.foreTf = u;
      fw = Math.max(wF[NAME.jw94] as number, Math.log2(p.fields.forename.exact.m / u));
    } else {
      fw = wF[fl] as number;
    }
  }
  let sl: number = MISSING;
  let sw = 0;
  if (haveS) {
    const nl = bestNameLevel(q.family, r.family, false, scratchToken);
    sl = SURNAME_FROM_NAME[nl as 0] as number;
    if (sl === 0 && tf) {
      const u = minExactU(q.family, r.family, (t) => tf.familyCount(t), tf.total, p.fields.surname.exact.u, p.tfSmoothing);
      o.surTf = u;
      sw = Math.max(wS[1] as number, Math.log2(p.fields.surname.exact.m / u));
    } else {
      sw = wS[sl] as number;
    }
  }
  // Forename and surname the other way round? Only considered when both are given on both sides
  // and the straight comparison is weak.
  if (haveF && haveS && fl >= NAME.phonetic && sl >= 2 && mayBeSwapped(q, r)) {
    const fx = bestNameLevel(q.given, r.family, false, scratchToken);
    if (fx <= NAME.jw88) {
      const sx = bestNameLevel(q.family, r.given, true, scratchToken);
      if (sx <= NAME.jw88) {
        const swF = wF[NAME.swapped] as number;
        const swS = wS[4] as number;
        if (swF + swS > fw + sw) {
          fl = NAME.swapped;
          sl = 4;
          fw = swF;
          sw = swS;
          o.foreTf = 0;
          o.surTf = 0;
        }
      }
    }
  }
  o.foreLevel = fl;
  o.surLevel = sl;
  o.foreWeight = fw;
  o.surWeight = sw;
}

/**
 * Total log2 Bayes factor for a query against one identity. Fills `vector` (if given) with the
 * level per field and `explain` (if given) with one line per field; both optional so the hot
 * path in the index allocates nothing.
 */
export function scorePair(
  q: PreparedRecord,
  r: PreparedRecord,
  cp: CompiledParameters,
  tf: TermFrequencies | null,
  vector?: ComparisonVector,
  explain?: FieldExplanation[],
): number {
  const w = cp.weights;
  let total = 0;

  const nhs = compareNhs(q.nhs, q.nhsValid, r.nhs, r.nhsValid);
  const nhsW = nhs === MISSING ? 0 : (w.nhsNumber[nhs] as number);
  total += nhsW;

  scoreNames(q, r, cp, tf);
  const { foreLevel, surLevel, foreWeight, surWeight, foreTf, surTf } = nameOutcome;
  total += foreWeight + surWeight;

  const dob = compareDob(q.dob, r.dob);
  const dobW = dob === MISSING ? 0 : (w.dateOfBirth[dob] as number);
  total += dobW;

  const pc = comparePostcodes(q.postcodes, r.postcodes);
  let pcW = pc === MISSING ? 0 : (w.postcode[pc] as number);
  // Same surname at the same address is what a sister or mother looks like too: count the
  // postcode as household-level evidence, not as an independent coincidence.
  const household = pc === POSTCODE.full && surLevel === 0;
  if (household) pcW = householdPostcodeWeight(pcW, w.postcode[POSTCODE.sector] as number, cp.params);
  total += pcW;

  const edd = compareEdd(q.eddDay, r.eddDay);
  const eddW = edd === MISSING ? 0 : (w.edd[edd] as number);
  total += eddW;

  const oid = compareOtherIds(q.otherIds, r.otherIds);
  const oidW = oid === MISSING ? 0 : (w.otherId[oid] as number);
  total += oidW;

  const sex = compareSex(q.sex, r.sex);
  const sexW = sex === MISSING ? 0 : (w.sex[sex] as number);
  total += sexW;

  if (vector) {
    vector[0] = nhs;
    vector[1] = foreLevel;
    vector[2] = surLevel;
    vector[3] = dob;
    vector[4] = pc;
    vector[5] = edd;
    vector[6] = oid;
    vector[7] = sex;
  }
  if (explain) {
    explain.push(
      explainField('nhsNumber', nhs, nhsW),
      explainField('forename', foreLevel, foreWeight, tfNote(foreTf, cp.params.fields.forename.exact.u)),
      explainField('surname', surLevel, surWeight, tfNote(surTf, cp.params.fields.surname.exact.u)),
      explainField('dateOfBirth', dob, dobW),
      explainField('postcode', pc, pcW, household ? ' (with the same surname: could be a relative at the same address)' : ''),
      explainField('edd', edd, eddW),
      explainField('otherId', oid, oidW),
      explainField('sex', sex, sexW),
    );
  }
  return total;
}

function tfNote(u: number, u0: number): string {
  if (u <= 0) return '';
  if (u > 2 * u0) return ' (common name)';
  if (u < 0.5 * u0) return ' (uncommon name)';
  return '';
}

// ---------------------------------------------------------------------------------------------
// Explanations

export const FIELD_LABELS: { readonly [F in FieldName]: string } = {
  nhsNumber: 'NHS number',
  forename: 'forename',
  surname: 'surname',
  dateOfBirth: 'date of birth',
  postcode: 'postcode',
  edd: 'due date (EDD)',
  otherId: 'other identifier',
  sex: 'sex',
};

/**
 * Clinician-readable description of each level. They describe the kind of agreement, never the
 * recorded values: details of the subject are revealed separately, under the need-to-know rules.
 */
export const LEVEL_TEXT: { readonly [F in FieldName]: Record<LevelOf<F>, string> } = {
  forename: {
    exact: 'same',
    nickname: 'a known short form or variant of the recorded name',
    jw94: 'very similar spelling',
    phonetic: 'sounds the same, spelt differently',
    jw88: 'similar spelling',
    swapped: 'matches the recorded surname (forename and surname swapped)',
    initial: 'initial only, agrees',
    different: 'different',
  },
  surname: {
    exact: 'same',
    jw94: 'very similar spelling',
    phonetic: 'sounds the same, spelt differently',
    jw88: 'similar spelling',
    swapped: 'matches the recorded forename (forename and surname swapped)',
    initial: 'initial only, agrees',
    different: 'different',
  },
  dateOfBirth: {
    exact: 'same',
    dayMonthSwapped: 'day and month swapped',
    oneEdit: 'one digit different or two digits swapped',
    yearPlusMinusOne: 'same day and month, year one apart',
    different: 'different',
  },
  postcode: {
    full: 'same',
    sector: 'same sector (e.g. SO16 4), different postcode',
    district: 'same district (e.g. SO16), different sector',
    area: 'same area (e.g. SO) only',
    different: 'different',
  },
  nhsNumber: {
    exact: 'same',
    transposition: 'given number is invalid; two adjacent digits swapped from the recorded number',
    oneDigit: 'given number is invalid; one digit different from the recorded number',
    differentValid: 'a different valid number',
    invalid: 'given number is not a valid NHS number; not compared',
  },
  edd: {
    within2Weeks: 'within 2 weeks',
    within6Weeks: 'within 6 weeks',
    different: 'more than 6 weeks apart',
  },
  otherId: {
    exact: 'same',
    oneEdit: 'one character different',
    different: 'different',
  },
  sex: { same: 'same', different: 'different' },
};

/** "+4.1", "−3.2" (a true minus sign), "0". */
export function formatWeight(w: number): string {
  const r = Math.round(w * 10) / 10;
  if (r === 0) return '0';
  return r > 0 ? `+${r.toFixed(1)}` : `\u2212${Math.abs(r).toFixed(1)}`;
}

export function explainField(field: FieldName, level: number, weight: number, note = ''): FieldExplanation {
  if (level === MISSING) {
    return { field, level: 'missing', weight: 0, text: `${FIELD_LABELS[field]}: not given` };
  }
  const name = (LEVELS[field] as readonly string[])[level] as LevelOf<FieldName>;
  const desc = (LEVEL_TEXT[field] as Record<string, string>)[name] ?? name;
  return { field, level: name as AnyLevel, weight, text: `${FIELD_LABELS[field]}: ${desc}${note}, ${formatWeight(weight)}` };
}

// ---------------------------------------------------------------------------------------------
// Probability and bands

/** Posterior probability of a match from the total log2 Bayes factor and the prior log2 odds. */
export function probabilityFromScore(score: number, priorLog2Odds: number): number {
  const x = score + priorLog2Odds;
  if (x > 60) return 1;
  if (x < -60) return 0;
  return 1 / (1 + 2 ** -x);
}

export function bandFor(score: number, thresholds: { strong: number; possible: number }): Bands {
  if (score >= thresholds.strong) return 'strong';
  if (score >= thresholds.possible) return 'possible';
  return 'none';
}

export const BAND_RANK: Readonly<Record<Bands, number>> = { strong: 2, possible: 1, none: 0 };
