/**
 * Expectation–maximisation for Fellegi–Sunter m and u probabilities.
 *
 * Input: comparison vectors (one level per field, MISSING for "not given") from blocked
 * candidate pairs — e.g. MatchIndex.candidateVectors for a sample of queries, or for the register
 * searched against itself. The pairs are a mixture of matches and non-matches; EM fits the
 * mixture under the usual conditional-independence assumption, starting from the defaults.
 *
 * Caveats, which is why the defaults stay the default:
 * - Blocked pairs over-represent agreement among non-matches, so u for agreeing levels comes out
 *   too high (weights too low: conservative). `fixU` keeps the starting u and fits m only.
 * - With few true matches among the pairs (a register searched against itself has almost none),
 *   m is poorly identified; `minMatches` guards against returning nonsense.
 */
import { cloneParameters, DEFAULT_PARAMETERS } from './defaults';
import { FIELDS, LEVELS, type MatchParameters } from './model';
import { MISSING, type ComparisonVector } from './score';

export interface EstimateOptions {
  /** Starting parameters (default: DEFAULT_PARAMETERS). Thresholds and prior are carried over. */
  initial?: MatchParameters;
  maxIterations?: number;
  /** Stop when no probability moves by more than this. */
  tolerance?: number;
  /** Keep u as given and estimate m (and the match proportion) only. */
  fixU?: boolean;
  /** Pseudo-count added to every level so no probability becomes 0 (weights stay finite). */
  pseudoCount?: number;
  /** Minimum expected matches for m to be updated; below this the initial m is kept. */
  minMatches?: number;
}

export interface EstimateResult {
  params: MatchParameters;
  /** Estimated proportion of the pairs that are matches. */
  lambda: number;
  iterations: number;
  converged: boolean;
  /** Expected number of matching pairs at the end. */
  expectedMatches: number;
  pairs: number;
}

/** Estimate m/u from comparison vectors. Pure: returns new parameters, changes nothing. */
export function estimateParameters(vectors: readonly ComparisonVector[], options: EstimateOptions = {}): EstimateResult {
  const init = options.initial ?? DEFAULT_PARAMETERS;
  const maxIter = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-5;
  const alpha = options.pseudoCount ?? 0.5;
  const minMatches = options.minMatches ?? 20;
  const nFields = FIELDS.length;

  // Identical vectors are common; weight each distinct pattern by its count.
  const patterns = new Map<string, { v: ComparisonVector; n: number }>();
  for (const v of vectors) {
    const k = Array.from(v).join(',');
    const e = patterns.get(k);
    if (e) e.n++;
    else patterns.set(k, { v, n: 1 });
  }
  const pats = [...patterns.values()];

  // m[f][l], u[f][l] as arrays in LEVELS order.
  const m: number[][] = [];
  const u: number[][] = [];
  FIELDS.forEach((f, fi) => {
    const table = init.fields[f] as Record<string, { m: number; u: number }>;
    m[fi] = (LEVELS[f] as readonly string[]).map((l) => table[l]?.m ?? 1e-3);
    u[fi] = (LEVELS[f] as readonly string[]).map((l) => table[l]?.u ?? 1e-3);
  });
  let lambda = 0.1;
  let iterations = 0;
  let converged = false;
  let expectedMatches = 0;

  for (; iterations < maxIter && !converged; iterations++) {
    const mCount = m.map((a) => a.map(() => alpha));
    const uCount = u.map((a) => a.map(() => alpha));
    let gSum = 0;
    let total = 0;
    for (const { v, n } of pats) {
      let logM = Math.log(lambda);
      let logU = Math.log(1 - lambda);
      for (let f = 0; f < nFields; f++) {
        const l = v[f] as number;
        if (l === MISSING) continue;
        logM += Math.log((m[f] as number[])[l] as number);
        logU += Math.log((u[f] as number[])[l] as number);
      }
      const g = 1 / (1 + Math.exp(logU - logM));
      gSum += g * n;
      total += n;
      for (let f = 0; f < nFields; f++) {
        const l = v[f] as number;
        if (l === MISSING) continue;
        (mCount[f] as number[])[l] = ((mCount[f] as number[])[l] as number) + g * n;
        (uCount[f] as number[])[l] = ((uCount[f] as number[])[l] as number) + (1 - g) * n;
      }
    }
    expectedMatches = gSum;
    let delta = 0;
    const newLambda = total > 0 ? Math.min(1 - 1e-9, Math.max(1e-9, gSum / total)) : lambda;
    delta = Math.max(delta, Math.abs(newLambda - lambda));
    lambda = newLambda;
    for (let f = 0; f < nFields; f++) {
      if (gSum >= minMatches) delta = Math.max(delta, normaliseInto(m[f] as number[], mCount[f] as number[]));
      if (!options.fixU) delta = Math.max(delta, normaliseInto(u[f] as number[], uCount[f] as number[]));
    }
    converged = delta < tol;
  }

  const params = cloneParameters(init);
  FIELDS.forEach((f, fi) => {
    const table = params.fields[f] as Record<string, { m: number; u: number }>;
    (LEVELS[f] as readonly string[]).forEach((l, li) => {
      table[l] = { m: (m[fi] as number[])[li] as number, u: (u[fi] as number[])[li] as number };
    });
  });
  return { params, lambda, iterations, converged, expectedMatches, pairs: vectors.length };
}

/** Normalise counts into probabilities in place; returns the largest change. */
function normaliseInto(target: number[], counts: number[]): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  let delta = 0;
  for (let i = 0; i < target.length; i++) {
    const p = Math.max(1e-9, (counts[i] as number) / sum);
    delta = Math.max(delta, Math.abs(p - (target[i] as number)));
    target[i] = p;
  }
  return delta;
}
