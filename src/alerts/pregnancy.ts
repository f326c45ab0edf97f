/**
 * Pregnancy arithmetic and the calendar dates it needs.
 *
 * Alerts deal in calendar dates (YYYY-MM-DD strings): a due date, a date of birth and a review date are
 * days, not instants, and comparing instants across a clock change is how an alert expires an hour early.
 * Every date is handled as a count of days since 1970-01-01 in UTC, where days are all 24 hours long.
 * "Today" is the date in England (Europe/London) at a given instant, because that is the date the
 * midwife on the ward would write.
 */

/** A calendar date as YYYY-MM-DD. A plain string so it serialises as-is; check with {@link isIsoDate}. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a real calendar date, or null (wrong shape, 31 April, 29 February 2027). */
function dayNumberOrNull(iso: string): number | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May; a real date survives the round trip unchanged.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** True for a real calendar date written YYYY-MM-DD. Years before 100 are refused (Date.UTC reads them as 19xx). */
export function isIsoDate(value: unknown): value is IsoDate {
  return typeof value === 'string' && dayNumberOrNull(value) !== null;
}

/** Days since 1970-01-01. Throws on anything but a real YYYY-MM-DD date: validate input first. */
export function dayNumber(iso: IsoDate): number {
  const n = dayNumberOrNull(iso);
  if (n === null) throw new RangeError(`Not a real YYYY-MM-DD date: ${JSON.stringify(iso)}`);
  return n;
}

/** The date `n` days after 1970-01-01. */
export function fromDayNumber(n: number): IsoDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The date `days` days after `iso` (negative for before). */
export function addDays(iso: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(iso) + days);
}

/** Whole days from `from` to `to`: positive when `to` is later. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in England at an instant: 23:30 UTC on 31 May is already 1 June in summer time. */
export function londonDate(instant: Date): IsoDate {
  const parts = Object.fromEntries(LONDON.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "3 March 2026", the NHS style for dates in messages. Returns anything that is not a real date unchanged. */
export function formatDate(iso: IsoDate): string {
  if (!isIsoDate(iso)) return iso;
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** Whole years from `dateOfBirth` to `on`. Born on 29 February: a year older on 1 March in other years, as in UK law. */
export function ageInYears(dateOfBirth: IsoDate, on: IsoDate): number {
  dayNumber(dateOfBirth);
  dayNumber(on);
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = on.split('-').map(Number) as [number, number, number];
  const hadBirthday = om > bm || (om === bm && od >= bd);
  return oy - by - (hadBirthday ? 0 : 1);
}

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
