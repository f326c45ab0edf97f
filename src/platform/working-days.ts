/**
 * Working days, deadlines and the end of a day in England.
 *
 * Safeguarding procedures set deadlines in three ways: hours ("within 48 hours", a clock running through
 * nights and weekends), calendar days and working days ("within 10 working days", which skips weekends and
 * bank holidays). A deadline in days means "by the end of that day in England", because that is how a
 * practitioner reads it: a pre-birth assessment due on 12 May can be started at 11pm on 12 May.
 *
 * Bank holidays are data, not code: the partnership's table of dates is passed to {@link WorkingCalendar}.
 * A calendar only knows the holidays it is given, so a deadline in a year with no dates loaded counts bank
 * holidays in that year as working days (it comes out early, never late).
 */
import { z } from 'zod';
import { addDays, dayNumber, fromDayNumber, type IsoDate, londonDate } from './dates';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

// ── Bank holidays ──────────────────────────────────────────────────────────────────────────────────

/**
 * Bank holidays in England and Wales, 2024 to 2028, as published on GOV.UK. Used to seed the bank holiday
 * table and in tests; the running service reads the table, so a holiday added by royal proclamation is a
 * row, not a release.
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly { date: IsoDate; title: string }[] = [
  { date: '2024-01-01', title: 'New Year’s Day' },
  { date: '2024-03-29', title: 'Good Friday' },
  { date: '2024-04-01', title: 'Easter Monday' },
  { date: '2024-05-06', title: 'Early May bank holiday' },
  { date: '2024-05-27', title: 'Spring bank holiday' },
  { date: '2024-08-26', title: 'Summer bank holiday' },
  { date: '2024-12-25', title: 'Christmas Day' },
  { date: '2024-12-26', title: 'Boxing Day' },

  { date: '2025-01-01', title: 'New Year’s Day' },
  { date: '2025-04-18', title: 'Good Friday' },
  { date: '2025-04-21', title: 'Easter Monday' },
  { date: '2025-05-05', title: 'Early May bank holiday' },
  { date: '2025-05-26', title: 'Spring bank holiday' },
  { date: '2025-08-25', title: 'Summer bank holiday' },
  { date: '2025-12-25', title: 'Christmas Day' },
  { date: '2025-12-26', title: 'Boxing Day' },

  { date: '2026-01-01', title: 'New Year’s Day' },
  { date: '2026-04-03', title: 'Good Friday' },
  { date: '2026-04-06', title: 'Easter Monday' },
  { date: '2026-05-04', title: 'Early May bank holiday' },
  { date: '2026-05-25', title: 'Spring bank holiday' },
  { date: '2026-08-31', title: 'Summer bank holiday' },
  { date: '2026-12-25', title: 'Christmas Day' },
  { date: '2026-12-28', title: 'Boxing Day (substitute day)' },

  { date: '2027-01-01', title: 'New Year’s Day' },
  { date: '2027-03-26', title: 'Good Friday' },
  { date: '2027-03-29', title: 'Easter Monday' },
  { date: '2027-05-03', title: 'Early May bank holiday' },
  { date: '2027-05-31', title: 'Spring bank holiday' },
  { date: '2027-08-30', title: 'Summer bank holiday' },
  { date: '2027-12-27', title: 'Christmas Day (substitute day)' },
  { date: '2027-12-28', title: 'Boxing Day (substitute day)' },

  { date: '2028-01-03', title: 'New Year’s Day (substitute day)' },
  { date: '2028-04-14', title: 'Good Friday' },
  { date: '2028-04-17', title: 'Easter Monday' },
  { date: '2028-05-01', title: 'Early May bank holiday' },
  { date: '2028-05-29', title: 'Spring bank holiday' },
  { date: '2028-08-28', title: 'Summer bank holiday' },
  { date: '2028-12-25', title: 'Christmas Day' },
  { date: '2028-12-26', title: 'Boxing Day' },
];

// ── Working days ───────────────────────────────────────────────────────────────────────────────────

/** 1970-01-05, day number 4, was a Monday: weeks are counted from there. */
const MONDAY = 4;

function isWeekday(day: number): boolean {
  const fromMonday = (((day - MONDAY) % 7) + 7) % 7;
  return fromMonday < 5;
}

/**
 * Weekdays from the Monday anchor up to and including `day`. Only differences are meaningful (it goes
 * negative before the anchor), which is all {@link WorkingCalendar.workingDaysBetween} needs, and it makes
 * a count over ten years cost the same as a count over one week.
 */
function weekdaysThrough(day: number): number {
  const offset = day - MONDAY;
  const weeks = Math.floor(offset / 7);
  const rest = offset - weeks * 7;
  return weeks * 5 + Math.min(rest + 1, 5);
}

/** Index of the first element of a sorted array greater than `x`. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Working days in England: Monday to Friday, except the bank holidays it is given.
 * Holidays that fall on a weekend are ignored (the substitute day is its own entry in the data).
 */
export class WorkingCalendar {
  readonly #holidays: ReadonlySet<number>;
  /** Weekday holidays as sorted day numbers, for counting holidays in a range by binary search. */
  readonly #weekdayHolidays: readonly number[];

  /** Throws a RangeError if any holiday is not a real YYYY-MM-DD date: bad data must not shift deadlines silently. */
  constructor(holidays: Iterable<IsoDate>) {
    const days = new Set<number>();
    for (const h of holidays) days.add(dayNumber(h));
    this.#holidays = days;
    this.#weekdayHolidays = [...days].filter(isWeekday).sort((a, b) => a - b);
  }

  /** True for Monday to Friday when the date is not a bank holiday. */
  isWorkingDay(d: IsoDate): boolean {
    const day = dayNumber(d);
    return isWeekday(day) && !this.#holidays.has(day);
  }

  /**
   * The `n`th working day after `from` (Friday + 1 is Monday). With `n` = 0, `from` itself if it is a working
   * day, otherwise the next working day: "start on a working day". Throws a RangeError for a negative or
   * fractional `n`.
   */
  addWorkingDays(from: IsoDate, n: number): IsoDate {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`The number of working days must be a whole number, 0 or more, not ${n}`);
    const start = dayNumber(from);
    if (n === 0) return this.isWorkingDay(from) ? from : this.addWorkingDays(from, 1);
    // The smallest day D with n working days in (start, D] is itself a working day (the count only rises
    // on working days), so a search over the count gives the answer without walking day by day.
    let hi = start + Math.ceil(n / 5) * 7 + 7;
    while (this.#count(start, hi) < n) hi += (hi - start) * 2;
    let lo = start + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.#count(start, mid) >= n) hi = mid;
      else lo = mid + 1;
    }
    return fromDayNumber(lo);
  }

  /** Working days d with `from` < d ≤ `to`: 0 when `to` is on or before `from`. Monday to Friday of one week is 4. */
  workingDaysBetween(from: IsoDate, to: IsoDate): number {
    return this.#count(dayNumber(from), dayNumber(to));
  }

  #count(from: number, to: number): number {
    if (to <= from) return 0;
    const weekdays = weekdaysThrough(to) - weekdaysThrough(from);
    const holidays = upperBound(this.#weekdayHolidays, to) - upperBound(this.#weekdayHolidays, from);
    return weekdays - holidays;
  }
}

// ── The end of a day in England ────────────────────────────────────────────────────────────────────

const LONDON_CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** How far London's clocks are ahead of UTC at an instant, in ms: 0 in winter, one hour in summer time. */
function londonOffsetMs(instantMs: number): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const p = Object.fromEntries(LONDON_CLOCK.formatToParts(new Date(wholeSecond)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - wholeSecond;
}

/**
 * 23:59:59.999 on `date` in England, as an instant: 22:59:59.999Z in summer time, 23:59:59.999Z in winter.
 * A deadline "by 12 May" has passed only once 12 May has ended on the ward's clock.
 */
export function endOfLondonDay(date: IsoDate): Date {
  const wall = (dayNumber(date) + 1) * DAY_MS - 1;
  // The clocks change at 01:00 UTC, never near midnight, so one correction by the offset a guess lands
  // in is exact; the second look only matters for a zone that changes at midnight.
  const guess = wall - londonOffsetMs(wall);
  return new Date(wall - londonOffsetMs(guess));
}

// ── Deadlines ──────────────────────────────────────────────────────────────────────────────────────

/**
 * How long something may take: exactly one of hours (a running clock), calendar days or working days
 * (both ending at the end of that day in England).
 */
export type Deadline = { hours: number } | { days: number } | { workingDays: number };

/** Upper limits: a year, however it is counted. */
export const DEADLINE_LIMITS = { hours: 8760, days: 365, workingDays: 260 } as const;

// Whole numbers are checked with a refinement, not `.int()`: zod's `.int()` failure aborts every check
// above it, so one "2.5" would hide the other problems in a protocol or stage table.
function count(unit: string, max: number) {
  const whole = `The number of ${unit} must be a whole number`;
  return z
    .number({ error: whole })
    .refine(Number.isInteger, whole)
    .min(1, `The number of ${unit} must be 1 or more`)
    .max(max, `The number of ${unit} must be ${max} or fewer`)
    .nullish();
}

/**
 * A deadline as configured: `{ hours: 48 }`, `{ days: 7 }` or `{ workingDays: 3 }`. Parses to a {@link Deadline}
 * with only the one key. Null counts as not given, so a form or JSON column can send every key.
 */
export const deadlineSchema = z
  .object(
    {
      hours: count('hours', DEADLINE_LIMITS.hours),
      days: count('days', DEADLINE_LIMITS.days),
      workingDays: count('working days', DEADLINE_LIMITS.workingDays),
    },
    { error: 'Enter a time limit in hours, days or working days' },
  )
  .superRefine(
    (d, ctx) => {
      const given = (['hours', 'days', 'workingDays'] as const).filter((k) => d[k] != null).length;
      if (given === 0) ctx.addIssue({ code: 'custom', message: 'Enter a time limit in hours, days or working days' });
      if (given > 1) ctx.addIssue({ code: 'custom', message: 'Give the time limit in only one of hours, days or working days' });
    },
    { when: (p) => typeof p.value === 'object' && p.value !== null },
  )
  .transform((d): Deadline => {
    if (d.hours != null) return { hours: d.hours };
    if (d.days != null) return { days: d.days };
    return { workingDays: d.workingDays as number };
  });

/**
 * When a deadline counted from `start` falls.
 * - hours: exactly that long after `start`, through nights, weekends and clock changes.
 * - days: the end of the day in England that many days after the day `start` falls on.
 * - working days: the end of the day in England of the `n`th working day after the day `start` falls on,
 *   so something arriving on a Saturday with "1 working day" is due by the end of Monday.
 */
export function deadlineFrom(start: Date, deadline: Deadline, calendar: WorkingCalendar): Date {
  if ('hours' in deadline) return new Date(start.getTime() + deadline.hours * HOUR_MS);
  const day = londonDate(start);
  if ('days' in deadline) return endOfLondonDay(addDays(day, deadline.days));
  return endOfLondonDay(calendar.addWorkingDays(day, deadline.workingDays));
}

/** "within 48 hours", "within 1 working day", "within 7 days". */
export function describeDeadline(d: Deadline): string {
  const [n, one, many] = 'hours' in d ? [d.hours, 'hour', 'hours'] : 'days' in d ? [d.days, 'day', 'days'] : [d.workingDays, 'working day', 'working days'];
  return `within ${n} ${n === 1 ? one : many}`;
}
