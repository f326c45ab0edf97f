import { describe, expect, it } from 'vitest';
import { damerauLevenshtein, differsByOneSubstitution, isAdjacentTransposition, jaro, jaroWinkler } from './string-metrics';

describe('Jaro and Jaro-Winkler', () => {
  it('matches the textbook values', () => {
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaro('dwayne', 'duane')).toBeCloseTo(0.8222, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 4);
    expect(jaro('dixon', 'dicksonx')).toBeCloseTo(0.7667, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
  });

  it('handles identical, empty and disjoint strings', () => {
    expect(jaroWinkler('smith', 'smith')).toBe(1);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('abc', '')).toBe(0);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });

  it('is symmetric', () => {
    for (const [a, b] of [
      ['catherine', 'kathryn'],
      ['siobhan', 'shivaun'],
      ['okafor', 'okafur'],
    ] as const) {
      expect(jaroWinkler(a, b)).toBeCloseTo(jaroWinkler(b, a), 12);
    }
  });
});

describe('Damerau-Levenshtein (optimal string alignment)', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one', () => {
    expect(damerauLevenshtein('smith', 'smith')).toBe(0);
    expect(damerauLevenshtein('smith', 'smyth')).toBe(1);
    expect(damerauLevenshtein('smith', 'smit')).toBe(1);
    expect(damerauLevenshtein('smith', 'smitth')).toBe(1);
    expect(damerauLevenshtein('smith', 'msith')).toBe(1);
    expect(damerauLevenshtein('19850312', '19850321')).toBe(1);
    expect(damerauLevenshtein('ca', 'abc')).toBe(3); // OSA, not unrestricted Damerau (which gives 2)
    expect(damerauLevenshtein('', 'abc')).toBe(3);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
  });

  it('detects a single substitution and a single adjacent transposition', () => {
    expect(differsByOneSubstitution('19850312', '19850412')).toBe(true);
    expect(differsByOneSubstitution('19850312', '19850421')).toBe(false);
    expect(differsByOneSubstitution('abc', 'abc')).toBe(false);
    expect(isAdjacentTransposition('19850312', '19850321')).toBe(true);
    expect(isAdjacentTransposition('19850312', '19850213')).toBe(false);
    expect(isAdjacentTransposition('abc', 'abc')).toBe(false);
    expect(isAdjacentTransposition('abcd', 'abdc')).toBe(true);
  });
});
