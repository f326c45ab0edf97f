import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  ageInYears,
  dayNumber,
  daysBetween,
  defaultReviewDate,
  formatDate,
  fromDayNumber,
  gestationAt,
  isIsoDate,
  isPastReview,
  londonDate,
  MAX_GESTATION_DAYS,
  TERM_DAYS,
} from './pregnancy';

describe('calendar dates', () => {
  it('accepts real YYYY-MM-DD dates only', () => {
    expect(isIsoDate('2026-03-27')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2026-04-31')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-3-27')).toBe(false);
    expect(isIsoDate('27/03/2026')).toBe(false);
    expect(isIsoDate('0050-01-01')).toBe(false);
    expect(isIsoDate(' 2026-03-27')).toBe(false);
    expect(isIsoDate(20260327)).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2026-03-01', '2026-03-29')).toBe(28);
    expect(daysBetween('2026-03-29', '2026-03-01')).toBe(-28);
  });

  it('ignores clock changes: 29 March 2026 (BST starts) is a whole day', () => {
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(addDays('2026-10-24', 2)).toBe('2026-10-26');
  });

  it('throws on a date that is not real, so a caller cannot do sums with nonsense', () => {
    expect(() => dayNumber('2026-02-30')).toThrow(RangeError);
    expect(() => addDays('nope', 1)).toThrow(RangeError);
  });

  it('round-trips day numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30_000, max: 100_000 }), (n) => {
        const iso = fromDayNumber(n);
        expect(isIsoDate(iso)).toBe(true);
        expect(dayNumber(iso)).toBe(n);
      }),
    );
  });

  it('takes today as the date in England, in summer and winter time', () => {
    expect(londonDate(new Date('2026-05-31T22:59:59Z'))).toBe('2026-05-31');
    expect(londonDate(new Date('2026-05-31T23:00:00Z'))).toBe('2026-06-01');
    expect(londonDate(new Date('2026-01-31T23:59:59Z'))).toBe('2026-01-31');
    expect(londonDate(new Date('2026-02-01T00:00:00Z'))).toBe('2026-02-01');
  });

  it('formats dates the NHS way', () => {
    expect(formatDate('2026-03-03')).toBe('3 March 2026');
    expect(formatDate('2026-12-25')).toBe('25 December 2026');
    expect(formatDate('not a date')).toBe('not a date');
  });

  it('counts age in whole years, a leap-day birthday turning over on 1 March', () => {
    expect(ageInYears('1990-06-15', '2026-06-14')).toBe(35);
    expect(ageInYears('1990-06-15', '2026-06-15')).toBe(36);
    expect(ageInYears('2004-02-29', '2026-02-28')).toBe(21);
    expect(ageInYears('2004-02-29', '2026-03-01')).toBe(22);
    expect(ageInYears('2004-02-29', '2028-02-29')).toBe(24);
  });
});

describe('gestationAt', () => {
  const edd = '2026-06-01';

  it('is 40+0 on the due date', () => {
    expect(gestationAt(edd, edd)).toEqual({ status: 'pregnant', weeks: 40, days: 0, text: '40+0' });
  });

  it('is 32+4 52 days before the due date', () => {
    expect(gestationAt(edd, addDays(edd, -52))).toEqual({ status: 'pregnant', weeks: 32, days: 4, text: '32+4' });
  });

  it('counts on after the due date, to 45+0', () => {
    expect(gestationAt(edd, addDays(edd, 10)).text).toBe('41+3');
    expect(gestationAt(edd, addDays(edd, 35))).toEqual({ status: 'pregnant', weeks: 45, days: 0, text: '45+0' });
  });

  it('has no gestation beyond 45+0', () => {
    expect(gestationAt(edd, addDays(edd, 36))).toEqual({ status: 'after', weeks: null, days: null, text: 'over 45 weeks' });
  });

  it('starts at 0+0, 280 days before the due date, and has none before it', () => {
    expect(gestationAt(edd, addDays(edd, -TERM_DAYS))).toEqual({ status: 'pregnant', weeks: 0, days: 0, text: '0+0' });
    expect(gestationAt(edd, addDays(edd, -TERM_DAYS + 6)).text).toBe('0+6');
    expect(gestationAt(edd, addDays(edd, -TERM_DAYS - 1))).toEqual({ status: 'before', weeks: null, days: null, text: 'before pregnancy' });
  });

  it('takes an instant as its date in England', () => {
    // 23:30 UTC on 31 May is 00:30 on 1 June in summer time: the due date itself.
    expect(gestationAt(edd, new Date('2026-05-31T23:30:00Z')).text).toBe('40+0');
    expect(gestationAt(edd, new Date('2026-05-31T22:30:00Z')).text).toBe('39+6');
  });

  it('always gives weeks and days that add back to the day count, within 0+0..45+0', () => {
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 400 }), (offset) => {
        const g = gestationAt(edd, addDays(edd, offset));
        const total = TERM_DAYS + offset;
        if (total < 0) expect(g.status).toBe('before');
        else if (total > MAX_GESTATION_DAYS) expect(g.status).toBe('after');
        else {
          expect(g.status).toBe('pregnant');
          expect((g.weeks ?? Number.NaN) * 7 + (g.days ?? Number.NaN)).toBe(total);
          expect(g.days).toBeGreaterThanOrEqual(0);
          expect(g.days).toBeLessThan(7);
          expect(g.text).toBe(`${g.weeks}+${g.days}`);
        }
      }),
    );
  });
});

describe('defaultReviewDate', () => {
  it('is six weeks after the due date unless told otherwise', () => {
    expect(defaultReviewDate('2026-06-01')).toBe('2026-07-13');
    expect(defaultReviewDate('2026-06-01', 8)).toBe('2026-07-27');
    expect(defaultReviewDate('2026-06-01', 0)).toBe('2026-06-01');
  });

  it('refuses a weeks value that is not a whole number of weeks', () => {
    expect(() => defaultReviewDate('2026-06-01', -1)).toThrow(RangeError);
    expect(() => defaultReviewDate('2026-06-01', 1.5)).toThrow(RangeError);
  });
});

describe('isPastReview', () => {
  it('keeps the review date itself inside the alert, in England', () => {
    expect(isPastReview('2026-07-13', new Date('2026-07-13T22:59:59Z'))).toBe(false); // 23:59:59 BST on the 13th
    expect(isPastReview('2026-07-13', new Date('2026-07-13T23:00:00Z'))).toBe(true); // 00:00 BST on the 14th
    expect(isPastReview('2026-01-13', new Date('2026-01-13T23:59:59Z'))).toBe(false);
    expect(isPastReview('2026-01-13', new Date('2026-01-14T00:00:00Z'))).toBe(true);
    expect(isPastReview('2026-07-13', new Date('2026-07-01T12:00:00Z'))).toBe(false);
  });
});
