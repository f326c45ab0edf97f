import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, dayNumber, fromDayNumber, type IsoDate, londonDate } from './dates';
import { parseInput, ValidationError } from './errors';
import {
  type Deadline,
  deadlineFrom,
  deadlineSchema,
  describeDeadline,
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
  endOfLondonDay,
  WorkingCalendar,
} from './working-days';

const england = new WorkingCalendar(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date));
const noHolidays = new WorkingCalendar([]);

/** Day of the week the slow way, to check the fast arithmetic against: 0 Sunday … 6 Saturday. */
const weekday = (d: IsoDate) => new Date(`${d}T12:00:00Z`).getUTCDay();

/** The obvious, slow definitions, to check the fast ones against. */
function slowIsWorking(holidays: ReadonlySet<IsoDate>, d: IsoDate): boolean {
  const w = weekday(d);
  return w !== 0 && w !== 6 && !holidays.has(d);
}
function slowAdd(holidays: ReadonlySet<IsoDate>, from: IsoDate, n: number): IsoDate {
  let d = from;
  if (n === 0) {
    while (!slowIsWorking(holidays, d)) d = addDays(d, 1);
    return d;
  }
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    if (slowIsWorking(holidays, d)) left--;
  }
  return d;
}
function slowBetween(holidays: ReadonlySet<IsoDate>, from: IsoDate, to: IsoDate): number {
  let n = 0;
  for (let d = addDays(from, 1); dayNumber(d) <= dayNumber(to); d = addDays(d, 1)) if (slowIsWorking(holidays, d)) n++;
  return n;
}

/** Dates from 1990 to 2060, around and beyond the holiday data. */
const anyDate = fc.integer({ min: dayNumber('1990-01-01'), max: dayNumber('2060-12-31') }).map(fromDayNumber);
/** Dates in the years the holiday data covers, where holidays matter most. */
const coveredDate = fc.integer({ min: dayNumber('2023-12-01'), max: dayNumber('2028-12-31') }).map(fromDayNumber);
const someHolidays = fc.uniqueArray(coveredDate, { maxLength: 40 });

describe('bank holiday data', () => {
  it('has eight holidays a year, 2024 to 2028, each on a weekday, in date order', () => {
    const dates = ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date);
    for (const year of [2024, 2025, 2026, 2027, 2028]) expect(dates.filter((d) => d.startsWith(`${year}-`))).toHaveLength(8);
    for (const d of dates) expect([1, 2, 3, 4, 5]).toContain(weekday(d));
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('names substitute days as such', () => {
    const title = (d: IsoDate) => ENGLAND_AND_WALES_BANK_HOLIDAYS.find((h) => h.date === d)?.title;
    expect(title('2026-12-28')).toBe('Boxing Day (substitute day)');
    expect(title('2027-12-27')).toBe('Christmas Day (substitute day)');
    expect(title('2028-01-03')).toBe('New Year’s Day (substitute day)');
    expect(title('2026-04-03')).toBe('Good Friday');
  });
});

describe('WorkingCalendar', () => {
  it('knows weekends and bank holidays are not working days', () => {
    expect(england.isWorkingDay('2026-03-27')).toBe(true); // Friday
    expect(england.isWorkingDay('2026-03-28')).toBe(false); // Saturday
    expect(england.isWorkingDay('2026-03-29')).toBe(false); // Sunday
    expect(england.isWorkingDay('2026-04-03')).toBe(false); // Good Friday
    expect(england.isWorkingDay('2026-04-06')).toBe(false); // Easter Monday
    expect(england.isWorkingDay('2026-04-07')).toBe(true);
    expect(england.isWorkingDay('2026-12-26')).toBe(false); // Boxing Day on a Saturday
    expect(england.isWorkingDay('2026-12-28')).toBe(false); // its substitute
    expect(noHolidays.isWorkingDay('2026-12-25')).toBe(true);
  });

  it('adds working days after the date: Friday + 1 is Monday', () => {
    expect(england.addWorkingDays('2026-03-27', 1)).toBe('2026-03-30');
    expect(england.addWorkingDays('2026-03-25', 2)).toBe('2026-03-27');
    expect(england.addWorkingDays('2026-03-25', 3)).toBe('2026-03-30');
    expect(england.addWorkingDays('2026-03-28', 1)).toBe('2026-03-30'); // from a Saturday
    expect(england.addWorkingDays('2026-03-27', 5)).toBe('2026-04-07'); // over Easter
  });

  it('skips Christmas 2026: Thursday 24 December + 1 is Tuesday 29 December', () => {
    expect(england.addWorkingDays('2026-12-24', 1)).toBe('2026-12-29');
    expect(england.addWorkingDays('2027-12-24', 1)).toBe('2027-12-29');
    expect(england.addWorkingDays('2027-12-31', 1)).toBe('2028-01-04');
    expect(england.addWorkingDays('2026-12-24', 10)).toBe('2027-01-12');
  });

  it('with 0 working days, stays on a working day or moves to the next one', () => {
    expect(england.addWorkingDays('2026-03-27', 0)).toBe('2026-03-27');
    expect(england.addWorkingDays('2026-03-28', 0)).toBe('2026-03-30');
    expect(england.addWorkingDays('2026-12-25', 0)).toBe('2026-12-29');
  });

  it('refuses negative and fractional counts', () => {
    expect(() => england.addWorkingDays('2026-03-27', -1)).toThrow(RangeError);
    expect(() => england.addWorkingDays('2026-03-27', 1.5)).toThrow(RangeError);
    expect(() => england.addWorkingDays('2026-03-27', Number.NaN)).toThrow(RangeError);
    expect(() => england.addWorkingDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('refuses holiday data that is not a real date', () => {
    expect(() => new WorkingCalendar(['2026-02-30'])).toThrow(RangeError);
    expect(() => new WorkingCalendar(['25/12/2026'])).toThrow(RangeError);
  });

  it('counts working days after the first date up to and including the second', () => {
    expect(england.workingDaysBetween('2026-03-23', '2026-03-27')).toBe(4); // Monday to Friday
    expect(england.workingDaysBetween('2026-03-27', '2026-03-30')).toBe(1); // Friday to Monday
    expect(england.workingDaysBetween('2026-03-27', '2026-03-29')).toBe(0);
    expect(england.workingDaysBetween('2026-12-24', '2026-12-29')).toBe(1);
    expect(england.workingDaysBetween('2025-12-31', '2026-12-31')).toBe(261 - 8); // 261 weekdays in 2026, 8 bank holidays
    expect(england.workingDaysBetween('2026-03-27', '2026-03-27')).toBe(0);
    expect(england.workingDaysBetween('2026-03-30', '2026-03-27')).toBe(0);
  });

  it('ignores a holiday given on a weekend and holidays given twice', () => {
    const cal = new WorkingCalendar(['2026-12-26', '2026-12-25', '2026-12-25']);
    expect(cal.workingDaysBetween('2026-12-21', '2026-12-31')).toBe(7);
    expect(cal.addWorkingDays('2026-12-24', 1)).toBe('2026-12-28');
  });

  it('agrees with counting day by day', () => {
    fc.assert(
      fc.property(someHolidays, anyDate, fc.integer({ min: 0, max: 400 }), fc.integer({ min: -30, max: 400 }), (holidays, from, n, span) => {
        const set = new Set(holidays);
        const cal = new WorkingCalendar(holidays);
        expect(cal.isWorkingDay(from)).toBe(slowIsWorking(set, from));
        expect(cal.addWorkingDays(from, n)).toBe(slowAdd(set, from, n));
        expect(cal.workingDaysBetween(from, addDays(from, span))).toBe(slowBetween(set, from, addDays(from, span)));
      }),
      { numRuns: 200 },
    );
  });

  it('always lands on a working day, after the start', () => {
    fc.assert(
      fc.property(someHolidays, coveredDate, fc.integer({ min: 1, max: 600 }), (holidays, from, n) => {
        const cal = new WorkingCalendar(holidays);
        const to = cal.addWorkingDays(from, n);
        expect(cal.isWorkingDay(to)).toBe(true);
        expect(dayNumber(to)).toBeGreaterThan(dayNumber(from));
      }),
    );
  });

  it('is the inverse of counting: workingDaysBetween(d, addWorkingDays(d, n)) = n', () => {
    fc.assert(
      fc.property(someHolidays, anyDate, fc.integer({ min: 0, max: 2000 }), (holidays, from, n) => {
        const cal = new WorkingCalendar(holidays);
        const to = cal.addWorkingDays(from, n);
        // With n = 0 and a non-working start, the result is the next working day: one working day later.
        const expected = n === 0 && !cal.isWorkingDay(from) ? 1 : n;
        expect(cal.workingDaysBetween(from, to)).toBe(expected);
      }),
    );
  });

  it('is monotonic in the count and in the start date', () => {
    fc.assert(
      fc.property(
        someHolidays,
        anyDate,
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 60 }),
        (holidays, from, a, b, shift) => {
          const cal = new WorkingCalendar(holidays);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(dayNumber(cal.addWorkingDays(from, lo))).toBeLessThanOrEqual(dayNumber(cal.addWorkingDays(from, hi)));
          // Strictly later for a larger count, except that from a non-working day both 0 and 1 working
          // days land on the next working day (nothing can be done before it).
          const tie = lo === 0 && hi === 1 && !cal.isWorkingDay(from);
          if (lo < hi && !tie) expect(dayNumber(cal.addWorkingDays(from, lo))).toBeLessThan(dayNumber(cal.addWorkingDays(from, hi)));
          if (tie) expect(cal.addWorkingDays(from, 0)).toBe(cal.addWorkingDays(from, 1));
          const later = addDays(from, shift);
          expect(dayNumber(cal.addWorkingDays(from, lo))).toBeLessThanOrEqual(dayNumber(cal.addWorkingDays(later, lo)));
          expect(cal.workingDaysBetween(from, addDays(later, 1))).toBeGreaterThanOrEqual(cal.workingDaysBetween(from, later));
        },
      ),
    );
  });

  it('adds counts: (d + a) + b = d + (a + b)', () => {
    fc.assert(
      fc.property(someHolidays, anyDate, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), (holidays, from, a, b) => {
        const cal = new WorkingCalendar(holidays);
        expect(cal.addWorkingDays(cal.addWorkingDays(from, a), b)).toBe(cal.addWorkingDays(from, a + b));
      }),
    );
  });
});

describe('endOfLondonDay', () => {
  it('is 23:59:59.999 in London, in winter and in summer time', () => {
    expect(endOfLondonDay('2026-01-15').toISOString()).toBe('2026-01-15T23:59:59.999Z');
    expect(endOfLondonDay('2026-07-01').toISOString()).toBe('2026-07-01T22:59:59.999Z');
  });

  it('is right on the days the clocks change', () => {
    expect(endOfLondonDay('2026-03-28').toISOString()).toBe('2026-03-28T23:59:59.999Z');
    expect(endOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T22:59:59.999Z'); // clocks went forward that morning
    expect(endOfLondonDay('2026-10-24').toISOString()).toBe('2026-10-24T22:59:59.999Z');
    expect(endOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-25T23:59:59.999Z'); // clocks went back that morning
  });

  it('is the last millisecond of that date in London, for any date', () => {
    fc.assert(
      fc.property(anyDate, (d) => {
        const end = endOfLondonDay(d);
        expect(londonDate(end)).toBe(d);
        expect(londonDate(new Date(end.getTime() + 1))).toBe(addDays(d, 1));
      }),
    );
  });
});

describe('deadlineSchema', () => {
  const parse = (input: unknown) => parseInput(deadlineSchema, input);
  const problems = (input: unknown) => {
    try {
      parse(input);
    } catch (e) {
      if (e instanceof ValidationError) return e.fieldErrors;
      throw e;
    }
    throw new Error('expected a validation error');
  };

  it('accepts exactly one of hours, days and working days', () => {
    expect(parse({ hours: 48 })).toEqual({ hours: 48 });
    expect(parse({ days: 7 })).toEqual({ days: 7 });
    expect(parse({ workingDays: 3 })).toEqual({ workingDays: 3 });
    expect(parse({ hours: null, days: 7, workingDays: null })).toEqual({ days: 7 });
    expect(parse({ hours: 8760 })).toEqual({ hours: 8760 });
    expect(parse({ days: 365 })).toEqual({ days: 365 });
    expect(parse({ workingDays: 260 })).toEqual({ workingDays: 260 });
  });

  it('leaves only the one key, dropping anything else', () => {
    expect(Object.keys(parse({ workingDays: 3, weeks: 2 }))).toEqual(['workingDays']);
  });

  it('refuses none, more than one, and things that are not a deadline', () => {
    expect(problems({})).toEqual({ form: 'Enter a time limit in hours, days or working days' });
    expect(problems({ weeks: 2 })).toEqual({ form: 'Enter a time limit in hours, days or working days' });
    expect(problems({ hours: 48, days: 2 })).toEqual({ form: 'Give the time limit in only one of hours, days or working days' });
    expect(problems(null)).toEqual({ form: 'Enter a time limit in hours, days or working days' });
    expect(problems('48 hours')).toEqual({ form: 'Enter a time limit in hours, days or working days' });
  });

  it('refuses counts that are not positive whole numbers within a year', () => {
    expect(problems({ hours: 0 })).toEqual({ hours: 'The number of hours must be 1 or more' });
    expect(problems({ days: -1 })).toEqual({ days: 'The number of days must be 1 or more' });
    expect(problems({ workingDays: 2.5 })).toEqual({ workingDays: 'The number of working days must be a whole number' });
    expect(problems({ hours: '48' })).toEqual({ hours: 'The number of hours must be a whole number' });
    expect(problems({ hours: 8761 })).toEqual({ hours: 'The number of hours must be 8760 or fewer' });
    expect(problems({ days: 366 })).toEqual({ days: 'The number of days must be 365 or fewer' });
    expect(problems({ workingDays: 261 })).toEqual({ workingDays: 'The number of working days must be 260 or fewer' });
  });
});

describe('deadlineFrom', () => {
  // 10:00 BST on Friday 24 July 2026
  const fridayMorning = new Date('2026-07-24T09:00:00Z');

  it('counts hours exactly, through weekends and clock changes', () => {
    expect(deadlineFrom(fridayMorning, { hours: 48 }, england).toISOString()).toBe('2026-07-26T09:00:00.000Z');
    // 48 hours from 12:00 GMT on Saturday 24 October 2026 spans the clocks going back
    expect(deadlineFrom(new Date('2026-10-24T11:00:00Z'), { hours: 48 }, england).toISOString()).toBe('2026-10-26T11:00:00.000Z');
  });

  it('ends a deadline in days at the end of that day in England', () => {
    expect(deadlineFrom(fridayMorning, { days: 1 }, england).toISOString()).toBe('2026-07-25T22:59:59.999Z');
    expect(deadlineFrom(fridayMorning, { days: 7 }, england).toISOString()).toBe('2026-07-31T22:59:59.999Z');
    // 23:30 UTC on 31 May is already 1 June in London
    expect(deadlineFrom(new Date('2026-05-31T23:30:00Z'), { days: 1 }, england).toISOString()).toBe('2026-06-02T22:59:59.999Z');
    // into winter time
    expect(deadlineFrom(new Date('2026-10-20T12:00:00Z'), { days: 10 }, england).toISOString()).toBe('2026-10-30T23:59:59.999Z');
  });

  it('ends a deadline in working days at the end of that working day in England', () => {
    expect(deadlineFrom(fridayMorning, { workingDays: 1 }, england).toISOString()).toBe('2026-07-27T22:59:59.999Z');
    expect(deadlineFrom(new Date('2026-12-24T15:00:00Z'), { workingDays: 1 }, england).toISOString()).toBe('2026-12-29T23:59:59.999Z');
    expect(deadlineFrom(new Date('2026-12-24T15:00:00Z'), { workingDays: 3 }, england).toISOString()).toBe('2026-12-31T23:59:59.999Z');
    // Saturday: one working day is the end of Monday
    expect(deadlineFrom(new Date('2026-07-25T12:00:00Z'), { workingDays: 1 }, england).toISOString()).toBe('2026-07-27T22:59:59.999Z');
  });

  it('is never before the start', () => {
    const deadline: fc.Arbitrary<Deadline> = fc.oneof(
      fc.integer({ min: 1, max: 8760 }).map((hours) => ({ hours })),
      fc.integer({ min: 1, max: 365 }).map((days) => ({ days })),
      fc.integer({ min: 1, max: 260 }).map((workingDays) => ({ workingDays })),
    );
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2050-01-01T00:00:00Z'), noInvalidDate: true }), deadline, (start, d) => {
        const due = deadlineFrom(start, d, england);
        expect(due.getTime()).toBeGreaterThan(start.getTime());
        if (!('hours' in d)) expect(due.getTime()).toBe(endOfLondonDay(londonDate(due)).getTime());
      }),
    );
  });
});

describe('describeDeadline', () => {
  it.each<[Deadline, string]>([
    [{ hours: 48 }, 'within 48 hours'],
    [{ hours: 1 }, 'within 1 hour'],
    [{ days: 7 }, 'within 7 days'],
    [{ days: 1 }, 'within 1 day'],
    [{ workingDays: 3 }, 'within 3 working days'],
    [{ workingDays: 1 }, 'within 1 working day'],
  ])('%o is "%s"', (d, text) => {
    expect(describeDeadline(d)).toBe(text);
  });
});
