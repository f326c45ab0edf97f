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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (month: number, year: number) =>
  month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);

/**
 * What is wrong with a date given as day, month and year (and a time, when the form asks for one), in
 * words a clinician recognises: "there is no month 13", "April 2026 has 30 days", "25:99 is not a time".
 * Null when it is a real date (and time). Empty parts are the caller's to report ("Enter the date").
 */
export function datePartsProblem(parts: { day: string; month: string; year: string; time?: string }): string | null {
  return capitalise(datePartsReason(parts));
}

const capitalise = (s: string | null) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : null);

/** datePartsProblem's words, to follow a colon: "there is no month 13", "April 2026 has 30 days, not 31". */
export function datePartsReason(parts: { day: string; month: string; year: string; time?: string }): string | null {
  const [d, m, y] = [parts.day.trim(), parts.month.trim(), parts.year.trim()];
  const problems: string[] = [];
  if (![d, m, y].every((p) => /^\d{1,4}$/.test(p))) problems.push('the day, month and year must be numbers, like 27 11 2026');
  else {
    const [day, month, year] = [Number(d), Number(m), Number(y)];
    if (y.length !== 4) problems.push('the year must have 4 digits, like 2026');
    if (month < 1 || month > 12) problems.push(`there is no month ${month}: months go from 1 to 12`);
    if (day < 1) problems.push('days start at 1');
    else if (month >= 1 && month <= 12 && y.length === 4 && day > daysIn(month, year))
      problems.push(`${MONTHS[month - 1]} ${year} has ${daysIn(month, year)} days, not ${day}`);
    else if (day > 31) problems.push(`there is no day ${day} in any month`);
  }
  if (parts.time !== undefined && parts.time.trim() !== '') {
    const t = parts.time.trim();
    const hm = /^(\d{1,2})[:.](\d{2})$/.exec(t);
    if (!hm || Number(hm[1]) > 23 || Number(hm[2]) > 59) problems.push(`${t} is not a time: use the 24-hour clock, like 14:30`);
  }
  if (!problems.length) return null;
  return problems.length === 1 ? problems[0]! : `${problems.slice(0, -1).join(', ')} and ${problems.at(-1)}`;
}

/**
 * What is wrong with a date sent as text (the API, a file), naming the format Beacon expects and, for
 * a date of the right shape, the impossible part. Null for a real YYYY-MM-DD date.
 */
export function isoDateProblem(value: string): string | null {
  return capitalise(isoDateReason(value));
}

function isoDateReason(value: string): string | null {
  const s = value.trim();
  if (isIsoDate(s)) return null;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (iso) return datePartsReason({ year: iso[1]!, month: iso[2]!, day: iso[3]! }) ?? 'write the date as YYYY-MM-DD, like 1996-07-04';
  const uk = /^(\d{1,2})[/.\s-](\d{1,2})[/.\s-](\d{4})$/.exec(s);
  if (uk) {
    const [d, m, y] = [uk[1]!.padStart(2, '0'), uk[2]!.padStart(2, '0'), uk[3]!];
    return `write the date as YYYY-MM-DD (year, month, day), like ${y}-${m}-${d} for ${s}`;
  }
  return 'write the date as YYYY-MM-DD (year, month, day), like 1996-07-04';
}

/** "Date of birth must be a real date: April 2026 has 30 days, not 31", or null for a real date. */
export function dateMessage(label: string, value: string | { day: string; month: string; year: string; time?: string }): string | null {
  const reason = typeof value === 'string' ? isoDateReason(value) : datePartsReason(value);
  if (!reason) return null;
  return reason.startsWith('write the date') ? `${label} must be written${reason.slice('write the date'.length)}` : `${label} must be a real date: ${reason}`;
}
