/**
 * The FHIR R4 facade's work: every interaction goes through the capability that owns the record —
 * alerts (getAlert, the choke point that authorises and audits each read; standDown and cancel), the
 * point-of-care check (checkForAlert, reveal, getReveal) — so a FHIR client sees exactly what the same
 * organisation sees in Beacon's pages, audited the same way. Nothing here reads another capability's tables.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle, BundleEntry, Flag, Parameters, Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { authorize, can, mayAtAll } from '../platform/auth/policy';
import { ForbiddenError } from '../platform/errors';
import { cancel, changeCounts, findAlertIds, getAlert, standDown } from '../alerts/service';
import { requireAlert, viewableAlertIds } from '../alerts/access';
import { STAND_DOWN_OUTCOMES } from '../alerts/lifecycle';
import { checkForAlert, getReveal, reveal, REVEAL_REASONS } from '../identity/point-of-care/service';
import type { RegisterIndex } from '../identity/register-index';
import type { PointOfCareSettings } from '../identity/point-of-care/settings';
import { compareForClinician } from '../identity/point-of-care/explain';
import {
  ALERT_TYPE_CODE,
  type AlertForFlag,
  beaconSystems,
  type BeaconSystems,
  FLAG_ALERT_STATUSES,
  type FlagDetail,
  flagStatus,
  fullFlag,
  MATCH_GRADE_URL,
  matchGrade,
  minimalFlag,
  NHS_NUMBER_SYSTEM,
  outcomeOfReason,
  STATUSES_OF,
} from './flag';
import { FhirError } from './outcome';
import { fhirProblems } from './validate';

export interface FhirContext {
  db: Db;
  index: RegisterIndex;
  key: Buffer;
  settings: PointOfCareSettings;
  /** The service's public address; the FHIR base is `${base}/fhir/R4`. */
  publicUrl: string;
}

const fhirBase = (f: FhirContext) => `${f.publicUrl}/fhir/R4`;
const systems = (f: FhirContext) => beaconSystems(f.publicUrl);

/** Refuse a resource the validator finds fault with, naming each problem. */
export function requireValid(resource: unknown, what: string): void {
  if (!resource || typeof resource !== 'object' || typeof (resource as { resourceType?: unknown }).resourceType !== 'string')
    throw new FhirError(400, 'structure', `Send ${what} as a FHIR resource (JSON with a resourceType).`);
  const problems = fhirProblems(resource as Flag);
  if (problems.length)
    throw new FhirError(
      400,
      'invalid',
      `The ${what} is not valid FHIR R4: ${problems
        .slice(0, 3)
        .map((p) => `${p.expression?.[0] ?? ''} ${p.details?.text ?? p.diagnostics ?? ''}`.trim())
        .join('; ')}.`,
      problems,
    );
}

type AlertDetail = Awaited<ReturnType<typeof getAlert>>;

function flagParts(d: AlertDetail): { alert: AlertForFlag; detail: FlagDetail } {
  const closing = [...d.events].reverse().find((e) => ['stood_down', 'cancelled', 'expired'].includes(e.toStatus));
  return {
    alert: {
      id: d.alert.id,
      reference: d.alert.reference,
      status: d.alert.status,
      updatedAt: d.alert.updatedAt,
      approvedAt: d.alert.approvedAt,
      reviewDate: d.alert.reviewDate,
      changes: d.events.length,
    },
    detail: {
      content: d.content,
      originator: d.originator ? { name: d.originator.name, organisation: d.originator.organisation, odsCode: d.originator.organisationOdsCode } : null,
      approverName: d.events.find((e) => e.event === 'approve')?.byName ?? null,
      closed: closing ? { at: closing.at, reason: closing.reason, outcome: outcomeOfReason(closing.reason) } : null,
    },
  };
}

/** One alert as a full Flag, read through the alerts choke point (authorised, audited with its purpose). */
async function readAsFlag(f: FhirContext, ctx: RequestContext, id: string, purpose: string): Promise<Flag> {
  let d: AlertDetail;
  try {
    d = await getAlert(f.db, ctx, id, purpose);
  } catch (err) {
    // Point-of-care staff read an alert only through a match they found themselves: say how.
    if (err instanceof ForbiddenError && ctx.actor && can(ctx.actor, 'alert.check') && !mayAtAll(ctx.actor, 'alert.view'))
      throw new ForbiddenError(
        'alert.view',
        'Point-of-care staff see an alert only through a match they found: check with Patient/$match (or Flag?patient.identifier=…), then reveal the match with POST Flag/{id}/$reveal and the reason.',
      );
    throw err;
  }
  if (!flagStatus(d.alert.status)) throw new FhirError(404, 'not-found', 'There is no Flag with this id: an alert becomes a Flag once it is approved.');
  const { alert, detail } = flagParts(d);
  return fullFlag(alert, detail, systems(f), fhirBase(f));
}

export async function readFlag(f: FhirContext, ctx: RequestContext, id: string): Promise<Flag> {
  return readAsFlag(f, ctx, id, 'FHIR Flag read');
}

// ── Search ────────────────────────────────────────────────────────────────────────────────────────

const FLAG_SEARCH_PARAMS = ['patient.identifier', 'status', 'code', '_lastUpdated', '_count'];

export interface FlagSearch {
  nhsNumber: string | null;
  statuses: string[];
  updatedFrom: Date | null;
  updatedBefore: Date | null;
  count: number;
}

/** Read a Flag search's parameters (pure). Anything not supported is refused, not ignored. */
export function parseFlagSearch(q: Record<string, string | string[] | undefined>, sys: BeaconSystems): FlagSearch {
  for (const k of Object.keys(q)) {
    if (!FLAG_SEARCH_PARAMS.includes(k))
      throw new FhirError(400, 'not-supported', `The search parameter ${k} is not supported. Flags can be searched by ${FLAG_SEARCH_PARAMS.join(', ')}.`);
  }
  const one = (k: string) => {
    const v = q[k];
    if (Array.isArray(v)) throw new FhirError(400, 'invalid', `Give ${k} once.`);
    return v ?? null;
  };
  let nhsNumber: string | null = null;
  const ident = one('patient.identifier');
  if (ident !== null) {
    const [system, value] = ident.includes('|') ? (ident.split('|', 2) as [string, string]) : ['', ident];
    if (system && system !== NHS_NUMBER_SYSTEM)
      throw new FhirError(400, 'not-supported', `Search by NHS number: patient.identifier=${NHS_NUMBER_SYSTEM}|<10 digits>.`);
    const digits = value.replace(/\s/g, '');
    if (!/^\d{10}$/.test(digits)) throw new FhirError(400, 'invalid', 'An NHS number is 10 digits.');
    nhsNumber = digits;
  }
  let statuses: string[] = [...FLAG_ALERT_STATUSES];
  const status = one('status');
  if (status !== null) {
    statuses = [];
    for (const s of status.split(',')) {
      const mapped = STATUSES_OF[s as keyof typeof STATUSES_OF];
      if (!mapped) throw new FhirError(400, 'invalid', `A Flag's status is active, inactive or entered-in-error, not ${s}.`);
      statuses.push(...mapped);
    }
  }
  const code = one('code');
  if (code !== null) {
    const [system, value] = code.includes('|') ? (code.split('|', 2) as [string, string]) : ['', code];
    // Every Beacon Flag has the one code: any other asks for nothing Beacon holds.
    if ((system && system !== sys.alertType) || value !== ALERT_TYPE_CODE) statuses = [];
  }
  let updatedFrom: Date | null = null;
  let updatedBefore: Date | null = null;
  const lu = q._lastUpdated;
  for (const v of (Array.isArray(lu) ? lu : lu ? [lu] : []) as string[]) {
    const m = /^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?)$/.exec(v);
    const at = m ? new Date(m[2]!) : null;
    if (!m || !at || Number.isNaN(at.getTime())) throw new FhirError(400, 'invalid', `_lastUpdated must be a date with a prefix, like ge2026-01-01, not ${v}.`);
    const prefix = m[1] ?? 'eq';
    const dayOnly = m[2]!.length === 10;
    const end = new Date(at.getTime() + (dayOnly ? 86_400_000 : 1));
    if (prefix === 'ge') updatedFrom = at;
    else if (prefix === 'gt') updatedFrom = dayOnly ? end : new Date(at.getTime() + 1);
    else if (prefix === 'lt') updatedBefore = at;
    else if (prefix === 'le') updatedBefore = end;
    else {
      updatedFrom = at;
      updatedBefore = end;
    }
  }
  const countText = one('_count');
  const count = countText === null ? 20 : Number(countText);
  if (!Number.isInteger(count) || count < 0 || count > 100) throw new FhirError(400, 'invalid', '_count must be a whole number from 0 to 100.');
  return { nhsNumber, statuses, updatedFrom, updatedBefore, count };
}

const bundleOf = (f: FhirContext, id: string, selfUrl: string, entries: BundleEntry[], total: number): Bundle => ({
  resourceType: 'Bundle',
  id,
  meta: { lastUpdated: new Date().toISOString() },
  type: 'searchset',
  total,
  link: [{ relation: 'self', url: `${f.publicUrl}${selfUrl}` }],
  entry: entries,
});

/**
 * A Flag search. Those who may read alerts get the full Flags of the alerts they may read (the same
 * rule as a single read, each read audited). Point-of-care staff, who read alerts only through a
 * match, get a check by the NHS number (audited as one) answered with minimal Flags to reveal.
 */
export async function searchFlags(f: FhirContext, ctx: RequestContext, q: Record<string, string | string[] | undefined>, selfUrl: string): Promise<Bundle> {
  const s = parseFlagSearch(q, systems(f));
  const actor = ctx.actor;
  if (actor && mayAtAll(actor, 'alert.view')) {
    const window = await findAlertIds(f.db, {
      statuses: s.statuses as never,
      nhsNumber: s.nhsNumber,
      updatedFrom: s.updatedFrom,
      updatedBefore: s.updatedBefore,
      limit: 500,
    });
    const visible = await viewableAlertIds(f.db, ctx, window);
    const ids = window.filter((id) => visible.has(id));
    const flags: Flag[] = [];
    for (const id of ids.slice(0, s.count)) flags.push(await readAsFlag(f, ctx, id, 'FHIR Flag search'));
    return bundleOf(
      f,
      randomUUID(),
      selfUrl,
      flags.map((fl) => ({ fullUrl: `${fhirBase(f)}/Flag/${fl.id}`, resource: fl, search: { mode: 'match' } })),
      ids.length,
    );
  }
  if (actor && can(actor, 'alert.check')) {
    if (!s.nhsNumber)
      throw new FhirError(
        400,
        'invalid',
        'Point-of-care staff search Flags by NHS number (patient.identifier), or check with whatever she gives through Patient/$match.',
      );
    const r = await checkForAlert(f.db, ctx, f.index, f.key, { nhsNumber: s.nhsNumber });
    const strong = r.candidates.filter((c) => c.band === 'strong' && s.statuses.includes('active'));
    const changes = await changeCounts(
      f.db,
      strong.map((c) => c.alertId),
    );
    const entries: BundleEntry[] = strong.slice(0, s.count).map((c) => ({
      fullUrl: `${fhirBase(f)}/Flag/${c.alertId}`,
      resource: minimalFlag(
        { id: c.alertId, reference: c.reference, status: 'active', changes: changes.get(c.alertId) },
        { identifier: { system: NHS_NUMBER_SYSTEM, value: s.nhsNumber! }, display: 'As given in the search' },
        systems(f),
      ),
      search: { mode: 'match', score: round(c.probability), extension: [{ url: MATCH_GRADE_URL, valueCode: matchGrade(c.band, c.probability) }] },
    }));
    return bundleOf(f, r.searchId, selfUrl, entries, entries.length);
  }
  authorize(actor, 'alert.view');
  throw new ForbiddenError('alert.view');
}

const round = (p: number) => Math.round(p * 10_000) / 10_000;

// ── Patient/$match ─────────────────────────────────────────────────────────────────────────────────

/** What a Patient resource gives, as the check's details (pure). */
export function detailsFromPatient(p: Patient): Record<string, unknown> {
  const names = p.name ?? [];
  const main = names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
  const others = names
    .filter((n) => n !== main)
    .map((n) => [...(n.given ?? []), n.family ?? ''].join(' ').trim())
    .filter(Boolean);
  const extraGiven = (main?.given ?? []).slice(1);
  const nhs = (p.identifier ?? []).find((i) => i.system === NHS_NUMBER_SYSTEM)?.value ?? null;
  const postcode =
    (p.address ?? []).find((a) => a.postalCode && (a.use === 'home' || !a.use))?.postalCode ?? (p.address ?? []).find((a) => a.postalCode)?.postalCode;
  return {
    givenName: main?.given?.[0] ?? null,
    familyName: main?.family ?? null,
    otherNames: [...others, ...extraGiven],
    dateOfBirth: p.birthDate ?? null,
    nhsNumber: nhs,
    postcode: postcode ?? null,
  };
}

/** The parameters of $match: the Patient, count and onlyCertainMatches (pure). */
export function readMatchParameters(body: unknown): { patient: Patient; count: number; onlyCertain: boolean } {
  requireValid(body, 'Parameters');
  const params = body as Parameters;
  if (params.resourceType !== 'Parameters')
    throw new FhirError(400, 'invalid', 'Send a Parameters resource with a parameter named resource holding the Patient.');
  const patient = params.parameter?.find((p) => p.name === 'resource')?.resource as Patient | undefined;
  if (!patient || patient.resourceType !== 'Patient') throw new FhirError(400, 'required', 'The parameter "resource" must hold the Patient to match.');
  const count = params.parameter?.find((p) => p.name === 'count')?.valueInteger ?? 5;
  if (!Number.isInteger(count) || count < 1) throw new FhirError(400, 'invalid', 'count must be a whole number of 1 or more.');
  const onlyCertain = params.parameter?.find((p) => p.name === 'onlyCertainMatches')?.valueBoolean ?? false;
  return { patient, count: Math.min(count, 5), onlyCertain };
}

/**
 * Patient/$match: Beacon's check with whatever she gave (audited as a check), answered as FHIR's match
 * Bundle: each candidate a Patient with its score, grade and the clinician's comparison, and its Flag in
 * minimal form. The Bundle's id is the search: reveal a match with Flag/{id}/$reveal and that id.
 */
export async function matchPatient(f: FhirContext, ctx: RequestContext, body: unknown): Promise<Bundle> {
  authorize(ctx.actor, 'alert.check');
  const { patient, count, onlyCertain } = readMatchParameters(body);
  const r = await checkForAlert(f.db, ctx, f.index, f.key, detailsFromPatient(patient));
  const sys = systems(f);
  const candidates = r.candidates.filter((c) => !onlyCertain || matchGrade(c.band, c.probability) === 'certain').slice(0, count);
  const changes = await changeCounts(
    f.db,
    candidates.map((c) => c.alertId),
  );
  const entries: BundleEntry[] = [];
  for (const c of candidates) {
    const patientUrl = `urn:uuid:${randomUUID()}`;
    const comparison = compareForClinician(c.explanation).map((x) => `${x.label}: ${x.says} (${x.strength.toLowerCase()})`);
    entries.push({
      fullUrl: patientUrl,
      resource: { resourceType: 'Patient', identifier: [{ system: sys.alertReference, value: c.reference }] },
      search: {
        mode: 'match',
        score: round(c.probability),
        extension: [
          { url: MATCH_GRADE_URL, valueCode: matchGrade(c.band, c.probability) },
          ...comparison.map((t) => ({ url: sys.explanationExtension, valueString: t })),
        ],
      },
    });
    entries.push({
      fullUrl: `${fhirBase(f)}/Flag/${c.alertId}`,
      resource: minimalFlag({ id: c.alertId, reference: c.reference, status: 'active', changes: changes.get(c.alertId) }, { reference: patientUrl }, sys),
      search: { mode: 'include' },
    });
  }
  return bundleOf(f, r.searchId, '/fhir/R4/Patient/$match', entries, candidates.length);
}

// ── $reveal ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Reveal a match from the clinician's own search (the Bundle id of $match or of a Flag search), with
 * the reason: the point-of-care reveal, audited as one, answered with the full Flag.
 */
export async function revealFlag(f: FhirContext, ctx: RequestContext, id: string, body: unknown): Promise<Flag> {
  authorize(ctx.actor, 'alert.check');
  requireValid(body, 'Parameters');
  const params = body as Parameters;
  if (params.resourceType !== 'Parameters') throw new FhirError(400, 'invalid', 'Send a Parameters resource with search and reason.');
  const get = (name: string) => params.parameter?.find((p) => p.name === name);
  const search = get('search')?.valueString ?? get('search')?.valueId;
  const reason = get('reason')?.valueCode ?? get('reason')?.valueString;
  const reasonText = get('reasonText')?.valueString ?? null;
  if (!search) throw new FhirError(400, 'required', 'Give the search the match came from (parameter "search": the id of the Bundle $match answered).');
  if (!reason || !(REVEAL_REASONS as readonly string[]).includes(reason))
    throw new FhirError(400, 'required', `Give the reason for seeing this alert (parameter "reason": ${REVEAL_REASONS.join(', ')}; with "other", reasonText).`);
  const { revealId } = await reveal(f.db, ctx, search, { alertId: id, reason, reasonOther: reasonText }, f.settings);
  const r = await getReveal(f.db, ctx, revealId, f.settings);
  const changes = (await changeCounts(f.db, [r.alert.id])).get(r.alert.id) ?? 0;
  return fullFlag(
    { ...r.alert, changes },
    {
      content: r.content,
      originator: { name: r.alert.organisationName, organisation: r.alert.organisationName, odsCode: r.alert.organisationOdsCode },
      approverName: null,
      closed: null,
    },
    systems(f),
    fhirBase(f),
  );
}

// ── Update: removal ───────────────────────────────────────────────────────────────────────────────

/**
 * An update of a Flag, as the Patient Flags API removes one: status inactive (stood down, with the
 * outcome as the removal reason) or entered-in-error (cancelled, with the reason), against the version
 * read (If-Match; a stale one is refused with nothing changed). Nothing else about a Flag changes here.
 */
export async function updateFlag(f: FhirContext, ctx: RequestContext, id: string, body: unknown, ifMatch: number | null): Promise<Flag> {
  // Who may change this alert is settled first: a refused client learns nothing from what it sent.
  await requireAlert(f.db, ctx, id, 'alert.change');
  if (ifMatch === null) throw new FhirError(428, 'required', 'Send If-Match with the version you read (the ETag of GET Flag/{id}, like W/"3").');
  requireValid(body, 'Flag');
  const flag = body as Flag;
  if (flag.resourceType !== 'Flag') throw new FhirError(400, 'invalid', 'Send a Flag.');
  if (flag.id !== id) throw new FhirError(400, 'invalid', 'The Flag’s id must be the id in the address.');
  const sys = systems(f);
  const reasonExt = (flag.extension ?? []).find((e) => e.url === sys.removalReasonExtension)?.valueCodeableConcept;
  const code = reasonExt?.coding?.find((c) => c.system === sys.removalReason)?.code;
  const text = reasonExt?.text?.trim() || null;
  if (flag.status === 'inactive') {
    if (!code || !(STAND_DOWN_OUTCOMES as readonly string[]).includes(code))
      throw new FhirError(
        400,
        'required',
        `Give the removal reason: extension ${sys.removalReasonExtension} with a code from ${sys.removalReason} (${STAND_DOWN_OUTCOMES.join(', ')}).`,
      );
    await standDown(f.db, ctx, id, code, text, new Date(), { ifChanges: ifMatch });
  } else if (flag.status === 'entered-in-error') {
    if (!text) throw new FhirError(400, 'required', `Say why it was raised in error: the text of extension ${sys.removalReasonExtension}.`);
    await cancel(f.db, ctx, id, text, new Date(), { ifChanges: ifMatch });
  } else {
    throw new FhirError(
      422,
      'not-supported',
      'Only removal is supported through FHIR: set status to inactive (stood down) or entered-in-error (raised in error), with the removal reason. Change an alert’s content in Beacon.',
    );
  }
  return readAsFlag(f, ctx, id, 'FHIR Flag update');
}

// ── AuditEvent ─────────────────────────────────────────────────────────────────────────────────────

const OUTCOME_CODE: Record<string, AuditEvent['outcome']> = { success: '0', denied: '4', failure: '8' };

/** An alert's access history (who viewed or revealed it, newest first), as AuditEvents: for its owners only. */
export async function auditEventsFor(f: FhirContext, ctx: RequestContext, q: Record<string, string | string[] | undefined>): Promise<Bundle> {
  // An alert's owners are those who may change or approve it: nobody else is even told what to ask.
  if (!mayAtAll(ctx.actor, 'alert.change') && !mayAtAll(ctx.actor, 'alert.approve')) authorize(ctx.actor, 'alert.change');
  for (const k of Object.keys(q))
    if (k !== 'entity' && k !== '_count') throw new FhirError(400, 'not-supported', `AuditEvents are searched by entity (entity=Flag/{id}), not ${k}.`);
  const entity = typeof q.entity === 'string' ? q.entity : '';
  const m = /^(?:.*\/)?(?:Flag\/)?([0-9a-f-]{36})$/i.exec(entity);
  if (!m) throw new FhirError(400, 'required', 'Search AuditEvents by the Flag they concern: entity=Flag/{id}.');
  const d = await getAlert(f.db, ctx, m[1]!, 'access history (FHIR AuditEvent)');
  if (!d.owner) throw new ForbiddenError('alert.change', 'Only the organisation that raised an alert (and its approvers) see who has viewed it.');
  const count = Math.min(Number(q._count ?? 100) || 100, 200);
  const events: AuditEvent[] = d.accessHistory.slice(0, count).map((e) => ({
    resourceType: 'AuditEvent',
    id: String(e.seq),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: `${f.publicUrl}/fhir/CodeSystem/audit-action`, code: e.action }],
    action: e.verb as AuditEvent['action'],
    recorded: e.recordedAt.toISOString(),
    outcome: OUTCOME_CODE[e.outcome] ?? '8',
    ...(e.reason ? { purposeOfEvent: [{ text: e.reason }] } : {}),
    agent: [{ who: { display: e.actorName ?? 'Beacon' }, ...(e.actorRole ? { role: [{ text: e.actorRole }] } : {}), requestor: true }],
    source: { observer: { display: 'Beacon' } },
    entity: [{ what: { reference: `Flag/${d.alert.id}` } }],
  }));
  return bundleOf(
    f,
    randomUUID(),
    `/fhir/R4/AuditEvent?entity=Flag/${d.alert.id}`,
    events.map((e) => ({ fullUrl: `${fhirBase(f)}/AuditEvent/${e.id}`, resource: e, search: { mode: 'match' } })),
    events.length,
  );
}
