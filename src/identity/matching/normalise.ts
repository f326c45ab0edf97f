/**
 * Normalisers for the fields the matcher compares. Each returns a canonical form so that the
 * comparisons (and the blocking keys built from them) see "O'Brien", "o brien" and "OBRIEN" as
 * the same thing, and never throws on odd input: point-of-care data is messy.
 */

/** Honorifics and name-adjacent words that are not part of anyone's name. */
const TITLES: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'doctor',
  'prof',
  'professor',
  'rev',
  'revd',
  'reverend',
  'sir',
  'dame',
  'lady',
  'lord',
  'master',
  'fr',
  'sr',
  'jr',
  'junior',
  'senior',
  'nee',
  'ne',
  'aka',
  'baby',
  'unknown',
  'unk',
  'nk',
  'nfa',
]);

/**
 * Surname particles that people write both attached and separate ("Mc Donald"/"McDonald",
 * "van der Berg"/"Vanderberg", "O Brien"/"O'Brien"): joined to the following token so both
 * spellings give one token.
 */
const SURNAME_PARTICLES: ReadonlySet<string> = new Set([
  'mc',
  'mac',
  'o',
  'd',
  'st',
  'van',
  'von',
  'der',
  'den',
  'de',
  'du',
  'le',
  'la',
  'di',
  'da',
  'del',
  'della',
  'dos',
  'das',
  'ter',
  'ten',
]);

/** Letters NFKD does not decompose into a base letter plus a combining mark. */
const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};

/** Lower case, diacritics removed (NFKD then combining marks dropped), special letters mapped. */
export function foldText(raw: string): string {
  let s = raw
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, '');
  if (/[łđðøæœßþıħ]/.test(s)) s = s.replace(/[łđðøæœßþıħ]/g, (c) => SPECIAL_LETTERS[c] ?? c);
  return s;
}

function rawTokens(raw: string | undefined | null): string[] {
  if (raw == null) return [];
  const folded = foldText(String(raw))
    // Apostrophes join (O'Brien → obrien, D'Souza → dsouza); everything else separates.
    .replace(/['’‘`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (!folded) return [];
  return folded.split(' ').filter((t) => t.length > 0 && !TITLES.has(t) && !/^\d+$/.test(t));
}

/**
 * Given-name tokens: "Mary-Jane" → ["mary", "jane"]; "Dr. Siân" → ["sian"]. The first token of
 * the first given name is treated as the forename.
 */
export function normaliseGivenName(raw: string | undefined | null): string[] {
  return rawTokens(raw);
}

/**
 * Family-name tokens: double-barrelled and hyphenated names split into tokens so either half can
 * match ("Smith-Jones" → ["smith", "jones"]); particles joined ("van der Berg" → ["vanderberg"]).
 */
export function normaliseFamilyName(raw: string | undefined | null): string[] {
  const tokens = rawTokens(raw);
  const out: string[] = [];
  let pending = '';
  for (const t of tokens) {
    if (SURNAME_PARTICLES.has(t)) {
      pending += t;
      continue;
    }
    out.push(pending + t);
    pending = '';
  }
  // A trailing particle on its own ("Mr O") is still information.
  if (pending) out.push(pending);
  return out;
}

/** Normalise a list of names into a de-duplicated token list, order preserved. */
export function normaliseNameList(names: readonly (string | undefined | null)[] | undefined, kind: 'given' | 'family'): string[] {
  const out: string[] = [];
  if (!names) return out;
  for (const n of names) {
    const toks = kind === 'given' ? normaliseGivenName(n) : normaliseFamilyName(n);
    for (const t of toks) if (!out.includes(t)) out.push(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dates

export interface ParsedDate {
  /** Eight digits YYYYMMDD exactly as given (kept even if not a real date, for edit distance). */
  digits: string;
  year: number;
  month: number;
  day: number;
  /** True when the digits form a real calendar date. */
  valid: boolean;
}

/**
 * Parse YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY (also D/M/YYYY and DD-MM-YYYY / DD.MM.YYYY). Returns
 * null for anything else. A keyed-in impossible date (31/02/1990) still parses, flagged not
 * valid, because its digits are still evidence.
 */
export function parseDate(raw: string | undefined | null): ParsedDate | null {
  if (raw == null) return null;
  const s = String(raw).trim();
  let y: string;
  let m: string;
  let d: string;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (match) {
    y = match[1] as string;
    m = match[2] as string;
    d = match[3] as string;
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) {
    y = match[1] as string;
    m = match[2] as string;
    d = match[3] as string;
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s))) {
    d = match[1] as string;
    m = match[2] as string;
    y = match[3] as string;
  } else {
    return null;
  }
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const digits = y + m.padStart(2, '0') + d.padStart(2, '0');
  const dt = new Date(Date.UTC(year, month - 1, day));
  const valid = month >= 1 && month <= 12 && day >= 1 && dt.getUTCFullYear() === year && dt.getUTCMonth() === month - 1 && dt.getUTCDate() === day;
  return { digits, year, month, day, valid };
}

/** Days since 1970-01-01 for a valid date, or null. Used for EDD windows. */
export function dayNumber(raw: string | undefined | null): number | null {
  const p = parseDate(raw);
  if (!p || !p.valid) return null;
  return Math.round(Date.UTC(p.year, p.month - 1, p.day) / 86_400_000);
}

/** ISO YYYY-MM-DD for a parsed date's digits. */
export function isoFromDigits(digits: string): string {
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

// ---------------------------------------------------------------------------------------------
// Postcodes

/**
 * A postcode at every level of precision the scorer compares. Levels are absent when the input
 * does not carry them (an outward code only has district and area).
 */
export interface PostcodeParts {
  kind: 'uk' | 'numeric' | 'other';
  /** "SO16 4XX" */
  full?: string;
  /** "SO16 4" */
  sector?: string;
  /** "SO16" */
  district?: string;
  /** "SO" */
  area?: string;
}

const UK_FULL = /^([A-Z]{1,2})(\d[A-Z\d]?)(\d)([A-Z]{2})$/;
const UK_SECTOR = /^([A-Z]{1,2})(\d[A-Z\d]?)(\d)$/;
const UK_OUTWARD = /^([A-Z]{1,2})(\d[A-Z\d]?)$/;

/**
 * Normalise a postcode: upper case, separators removed, then split into levels. UK formats are
 * recognised in full, sector or outward-only form. A four-digit numeric code (FEBRL's Australian
 * postcodes) is treated as opaque, with its first three and two digits as the sector and district
 * levels. Anything else is kept as an opaque full code. Returns null for empty input.
 *
 * Partial codes: "SO16" is a district, "SO16 4" and "SO164" a sector.
 */
export function parsePostcode(raw: string | undefined | null): PostcodeParts | null {
  if (raw == null) return null;
  const s = String(raw)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  if (!s) return null;
  let m = UK_FULL.exec(s);
  if (m) {
    const district = `${m[1]}${m[2]}`;
    return { kind: 'uk', full: `${district} ${m[3]}${m[4]}`, sector: `${district} ${m[3]}`, district, area: m[1] as string };
  }
  if (/^\d{4}$/.test(s)) {
    return { kind: 'numeric', full: s, sector: s.slice(0, 3), district: s.slice(0, 2) };
  }
  // With a space, the space says where the outward code ends ("SO16 4" is a sector).
  const parts = String(raw)
    .toUpperCase()
    .replace(/[^A-Z0-9 ]/g, ' ')
    .trim()
    .split(/\s+/);
  if (parts.length === 2 && UK_OUTWARD.test(parts[0] as string) && /^\d$/.test(parts[1] as string)) {
    const district = parts[0] as string;
    return { kind: 'uk', sector: `${district} ${parts[1]}`, district, area: (UK_OUTWARD.exec(district) as RegExpExecArray)[1] as string };
  }
  // Without one, an outward code on its own ("SO16") is read before a sector ("SO164").
  m = UK_OUTWARD.exec(s);
  if (m) return { kind: 'uk', district: s, area: m[1] as string };
  m = UK_SECTOR.exec(s);
  if (m && s.length >= 4) {
    const district = `${m[1]}${m[2]}`;
    return { kind: 'uk', sector: `${district} ${m[3]}`, district, area: m[1] as string };
  }
  return { kind: 'other', full: s };
}

/** The display form of a postcode ("so164xx" → "SO16 4XX"), or the cleaned input if not UK. */
export function normalisePostcode(raw: string | undefined | null): string {
  const p = parsePostcode(raw);
  if (!p) return '';
  return p.full ?? p.sector ?? p.district ?? '';
}
