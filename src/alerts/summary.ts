/** Showing an alert's content as summary lists: check your answers, and the alert page. */
import { UNIT_TYPE_LABELS } from '../directory/model';
import { formatNhsNumber } from '../identity/matching/nhs-number';
import {
  ADDRESS_KIND_LABELS,
  BOOKING_STATUS_LABELS,
  CONCEALMENT_LABELS,
  CPIS_RESULT_LABELS,
  DEFAULT_UNIT_TYPES,
  DISTRIBUTION_SCOPE_LABELS,
  LAWFUL_BASIS_LABELS,
  NAME_KIND_LABELS,
  NHS_NUMBER_VERIFICATION_LABELS,
  RISK_CRITERION_LABELS,
} from './model';
import { formatDate, isIsoDate } from './pregnancy';
import { arr, rec, type Step, type StepSlug, STEPS, text, under } from './form';

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
        lines: [
          ...arr(s.nhsNumbers).map(
            (n) => `${shownNhs(rec(n).value)}${text(rec(n).verification) ? ` – ${label(NHS_NUMBER_VERIFICATION_LABELS, rec(n).verification)}` : ''}`,
          ),
          ...(s.nhsNumberUnknown === true ? ['Her NHS number is not known'] : []),
        ],
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
    photographs: [{ key: 'Why there is no photograph', lines: lines(text(c.noPhotographReason)) }],
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
