import type { AlertContentInput } from '../../src/alerts/model';
import { pointOfCareReveals, pointOfCareSearches, presentations } from '../../src/identity/point-of-care/schema';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import { approve, createDraft, submit } from '../../src/alerts/service';
import { contextForEmail } from '../../src/people/service';
import type { Actor, RequestContext } from '../../src/platform/context';
import type { Db } from '../../src/platform/db/engine';

/**
 * Fixtures for the point-of-care check: active alerts about made-up women (raised by the demo
 * safeguarding midwife at University Hospital Southampton, approved by the ICB's designated nurse),
 * and request contexts for the demo people. Seed the demo directory and people first.
 */

export const RAISER = 'midwife@beacon.example';
export const APPROVER = 'designated@beacon.example';
export const CLINICIAN = 'ed.nurse@beacon.example';

export type Ctx = RequestContext & { actor: Actor };

export async function contextFor(db: Db, email: string): Promise<Ctx> {
  return contextForEmail(db, email, `poc-test-${email}`, '192.0.2.10');
}

export interface Woman {
  given: string;
  family: string;
  dob: string;
  nhs?: string;
  postcode?: string;
  otherNames?: { kind: 'alias' | 'previous' | 'maiden'; given?: string; family?: string }[];
  falseDobs?: string[];
  previousPostcode?: string;
  action?: string;
}

/** Valid alert content about `w`, due in 12 weeks from `now`. */
export function alertAbout(w: Woman, now = new Date()): AlertContentInput {
  const today = londonDate(now);
  return {
    subject: {
      name: { given: w.given, family: w.family },
      otherNames: (w.otherNames ?? []).map((o) => ({ kind: o.kind, name: { given: o.given ?? '', family: o.family ?? '' } })),
      datesOfBirth: [{ value: w.dob }, ...(w.falseDobs ?? []).map((value) => ({ value, knownFalse: true }))],
      nhsNumbers: w.nhs ? [{ value: w.nhs, verification: 'pds_trace' }] : [],
      addresses: [
        ...(w.postcode ? [{ kind: 'current' as const, address: '14 Orchard Lane\nSouthampton', postcode: w.postcode }] : []),
        ...(w.previousPostcode ? [{ kind: 'previous' as const, address: '2 Mill Road, Portsmouth', postcode: w.previousPostcode }] : []),
      ],
      phones: [],
      physicalDescription: 'Slight build, dyed red hair',
    },
    associatedPeople: [{ relationship: 'Partner', name: { given: 'Dominic', family: 'Arkwright' }, notesOnRisk: 'Aggressive to staff' }],
    pregnancy: { edd: addDays(today, 84), bookingStatus: 'unbooked', concealment: 'concealed', cpis: { checkedAt: addDays(today, -1), result: 'no_plan' } },
    risk: {
      criteria: ['unbooked', 'likely_to_evade'],
      reason: 'Unborn baby subject to pre-birth assessment; she has moved without telling services.',
      actionOnPresentation: w.action ?? 'Do not discharge the baby before speaking to the duty social worker.',
      inHoursContact: { name: 'Southampton MASH', phone: '023 8083 3336' },
      outOfHoursContact: { name: 'Emergency duty team', phone: '023 8023 3344' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'icb', geographyCode: 'QRL', scopeReason: 'She has links across Hampshire and the Isle of Wight.' },
  };
}

/** A submitted alert about `w`, waiting for approval. */
export async function submittedAlert(db: Db, w: Woman, now = new Date()): Promise<{ id: string; reference: string }> {
  const raiser = await contextFor(db, RAISER);
  const draft = await createDraft(db, raiser, alertAbout(w, now));
  await submit(db, raiser, draft.id, now);
  return draft;
}

/** Approve a submitted alert as the designated nurse. */
export async function approveAlert(db: Db, id: string, now = new Date()): Promise<void> {
  await approve(db, await contextFor(db, APPROVER), id, { reviewWeeksAfterEdd: 6 }, null, now);
}

/** An active alert about `w`. */
export async function activeAlert(db: Db, w: Woman, now = new Date()): Promise<{ id: string; reference: string }> {
  const a = await submittedAlert(db, w, now);
  await approveAlert(db, a.id, now);
  return a;
}

/** Poll until `fn` returns a truthy value or `ms` pass; returns the value and how long it took. */
export async function waitFor<T>(fn: () => T | Promise<T>, ms = 5000, every = 10): Promise<{ value: T; elapsed: number }> {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    const elapsed = Date.now() - start;
    if (value || elapsed > ms) return { value, elapsed };
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * A presentation of an alert at the QAH emergency department by `nurse`, written as the point-of-care check
 * records one (a search, a reveal with its reason, the presentation): for tests that need one to exist
 * without walking the check. She gave the first name Marisa, which the alert does not have.
 */
export async function recordTestPresentation(db: Db, nurse: Actor, alertId: string): Promise<string> {
  const [search] = await db
    .insert(pointOfCareSearches)
    .values({ userId: nurse.userId, organisationId: nurse.organisationId, fields: ['familyName'], queryHash: 'x', candidates: [], registerSize: 1 })
    .returning();
  const [reveal] = await db
    .insert(pointOfCareReveals)
    .values({ searchId: search!.id, alertId, alertVersion: 1, userId: nurse.userId, organisationId: nurse.organisationId, reason: 'presenting' })
    .returning();
  const [presentation] = await db
    .insert(presentations)
    .values({
      alertId,
      alertVersion: 1,
      revealId: reveal!.id,
      userId: nurse.userId,
      userName: 'ED nurse',
      userRole: 'point_of_care',
      organisationId: nurse.organisationId,
      organisationName: 'Portsmouth Hospitals',
      placeName: 'Emergency department',
      location: 'Bay 7',
      details: { givenName: 'Marisa', familyName: 'Quenell' },
      inconsistencies: [{ field: 'givenName', text: 'Gave the first name Marisa' }],
      inconsistent: true,
      note: null,
    })
    .returning();
  return presentation!.id;
}
