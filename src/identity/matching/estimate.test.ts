import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS } from './defaults';
import { estimateParameters } from './estimate';
import { FIELDS, LEVELS } from './model';
import { MISSING } from './score';

/** mulberry32: deterministic, so the test is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(r: () => number, probs: number[]): number {
  let x = r() * probs.reduce((a, b) => a + b, 0);
  for (let i = 0; i < probs.length; i++) {
    x -= probs[i] as number;
    if (x <= 0) return i;
  }
  return probs.length - 1;
}

describe('EM estimation of m and u', () => {
  it('recovers the m and u probabilities used to simulate comparison vectors', () => {
    const r = rng(7);
    // Truth: distinct from the defaults so the test shows movement.
    const trueM = FIELDS.map((f) => (LEVELS[f] as readonly string[]).map((_, i, a) => (i === 0 ? 0.7 : 0.3 / (a.length - 1))));
    const trueU = FIELDS.map((f) => (LEVELS[f] as readonly string[]).map((_, i, a) => (i === a.length - 1 ? 0.85 : 0.15 / (a.length - 1))));
    const vectors: Int8Array[] = [];
    const lambda = 0.2;
    for (let n = 0; n < 20000; n++) {
      const isMatch = r() < lambda;
      const v = new Int8Array(FIELDS.length);
      FIELDS.forEach((_, fi) => {
        // 10% of fields missing, as in real data.
        v[fi] = r() < 0.1 ? MISSING : draw(r, (isMatch ? trueM : trueU)[fi] as number[]);
      });
      vectors.push(v);
    }
    const res = estimateParameters(vectors, { maxIterations: 500 });
    expect(res.converged).toBe(true);
    expect(res.lambda).toBeGreaterThan(0.17);
    expect(res.lambda).toBeLessThan(0.23);
    FIELDS.forEach((f, fi) => {
      const est = res.params.fields[f] as Record<string, { m: number; u: number }>;
      (LEVELS[f] as readonly string[]).forEach((l, li) => {
        expect(Math.abs((est[l]?.m ?? 0) - ((trueM[fi] as number[])[li] as number)), `${f}.${l}.m`).toBeLessThan(0.05);
        expect(Math.abs((est[l]?.u ?? 0) - ((trueU[fi] as number[])[li] as number)), `${f}.${l}.u`).toBeLessThan(0.05);
      });
    });
    // Thresholds and prior are carried over, not estimated.
    expect(res.params.thresholds).toEqual(DEFAULT_PARAMETERS.thresholds);
  });

  it('with fixU keeps u and moves only m', () => {
    const vectors = [Int8Array.from([0, 0, 0, 0, 0, -1, -1, 0]), Int8Array.from([-1, 6 + 1, 6, 4, 4, -1, -1, 1])];
    const res = estimateParameters(
      Array.from({ length: 200 }, (_, i) => vectors[i % 2] as Int8Array),
      { fixU: true, minMatches: 1 },
    );
    expect(res.params.fields.dateOfBirth.exact.u).toBe(DEFAULT_PARAMETERS.fields.dateOfBirth.exact.u);
    expect(res.params.fields.dateOfBirth.exact.m).not.toBe(DEFAULT_PARAMETERS.fields.dateOfBirth.exact.m);
  });

  it('keeps the initial m when too few matches are expected', () => {
    const v = Int8Array.from([-1, 7, 6, 4, 4, 2, 2, 1]);
    const res = estimateParameters(
      Array.from({ length: 100 }, () => v),
      { minMatches: 1000 },
    );
    expect(res.params.fields.forename.exact.m).toBe(DEFAULT_PARAMETERS.fields.forename.exact.m);
    expect(res.pairs).toBe(100);
  });
});
