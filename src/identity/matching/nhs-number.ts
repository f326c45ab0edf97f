/**
 * NHS number: ten digits, the last a Modulus 11 check digit.
 *
 * Check digit: weights 10..2 on the first nine digits; check = 11 − (sum mod 11); 11 becomes 0;
 * 10 means the nine digits cannot form a valid number.
 *
 * A useful property for matching: because 11 is prime and every weight is below 11, any single
 * wrong digit and any swap of two adjacent (different) digits makes a valid number invalid. So an
 * invalid number given at the point of care is evidence of a keying error, and its valid
 * "neighbours" are good candidate keys. A valid number that differs from the register is a
 * different number, not a typo of it.
 */

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Remove spaces, dashes and other separators. Returns the remaining characters (may be invalid). */
export function normaliseNhsNumber(raw: string | undefined | null): string {
  if (raw == null) return '';
  return String(raw).replace(/[\s–./-]/g, '');
}

/** Check digit for nine digits, or null when the sum gives 10 (no valid number exists). */
export function nhsCheckDigit(nineDigits: string): number | null {
  if (!/^\d{9}$/.test(nineDigits)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nineDigits.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** True for a ten-digit string (after normalisation) whose last digit is the correct check digit. */
export function isValidNhsNumber(raw: string | undefined | null): boolean {
  const s = normaliseNhsNumber(raw);
  if (!/^\d{10}$/.test(s)) return false;
  const check = nhsCheckDigit(s.slice(0, 9));
  return check !== null && check === s.charCodeAt(9) - 48;
}

/**
 * For an INVALID ten-digit number, the valid numbers reachable by swapping one pair of adjacent
 * digits (the commonest keying error after a single wrong digit). Empty for a valid number (see the
 * module comment: a valid number is never an adjacent transposition of another valid number) and
 * for input that is not ten digits.
 */
export function nhsTranspositionVariants(raw: string | undefined | null): string[] {
  const s = normaliseNhsNumber(raw);
  if (!/^\d{10}$/.test(s) || isValidNhsNumber(s)) return [];
  const out: string[] = [];
  for (let i = 0; i < 9; i++) {
    if (s[i] === s[i + 1]) continue;
    const v = s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    if (isValidNhsNumber(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * For an INVALID ten-digit number, the valid numbers that differ from it in exactly one digit.
 * About one in eleven of the 90 substitutions is valid, so this yields roughly eight candidates.
 */
export function nhsSingleDigitVariants(raw: string | undefined | null): string[] {
  const s = normaliseNhsNumber(raw);
  if (!/^\d{10}$/.test(s) || isValidNhsNumber(s)) return [];
  const out: string[] = [];
  for (let i = 0; i < 10; i++) {
    for (let d = 0; d <= 9; d++) {
      const c = String(d);
      if (c === s[i]) continue;
      const v = s.slice(0, i) + c + s.slice(i + 1);
      if (isValidNhsNumber(v)) out.push(v);
    }
  }
  return out;
}

/**
 * A random valid NHS number for synthetic data. `rng` returns floats in [0, 1). The first digit
 * is drawn from 4–9 (the ranges England and Wales issue from), never 0, so numbers stay ten digits
 * when handled as integers.
 */
export function generateValidNhsNumber(rng: () => number): string {
  for (;;) {
    let nine = String(4 + Math.floor(rng() * 6));
    for (let i = 1; i < 9; i++) nine += String(Math.floor(rng() * 10));
    const check = nhsCheckDigit(nine);
    if (check !== null) return nine + String(check);
  }
}

/** Format as 3-3-4 for display, e.g. "943 476 5919". Returns the input unchanged if not ten digits. */
export function formatNhsNumber(raw: string): string {
  const s = normaliseNhsNumber(raw);
  return /^\d{10}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : raw;
}
