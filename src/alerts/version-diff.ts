/**
 * What changed between two versions of an alert, in words a recipient can check at a glance
 * ("Action on presentation", "NHS number 943 476 5919, not verified: removed").
 *
 * Fields are listed here in the order the alert page shows them, each with its label and how to show its
 * value. Lists (aliases, NHS numbers, addresses, …) are compared as collections: an item appears as added
 * or removed, never as "item 2 changed", because positions in a list mean nothing to the reader. An item
 * edited in place is therefore a removal and an addition, which is also the honest description of it.
 *
 * Values are read by path and shown defensively, so a version stored under an older shape of the content
 * still compares rather than throwing on the history page.
 */
import { UNIT_TYPE_LABELS } from '../directory/model';
import { formatNhsNumber } from '../identity/matching/nhs-number';
import {
  ADDRESS_KIND_LABELS,
  type AlertContent,
  BOOKING_STATUS_LABELS,
  CONCEALMENT_LABELS,
  CPIS_RESULT_LABELS,
  DISTRIBUTION_SCOPE_LABELS,
  LAWFUL_BASIS_LABELS,
  NAME_KIND_LABELS,
  type NhsNumberVerification,
  RISK_CRITERION_LABELS,
} from './model';
import { formatDate } from './pregnancy';

export interface ContentChange {
  /** Dotted path of the field (for lists, of the list), as in validation errors: `subject.nhsNumbers`. */
  path: string;
  label: string;
  /** The value as shown to people; null for "not given" or, for a list item, when it was added. */
  before: string | null;
  /** The value as shown to people; null for "not given" or, for a list item, when it was removed. */
  after: string | null;
  change: 'changed' | 'added' | 'removed';
}

export interface DiffOptions {
  /** Names for unit ids (from the directory); without it a named unit shows as its id. */
  unitName?: (unitId: string) => string | undefined;
  /** Names for geography codes (ICB, region); without it the code shows. */
  geographyName?: (code: string) => string | undefined;
}

type Show = (value: unknown, options: DiffOptions) => string | null;

interface FieldSpec {
  path: string;
  label: string;
  list: boolean;
  show: Show;
}

// ── How values are shown ───────────────────────────────────────────────────────────────────────────

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null ? (v as Rec) : {});
const str = (v: unknown): string | null => (v == null || v === '' ? null : String(v));
const text: Show = (v) => str(v);
const date: Show = (v) => (str(v) === null ? null : formatDate(String(v)));
const yesNo: Show = (v) => (v === true ? 'Yes' : v === false ? 'No' : null);
const choice =
  (labels: Record<string, string>): Show =>
  (v) => {
    const s = str(v);
    return s === null ? null : (labels[s] ?? s);
  };
const joinName = (n: unknown) => [str(rec(n).given), str(rec(n).family)].filter((p): p is string => p !== null).join(' ') || 'No name given';

const otherName: Show = (v) => {
  const kind = choice(NAME_KIND_LABELS)(rec(v).kind, {});
  return `${joinName(rec(v).name)}${kind ? ` (${kind.toLowerCase()})` : ''}`;
};
const dateOfBirth: Show = (v) => `${date(rec(v).value, {}) ?? 'No date'}${rec(v).knownFalse === true ? ' (known to be false)' : ''}`;
/** Shorter than the form's labels, to sit after the number in a sentence. */
const VERIFICATION_IN_LINE: Record<NhsNumberVerification, string> = {
  unverified: 'not verified',
  pds_trace: 'verified by PDS trace',
  document_seen: 'identity document seen',
};
const nhsNumber: Show = (v) => {
  const verification = choice(VERIFICATION_IN_LINE)(rec(v).verification, {});
  return `${formatNhsNumber(String(rec(v).value ?? ''))}${verification ? `, ${verification}` : ''}`;
};
const address: Show = (v) => {
  const kind = choice(ADDRESS_KIND_LABELS)(rec(v).kind, {});
  const where = [str(rec(v).address), str(rec(v).postcode)].filter(Boolean).join(', ');
  return kind ? `${kind}: ${where}` : where;
};
const phone: Show = (v) => `${str(rec(v).number) ?? ''}${str(rec(v).note) ? ` (${str(rec(v).note)})` : ''}`;
const associatedPerson: Show = (v) => {
  const r = rec(v);
  const parts = [`${str(r.relationship) ?? 'Associated person'}: ${joinName(r.name)}`];
  if (str(r.dateOfBirth)) parts.push(`born ${formatDate(String(r.dateOfBirth))}`);
  if (str(r.nhsNumber)) parts.push(`NHS number ${formatNhsNumber(String(r.nhsNumber))}`);
  const risk = str(r.notesOnRisk);
  return parts.join(', ') + (risk ? `. Risk: ${risk}` : '');
};
const unit: Show = (v, o) => {
  const id = str(v);
  return id === null ? null : (o.unitName?.(id) ?? id);
};
const geography: Show = (v, o) => {
  const code = str(v);
  return code === null ? null : (o.geographyName?.(code) ?? code);
};

// ── The fields, in page order ──────────────────────────────────────────────────────────────────────

const scalar = (path: string, label: string, show: Show = text): FieldSpec => ({ path, label, list: false, show });
const list = (path: string, label: string, show: Show): FieldSpec => ({ path, label, list: true, show });

const FIELDS: readonly FieldSpec[] = [
  scalar('subject.name.given', 'First name'),
  scalar('subject.name.family', 'Last name'),
  list('subject.otherNames', 'Previous name or alias', otherName),
  list('subject.datesOfBirth', 'Date of birth', dateOfBirth),
  scalar('subject.dateOfBirthUnknown', 'Date of birth not known', yesNo),
  list('subject.nhsNumbers', 'NHS number', nhsNumber),
  scalar('subject.nhsNumberUnknown', 'NHS number not known', yesNo),
  list('subject.addresses', 'Address', address),
  list('subject.phones', 'Telephone number', phone),
  scalar('subject.physicalDescription', 'Physical description'),
  scalar('noPhotographReason', 'Why there is no photograph'),
  list('associatedPeople', 'Associated person', associatedPerson),
  scalar('pregnancy.edd', 'Due date', date),
  scalar('pregnancy.bookingStatus', 'Booking status', choice(BOOKING_STATUS_LABELS)),
  scalar('pregnancy.bookingUnit', 'Booking unit'),
  scalar('pregnancy.concealment', 'Concealment', choice(CONCEALMENT_LABELS)),
  scalar('pregnancy.cpis.checkedAt', 'CP-IS checked on', date),
  scalar('pregnancy.cpis.result', 'CP-IS result', choice(CPIS_RESULT_LABELS)),
  list('risk.criteria', 'Criterion', choice(RISK_CRITERION_LABELS)),
  scalar('risk.otherCriterion', 'Other criterion'),
  scalar('risk.reason', 'Reason for the alert'),
  scalar('risk.riskToStaff', 'Risk to staff'),
  scalar('risk.actionOnPresentation', 'Action on presentation'),
  scalar('risk.inHoursContact.name', 'In-hours contact'),
  scalar('risk.inHoursContact.phone', 'In-hours contact telephone'),
  scalar('risk.outOfHoursContact.name', 'Out-of-hours contact'),
  scalar('risk.outOfHoursContact.phone', 'Out-of-hours contact telephone'),
  scalar('lawfulBasis', 'Lawful basis for sharing', choice(LAWFUL_BASIS_LABELS)),
  scalar('distribution.scope', 'Distribution', choice(DISTRIBUTION_SCOPE_LABELS)),
  scalar('distribution.geographyCode', 'Area', geography),
  list('distribution.unitIds', 'Named unit', unit),
  list('distribution.unitTypes', 'Type of unit', choice(UNIT_TYPE_LABELS)),
  scalar('distribution.scopeReason', 'Reason for this distribution'),
  scalar('reviewDate', 'Review date', date),
];

/** The paths compared, in order; a test checks that every field of the content is among them. */
export const DIFFED_PATHS: readonly string[] = FIELDS.map((f) => f.path);

// ── Comparing ──────────────────────────────────────────────────────────────────────────────────────

function valueAt(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) node = rec(node)[key];
  return node;
}

/** JSON with keys sorted, so two equal values compare equal however their keys were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Rec)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Items of `from` with no equal item left in `to`, counting repeats (a multiset difference). */
function missingFrom(from: unknown[], to: unknown[]): unknown[] {
  const remaining = new Map<string, number>();
  for (const item of to) remaining.set(canonical(item), (remaining.get(canonical(item)) ?? 0) + 1);
  return from.filter((item) => {
    const key = canonical(item);
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      remaining.set(key, left - 1);
      return false;
    }
    return true;
  });
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v == null ? [] : [v]);

/**
 * The differences from `before` to `after`, in page order; empty when nothing a reader would see changed.
 * For lists, removals come before additions.
 */
export function diffAlertContent(before: AlertContent, after: AlertContent, options: DiffOptions = {}): ContentChange[] {
  const changes: ContentChange[] = [];
  for (const field of FIELDS) {
    const a = valueAt(before, field.path);
    const b = valueAt(after, field.path);
    if (field.list) {
      const [la, lb] = [asList(a), asList(b)];
      for (const item of missingFrom(la, lb))
        changes.push({ path: field.path, label: field.label, before: field.show(item, options), after: null, change: 'removed' });
      for (const item of missingFrom(lb, la))
        changes.push({ path: field.path, label: field.label, before: null, after: field.show(item, options), change: 'added' });
    } else if (canonical(a) !== canonical(b)) {
      changes.push({ path: field.path, label: field.label, before: field.show(a, options), after: field.show(b, options), change: 'changed' });
    }
  }
  return changes;
}
