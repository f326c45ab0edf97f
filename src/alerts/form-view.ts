/** The raise-an-alert form, step by step: from the alert's content to the fields each step shows. */
import { UNIT_TYPE_LABELS, UNIT_TYPES } from '../directory/model';
import {
  ADDRESS_KIND_LABELS,
  ADDRESS_KINDS,
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
  NAME_KIND_LABELS,
  NAME_KINDS,
  NHS_NUMBER_VERIFICATION_LABELS,
  NHS_NUMBER_VERIFICATIONS,
  RISK_CRITERIA,
  RISK_CRITERION_LABELS,
} from './model';
import { arr, datePartsOf, LIST_MAX, LIST_NOUNS, type ListPath, rec, text } from './form';

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
      nhsNumberUnknown: {
        name: 'subject.nhsNumberUnknown',
        id: 'subject-nhsNumberUnknown',
        checked: subject.nhsNumberUnknown === true,
        error: err('subject.nhsNumberUnknown'),
      },
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
