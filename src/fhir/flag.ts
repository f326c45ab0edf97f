/**
 * An alert as a FHIR R4 Flag, pure: the full Flag for those who may read the alert, and the minimal one
 * for a point-of-care match before it is revealed (no personal details: what the check's own candidates
 * show). Systems and codes live here, once.
 */
import type { Extension, Flag, Patient, Provenance } from '@medplum/fhirtypes';
import type { AlertContent } from '../alerts/model';
import { STAND_DOWN_OUTCOME_LABELS } from '../alerts/lifecycle';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const FLAG_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/flag-category';
export const MATCH_GRADE_URL = 'http://hl7.org/fhir/StructureDefinition/match-grade';

/** Beacon's own systems and extensions, named under the service's public address (they identify; they are not served). */
export function beaconSystems(base: string) {
  const fhir = `${base}/fhir`;
  return {
    alertReference: `${fhir}/Id/alert-reference`,
    alertType: `${fhir}/CodeSystem/alert-type`,
    removalReason: `${fhir}/CodeSystem/flag-removal-reason`,
    removalReasonExtension: `${fhir}/StructureDefinition/flag-removal-reason`,
    contactExtension: `${fhir}/StructureDefinition/alert-contact`,
    explanationExtension: `${fhir}/StructureDefinition/match-explanation`,
  };
}
export type BeaconSystems = ReturnType<typeof beaconSystems>;

export const ALERT_TYPE_CODE = 'unborn-baby-high-risk';
export const ALERT_TYPE_DISPLAY = 'High-risk safeguarding alert: unborn or newborn baby';

/** Flag.status for an alert's status; null for states that are not a Flag (drafts, alerts not yet approved). */
export function flagStatus(status: string): Flag['status'] | null {
  switch (status) {
    case 'active':
      return 'active';
    case 'stood_down':
    case 'expired':
    case 'archived':
      return 'inactive';
    case 'cancelled':
      return 'entered-in-error';
    default:
      return null;
  }
}
/** The alert statuses each Flag status stands for (for a search by status). */
export const STATUSES_OF: Record<NonNullable<Flag['status']>, readonly string[]> = {
  active: ['active'],
  inactive: ['stood_down', 'expired', 'archived'],
  'entered-in-error': ['cancelled'],
};
export const FLAG_ALERT_STATUSES = ['active', 'stood_down', 'expired', 'archived', 'cancelled'] as const;

/** Removal reasons: the stand-down outcomes (status inactive) and a cancellation (entered-in-error). */
export const REMOVAL_REASONS: Record<string, string> = { ...STAND_DOWN_OUTCOME_LABELS, entered_in_error: 'Raised in error' };

/** The stand-down outcome a closing reason was written from ("Found and safe: …" → found_safe). */
export function outcomeOfReason(reason: string | null): string | null {
  if (!reason) return null;
  for (const [code, label] of Object.entries(STAND_DOWN_OUTCOME_LABELS)) if (reason === label || reason.startsWith(`${label}: `)) return code;
  return null;
}

export interface AlertForFlag {
  id: string;
  reference: string;
  status: string;
  updatedAt: Date;
  approvedAt: Date | null;
  reviewDate: string | null;
  /** How many times it has changed: the Flag's versionId. */
  changes: number;
}

export interface FlagDetail {
  content: AlertContent;
  originator: { name: string; organisation: string; odsCode: string } | null;
  approverName: string | null;
  /** When and why it was closed (stood down, cancelled, expired), if it was. */
  closed: { at: Date; reason: string | null; outcome: string | null } | null;
}

const codeOf = (sys: BeaconSystems, text: string) => ({
  coding: [{ system: sys.alertType, code: ALERT_TYPE_CODE, display: ALERT_TYPE_DISPLAY }],
  text,
});
const category = [{ coding: [{ system: FLAG_CATEGORY_SYSTEM, code: 'safety', display: 'Safety' }] }];
const dateOf = (d: Date) => d.toISOString();

/** The ETag of a Flag version (weak, as FHIR servers give it). */
export const etagOf = (changes: number) => `W/"${changes}"`;
/** The version an If-Match names, or null when it names none. */
export function versionFromIfMatch(header: string | undefined): number | null {
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header ?? '');
  return m ? Number(m[1]) : null;
}

/** Her identity as a contained Patient: names, dates of birth she gave (not those known to be false), NHS numbers, addresses. */
export function containedPatient(content: AlertContent): Patient {
  const s = content.subject;
  const dob = s.datesOfBirth.find((d) => !d.knownFalse)?.value;
  return {
    resourceType: 'Patient',
    id: 'subject',
    identifier: s.nhsNumbers.map((n) => ({ system: NHS_NUMBER_SYSTEM, value: n.value })),
    name: [
      { use: 'official', family: s.name.family, given: [s.name.given] },
      ...s.otherNames.map((o) => ({
        use: (o.kind === 'alias' ? 'anonymous' : o.kind === 'maiden' ? 'maiden' : 'old') as 'anonymous' | 'maiden' | 'old',
        ...(o.name.family ? { family: o.name.family } : {}),
        ...(o.name.given ? { given: [o.name.given] } : {}),
      })),
    ],
    gender: 'female',
    ...(dob ? { birthDate: dob } : {}),
    address: s.addresses.map((a) => ({
      use: a.kind === 'current' ? 'home' : 'old',
      text: a.address,
      ...(a.postcode ? { postalCode: a.postcode } : {}),
    })) as Patient['address'],
  };
}

/** The full Flag: for people who may read the alert, and for a point-of-care match once revealed. */
export function fullFlag(a: AlertForFlag, d: FlagDetail, sys: BeaconSystems, base: string): Flag {
  const status = flagStatus(a.status) ?? 'inactive';
  const risk = d.content.risk;
  const patient = containedPatient(d.content);
  const provenance: Provenance = {
    resourceType: 'Provenance',
    id: 'provenance',
    target: [{ reference: `${base}/Flag/${a.id}` }],
    recorded: dateOf(a.approvedAt ?? a.updatedAt),
    agent: [
      ...(d.originator
        ? [
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
              who: { display: d.originator.name },
              onBehalfOf: { identifier: { system: ODS_SYSTEM, value: d.originator.odsCode }, display: d.originator.organisation },
            },
          ]
        : []),
      ...(d.approverName
        ? [
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'verifier', display: 'Verifier' }] },
              who: { display: d.approverName },
            },
          ]
        : []),
    ],
  };
  const extension: Extension[] = [
    { url: sys.contactExtension, valueString: `In hours: ${risk.inHoursContact.name}, ${risk.inHoursContact.phone}` },
    { url: sys.contactExtension, valueString: `Out of hours: ${risk.outOfHoursContact.name}, ${risk.outOfHoursContact.phone}` },
  ];
  if (d.closed && status !== 'active') {
    const code = status === 'entered-in-error' ? 'entered_in_error' : (d.closed.outcome ?? 'other');
    extension.push({
      url: sys.removalReasonExtension,
      valueCodeableConcept: {
        coding: [{ system: sys.removalReason, code, display: REMOVAL_REASONS[code] ?? code }],
        ...(d.closed.reason ? { text: d.closed.reason } : {}),
      },
    });
  }
  const end = d.closed?.at ? dateOf(d.closed.at) : a.reviewDate;
  return {
    resourceType: 'Flag',
    id: a.id,
    meta: { versionId: String(a.changes), lastUpdated: dateOf(a.updatedAt) },
    contained: [patient, provenance],
    extension,
    identifier: [{ system: sys.alertReference, value: a.reference }],
    status,
    category,
    code: codeOf(sys, `${ALERT_TYPE_DISPLAY}. On presentation: ${risk.actionOnPresentation}`),
    // By NHS number where known (as the Patient Flags API has it), and always to her details as contained.
    subject: {
      reference: '#subject',
      ...(d.content.subject.nhsNumbers[0] ? { identifier: { system: NHS_NUMBER_SYSTEM, value: d.content.subject.nhsNumbers[0].value } } : {}),
      display: `${d.content.subject.name.given} ${d.content.subject.name.family}`,
    },
    ...(a.approvedAt ? { period: { start: dateOf(a.approvedAt), ...(end ? { end } : {}) } } : {}),
    ...(d.originator ? { author: { identifier: { system: ODS_SYSTEM, value: d.originator.odsCode }, display: d.originator.organisation } } : {}),
  };
}

/**
 * The minimal Flag of a point-of-care match before it is revealed: that there is an alert, its
 * reference and status, and whom to call to see it; her details only as the searcher gave them.
 */
export function minimalFlag(a: { id: string; reference: string; status: string; changes?: number }, subject: Flag['subject'], sys: BeaconSystems): Flag {
  return {
    resourceType: 'Flag',
    id: a.id,
    ...(a.changes !== undefined ? { meta: { versionId: String(a.changes) } } : {}),
    identifier: [{ system: sys.alertReference, value: a.reference }],
    status: flagStatus(a.status) ?? 'inactive',
    category,
    code: codeOf(sys, `${ALERT_TYPE_DISPLAY}. Reveal the match (Flag/${a.id}/$reveal, with the reason) to see what to do.`),
    subject,
  };
}

/** FHIR's match grade for Beacon's band and probability. */
export function matchGrade(band: string, probability: number): 'certain' | 'probable' | 'possible' {
  if (band === 'strong') return probability >= 0.999 ? 'certain' : 'probable';
  return 'possible';
}
