import { describe, expect, it } from 'vitest';
import {
  formatNhsNumber,
  generateValidNhsNumber,
  isValidNhsNumber,
  nhsCheckDigit,
  nhsSingleDigitVariants,
  nhsTranspositionVariants,
  normaliseNhsNumber,
} from './nhs-number';

/** Independent re-statement of Modulus 11, for cross-checking. */
function referenceValid(s: string): boolean {
  if (!/^\d{10}$/.test(s)) return false;
  const sum = [...s.slice(0, 9)].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(s[9]);
}

describe('NHS number validation', () => {
  it('accepts known valid numbers', () => {
    // 9434765919: 9×10+4×9+3×8+4×7+7×6+6×5+5×4+9×3+1×2 = 299; 299 mod 11 = 2; 11−2 = 9 ✓
    for (const n of ['9434765919', '9434765870', '4010232137', '9990000018', '4505577104', '1234567881']) {
      expect(isValidNhsNumber(n), n).toBe(true);
    }
  });

  it('rejects a wrong check digit, wrong lengths and non-digits', () => {
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('9434765828')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('94347659190')).toBe(false);
    expect(isValidNhsNumber('94347659I9')).toBe(false);
    expect(isValidNhsNumber('')).toBe(false);
    expect(isValidNhsNumber(undefined)).toBe(false);
  });

  it('normalises spaces and dashes before validating', () => {
    expect(normaliseNhsNumber(' 943 476 5919 ')).toBe('9434765919');
    expect(normaliseNhsNumber('943-476-5919')).toBe('9434765919');
    expect(isValidNhsNumber('943 476 5919')).toBe(true);
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
  });

  it('maps check 11 to 0 and treats check 10 as impossible', () => {
    expect(nhsCheckDigit('100000006')).toBe(0);
    expect(isValidNhsNumber('1000000060')).toBe(true);
    expect(nhsCheckDigit('100000001')).toBeNull();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`100000001${d}`)).toBe(false);
  });

  it('agrees with an independent implementation on generated numbers', () => {
    let seed = 42;
    const rng = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const n = generateValidNhsNumber(rng);
      expect(referenceValid(n)).toBe(true);
      expect(isValidNhsNumber(n)).toBe(true);
      expect(n).toMatch(/^[4-9]\d{9}$/);
    }
  });
});

describe('NHS number keying-error variants', () => {
  const valid = '9434765919';
  const swapped = (s: string, i: number) => s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);

  it('every adjacent transposition of a valid number is invalid (Modulus 11 property)', () => {
    for (let i = 0; i < 9; i++) {
      const t = swapped(valid, i);
      if (t !== valid) expect(isValidNhsNumber(t), t).toBe(false);
    }
  });

  it('recovers the original from each of its adjacent transpositions', () => {
    for (let i = 0; i < 9; i++) {
      const t = swapped(valid, i);
      if (t === valid) continue;
      const variants = nhsTranspositionVariants(t);
      expect(variants).toContain(valid);
      for (const v of variants) expect(isValidNhsNumber(v)).toBe(true);
    }
  });

  it('gives all valid transposition variants of an invalid number, and none for a valid one', () => {
    // 4934765919 is 9434765919 with the first two digits swapped; 4394765919 is also valid.
    expect(nhsTranspositionVariants('4934765919').sort()).toEqual(['4394765919', '9434765919']);
    expect(nhsTranspositionVariants(valid)).toEqual([]);
    expect(nhsTranspositionVariants('12345')).toEqual([]);
    expect(nhsTranspositionVariants('493 476 5919')).toContain(valid);
  });

  it('gives valid single-digit variants of an invalid number, including the original', () => {
    const typo = '9434775919';
    const variants = nhsSingleDigitVariants(typo);
    expect(variants).toContain(valid);
    expect(variants.length).toBeGreaterThan(3);
    for (const v of variants) {
      expect(isValidNhsNumber(v)).toBe(true);
      expect([...v].filter((c, i) => c !== typo[i]).length).toBe(1);
    }
    expect(nhsSingleDigitVariants(valid)).toEqual([]);
  });
});
