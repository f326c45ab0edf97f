/**
 * Pregnancy arithmetic: gestation from a due date, review dates. The calendar dates it needs are
 * platform/dates.ts (re-exported here for the alert register's own files).
 */
import { addDays, daysBetween, type IsoDate, londonDate } from '../platform/dates';

export { addDays, ageInYears, dayNumber, daysBetween, formatDate, fromDayNumber, type IsoDate, isIsoDate, londonDate } from '../platform/dates';

/** A full-term pregnancy: the due date is 40+0, 280 days after 0+0 (the first day of the last period). */
export const TERM_DAYS = 280;
/** Beyond 45+0 a pregnancy has ended: nobody is still pregnant five weeks after the due date. */
export const MAX_GESTATION_DAYS = 45 * 7;

/**
 * Gestation on a date, from the due date.
 * - `pregnant`: 0+0 to 45+0 inclusive; `weeks`/`days` are set and `text` is "32+4".
 * - `before`: the date is before 0+0, so there is no gestation to show (a chronology entry from before
 *   the pregnancy, or a due date keyed a year late).
 * - `after`: past 45+0; she has given birth or the due date is wrong. Showing "47+2" would mislead.
 * `weeks` and `days` are null outside the range, so a caller cannot do sums with a gestation that does not exist.
 */
export type Gestation =
  | { status: 'pregnant'; weeks: number; days: number; text: string }
  | { status: 'before'; weeks: null; days: null; text: string }
  | { status: 'after'; weeks: null; days: null; text: string };

/** Gestation on `date` (a calendar date, or an instant taken as its date in England) for a due date. */
export function gestationAt(edd: IsoDate, date: IsoDate | Date): Gestation {
  const on = typeof date === 'string' ? date : londonDate(date);
  const total = TERM_DAYS - daysBetween(on, edd);
  if (total < 0) return { status: 'before', weeks: null, days: null, text: 'before pregnancy' };
  if (total > MAX_GESTATION_DAYS) return { status: 'after', weeks: null, days: null, text: 'over 45 weeks' };
  const weeks = Math.floor(total / 7);
  const days = total % 7;
  return { status: 'pregnant', weeks, days, text: `${weeks}+${days}` };
}

/** Default review date of an alert: `weeksAfter` weeks after the due date (6 unless the partnership configures otherwise). */
export function defaultReviewDate(edd: IsoDate, weeksAfter = 6): IsoDate {
  if (!Number.isInteger(weeksAfter) || weeksAfter < 0) throw new RangeError(`weeksAfter must be a whole number of weeks, not ${weeksAfter}`);
  return addDays(edd, weeksAfter * 7);
}

/**
 * True once the review date has passed: the review date is the last day the alert stands without
 * renewal, so an alert reviewed "by 3 March" is past review from the start of 4 March in England.
 */
export function isPastReview(reviewDate: IsoDate, now: Date): boolean {
  return daysBetween(reviewDate, londonDate(now)) > 0;
}
