import { zodFieldErrors } from '../platform/errors';
import { alertContentSchema, LIMITS } from './model';

// ── Steps ──────────────────────────────────────────────────────────────────────────────────────────

export const STEP_SLUGS = [
  'name',
  'identity',
  'contact',
  'description',
  'photographs',
  'associated-people',
  'pregnancy',
  'risk',
  'action',
  'lawful-basis',
  'distribution',
  'recipients',
  'review-date',
] as const;
export type StepSlug = (typeof STEP_SLUGS)[number];

export interface Step {
  slug: StepSlug;
  /** The page heading. */
  title: string;
  /** Content paths whose validation errors belong to this step (a path and everything below it). */
  paths: readonly string[];
  /** The repeating lists on the step. */
  lists: readonly ListPath[];
}

export const STEPS: readonly Step[] = [
  { slug: 'name', title: 'Her name', paths: ['subject.name', 'subject.otherNames'], lists: ['subject.otherNames'] },
  {
    slug: 'identity',
    title: 'Date of birth and NHS number',
    paths: ['subject.datesOfBirth', 'subject.dateOfBirthUnknown', 'subject.nhsNumbers', 'subject.nhsNumberUnknown'],
    lists: ['subject.datesOfBirth', 'subject.nhsNumbers'],
  },
  { slug: 'contact', title: 'Addresses and telephone numbers', paths: ['subject.addresses', 'subject.phones'], lists: ['subject.addresses', 'subject.phones'] },
  { slug: 'description', title: 'What she looks like', paths: ['subject.physicalDescription'], lists: [] },
  { slug: 'photographs', title: 'Photographs', paths: ['photo', 'caption', 'noPhotographReason'], lists: [] },
  { slug: 'associated-people', title: 'Associated people', paths: ['associatedPeople'], lists: ['associatedPeople'] },
  { slug: 'pregnancy', title: 'The pregnancy', paths: ['pregnancy'], lists: [] },
  { slug: 'risk', title: 'Why the alert is needed', paths: ['risk.criteria', 'risk.otherCriterion', 'risk.reason', 'risk.riskToStaff'], lists: [] },
  {
    slug: 'action',
    title: 'What staff must do if she presents',
    paths: ['risk.actionOnPresentation', 'risk.inHoursContact', 'risk.outOfHoursContact'],
    lists: [],
  },
  { slug: 'lawful-basis', title: 'Lawful basis for sharing', paths: ['lawfulBasis'], lists: [] },
  {
    slug: 'distribution',
    title: 'Who should receive the alert',
    paths: ['distribution.scope', 'distribution.unitTypes', 'distribution.scopeReason'],
    lists: [],
  },
  { slug: 'recipients', title: 'Where to send it', paths: ['distribution.geographyCode', 'distribution.unitIds'], lists: ['distribution.unitIds'] },
  { slug: 'review-date', title: 'Review date', paths: ['reviewDate'], lists: [] },
];

export const isStepSlug = (s: string): s is StepSlug => (STEP_SLUGS as readonly string[]).includes(s);
export const stepBySlug = (slug: StepSlug): Step => STEPS.find((s) => s.slug === slug)!;

export const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/** The step a content path (from a validation error) is entered on, or null for form-level problems. */
export function stepFor(path: string): Step | null {
  return STEPS.find((s) => s.paths.some((p) => under(path, p))) ?? null;
}

export function nextStep(slug: StepSlug): Step | null {
  const i = STEPS.findIndex((s) => s.slug === slug);
  return STEPS[i + 1] ?? null;
}

export function previousStep(slug: StepSlug): Step | null {
  const i = STEPS.findIndex((s) => s.slug === slug);
  return i > 0 ? STEPS[i - 1]! : null;
}

// ── Lists ──────────────────────────────────────────────────────────────────────────────────────────

export const LIST_PATHS = [
  'subject.otherNames',
  'subject.datesOfBirth',
  'subject.nhsNumbers',
  'subject.addresses',
  'subject.phones',
  'associatedPeople',
  'distribution.unitIds',
] as const;
export type ListPath = (typeof LIST_PATHS)[number];
export const isListPath = (s: string): s is ListPath => (LIST_PATHS as readonly string[]).includes(s);

export const LIST_MAX: Record<ListPath, number> = {
  'subject.otherNames': LIMITS.otherNames,
  'subject.datesOfBirth': LIMITS.datesOfBirth,
  'subject.nhsNumbers': LIMITS.nhsNumbers,
  'subject.addresses': LIMITS.addresses,
  'subject.phones': LIMITS.phones,
  associatedPeople: LIMITS.associatedPeople,
  'distribution.unitIds': 50,
};

/** What one row of each list is called, for "Add another …" and "Remove …" buttons. */
export const LIST_NOUNS: Record<ListPath, string> = {
  'subject.otherNames': 'name',
  'subject.datesOfBirth': 'date of birth',
  'subject.nhsNumbers': 'NHS number',
  'subject.addresses': 'address',
  'subject.phones': 'telephone number',
  associatedPeople: 'person',
  'distribution.unitIds': 'unit',
};

// ── Reading a form body ────────────────────────────────────────────────────────────────────────────

/** A parsed form body: urlencoded (repeated names become arrays) or multipart key-values. */
export type FormBody = Record<string, unknown>;

const one = (v: unknown): string => (Array.isArray(v) ? one(v[v.length - 1]) : typeof v === 'string' ? v : '');
const many = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const blank = (s: string) => s.trim() === '';
const ticked = (v: unknown) => ['true', 'on', 'yes'].includes(one(v));

/**
 * A date from its three inputs, as typed: '' when all are empty; `YYYY-MM-DD` when all are numbers (so a
 * real date is stored as one); otherwise the parts joined, which the model refuses as "not a real date".
 */
export function dateFromParts(day: string, month: string, year: string): string {
  const [d, m, y] = [day, month, year].map((p) => p.trim().replace(/-/g, ''));
  if (!d && !m && !y) return '';
  const numeric = [d, m, y].every((p) => /^\d+$/.test(p ?? ''));
  return numeric ? `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}` : `${y}-${m}-${d}`;
}

/** The three inputs for a stored date (as typed). Leading zeros are dropped from numbers. */
export function datePartsOf(value: unknown): { day: string; month: string; year: string } {
  if (typeof value !== 'string' || value === '') return { day: '', month: '', year: '' };
  const parts = value.split('-');
  if (parts.length !== 3) return { day: '', month: '', year: value };
  const tidy = (p: string) => (/^\d+$/.test(p) ? String(Number(p)) : p);
  return { day: tidy(parts[2]!), month: tidy(parts[1]!), year: parts[0]! };
}

function dateIn(body: FormBody, name: string): string {
  return dateFromParts(one(body[`${name}.day`]), one(body[`${name}.month`]), one(body[`${name}.year`]));
}

/** The rows of a list in a body, in index order, each as sub-key → raw value (a scalar list has key ''). */
function rowsIn(body: FormBody, list: string): Map<string, unknown>[] {
  const rows = new Map<number, Map<string, unknown>>();
  const prefix = `${list}.`;
  for (const [key, value] of Object.entries(body)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const m = /^(\d{1,4})(?:\.(.+))?$/.exec(rest);
    if (!m) continue;
    const i = Number(m[1]);
    if (!rows.has(i)) rows.set(i, new Map());
    rows.get(i)!.set(m[2] ?? '', value);
  }
  return [...rows.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}

const rowText = (r: Map<string, unknown>, k: string) => one(r.get(k));
const rowDate = (r: Map<string, unknown>, k: string) => dateFromParts(rowText(r, `${k}.day`), rowText(r, `${k}.month`), rowText(r, `${k}.year`));
/** An optional choice: '' means none chosen, and is left out. */
const choice = (s: string) => (s === '' ? undefined : s);

type Rec = Record<string, unknown>;
export const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function section(content: Rec, key: string): Rec {
  const s = { ...rec(content[key]) };
  content[key] = s;
  return s;
}

/** Remove row `index` of `list` from a body before it is read (a "Remove" button). */
export function removeRow(body: FormBody, list: ListPath, index: number): FormBody {
  const out: FormBody = {};
  const prefix = `${list}.${index}`;
  for (const [k, v] of Object.entries(body)) if (k !== prefix && !k.startsWith(`${prefix}.`)) out[k] = v;
  return out;
}

type Reader = (content: Rec, body: FormBody) => void;

const READERS: Record<StepSlug, Reader> = {
  name: (c, b) => {
    const s = section(c, 'subject');
    s.name = { given: one(b['subject.name.given']), family: one(b['subject.name.family']) };
    s.otherNames = rowsIn(b, 'subject.otherNames')
      .filter((r) => !blank(rowText(r, 'name.given')) || !blank(rowText(r, 'name.family')))
      .map((r) => ({ kind: choice(rowText(r, 'kind')), name: { given: rowText(r, 'name.given'), family: rowText(r, 'name.family') } }));
  },
  identity: (c, b) => {
    const s = section(c, 'subject');
    s.datesOfBirth = rowsIn(b, 'subject.datesOfBirth')
      .filter((r) => rowDate(r, 'value') !== '')
      .map((r) => ({ value: rowDate(r, 'value'), knownFalse: ticked(r.get('knownFalse')) }));
    s.dateOfBirthUnknown = ticked(b['subject.dateOfBirthUnknown']);
    s.nhsNumbers = rowsIn(b, 'subject.nhsNumbers')
      .filter((r) => !blank(rowText(r, 'value')))
      .map((r) => ({ value: rowText(r, 'value'), verification: choice(rowText(r, 'verification')) }));
    s.nhsNumberUnknown = ticked(b['subject.nhsNumberUnknown']);
  },
  contact: (c, b) => {
    const s = section(c, 'subject');
    s.addresses = rowsIn(b, 'subject.addresses')
      .filter((r) => !blank(rowText(r, 'address')) || !blank(rowText(r, 'postcode')))
      .map((r) => ({ kind: choice(rowText(r, 'kind')), address: rowText(r, 'address'), postcode: rowText(r, 'postcode') }));
    s.phones = rowsIn(b, 'subject.phones')
      .filter((r) => !blank(rowText(r, 'number')) || !blank(rowText(r, 'note')))
      .map((r) => ({ number: rowText(r, 'number'), note: rowText(r, 'note') }));
  },
  description: (c, b) => {
    section(c, 'subject').physicalDescription = one(b['subject.physicalDescription']);
  },
  photographs: (c, b) => {
    // Photographs are uploads of their own (addPhotograph), not part of the content; why there is none is.
    c.noPhotographReason = one(b.noPhotographReason);
  },
  'associated-people': (c, b) => {
    c.associatedPeople = rowsIn(b, 'associatedPeople')
      .filter(
        (r) => ['relationship', 'name.given', 'name.family', 'nhsNumber', 'notesOnRisk'].some((k) => !blank(rowText(r, k))) || rowDate(r, 'dateOfBirth') !== '',
      )
      .map((r) => ({
        relationship: rowText(r, 'relationship'),
        name: { given: rowText(r, 'name.given'), family: rowText(r, 'name.family') },
        dateOfBirth: rowDate(r, 'dateOfBirth'),
        nhsNumber: rowText(r, 'nhsNumber'),
        notesOnRisk: rowText(r, 'notesOnRisk'),
      }));
  },
  pregnancy: (c, b) => {
    const p = section(c, 'pregnancy');
    p.edd = dateIn(b, 'pregnancy.edd');
    p.bookingStatus = choice(one(b['pregnancy.bookingStatus']));
    p.bookingUnit = one(b['pregnancy.bookingUnit']);
    p.concealment = choice(one(b['pregnancy.concealment']));
    p.cpis = { result: choice(one(b['pregnancy.cpis.result'])), checkedAt: dateIn(b, 'pregnancy.cpis.checkedAt') };
  },
  risk: (c, b) => {
    const r = section(c, 'risk');
    r.criteria = many(b['risk.criteria']);
    r.otherCriterion = one(b['risk.otherCriterion']);
    r.reason = one(b['risk.reason']);
    r.riskToStaff = one(b['risk.riskToStaff']);
  },
  action: (c, b) => {
    const r = section(c, 'risk');
    r.actionOnPresentation = one(b['risk.actionOnPresentation']);
    r.inHoursContact = { name: one(b['risk.inHoursContact.name']), phone: one(b['risk.inHoursContact.phone']) };
    r.outOfHoursContact = { name: one(b['risk.outOfHoursContact.name']), phone: one(b['risk.outOfHoursContact.phone']) };
  },
  'lawful-basis': (c, b) => {
    c.lawfulBasis = choice(one(b.lawfulBasis));
  },
  distribution: (c, b) => {
    const d = section(c, 'distribution');
    d.scope = choice(one(b['distribution.scope']));
    d.unitTypes = many(b['distribution.unitTypes']);
    d.scopeReason = one(b['distribution.scopeReason']);
  },
  recipients: (c, b) => {
    const d = section(c, 'distribution');
    const scope = text(d.scope);
    // The page shows the question for the chosen scope (the update form shows all of them): only that one counts.
    if ('distribution.icbCode' in b || 'distribution.regionCode' in b) {
      d.geographyCode = scope === 'icb' ? one(b['distribution.icbCode']) : scope === 'region' ? one(b['distribution.regionCode']) : '';
    }
    if (scope === 'units' || Object.keys(b).some((k) => k.startsWith('distribution.unitIds.'))) {
      d.unitIds = rowsIn(b, 'distribution.unitIds')
        .map((r) => rowText(r, ''))
        .filter((id) => !blank(id));
    }
  },
  'review-date': (c, b) => {
    c.reviewDate = dateIn(b, 'reviewDate');
  },
};

/** The content with one step's answers from a form body put in (the rest unchanged). */
export function applyStep(slug: StepSlug, content: unknown, body: FormBody): Rec {
  const next = structuredClone(rec(content));
  READERS[slug](next, body);
  return next;
}

/** The content from a form with every step on it (the update form). */
export function applyAllSteps(content: unknown, body: FormBody): Rec {
  let next = rec(content);
  for (const s of STEPS) next = applyStep(s.slug, next, body);
  return next;
}

/** Which button was pressed: continue (the default, also for Enter in a field), save, add or remove a row. */
export type FormAction = { type: 'continue' } | { type: 'save' } | { type: 'add'; list: ListPath } | { type: 'remove'; list: ListPath; index: number };

export function formAction(body: FormBody): FormAction {
  const a = one(body.action);
  if (a === 'save') return { type: 'save' };
  const add = /^add:(.+)$/.exec(a);
  if (add && isListPath(add[1]!)) return { type: 'add', list: add[1] };
  const remove = /^remove:(.+):(\d{1,4})$/.exec(a);
  if (remove && isListPath(remove[1]!)) return { type: 'remove', list: remove[1], index: Number(remove[2]) };
  return { type: 'continue' };
}

// ── Validation for one step ────────────────────────────────────────────────────────────────────────

/** Every problem with the content as it stands, by path (what submission would say). */
export function contentProblems(content: unknown, now = new Date()): Record<string, string> {
  const r = alertContentSchema(now).safeParse(content);
  return r.success ? {} : zodFieldErrors(r.error.issues);
}

/** The problems that belong to one step. */
export function stepProblems(slug: StepSlug, content: unknown, now = new Date()): Record<string, string> {
  const step = stepBySlug(slug);
  return Object.fromEntries(Object.entries(contentProblems(content, now)).filter(([p]) => step.paths.some((sp) => under(p, sp))));
}

// ── Ids and error links ────────────────────────────────────────────────────────────────────────────

const DATE_PATH = /^(subject\.datesOfBirth\.\d+\.value|associatedPeople\.\d+\.dateOfBirth|pregnancy\.edd|pregnancy\.cpis\.checkedAt|reviewDate)$/;

/** The element an error at `path` should link to. `content` decides which area select is shown. */
export function idFor(path: string, content?: unknown): string {
  if (path === 'subject.datesOfBirth') return 'subject-datesOfBirth-0-value-day';
  if (path === 'distribution.unitIds') return 'distribution-unitIds-0';
  if (under(path, 'risk.criteria')) return 'risk-criteria';
  if (under(path, 'distribution.unitTypes')) return 'distribution-unitTypes';
  if (path === 'distribution.geographyCode')
    return text(rec(rec(content).distribution).scope) === 'region' ? 'distribution-regionCode' : 'distribution-icbCode';
  const id = path.replace(/\./g, '-');
  return DATE_PATH.test(path) ? `${id}-day` : id;
}

/** Where an error link goes from another page: the step that holds the field, at the field. */
export function stepLinkFor(alertId: string, path: string, content?: unknown): string | null {
  const step = stepFor(path);
  return step ? `/alerts/${alertId}/steps/${step.slug}?check=1#${idFor(path, content)}` : null;
}
