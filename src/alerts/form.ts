/**
 * The raise-an-alert journey's forms ⇄ alert content (./model).
 *
 * Every field is named by its content path (`subject.nhsNumbers.0.value`) and has the id of that path with
 * dashes (`subject-nhsNumbers-0-value`), so a validation error's path leads straight to its field and the
 * error summary can link to it. Dates are three inputs (`<path>.day`, `.month`, `.year`) whose error link
 * goes to the day. Lists (other names, dates of birth, NHS numbers, addresses, telephone numbers,
 * associated people, named units) are rows numbered from 0; a row left completely blank is dropped, and
 * "Add another" / "Remove" are ordinary submit buttons (`action=add:<list>`, `action=remove:<list>:<i>`),
 * so the journey works without JavaScript.
 *
 * Drafts are stored as typed (an impossible date stays as the person typed it, to be corrected), so
 * reading content back must be defensive: anything may be missing or of the wrong type.
 */
import { UNIT_TYPE_LABELS, UNIT_TYPES } from '../directory/model';
import { formatNhsNumber } from '../identity/matching/nhs-number';
import { zodFieldErrors } from '../platform/errors';
import {
  ADDRESS_KIND_LABELS,
  ADDRESS_KINDS,
  alertContentSchema,
  BOOKING_STATUS_LABELS,
  BOOKING_STATUSES,
  CONCEALMENT_LABELS,
  CONCEALMENT_TYPES,
  CPIS_RESULT_LABELS,
  CPIS_RESULTS,
  DEFAULT_UNIT_TYPES,
  DISTRIBUTION_SCOPE_LABELS,
  DISTRIBUTION_SCOPES,
  LAWFUL_BASES,
  LAWFUL_BASIS_LABELS,
  LIMITS,
  NAME_KIND_LABELS,
  NAME_KINDS,
  NHS_NUMBER_VERIFICATION_LABELS,
  NHS_NUMBER_VERIFICATIONS,
  RISK_CRITERIA,
  RISK_CRITERION_LABELS,
} from './model';
import { formatDate, isIsoDate } from './pregnancy';

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
    paths: ['subject.datesOfBirth', 'subject.dateOfBirthUnknown', 'subject.nhsNumbers'],
    lists: ['subject.datesOfBirth', 'subject.nhsNumbers'],
  },
  { slug: 'contact', title: 'Addresses and telephone numbers', paths: ['subject.addresses', 'subject.phones'], lists: ['subject.addresses', 'subject.phones'] },
  { slug: 'description', title: 'What she looks like', paths: ['subject.physicalDescription'], lists: [] },
  { slug: 'photographs', title: 'Photographs', paths: ['photo', 'caption'], lists: [] },
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

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

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
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

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
  photographs: () => {
    // Photographs are uploads of their own (addPhotograph), not part of the content.
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

// ── Building the form (content → fields) ───────────────────────────────────────────────────────────

export interface Field {
  name: string;
  id: string;
  value: string;
  error?: { text: string };
}

export interface DateField {
  id: string;
  error?: { text: string };
  items: { name: string; id: string; label: string; value: string; width: number; classes?: string }[];
}

export interface ChoiceItem {
  value: string;
  text: string;
  checked?: boolean;
  selected?: boolean;
}

export interface ChoiceField {
  name: string;
  id: string;
  value: string;
  error?: { text: string };
  items: ChoiceItem[];
}

export interface Row<F> {
  index: number;
  /** 1-based, for labels ("Date of birth 2"). */
  number: number;
  fields: F;
  removeAction: string;
}

export interface ListView<F> {
  path: ListPath;
  id: string;
  error?: { text: string };
  rows: Row<F>[];
  canAdd: boolean;
  addAction: string;
  noun: string;
}

export interface Lookups {
  /** Units for the named-units list: id and a label (unit – organisation). */
  units: { id: string; label: string }[];
  icbs: { code: string; name: string }[];
  regions: { code: string; name: string }[];
}

export interface FormViewOptions {
  errors?: Record<string, string>;
  /** Show one more blank row in this list ("Add another"). */
  addRowTo?: ListPath | null;
}

const at = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (Array.isArray(node) ? node[Number(key)] : rec(node)[key]), root);

/** Build the whole form's fields from the content. Each step's template uses its part. */
export function formView(content: unknown, lookups: Lookups, opts: FormViewOptions = {}) {
  const errors = opts.errors ?? {};
  const err = (path: string) => (errors[path] ? { text: errors[path] } : undefined);
  const field = (path: string, value: unknown = at(content, path)): Field => ({
    name: path,
    id: path.replace(/\./g, '-'),
    value: text(value),
    ...(err(path) ? { error: err(path) } : {}),
  });
  const date = (path: string, value: unknown = at(content, path)): DateField => {
    const parts = datePartsOf(value);
    const id = path.replace(/\./g, '-');
    const bad = err(path) ? ' nhsuk-input--error' : '';
    return {
      id,
      ...(err(path) ? { error: err(path) } : {}),
      items: [
        { name: `${path}.day`, id: `${id}-day`, label: 'Day', value: parts.day, width: 2, classes: `nhsuk-input--width-2${bad}` },
        { name: `${path}.month`, id: `${id}-month`, label: 'Month', value: parts.month, width: 2, classes: `nhsuk-input--width-2${bad}` },
        { name: `${path}.year`, id: `${id}-year`, label: 'Year', value: parts.year, width: 4, classes: `nhsuk-input--width-4${bad}` },
      ],
    };
  };
  const radios = (
    path: string,
    labels: Record<string, string>,
    values: readonly string[],
    value: unknown = at(content, path),
    id = path.replace(/\./g, '-'),
  ): ChoiceField => ({
    name: path,
    id,
    value: text(value),
    ...(err(path) ? { error: err(path) } : {}),
    items: values.map((v) => ({ value: v, text: labels[v] ?? v, checked: v === value })),
  });
  const select = (path: string, items: { value: string; text: string }[], value: string, id = path.replace(/\./g, '-'), errorPath = path): ChoiceField => ({
    name: path,
    id,
    value,
    ...(err(errorPath) ? { error: err(errorPath) } : {}),
    items: items.map((i) => ({ ...i, selected: i.value === value })),
  });
  const checkboxes = (path: string, labels: Record<string, string>, values: readonly string[], chosen: readonly string[]): ChoiceField => ({
    name: path,
    id: path.replace(/\./g, '-'),
    value: '',
    ...(err(path) ? { error: err(path) } : {}),
    items: values.map((v) => ({ value: v, text: labels[v] ?? v, checked: chosen.includes(v) })),
  });
  /** A list's rows: those stored, plus a blank one when the list is empty or "Add another" was pressed. */
  const list = <F>(path: ListPath, build: (item: unknown, i: number) => F, minRows = 1): ListView<F> => {
    const items = arr(at(content, path));
    const wanted = Math.min(LIST_MAX[path], Math.max(items.length + (opts.addRowTo === path ? 1 : 0), minRows));
    const rows: Row<F>[] = [];
    for (let i = 0; i < wanted; i++) rows.push({ index: i, number: i + 1, fields: build(items[i], i), removeAction: `remove:${path}:${i}` });
    return {
      path,
      id: path.replace(/\./g, '-'),
      ...(err(path) && path !== 'subject.datesOfBirth' && path !== 'distribution.unitIds' ? { error: err(path) } : {}),
      rows,
      canAdd: rows.length < LIST_MAX[path],
      addAction: `add:${path}`,
      noun: LIST_NOUNS[path],
    };
  };

  const subject = rec(rec(content).subject);
  const distribution = rec(rec(content).distribution);
  const scope = text(distribution.scope);
  const geographyCode = text(distribution.geographyCode);
  const storedTypes = distribution.unitTypes;
  const otherNameKinds = NAME_KINDS.map((k) => ({ value: k, text: NAME_KIND_LABELS[k] }));

  return {
    name: {
      given: field('subject.name.given'),
      family: field('subject.name.family'),
      otherNames: list('subject.otherNames', (item, i) => ({
        kind: select(`subject.otherNames.${i}.kind`, otherNameKinds, text(rec(item).kind) || 'alias'),
        given: field(`subject.otherNames.${i}.name.given`, rec(rec(item).name).given),
        family: field(`subject.otherNames.${i}.name.family`, rec(rec(item).name).family),
      })),
    },
    identity: {
      datesOfBirth: list('subject.datesOfBirth', (item, i) => ({
        value: date(`subject.datesOfBirth.${i}.value`, rec(item).value),
        knownFalse: { name: `subject.datesOfBirth.${i}.knownFalse`, id: `subject-datesOfBirth-${i}-knownFalse`, checked: rec(item).knownFalse === true },
      })),
      datesOfBirthError: err('subject.datesOfBirth'),
      dateOfBirthUnknown: {
        name: 'subject.dateOfBirthUnknown',
        id: 'subject-dateOfBirthUnknown',
        checked: subject.dateOfBirthUnknown === true,
        error: err('subject.dateOfBirthUnknown'),
      },
      nhsNumbers: list('subject.nhsNumbers', (item, i) => ({
        value: field(`subject.nhsNumbers.${i}.value`, rec(item).value),
        verification: select(
          `subject.nhsNumbers.${i}.verification`,
          NHS_NUMBER_VERIFICATIONS.map((v) => ({ value: v, text: NHS_NUMBER_VERIFICATION_LABELS[v] })),
          text(rec(item).verification) || 'unverified',
        ),
      })),
    },
    contact: {
      addresses: list('subject.addresses', (item, i) => ({
        kind: select(
          `subject.addresses.${i}.kind`,
          ADDRESS_KINDS.map((k) => ({ value: k, text: ADDRESS_KIND_LABELS[k] })),
          text(rec(item).kind) || (i === 0 ? 'current' : 'previous'),
        ),
        address: field(`subject.addresses.${i}.address`, rec(item).address),
        postcode: field(`subject.addresses.${i}.postcode`, rec(item).postcode),
      })),
      phones: list('subject.phones', (item, i) => ({
        number: field(`subject.phones.${i}.number`, rec(item).number),
        note: field(`subject.phones.${i}.note`, rec(item).note),
      })),
    },
    description: { physicalDescription: field('subject.physicalDescription') },
    associatedPeople: list(
      'associatedPeople',
      (item, i) => ({
        relationship: field(`associatedPeople.${i}.relationship`, rec(item).relationship),
        given: field(`associatedPeople.${i}.name.given`, rec(rec(item).name).given),
        family: field(`associatedPeople.${i}.name.family`, rec(rec(item).name).family),
        dateOfBirth: date(`associatedPeople.${i}.dateOfBirth`, rec(item).dateOfBirth),
        nhsNumber: field(`associatedPeople.${i}.nhsNumber`, rec(item).nhsNumber),
        notesOnRisk: field(`associatedPeople.${i}.notesOnRisk`, rec(item).notesOnRisk),
      }),
      1,
    ),
    pregnancy: {
      edd: date('pregnancy.edd'),
      bookingStatus: radios('pregnancy.bookingStatus', BOOKING_STATUS_LABELS, BOOKING_STATUSES),
      bookingUnit: field('pregnancy.bookingUnit'),
      concealment: radios('pregnancy.concealment', CONCEALMENT_LABELS, CONCEALMENT_TYPES),
      cpisResult: radios('pregnancy.cpis.result', CPIS_RESULT_LABELS, CPIS_RESULTS),
      cpisCheckedAt: date('pregnancy.cpis.checkedAt'),
    },
    risk: {
      criteria: checkboxes('risk.criteria', RISK_CRITERION_LABELS, RISK_CRITERIA, arr(at(content, 'risk.criteria')).map(text)),
      otherCriterion: field('risk.otherCriterion'),
      reason: field('risk.reason'),
      riskToStaff: field('risk.riskToStaff'),
    },
    action: {
      actionOnPresentation: field('risk.actionOnPresentation'),
      inHoursName: field('risk.inHoursContact.name'),
      inHoursPhone: field('risk.inHoursContact.phone'),
      outOfHoursName: field('risk.outOfHoursContact.name'),
      outOfHoursPhone: field('risk.outOfHoursContact.phone'),
    },
    lawfulBasis: radios('lawfulBasis', LAWFUL_BASIS_LABELS, LAWFUL_BASES),
    distribution: {
      chosenScope: scope,
      scope: radios('distribution.scope', DISTRIBUTION_SCOPE_LABELS, DISTRIBUTION_SCOPES),
      icbCode: select(
        'distribution.icbCode',
        [{ value: '', text: 'Select an ICB area' }, ...lookups.icbs.map((g) => ({ value: g.code, text: g.name }))],
        scope === 'icb' ? geographyCode : '',
        'distribution-icbCode',
        scope === 'icb' ? 'distribution.geographyCode' : '-',
      ),
      regionCode: select(
        'distribution.regionCode',
        [{ value: '', text: 'Select an NHS region' }, ...lookups.regions.map((g) => ({ value: g.code, text: g.name }))],
        scope === 'region' ? geographyCode : '',
        'distribution-regionCode',
        scope === 'region' ? 'distribution.geographyCode' : '-',
      ),
      unitIds: list('distribution.unitIds', (item, i) =>
        select(`distribution.unitIds.${i}`, [{ value: '', text: 'Select a unit' }, ...lookups.units.map((u) => ({ value: u.id, text: u.label }))], text(item)),
      ),
      unitIdsError: err('distribution.unitIds'),
      unitTypes: checkboxes(
        'distribution.unitTypes',
        UNIT_TYPE_LABELS,
        UNIT_TYPES,
        Array.isArray(storedTypes) ? storedTypes.map(text) : [...DEFAULT_UNIT_TYPES],
      ),
      scopeReason: field('distribution.scopeReason'),
    },
    reviewDate: date('reviewDate'),
  };
}

export type FormView = ReturnType<typeof formView>;

// ── Showing the content (check your answers, the alert page) ──────────────────────────────────────

export interface SummaryRow {
  key: string;
  /** Lines of text; empty means "Not given". */
  lines: string[];
}

export interface SummarySection {
  step: Step;
  rows: SummaryRow[];
  /** How many problems submission would report on this step. */
  problems: number;
}

export interface SummaryLookups {
  unitName: (id: string) => string | undefined;
  geographyName: (code: string) => string | undefined;
  /** For "Not chosen: N weeks after the due date". */
  reviewWeeksAfterEdd: number;
}

const label = (labels: Record<string, string>, v: unknown) => (text(v) ? (labels[text(v)] ?? text(v)) : '');
const lines = (...xs: unknown[]) => xs.map(text).filter((s) => s.trim() !== '');
const nameOf = (n: unknown) => [text(rec(n).given), text(rec(n).family)].filter((s) => s.trim()).join(' ');
const shownDate = (v: unknown) => (isIsoDate(v) ? formatDate(v) : text(v) ? `${text(v)} (not a real date)` : '');
const shownNhs = (v: unknown) => (/^\d{10}$/.test(text(v).replace(/\s/g, '')) ? formatNhsNumber(text(v).replace(/\s/g, '')) : text(v));

/** The content as rows per step, in the journey's order (values are plain text, escaped by the template). */
export function summarise(content: unknown, lookups: SummaryLookups, problems: Record<string, string> = {}): SummarySection[] {
  const c = rec(content);
  const s = rec(c.subject);
  const p = rec(c.pregnancy);
  const r = rec(c.risk);
  const d = rec(c.distribution);
  const countFor = (step: Step) => Object.keys(problems).filter((k) => step.paths.some((sp) => under(k, sp))).length;
  const rowsFor: Record<StepSlug, SummaryRow[]> = {
    name: [
      { key: 'Name', lines: lines(nameOf(s.name)) },
      {
        key: 'Other names and aliases',
        lines: arr(s.otherNames).map((o) => `${nameOf(rec(o).name)}${text(rec(o).kind) ? ` (${label(NAME_KIND_LABELS, rec(o).kind).toLowerCase()})` : ''}`),
      },
    ],
    identity: [
      {
        key: 'Date of birth',
        lines: [
          ...arr(s.datesOfBirth).map((x) => `${shownDate(rec(x).value)}${rec(x).knownFalse === true ? ' (known to be false)' : ''}`),
          ...(s.dateOfBirthUnknown === true ? ['Her real date of birth is not known'] : []),
        ],
      },
      {
        key: 'NHS number',
        lines: arr(s.nhsNumbers).map(
          (n) => `${shownNhs(rec(n).value)}${text(rec(n).verification) ? ` – ${label(NHS_NUMBER_VERIFICATION_LABELS, rec(n).verification)}` : ''}`,
        ),
      },
    ],
    contact: [
      {
        key: 'Addresses',
        lines: arr(s.addresses).map(
          (a) =>
            `${label(ADDRESS_KIND_LABELS, rec(a).kind) || 'Address'}: ${lines(text(rec(a).address).replace(/\s*\n\s*/g, ', '), rec(a).postcode).join(', ')}`,
        ),
      },
      { key: 'Telephone numbers', lines: arr(s.phones).map((t) => `${text(rec(t).number)}${text(rec(t).note) ? ` (${text(rec(t).note)})` : ''}`) },
    ],
    description: [{ key: 'Physical description', lines: lines(s.physicalDescription) }],
    photographs: [],
    'associated-people': [
      {
        key: 'Associated people',
        lines: arr(c.associatedPeople).map((a) => {
          const x = rec(a);
          const bits = [`${text(x.relationship) || 'Associated person'}: ${nameOf(x.name) || 'name not known'}`];
          if (text(x.dateOfBirth)) bits.push(`born ${shownDate(x.dateOfBirth)}`);
          if (text(x.nhsNumber)) bits.push(`NHS number ${shownNhs(x.nhsNumber)}`);
          return bits.join(', ') + (text(x.notesOnRisk) ? `. Risk: ${text(x.notesOnRisk)}` : '');
        }),
      },
    ],
    pregnancy: [
      { key: 'Due date', lines: lines(shownDate(p.edd)) },
      { key: 'Booking', lines: lines(label(BOOKING_STATUS_LABELS, p.bookingStatus), text(p.bookingUnit) ? `Booking unit: ${text(p.bookingUnit)}` : '') },
      { key: 'Concealed, denied, late or unbooked', lines: lines(label(CONCEALMENT_LABELS, p.concealment)) },
      {
        key: 'CP-IS',
        lines: lines(label(CPIS_RESULT_LABELS, rec(p.cpis).result), text(rec(p.cpis).checkedAt) ? `Checked on ${shownDate(rec(p.cpis).checkedAt)}` : ''),
      },
    ],
    risk: [
      {
        key: 'Criteria',
        lines: arr(r.criteria).map((x) =>
          text(x) === 'other' && text(r.otherCriterion) ? `Other: ${text(r.otherCriterion)}` : label(RISK_CRITERION_LABELS, x),
        ),
      },
      { key: 'Reason for the alert', lines: lines(r.reason) },
      { key: 'Risk to staff', lines: lines(r.riskToStaff) },
    ],
    action: [
      { key: 'Action on presentation', lines: lines(r.actionOnPresentation) },
      { key: 'In-hours contact', lines: lines(nameOf({ given: rec(r.inHoursContact).name }), rec(r.inHoursContact).phone) },
      { key: 'Out-of-hours contact', lines: lines(nameOf({ given: rec(r.outOfHoursContact).name }), rec(r.outOfHoursContact).phone) },
    ],
    'lawful-basis': [{ key: 'Lawful basis', lines: lines(label(LAWFUL_BASIS_LABELS, c.lawfulBasis)) }],
    distribution: [
      { key: 'How widely', lines: lines(label(DISTRIBUTION_SCOPE_LABELS, d.scope)) },
      ...(text(d.scope) === 'units'
        ? []
        : [{ key: 'Types of unit', lines: (Array.isArray(d.unitTypes) ? d.unitTypes : [...DEFAULT_UNIT_TYPES]).map((t) => label(UNIT_TYPE_LABELS, t)) }]),
      { key: 'Why this widely', lines: lines(d.scopeReason) },
    ],
    recipients: [
      text(d.scope) === 'units'
        ? { key: 'Units', lines: arr(d.unitIds).map((id) => lookups.unitName(text(id)) ?? text(id)) }
        : text(d.scope) === 'national'
          ? { key: 'Area', lines: ['England'] }
          : { key: 'Area', lines: lines(text(d.geographyCode) ? (lookups.geographyName(text(d.geographyCode)) ?? text(d.geographyCode)) : '') },
    ],
    'review-date': [
      {
        key: 'Review date',
        lines: lines(text(c.reviewDate) ? shownDate(c.reviewDate) : `Not chosen: ${lookups.reviewWeeksAfterEdd} weeks after the due date`),
      },
    ],
  };
  return STEPS.map((step) => ({ step, rows: rowsFor[step.slug], problems: countFor(step) }));
}
