/**
 * The point-of-care check (issue 4): a clinician with a woman in front of them searches the register
 * of active alerts with whatever she gives, reveals a match with a reason, and records whether it is
 * her. "Same person" is a presentation: the alert's owners are told at once (email without personal
 * data, and an in-app item), the clinician is shown what to do, and the details she gave become
 * unverified identities of the alert so that the next search finds them.
 *
 * Need to know: a search shows only the band, the kind of agreement per field and the alert reference.
 * Details are shown only after a reveal (audited, with a reason), only to the clinician who searched,
 * and only for a limited time. What was searched is kept sealed and briefly; the audit trail holds a
 * keyed hash and the names of the fields given, never the values.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { unitMailboxes } from '../../directory/mailboxes';
import type { AlertContent } from '../../alerts/model';
import { requireAlert } from '../../alerts/access';
import { alertPhotos, alerts, alertVersions } from '../../alerts/schema';
import { dateMessage, daysBetween, formatDate as formatIsoDate, isIsoDate, perLondonDay } from '../../platform/dates';
import { gestationAt } from '../../alerts/pregnancy';
import { isUuid } from '../../directory/service';
import { organisations, units } from '../../directory/schema';
import { recordAudit, recordAuditNow, recordAuditWith } from '../../platform/audit/service';
import { authorize, can } from '../../platform/auth/policy';
import { users } from '../../platform/auth/schema';
import type { RequestContext } from '../../platform/context';
import { decrypt, encrypt } from '../../platform/crypto';
import type { Db } from '../../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError, zodFieldErrors } from '../../platform/errors';
import { openPhotograph } from '../../platform/files/photographs';
import { enqueue } from '../../platform/jobs/queue';
import type { Mailer } from '../../platform/notify/mailer';
import { isValidNhsNumber, normaliseNhsNumber } from '../matching/nhs-number';
import { normaliseFamilyName, normaliseGivenName, parsePostcode } from '../matching/normalise';
import { splitFullName } from '../matching/screen';
import { detailsToQuery, type GivenDetails, type RegisterCandidate, type RegisterIndex } from '../register-index';
import { pointOfCareReveals, pointOfCareSearches, presentations } from './schema';
import { minimumOf, passesThinGate } from '../minimum-search';
import { DEFAULT_POINT_OF_CARE_SETTINGS, type PointOfCareSettings } from './settings';

export const PRESENTATION_EMAIL_JOB = 'pointOfCare.presentation-email';
export const PURGE_SEARCHES_JOB = 'pointOfCare.purge-searches';

/** Candidates shown per search. */
export const MAX_CANDIDATES = 5;

// ── What she gave ────────────────────────────────────────────────────────────────────────────────────

/** The fields of a check, in the order the form asks for them. */
export const CHECK_FIELDS = ['givenName', 'familyName', 'otherNames', 'dateOfBirth', 'nhsNumber', 'postcode', 'edd'] as const;
export type CheckField = (typeof CHECK_FIELDS)[number];
export const CHECK_FIELD_LABELS: Record<CheckField, string> = {
  givenName: 'First name',
  familyName: 'Last name',
  otherNames: 'Other names',
  dateOfBirth: 'Date of birth',
  nhsNumber: 'NHS number',
  postcode: 'Postcode',
  edd: 'Due date',
};

export const NOT_ENOUGH =
  'Enter at least her last name with her date of birth or full postcode, her first name with her date of birth, or her NHS number. Initials are not enough';
const PARTIAL_POSTCODE_ONLY = 'Enter her full postcode, like SO16 6YD, or her date of birth: a last name and part of a postcode are not enough to check safely';

/** A UK postcode in full (SO16 6YD) or its outward part (SO16). */
const POSTCODE_FULL = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/;
const POSTCODE_OUTWARD = /^[A-Z]{1,2}\d[A-Z\d]?$/;

const text = (label: string, max = 100) =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} must be ${max} characters or fewer`)
    .nullish()
    .transform((s) => (s ? s : null));

const date = (label: string, check: (iso: string) => string | null) =>
  z
    .string({ error: `${label} must be a date written YYYY-MM-DD, like 1996-07-04` })
    .trim()
    .nullish()
    .transform((s) => (s ? s : null))
    .superRefine((s, ctx) => {
      if (s === null) return;
      const invalid = dateMessage(label, s);
      if (invalid) {
        ctx.addIssue({ code: 'custom', message: invalid });
        return;
      }
      const problem = check(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

function buildCheckSchema(today: string) {
  return z.object({
    givenName: text('First name'),
    familyName: text('Last name'),
    otherNames: z
      .union([z.string(), z.array(z.string())], { error: 'Other names must be text' })
      .nullish()
      .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(/[;,\n]/)).map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean))
      .pipe(z.array(z.string().max(100, 'Each other name must be 100 characters or fewer')).max(10, 'Enter up to 10 other names')),
    dateOfBirth: date('Date of birth', (s) => (s > today ? 'Date of birth must be in the past' : s < '1900-01-01' ? 'Date of birth must be after 1900' : null)),
    nhsNumber: z
      .string({ error: 'Enter the NHS number as 10 digits, like 943 476 5919' })
      .nullish()
      .transform((s) => normaliseNhsNumber(s ?? ''))
      .refine((d) => d === '' || /^\d{10}$/.test(d), 'Enter the NHS number as 10 digits, like 943 476 5919')
      .transform((d) => (d === '' ? null : d)),
    postcode: z
      .string({ error: 'Enter a real postcode, like SO16 6YD, or its first part, like SO16' })
      .nullish()
      .transform((s) => (s ?? '').trim().toUpperCase().replace(/\s+/g, ' '))
      .refine((s) => s === '' || POSTCODE_FULL.test(s) || POSTCODE_OUTWARD.test(s), 'Enter a real postcode, like SO16 6YD, or its first part, like SO16')
      .transform((s) => (s === '' ? null : POSTCODE_FULL.test(s) ? s.replace(/^(.+?)\s?(\d[A-Z]{2})$/, '$1 $2') : s)),
    edd: date('Due date', (s) => (Math.abs(daysBetween(today, s)) > 366 ? 'Due date must be within a year of today' : null)),
  });
}

// Built once a day, not per search: building a zod schema costs more than the search itself.
const checkSchema = perLondonDay(buildCheckSchema);

export type CheckDetails = {
  givenName: string | null;
  familyName: string | null;
  otherNames: string[];
  dateOfBirth: string | null;
  nhsNumber: string | null;
  postcode: string | null;
  edd: string | null;
};

/** The fields given (names only), in form order. */
export const fieldsGiven = (d: CheckDetails): CheckField[] => CHECK_FIELDS.filter((f) => (f === 'otherNames' ? d.otherNames.length > 0 : !!d[f]));

/**
 * Validate what was entered, then refuse a search that is too thin to be safe (a first name alone
 * would list every Jane). Errors are field → message; the "too little" message is on `details`.
 */
export function parseCheckDetails(input: unknown, now = new Date()): CheckDetails {
  const r = checkSchema(now).safeParse(input ?? {});
  if (!r.success) throw new ValidationError(zodFieldErrors(r.error.issues));
  const d = r.data as CheckDetails;
  const problem = sufficiencyProblem(d);
  if (problem) throw new ValidationError({ details: problem });
  return d;
}

/** Problems with the values themselves (not whether there are enough of them): field → message. */
export function checkFieldErrors(input: unknown, now = new Date()): Record<string, string> {
  const r = checkSchema(now).safeParse(input ?? {});
  return r.success ? {} : zodFieldErrors(r.error.issues);
}

/** Why these details are too few to search, or null when they are enough (whole names only: see ../minimum-search). */
export function sufficiencyProblem(d: CheckDetails): string | null {
  const m = minimumOf(detailsToQuery(d));
  if (m.ok) return null;
  return m.problem === 'partial_postcode_only' ? PARTIAL_POSTCODE_ONLY : NOT_ENOUGH;
}

/** "Last name Smith, date of birth 14 July 1998, …": what was searched, for the clinician who searched. */
export function describeDetails(d: GivenDetails): { field: CheckField; label: string; value: string }[] {
  const out: { field: CheckField; label: string; value: string }[] = [];
  const add = (field: CheckField, value: string | null | undefined) => {
    if (value) out.push({ field, label: CHECK_FIELD_LABELS[field], value });
  };
  add('givenName', d.givenName);
  add('familyName', d.familyName);
  add('otherNames', (d.otherNames ?? []).join(', '));
  add('dateOfBirth', d.dateOfBirth ? formatIsoDate(d.dateOfBirth) : null);
  add(
    'nhsNumber',
    d.nhsNumber
      ? `${d.nhsNumber.slice(0, 3)} ${d.nhsNumber.slice(3, 6)} ${d.nhsNumber.slice(6)}${isValidNhsNumber(d.nhsNumber) ? '' : ' (not a valid NHS number: searched for near misses)'}`
      : null,
  );
  add('postcode', d.postcode);
  add('edd', d.edd ? formatIsoDate(d.edd) : null);
  return out;
}

// ── Keys ─────────────────────────────────────────────────────────────────────────────────────────────

/** A keyed hash of the normalised details: equal searches compare equal; the values cannot be read back. */
export function queryHash(key: Buffer, d: CheckDetails): string {
  const hashKey = createHmac('sha256', key).update('beacon point-of-care query hash v1').digest();
  const canonical = JSON.stringify([
    normaliseGivenName(d.givenName).join(' '),
    normaliseFamilyName(d.familyName).join(' '),
    d.otherNames.map((o) => normaliseGivenName(o).join(' ')).sort(),
    d.dateOfBirth,
    d.nhsNumber,
    d.postcode?.replace(/\s/g, '') ?? null,
    d.edd,
  ]);
  return createHmac('sha256', hashKey).update(canonical).digest('hex');
}

const sealQuery = (key: Buffer, searchId: string, d: CheckDetails) => encrypt(key, Buffer.from(JSON.stringify(d), 'utf8'), `poc-search:${searchId}`);
const openQuery = (key: Buffer, searchId: string, blob: Buffer): CheckDetails =>
  JSON.parse(decrypt(key, blob, `poc-search:${searchId}`).toString('utf8')) as CheckDetails;

// ── Searching ────────────────────────────────────────────────────────────────────────────────────────

/** The register index is not ready (still building at start): the check must not say "no alert found". */
export class CheckUnavailableError extends Error {
  constructor() {
    super('The alert check is starting up and cannot search yet');
    this.name = 'CheckUnavailableError';
  }
}

/** A candidate as stored with the search (what the results page and the reveal check read). */
export type StoredCandidate = RegisterCandidate;

export interface CheckResult {
  searchId: string;
  details: CheckDetails;
  candidates: StoredCandidate[];
  registerSize: number;
  searchedAt: Date;
  /** The index could not confirm it is up to date (not listening and not reconciled lately). */
  stale: boolean;
}

function actorOf(ctx: RequestContext) {
  authorize(ctx.actor, 'alert.check');
  return ctx.actor;
}

/** Search the register. Every search is audited (fields given and a keyed hash, never the values). */
export async function checkForAlert(db: Db, ctx: RequestContext, index: RegisterIndex, key: Buffer, input: unknown, now = new Date()): Promise<CheckResult> {
  const actor = actorOf(ctx);
  const details = parseCheckDetails(input, now);
  if (!index.ready) throw new CheckUnavailableError();
  const query = detailsToQuery(details);
  const minimum = minimumOf(query);
  // A search that only just meets the minimum returns only alerts whose name agrees as a whole name.
  const candidates = index.search(query, MAX_CANDIDATES).filter((c) => passesThinGate(minimum.ok && minimum.thin, c.explanation));
  const health = index.health(now.getTime());
  const searchId = randomUUID();
  const fields = fieldsGiven(details);
  const hash = queryHash(key, details);
  // The search and its audit event in one statement: the busiest audited write (see recordAuditWith).
  await recordAuditWith(
    db,
    ctx,
    {
      action: 'alert.check',
      verb: 'R',
      entityType: 'PointOfCareSearch',
      entityId: searchId,
      detail: {
        fields,
        queryHash: hash,
        registerSize: health.alerts,
        candidates: candidates.map((c) => ({ alertId: c.alertId, reference: c.reference, band: c.band })),
      },
    },
    db.insert(pointOfCareSearches).values({
      id: searchId,
      userId: actor.userId,
      organisationId: actor.organisationId,
      unitId: actor.unitId,
      fields,
      queryHash: hash,
      queryEnc: sealQuery(key, searchId, details),
      candidates,
      registerSize: health.alerts,
      createdAt: now,
    }),
  );
  return { searchId, details, candidates, registerSize: health.alerts, searchedAt: now, stale: health.stale };
}

async function loadOwnSearch(db: Db, ctx: RequestContext, searchId: string) {
  const actor = actorOf(ctx);
  if (!isUuid(searchId)) throw new NotFoundError('Search');
  const [s] = await db.select().from(pointOfCareSearches).where(eq(pointOfCareSearches.id, searchId));
  // Someone else's search is "not found": its existence says something about a woman.
  if (!s || s.userId !== actor.userId) throw new NotFoundError('Search');
  return s;
}

/** A search of the person asking, for its results page. `details` is null once purged. */
export async function getSearch(
  db: Db,
  ctx: RequestContext,
  key: Buffer,
  searchId: string,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
) {
  const s = await loadOwnSearch(db, ctx, searchId);
  const reveals = await db
    .select({ id: pointOfCareReveals.id, alertId: pointOfCareReveals.alertId, outcome: pointOfCareReveals.outcome })
    .from(pointOfCareReveals)
    .where(eq(pointOfCareReveals.searchId, s.id));
  return {
    search: s,
    details: s.queryEnc ? openQuery(key, s.id, s.queryEnc) : null,
    candidates: s.candidates as StoredCandidate[],
    reveals,
    /** A candidate may be revealed for this long after the search. */
    revealable: now.getTime() - s.createdAt.getTime() < settings.revealHours * 3_600_000,
  };
}

// ── Revealing ────────────────────────────────────────────────────────────────────────────────────────

export const REVEAL_REASONS = ['presenting', 'before_appointment', 'other'] as const;
export type RevealReason = (typeof REVEAL_REASONS)[number];
export const REVEAL_REASON_LABELS: Record<RevealReason, string> = {
  presenting: 'She is here now / presenting',
  before_appointment: 'Checking before an appointment',
  other: 'Another reason',
};

const revealSchema = z
  .object({
    alertId: z.string({ error: 'Select the match to show' }).trim().min(1, 'Select the match to show'),
    reason: z.enum(REVEAL_REASONS, { error: 'Select why you need to see this alert' }),
    reasonOther: text('The reason', 200),
  })
  .superRefine((r, ctx) => {
    if (r.reason === 'other' && !r.reasonOther) ctx.addIssue({ code: 'custom', path: ['reasonOther'], message: 'Enter why you need to see this alert' });
  });

/**
 * Reveal one candidate of the clinician's own search, with a reason. Audited as `alert.reveal`. The
 * reveal is what lets a point-of-care clinician read that alert, for `revealHours`. Revealing the same
 * candidate of the same search again returns the same reveal.
 */
export async function reveal(
  db: Db,
  ctx: RequestContext,
  searchId: string,
  input: unknown,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
): Promise<{ revealId: string }> {
  const actor = actorOf(ctx);
  const s = await loadOwnSearch(db, ctx, searchId);
  const parsed = revealSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const r = parsed.data;
  const candidate = (s.candidates as StoredCandidate[]).find((c) => c.alertId === r.alertId);
  if (!candidate) throw new ValidationError({ alertId: 'Select one of the matches your search found' });
  if (now.getTime() - s.createdAt.getTime() >= settings.revealHours * 3_600_000) {
    throw new ValidationError({ form: 'This search is too old to show its matches. Search again.' });
  }
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: pointOfCareReveals.id })
      .from(pointOfCareReveals)
      .where(and(eq(pointOfCareReveals.searchId, s.id), eq(pointOfCareReveals.alertId, candidate.alertId)));
    if (existing) return { revealId: existing.id };
    const [a] = await tx
      .select({ id: alerts.id, status: alerts.status, version: alerts.version, reference: alerts.reference })
      .from(alerts)
      .where(eq(alerts.id, candidate.alertId));
    if (!a) throw new NotFoundError('Alert');
    if (a.status !== 'active') throw new ValidationError({ form: `Alert ${a.reference} is no longer active: it was closed after your search. Search again.` });
    const [row] = await tx
      .insert(pointOfCareReveals)
      .values({
        searchId: s.id,
        alertId: a.id,
        alertVersion: a.version,
        userId: actor.userId,
        organisationId: actor.organisationId,
        unitId: actor.unitId,
        reason: r.reason,
        reasonOther: r.reason === 'other' ? r.reasonOther : null,
        createdAt: now,
      })
      .returning({ id: pointOfCareReveals.id });
    await recordAudit(tx, ctx, {
      action: 'alert.reveal',
      verb: 'R',
      entityType: 'Alert',
      entityId: a.id,
      reason: r.reason === 'other' ? `Other: ${r.reasonOther}` : REVEAL_REASON_LABELS[r.reason],
      detail: { reference: a.reference, version: a.version, searchId: s.id, revealId: row!.id, band: candidate.band },
    });
    return { revealId: row!.id };
  });
}

async function loadOwnReveal(db: Db, ctx: RequestContext, revealId: string, settings: PointOfCareSettings, now: Date) {
  const actor = actorOf(ctx);
  if (!isUuid(revealId)) throw new NotFoundError('Page');
  const [r] = await db.select().from(pointOfCareReveals).where(eq(pointOfCareReveals.id, revealId));
  if (!r) throw new NotFoundError('Page');
  // Another clinician's reveal does not open the alert for this one: they must search and reveal themselves.
  if (r.userId !== actor.userId)
    throw new ForbiddenError('alert.view', 'You can only see an alert through a match you found yourself. Search for her with the details she gives.');
  const expiresAt = new Date(r.createdAt.getTime() + settings.revealHours * 3_600_000);
  if (now >= expiresAt)
    throw new ForbiddenError('alert.view', 'You revealed this alert more than a shift ago, so it is no longer shown. If she is still with you, search again.');
  return { reveal: r, expiresAt };
}

/** What a revealed alert shows the clinician: the action on presentation first, then how to tell it is her. */
export async function getReveal(
  db: Db,
  ctx: RequestContext,
  revealId: string,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
) {
  const { reveal: r, expiresAt } = await loadOwnReveal(db, ctx, revealId, settings, now);
  const [a] = await db
    .select({ alert: alerts, organisationName: organisations.name })
    .from(alerts)
    .innerJoin(organisations, eq(organisations.id, alerts.originatorOrganisationId))
    .where(eq(alerts.id, r.alertId));
  if (!a) throw new NotFoundError('Alert');
  const [v] = await db
    .select({ content: alertVersions.content })
    .from(alertVersions)
    .where(and(eq(alertVersions.alertId, a.alert.id), eq(alertVersions.version, a.alert.version)));
  const photos = await db
    .select({ id: alertPhotos.id, caption: alertPhotos.caption, width: alertPhotos.width, height: alertPhotos.height })
    .from(alertPhotos)
    .where(and(eq(alertPhotos.alertId, a.alert.id), isNull(alertPhotos.removedAt), isNotNull(alertPhotos.dataEnc)));
  const [presentation] = await db
    .select({ id: presentations.id, presentedAt: presentations.presentedAt })
    .from(presentations)
    .where(eq(presentations.revealId, r.id));
  const search = await db.select({ candidates: pointOfCareSearches.candidates }).from(pointOfCareSearches).where(eq(pointOfCareSearches.id, r.searchId));
  const candidate = ((search[0]?.candidates ?? []) as StoredCandidate[]).find((c) => c.alertId === r.alertId) ?? null;
  await recordAuditNow(db, ctx, {
    action: 'alert.view',
    verb: 'R',
    entityType: 'Alert',
    entityId: a.alert.id,
    reason: 'point-of-care check (revealed match)',
    detail: { reference: a.alert.reference, version: a.alert.version, revealId: r.id },
  });
  const content = (v?.content ?? {}) as AlertContent;
  const edd = content.pregnancy?.edd;
  return {
    reveal: r,
    expiresAt,
    alert: { id: a.alert.id, reference: a.alert.reference, status: a.alert.status, version: a.alert.version, organisationName: a.organisationName },
    active: a.alert.status === 'active',
    content,
    gestation: edd && isIsoDate(edd) ? gestationAt(edd, now) : null,
    photos,
    candidate,
    presentation: presentation ?? null,
  };
}

/** A photograph of a revealed alert, for the clinician who revealed it. Every view is audited. */
export async function getRevealPhoto(
  db: Db,
  ctx: RequestContext,
  key: Buffer,
  revealId: string,
  photoId: string,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
) {
  const { reveal: r } = await loadOwnReveal(db, ctx, revealId, settings, now);
  if (!isUuid(photoId)) throw new NotFoundError('Photograph');
  const [p] = await db
    .select()
    .from(alertPhotos)
    .where(and(eq(alertPhotos.id, photoId), eq(alertPhotos.alertId, r.alertId)));
  if (!p || !p.dataEnc || p.removedAt) throw new NotFoundError('Photograph');
  await recordAuditNow(db, ctx, {
    action: 'alert.photo.view',
    verb: 'R',
    entityType: 'Alert',
    entityId: r.alertId,
    reason: 'point-of-care check (revealed match)',
    detail: { photoId, revealId: r.id },
  });
  return { data: openPhotograph(key, p.id, p.dataEnc), contentType: p.contentType };
}

// ── The outcome ──────────────────────────────────────────────────────────────────────────────────────

export const OUTCOMES = ['same_person', 'not_same_person', 'not_sure'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  same_person: 'Yes, she is the woman in this alert',
  not_same_person: 'No, she is not the same person',
  not_sure: 'Not sure',
};

const outcomeSchema = z.object({
  outcome: z.enum(OUTCOMES, { error: 'Select whether she is the woman in this alert' }),
  location: text('Where she is', 200),
  note: text('The note', 1000),
});

/** How the details she gave differ from the alert, field by field, without quoting the alert's values. */
export function compareWithAlert(d: GivenDetails, content: AlertContent): { field: CheckField; text: string }[] {
  const subject = (content?.subject ?? {}) as Partial<AlertContent['subject']>;
  const out: { field: CheckField; text: string }[] = [];
  const norm = (s: string | null | undefined, kind: 'given' | 'family') => (kind === 'given' ? normaliseGivenName(s) : normaliseFamilyName(s)).join(' ');
  const kindText = { alias: 'an alias', previous: 'a previous name', maiden: 'her maiden name' } as const;
  const nameNote = (value: string | null | undefined, kind: 'given' | 'family', field: CheckField, label: string) => {
    const v = norm(value, kind);
    if (!v) return;
    if (v === norm(subject.name?.[kind], kind)) return;
    const other = (subject.otherNames ?? []).find((o) => v === norm(o.name?.[kind], kind));
    out.push({
      field,
      text: other ? `${label}: gave ${kindText[other.kind] ?? 'another name'} recorded on the alert` : `${label}: not one recorded on the alert`,
    });
  };
  nameNote(d.givenName, 'given', 'givenName', 'First name');
  nameNote(d.familyName, 'family', 'familyName', 'Last name');
  // Another name she gave is "recorded" when each part of it is one of the alert's names.
  const givens = new Set<string>();
  const families = new Set<string>();
  for (const n of [subject.name, ...(subject.otherNames ?? []).map((o) => o.name)]) {
    if (!n) continue;
    for (const t of normaliseGivenName(n.given)) givens.add(t);
    for (const t of normaliseFamilyName(n.family)) families.add(t);
  }
  const recorded = (full: string) => {
    const { given, family } = splitFullName(full);
    return (
      given.every((g) => normaliseGivenName(g).every((t) => givens.has(t))) &&
      family.every((f) => normaliseFamilyName(f).every((t) => families.has(t) || givens.has(t)))
    );
  };
  if ((d.otherNames ?? []).some((o) => !recorded(o))) out.push({ field: 'otherNames', text: 'Other names: gave a name not recorded on the alert' });

  const dobs = subject.datesOfBirth ?? [];
  if (d.dateOfBirth) {
    const hit = dobs.find((x) => x.value === d.dateOfBirth);
    if (hit?.knownFalse) out.push({ field: 'dateOfBirth', text: 'Date of birth: gave the date of birth known to be false' });
    else if (!hit) {
      const [y, m, dd] = d.dateOfBirth.split('-');
      const swapped = dobs.some((x) => x.value === `${y}-${dd}-${m}`);
      out.push({
        field: 'dateOfBirth',
        text: swapped ? 'Date of birth: not one recorded on the alert (day and month swapped)' : 'Date of birth: not one recorded on the alert',
      });
    }
  }
  if (d.nhsNumber && !(subject.nhsNumbers ?? []).some((n) => n.value === d.nhsNumber))
    out.push({ field: 'nhsNumber', text: 'NHS number: not one recorded on the alert' });
  if (d.postcode) {
    const given = d.postcode.replace(/\s/g, '');
    const addr = (subject.addresses ?? []).find(
      (a) => a.postcode && (a.postcode.replace(/\s/g, '') === given || (!POSTCODE_FULL.test(d.postcode!) && parsePostcode(a.postcode)?.district === given)),
    );
    if (!addr) out.push({ field: 'postcode', text: 'Postcode: not one recorded on the alert' });
    else if (addr.kind === 'previous') out.push({ field: 'postcode', text: 'Postcode: a previous address recorded on the alert' });
  }
  const edd = content?.pregnancy?.edd;
  if (d.edd && edd && isIsoDate(edd) && isIsoDate(d.edd)) {
    const days = Math.abs(daysBetween(edd, d.edd));
    if (days > 14) out.push({ field: 'edd', text: `Due date: ${Math.round(days / 7)} weeks different from the alert` });
  }
  return out;
}

/** Who is told of a presentation: originator, approver, and the originating organisation's safeguarding team mailboxes. */
async function presentationRecipients(tx: Db, alertRow: typeof alerts.$inferSelect): Promise<string[]> {
  const people = await tx
    .select({ email: users.email, active: users.active })
    .from(users)
    .where(inArray(users.id, [alertRow.originatorUserId, ...(alertRow.approverUserId ? [alertRow.approverUserId] : [])]));
  const to = new Set<string>();
  for (const p of people) if (p.active && p.email) to.add(p.email.toLowerCase());
  for (const m of await safeguardingMailboxes(tx, alertRow.originatorOrganisationId)) to.add(m.toLowerCase());
  return [...to];
}

export interface OutcomeResult {
  outcome: Outcome;
  presentationId: string | null;
  alertId: string;
}

/**
 * Record whether she is the woman in the alert. "Same person" writes the presentation, the audit
 * event and one urgent email job per recipient in one transaction, then adds the details she gave to
 * the register index (other processes learn of it from the NOTIFY the presentations trigger sends).
 */
export async function recordOutcome(
  db: Db,
  ctx: RequestContext,
  index: RegisterIndex | null,
  key: Buffer,
  revealId: string,
  input: unknown,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
): Promise<OutcomeResult> {
  const actor = actorOf(ctx);
  const { reveal: r } = await loadOwnReveal(db, ctx, revealId, settings, now);
  const parsed = outcomeSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const o = parsed.data;
  const result = await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(pointOfCareReveals).where(eq(pointOfCareReveals.id, r.id)).for('update');
    if (locked!.outcome === 'same_person') {
      const [p] = await tx.select({ id: presentations.id }).from(presentations).where(eq(presentations.revealId, r.id));
      return { outcome: 'same_person' as const, presentationId: p?.id ?? null, alertId: r.alertId, created: false };
    }
    const [a] = await tx.select().from(alerts).where(eq(alerts.id, r.alertId)).for('update');
    if (!a) throw new NotFoundError('Alert');
    await tx.update(pointOfCareReveals).set({ outcome: o.outcome, outcomeAt: now, outcomeNote: o.note }).where(eq(pointOfCareReveals.id, r.id));
    if (o.outcome !== 'same_person') {
      await recordAudit(tx, ctx, {
        action: 'alert.check.outcome',
        verb: 'U',
        entityType: 'Alert',
        entityId: a.id,
        detail: { reference: a.reference, revealId: r.id, outcome: o.outcome },
      });
      return { outcome: o.outcome, presentationId: null, alertId: a.id, created: false };
    }
    const [s] = await tx
      .select({ id: pointOfCareSearches.id, queryEnc: pointOfCareSearches.queryEnc })
      .from(pointOfCareSearches)
      .where(eq(pointOfCareSearches.id, r.searchId));
    const details: GivenDetails = s?.queryEnc ? openQuery(key, s.id, s.queryEnc) : {};
    const [v] = await tx
      .select({ content: alertVersions.content })
      .from(alertVersions)
      .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
    const inconsistencies = compareWithAlert(details, (v?.content ?? {}) as AlertContent);
    const [place] = actor.unitId ? await tx.select({ name: units.name }).from(units).where(eq(units.id, actor.unitId)) : [];
    const [p] = await tx
      .insert(presentations)
      .values({
        alertId: a.id,
        alertVersion: a.version,
        revealId: r.id,
        userId: actor.userId,
        userName: actor.displayName,
        userRole: actor.role,
        organisationId: actor.organisationId,
        organisationName: actor.organisationName,
        unitId: actor.unitId,
        placeName: place?.name ?? actor.organisationName,
        location: o.location,
        presentedAt: now,
        details: details as Record<string, unknown>,
        inconsistencies,
        inconsistent: inconsistencies.length > 0,
        note: o.note,
        createdAt: now,
      })
      .returning({ id: presentations.id });
    const recipients = await presentationRecipients(tx, a);
    for (const to of recipients) {
      await enqueue(tx, PRESENTATION_EMAIL_JOB, { presentationId: p!.id, to }, { idempotencyKey: `presentation-email:${p!.id}:${to}`, maxAttempts: 20 });
    }
    await recordAudit(tx, ctx, {
      action: 'alert.presentation',
      verb: 'C',
      entityType: 'Alert',
      entityId: a.id,
      detail: {
        reference: a.reference,
        version: a.version,
        presentationId: p!.id,
        revealId: r.id,
        unitId: actor.unitId,
        inconsistentFields: inconsistencies.map((i) => i.field),
        notified: recipients.length,
      },
    });
    return { outcome: 'same_person' as const, presentationId: p!.id, alertId: a.id, created: true };
  });
  if (result.created && index) await index.refresh(db, result.alertId);
  return { outcome: result.outcome, presentationId: result.presentationId, alertId: result.alertId };
}

// ── Telling the owners ───────────────────────────────────────────────────────────────────────────────

/**
 * The urgent email. It says that the subject of an alert has presented, and where to read about it in
 * Beacon; it never says who she is, where she is or what she said (mailboxes are shared and email is
 * copied to phones).
 */
export async function emailPresentation(db: Db, mailer: Mailer, publicUrl: string, payload: { presentationId: string; to: string }): Promise<void> {
  const [row] = await db
    .select({ id: presentations.id, reference: alerts.reference })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(eq(presentations.id, payload.presentationId));
  if (!row) throw new Error(`Presentation ${payload.presentationId} not found`);
  await mailer.send({
    to: payload.to,
    subject: `[Beacon] URGENT: the subject of alert ${row.reference} has presented`,
    text: [
      `A clinician has recorded in Beacon that the woman who is the subject of alert ${row.reference} has presented to a health service.`,
      '',
      `Sign in to Beacon now to see where and when, what she said and who to contact: ${publicUrl}/presentations/${row.id}`,
      '',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<presentation-${row.id}-${payload.to.replace(/[^\w.-]/g, '_')}@beacon>`,
  });
}

/** What is searched is kept only for a while: after `hours`, the sealed query is removed. */
export async function purgeOldSearches(db: Db, hours: number, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - hours * 3_600_000);
  const purged = await db
    .update(pointOfCareSearches)
    .set({ queryEnc: null, purgedAt: now })
    .where(and(lt(pointOfCareSearches.createdAt, before), isNull(pointOfCareSearches.purgedAt)))
    .returning({ id: pointOfCareSearches.id });
  return purged.length;
}

// ── Presentations for the alert's owners ─────────────────────────────────────────────────────────────

const presentationColumns = {
  id: presentations.id,
  alertId: presentations.alertId,
  reference: alerts.reference,
  alertStatus: alerts.status,
  presentedAt: presentations.presentedAt,
  placeName: presentations.placeName,
  organisationName: presentations.organisationName,
  userName: presentations.userName,
  inconsistent: presentations.inconsistent,
  seenAt: presentations.seenAt,
};

/**
 * The owner's list: presentations of alerts raised by the actor's organisation or approved by the actor,
 * newest first, new (unseen) ones marked.
 */
export async function listPresentations(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'presentation.list');
  const actor = ctx.actor;
  return db
    .select(presentationColumns)
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(or(eq(alerts.originatorOrganisationId, actor.organisationId), eq(alerts.approverUserId, actor.userId)))
    .orderBy(sql`${presentations.seenAt} IS NOT NULL`, desc(presentations.presentedAt))
    .limit(500);
}

/** How many presentations the actor's side has not seen yet (for the home page). */
export async function unseenPresentationCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!can(ctx.actor, 'presentation.list')) return 0;
  const actor = ctx.actor!;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(and(isNull(presentations.seenAt), or(eq(alerts.originatorOrganisationId, actor.organisationId), eq(alerts.approverUserId, actor.userId))));
  return Number(r?.n ?? 0);
}

/** Presentations of one alert, for its page (the alert's owners only). */
export async function presentationsForAlert(db: Db, ctx: RequestContext, alertId: string) {
  // The one policy resource of an alert, as for every other decision on it.
  await requireAlert(db, ctx, alertId, 'presentation.view');
  return db
    .select(presentationColumns)
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(eq(presentations.alertId, alertId))
    .orderBy(desc(presentations.presentedAt));
}

/** One presentation for the alert's owners: where, when, who (and how to reach them), what she gave. Audited. */
export async function getPresentation(db: Db, ctx: RequestContext, id: string) {
  if (!isUuid(id)) throw new NotFoundError('Presentation');
  const [row] = await db
    .select({
      p: presentations,
      reference: alerts.reference,
      alertStatus: alerts.status,
      originatorOrganisationId: alerts.originatorOrganisationId,
      seenBy: users.displayName,
    })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .leftJoin(users, eq(users.id, presentations.seenByUserId))
    .where(eq(presentations.id, id));
  if (!row) throw new NotFoundError('Presentation');
  const { resource } = await requireAlert(db, ctx, row.p.alertId, 'presentation.view');
  const [unit] = row.p.unitId
    ? await db
        .select({ name: units.name, inHoursPhone: units.inHoursPhone, outOfHoursPhone: units.outOfHoursPhone, sharedMailbox: units.sharedMailbox })
        .from(units)
        .where(eq(units.id, row.p.unitId))
    : [];
  const [recorder] = await db.select({ email: users.email }).from(users).where(eq(users.id, row.p.userId));
  await recordAuditNow(db, ctx, {
    action: 'alert.presentation.view',
    verb: 'R',
    entityType: 'Alert',
    entityId: row.p.alertId,
    detail: { reference: row.reference, presentationId: row.p.id },
  });
  return {
    presentation: row.p,
    reference: row.reference,
    alertStatus: row.alertStatus,
    seenBy: row.seenBy,
    unit: unit ?? null,
    recorderEmail: recorder?.email ?? null,
    details: describeDetails(row.p.details as GivenDetails),
    canMarkSeen: !row.p.seenAt && can(ctx.actor, 'presentation.mark_seen', resource),
  };
}

/** The owner's side has seen a presentation (the in-app item stops being new). */
export async function markPresentationSeen(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<void> {
  if (!isUuid(id)) throw new NotFoundError('Presentation');
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        id: presentations.id,
        alertId: presentations.alertId,
        seenAt: presentations.seenAt,
        originatorOrganisationId: alerts.originatorOrganisationId,
        reference: alerts.reference,
      })
      .from(presentations)
      .innerJoin(alerts, eq(alerts.id, presentations.alertId))
      .where(eq(presentations.id, id))
      .for('update', { of: presentations });
    if (!row) throw new NotFoundError('Presentation');
    // Auditors read presentations; marking one seen is for the alert's owners (the policy says which).
    await requireAlert(tx, ctx, row.alertId, 'presentation.mark_seen');
    // (Not actorOf: the owners who mark it seen need not be allowed to run point-of-care checks themselves:
    // a social worker who raised the alert clears the banner too.)
    if (row.seenAt) return;
    await tx
      .update(presentations)
      .set({ seenAt: now, seenByUserId: ctx.actor?.userId ?? null })
      .where(eq(presentations.id, id));
    await recordAudit(tx, ctx, {
      action: 'alert.presentation.seen',
      verb: 'U',
      entityType: 'Alert',
      entityId: row.alertId,
      detail: { reference: row.reference, presentationId: id },
    });
  });
}

/** Units whose safeguarding mailbox is told (for tests and the page that explains who was told). */
export async function safeguardingMailboxes(db: Db, organisationId: string): Promise<string[]> {
  return unitMailboxes(db, organisationId, ['safeguarding_team']);
}
