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
import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { AlertContent } from '../../alerts/model';
import { alertPhotos, alerts, alertVersions } from '../../alerts/schema';
import { isIsoDate } from '../../platform/dates';
import { gestationAt } from '../../alerts/pregnancy';
import { isUuid } from '../../directory/service';
import { organisations } from '../../directory/schema';
import { recordAudit, recordAuditNow, recordAuditWith } from '../../platform/audit/service';
import { authorize } from '../../platform/auth/policy';
import type { RequestContext } from '../../platform/context';
import type { Db } from '../../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError, zodFieldErrors } from '../../platform/errors';
import { openPhotograph } from '../../platform/files/photographs';
import { detailsToQuery, type RegisterCandidate, type RegisterIndex } from '../register-index';
import { pointOfCareReveals, pointOfCareSearches, presentations } from './schema';
import { minimumOf, passesThinGate } from '../minimum-search';
import { DEFAULT_POINT_OF_CARE_SETTINGS, type PointOfCareSettings } from './settings';
import { type CheckDetails, fieldsGiven, openQuery, parseCheckDetails, queryHash, sealQuery, text } from './details';

export const PRESENTATION_EMAIL_JOB = 'pointOfCare.presentation-email';
export const PURGE_SEARCHES_JOB = 'pointOfCare.purge-searches';

/** Candidates shown per search. */
export const MAX_CANDIDATES = 5;

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

export function actorOf(ctx: RequestContext) {
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

export async function loadOwnReveal(db: Db, ctx: RequestContext, revealId: string, settings: PointOfCareSettings, now: Date) {
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
    .select({ alert: alerts, organisationName: organisations.name, organisationOdsCode: organisations.odsCode })
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
    alert: {
      id: a.alert.id,
      reference: a.alert.reference,
      status: a.alert.status,
      version: a.alert.version,
      organisationName: a.organisationName,
      organisationOdsCode: a.organisationOdsCode,
      approvedAt: a.alert.approvedAt,
      reviewDate: a.alert.reviewDate,
      updatedAt: a.alert.updatedAt,
    },
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
