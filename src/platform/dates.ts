/**
 * Calendar dates, the way Beacon handles them everywhere (alerts, cases, working days, reports).
 *
 * Dates are YYYY-MM-DD strings: a due date, a date of birth and a review date are days, not instants, and
 * comparing instants across a clock change is how something expires an hour early. Every date is handled
 * as a count of days since 1970-01-01 in UTC, where days are all 24 hours long. "Today" is the date in
 * England (Europe/London) at a given instant, because that is the date the midwife on the ward would write.
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
  // London's offset from UTC is a whole hour (0 or +1) and changes on the hour, so the date in England
  // is the same for a whole UTC hour: remember the last hour's answer (asked on every request).
  const hour = Math.floor(instant.getTime() / 3_600_000);
  if (hour === lastHour && lastDate !== null) return lastDate;
  const parts = Object.fromEntries(LONDON.formatToParts(instant).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  if (Number.isFinite(hour)) {
    lastHour = hour;
    lastDate = date;
  }
  return date;
}
let lastHour = Number.NaN;
let lastDate: IsoDate | null = null;

/**
 * A value that depends only on today's date in England (a schema whose date rules say "in the past",
 * "within a year of today"), built again only when the date changes rather than on every request.
 */
export function perLondonDay<T>(build: (today: IsoDate) => T): (now: Date) => T {
  let day: IsoDate | null = null;
  let value: T | undefined;
  return (now) => {
    const today = londonDate(now);
    if (today !== day || value === undefined) {
      value = build(today);
      day = today;
    }
    return value;
  };
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
