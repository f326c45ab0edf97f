import { demoCase } from './cases';
import { and, eq } from 'drizzle-orm';
import { alertDeliveries } from '../../src/alerts/schema';
import { createDraft } from '../../src/alerts/service';
import { requireAlert } from '../../src/alerts/access';
import { caseFacts, casePrompts, caseProfessionals } from '../../src/cases/schema';
import { linkAlert } from '../../src/cases/service';
import { seedDemoCases } from '../../src/demo/cases';
import { geographies, organisations, units } from '../../src/directory/schema';
import { startRun } from '../../src/assurance/audits';
import { addRecommendation, createAction, createReview } from '../../src/assurance/tracker/service';
import { addFileEvidence } from '../../src/assurance/tracker/evidence';
import { trackerResponses } from '../../src/assurance/tracker/schema';
import { startRound } from '../../src/assurance/casefile/service';
import { createTemplate, publishTemplate } from '../../src/assurance/casefile/templates';
import { caseFileSections } from '../../src/assurance/casefile/schema';
import { escalations } from '../../src/escalations/schema';
import { memberships } from '../../src/people/schema';
import { createUser } from '../../src/people/service';
import { createWorker } from '../../src/server';
import { createCourse, createSession } from '../../src/learning/catalogue';
import { bookPlace } from '../../src/learning/booking';
import { createSurvey } from '../../src/learning/surveys';
import { createRound } from '../../src/learning/needs';
import { approveVersion, createDocument, publishVersion, sendForReview, updateDraft } from '../../src/library/documents';
import { circulate } from '../../src/library/circulation';
import { libraryReads } from '../../src/library/schema';
import { PEOPLE, type Person } from '../http/route-access';
import { contextFor, raiseActiveAlert, SUBJECT, validAlertContent } from './alerts';
import { tableRowCounter } from './db';
import { ApiClient } from './api-client';
import type { TestApp } from './app';

/**
 * Real records to put in every route's parameters, for the tests that walk the whole route table (the
 * permissions matrix, the API fuzzer): the two demo cases (Southampton, led by the safeguarding midwife's
 * trust with the city council's social care; Portsmouth, opened by the ED nurse), an active alert raised
 * by the midwife and linked to the Southampton case, a draft, a point-of-care search, reveal and
 * presentation by the ED nurse, a screening run by the Portsmouth coordinator, an escalation, and a spare
 * person for the user-admin routes (so that deactivating "a user" never signs a demo person out).
 */
export interface RouteFixtures {
  ids: Record<string, string>;
  clients: Record<Person, ApiClient>;
  alertId: string;
  /** Who may view the active alert, by the alert register's own rule. */
  mayViewAlert: Record<Person, boolean>;
}

export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

export async function buildRouteFixtures(t: TestApp): Promise<RouteFixtures> {
  const db = t.database.db;
  await seedDemoCases(db);
  const midwife = await contextFor(db, PEOPLE.midwife);
  const admin = await contextFor(db, PEOPLE.admin);
  const active = await raiseActiveAlert(db, midwife, await contextFor(db, PEOPLE.designated), validAlertContent());
  const draft = await createDraft(db, midwife, { subject: { name: { given: 'Draft', family: 'Only' } } });
  const southampton = await demoCase(db, 'E06000045', 'unborn_baby_protocol');
  const portsmouth = await demoCase(db, 'E06000044', 'unbooked_in_labour');
  await linkAlert(db, midwife, southampton!.id, active.reference);
  await createWorker(t.database, t.config, { info: () => undefined, warn: () => undefined, error: () => undefined } as never).drain();
  const [rhm] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHM'));
  const [pah] = await db.select({ id: units.id }).from(units).where(eq(units.name, 'Princess Anne Hospital maternity unit'));
  const spare = await createUser(db, admin, {
    email: 'spare.person@beacon.example',
    displayName: 'Sam Spare',
    jobTitle: 'Midwife',
    organisationId: rhm!.id,
    role: 'safeguarding_practitioner',
  });
  const [spareMembership] = await db.select({ id: memberships.id }).from(memberships).where(eq(memberships.userId, spare.userId));

  const clients = Object.fromEntries(await Promise.all(Object.entries(PEOPLE).map(async ([k, email]) => [k, await ApiClient.as(t, email)]))) as Record<
    Person,
    ApiClient
  >;
  const search = await clients.ed.post('/api/check', { nhsNumber: SUBJECT.nhsNumber });
  const revealed = await clients.ed.post(`/api/check/searches/${search.json.searchId}/reveal`, { alertId: active.id, reason: 'presenting' });
  const outcome = await clients.ed.post(`/api/check/reveals/${revealed.json.revealId}/outcome`, { outcome: 'same_person', location: 'Majors bay 4' });
  const screened = await clients.coordQah.upload(
    '/screening',
    { _csrf: clients.coordQah.token },
    { name: 'file', filename: 'list.csv', type: 'text/csv', data: Buffer.from('id,family_name,given_name,date_of_birth\nr1,Nobody,Alice,1985-03-03\n') },
  );
  if (screened.status !== 302) throw new Error(`screening upload answered ${screened.status}`);

  const one = async <T>(q: Promise<T[]>) => (await q)[0];
  const delivery = await one(
    db
      .select({ id: alertDeliveries.id })
      .from(alertDeliveries)
      .where(and(eq(alertDeliveries.alertId, active.id), eq(alertDeliveries.unitId, pah!.id))),
  );
  const escalation = await one(db.select({ id: escalations.id }).from(escalations).limit(1));
  const professional = await one(db.select({ id: caseProfessionals.id }).from(caseProfessionals).where(eq(caseProfessionals.caseId, southampton!.id)).limit(1));
  const fact = await one(db.select({ id: caseFacts.id }).from(caseFacts).where(eq(caseFacts.caseId, southampton!.id)).limit(1));
  const prompt = await one(db.select({ id: casePrompts.id }).from(casePrompts).where(eq(casePrompts.caseId, southampton!.id)).limit(1));
  // Learning: a course of the training administrator's partnership with one session, the midwife booked on it, and a draft survey.
  const training = await contextFor(db, PEOPLE.training);
  const course = await createCourse(db, training, {
    title: 'Route fixture course',
    summary: 'For the route matrix',
    outcomes: 'One',
    topics: ['closure'],
    format: 'in_person',
    durationMinutes: '60',
    funded: 'yes',
    approvalRequired: 'no',
  });
  const session = await createSession(db, training, course.id, {
    startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 30 * 86_400_000 + 3_600_000).toISOString(),
    venue: 'Room 1',
    capacity: '50',
  });
  const booking = await bookPlace(db, midwife, session.id, {});
  const survey = await createSurvey(db, training, { title: 'Route fixture survey', kind: 'baseline', anonymous: 'no' });
  // A review round of the learning needs analysis, owned by the partnership manager (who signs it off).
  const round = await createRound(db, training, {
    title: 'Route fixture round',
    topic: 'disguised_compliance',
    brief: 'Every course',
    ownerEmail: PEOPLE.partnership,
    dueOn: '2099-01-01',
  });
  // Library: a Hampshire SOP shared with Southampton, published and circulated to the midwife (its named reviewer too).
  const libManager = await contextFor(db, PEOPLE.partnership);
  const libDoc = await createDocument(db, training, {
    kind: 'sop',
    title: 'Route fixture SOP',
    summary: 'For the route matrix',
    reviewMonths: 12,
    partnership: 'E10000014',
    sharedWith: ['E06000045'],
    body: '# Purpose',
  });
  await updateDraft(db, training, libDoc.versionId, { body: '# Purpose', changeSummary: 'First', reviewers: PEOPLE.midwife });
  await sendForReview(db, training, libDoc.versionId);
  await approveVersion(db, libManager, libDoc.versionId, { group: 'Subgroup', meeting: 'March', approvedOn: '2026-01-01' });
  await publishVersion(db, training, libDoc.versionId);
  await circulate(db, training, libDoc.versionId, { organisationIds: [rhm!.id], roles: ['safeguarding_practitioner'] });
  const libRead = await one(
    db
      .select({ id: libraryReads.id })
      .from(libraryReads)
      .where(and(eq(libraryReads.documentId, libDoc.id), eq(libraryReads.userId, midwife.actor.userId))),
  );
  // The Hampshire partnership's SOP audit, started by its manager (a period that has ended, so it can be signed off).
  const [hampshire] = await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E10000014'));
  const auditRun = await startRun(db, await contextFor(db, PEOPLE.partnership), { partnershipId: hampshire!.id, from: '2026-01-01', months: 6 });
  // The review tracker: a Hampshire review, a recommendation to the board, an action owned by the ICB, a file as its evidence.
  const pm = await contextFor(db, PEOPLE.partnership);
  const [icb] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'QRL'));
  const review = await createReview(db, pm, {
    partnershipId: hampshire!.id,
    title: 'Fixture review',
    reviewType: 'rapid_review',
    subgroup: 'Learning and Inquiry Group',
  });
  const recommendation = await addRecommendation(db, pm, review.id, { text: 'Fixture recommendation', addressees: ['board'] });
  const boardResponse = await one(
    db.select({ id: trackerResponses.id }).from(trackerResponses).where(eq(trackerResponses.recommendationId, recommendation.id)),
  );
  const trackerAction = await createAction(db, pm, recommendation.id, {
    title: 'Fixture action',
    ownerName: 'Helen Carter',
    organisationId: icb!.id,
    dueOn: '2099-01-01',
  });
  const evidence = await addFileEvidence(db, pm, trackerAction.id, { filename: 'fixture.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') }, { note: 'Fixture' });
  // A Hampshire case-file audit: a published template and a round over its cases.
  const template = await createTemplate(db, pm, {
    partnershipId: hampshire!.id,
    title: 'Fixture template',
    questions: [{ text: 'Was it good?', type: 'grade' }],
  });
  await publishTemplate(db, pm, template.id);
  const cfRound = await startRound(db, pm, {
    partnershipId: hampshire!.id,
    title: 'Fixture round',
    theme: 'Concealed pregnancy',
    templateId: template.id,
    sampleSize: 5,
    seed: 1,
  });
  const section = await one(db.select({ id: caseFileSections.id }).from(caseFileSections).where(eq(caseFileSections.roundId, cfRound.id)));
  const ids: Record<string, string> = {
    caseFileTemplate: template.id,
    caseFileRound: cfRound.id,
    caseFileSection: section!.id,
    review: review.id,
    recommendation: recommendation.id,
    response: boardResponse!.id,
    trackerAction: trackerAction.id,
    evidence: evidence.id,
    auditRun: auditRun.id,
    auditPartnership: hampshire!.id,
    libraryDocument: libDoc.id,
    libraryVersion: libDoc.versionId,
    libraryRead: libRead!.id,
    learningCourse: course.id,
    learningSession: session.id,
    learningBooking: booking.id,
    learningSurvey: survey.id,
    learningRound: round.id,
    alert: active.id,
    draft: draft.id,
    delivery: delivery!.id,
    search: search.json.searchId,
    reveal: revealed.json.revealId,
    presentation: outcome.json.presentationId,
    screening: String(screened.headers.location).split('/').pop()!,
    case: southampton!.id,
    otherCase: portsmouth!.id,
    escalation: escalation!.id,
    user: spare.userId,
    membership: spareMembership!.id,
    organisation: rhm!.id,
    unit: pah!.id,
    professional: professional!.id,
    fact: fact!.id,
    prompt: prompt?.id ?? MISSING_ID,
    area: 'E06000045',
  };
  for (const [k, v] of Object.entries(ids)) if (!v) throw new Error(`no fixture for ${k}`);

  const mayViewAlert = {} as Record<Person, boolean>;
  for (const p of Object.keys(PEOPLE) as Person[]) {
    mayViewAlert[p] = await requireAlert(db, await contextFor(db, PEOPLE[p]), active.id, 'alert.view').then(
      () => true,
      () => false,
    );
  }
  return { ids, clients, alertId: active.id, mayViewAlert };
}

/** Parameters that name no record: the route must still be reached (404 for a missing record). */
const MISSING_PARAMS = ['photoId', 'distributionId', 'meetingId', 'decisionId', 'testId', 'answerId'];

/** The URL of a route ("METHOD /path/:param") with real records for its parameters. */
export function urlFor(f: RouteFixtures, route: string): string {
  const [, url] = route.split(' ') as [string, string];
  const under = (...prefixes: string[]) => prefixes.some((p) => url.startsWith(p) || url.startsWith(`/api${p}`));
  const alertDraftStep = /^\/(api\/)?alerts\/:id\/(steps|photos$|submit|draft)/.test(url);
  const tracker: [string, string][] = [
    ['/assurance/case-file-audits/templates', 'caseFileTemplate'],
    ['/assurance/case-file-audits/rounds', 'caseFileRound'],
    ['/assurance/case-file-audits/sections', 'caseFileSection'],
    ['/assurance/case-file-rounds', 'caseFileRound'],
    ['/assurance/case-file-sections', 'caseFileSection'],
    ['/assurance/reviews', 'review'],
    ['/assurance/recommendations', 'recommendation'],
    ['/assurance/responses', 'response'],
    ['/assurance/actions', 'trackerAction'],
    ['/assurance/evidence', 'evidence'],
  ];
  const trackerId = tracker.find(([prefix]) => under(prefix))?.[1];
  const id = trackerId
    ? f.ids[trackerId]
    : under('/assurance/audits')
      ? f.ids.auditRun
      : under('/assurance/criteria')
        ? f.ids.auditPartnership
        : under('/library/documents') || url.startsWith('/public/')
          ? f.ids.libraryDocument
          : under('/library/versions')
            ? f.ids.libraryVersion
            : under('/library/reading')
              ? f.ids.libraryRead
              : under('/learning/needs/rounds')
                ? f.ids.learningRound
                : under('/learning/courses')
                  ? f.ids.learningCourse
                  : under('/learning/sessions')
                    ? f.ids.learningSession
                    : under('/learning/bookings')
                      ? f.ids.learningBooking
                      : under('/learning/surveys')
                        ? f.ids.learningSurvey
                        : under('/check/searches')
                          ? f.ids.search
                          : under('/check/reveals')
                            ? f.ids.reveal
                            : under('/presentations')
                              ? f.ids.presentation
                              : under('/screening')
                                ? f.ids.screening
                                : under('/cases')
                                  ? f.ids.case
                                  : under('/escalations')
                                    ? f.ids.escalation
                                    : under('/users')
                                      ? f.ids.user
                                      : under('/organisations')
                                        ? f.ids.organisation
                                        : under('/units')
                                          ? f.ids.unit
                                          : under('/alerts')
                                            ? alertDraftStep
                                              ? f.ids.draft
                                              : f.ids.alert
                                            : MISSING_ID;
  const values: Record<string, string> = {
    id: id!,
    deliveryId: f.ids.delivery!,
    step: 'name',
    membershipId: f.ids.membership!,
    token: 'not-a-real-setup-token',
    factId: f.ids.fact!,
    key: url.includes('/assurance/audits/') ? 'nhs_number' : 'referral_to_social_care',
    item: 'alert_register_checked',
    promptId: f.ids.prompt!,
    professionalId: f.ids.professional!,
    form: 'edd',
    kind: url.includes('/evaluation/') ? 'baseline' : 'milestones',
    courseId: f.ids.learningCourse!,
    geographyCode: f.ids.area!,
    code: f.ids.area!,
    ...Object.fromEntries(MISSING_PARAMS.map((p) => [p, MISSING_ID])),
  };
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const v = values[name];
    if (!v) throw new Error(`${route}: no fixture for :${name}`);
    return v;
  });
}

/** Row counts of every table but the ones any request may touch (audit, sessions, jobs, rate limits). */
export async function rowCounter(t: TestApp): Promise<() => Promise<Record<string, number>>> {
  return tableRowCounter(t.database.db, ['audit_events', 'sessions', 'jobs', '__drizzle_migrations', 'rate_limits', 'point_of_care_rate']);
}

export function changedTables(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter((k) => after[k] !== before[k]);
}
