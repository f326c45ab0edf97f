/**
 * The permissions matrix against the real services (issue 11): for every action of the policy, every
 * role, and three positions of the person's organisation relative to the record — its own organisation,
 * another organisation in the same ICB and partnership area, and an organisation in another ICB — whether
 * the service that carries the action out lets them past its gate. The table is written out in full below,
 * one line per action; a new action without a line (or a line without a probe) fails the test, and so does
 * any cell the services answer differently.
 *
 * A probe calls what a route calls (the service, or the record's choke point where building a valid change
 * takes a page of set-up), inside a transaction that is rolled back, so every cell starts from the same data.
 * "Y" means the service did not refuse (it may still find the input wanting: that is not the gate); "N" means
 * it threw ForbiddenError. The route matrix (test/http/route-matrix.test.ts) covers the same ground over HTTP.
 */
import { listClients, registerClient } from '../../src/clients/service';
import { createSubscription } from '../../src/webhooks/service';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { users } from '../../src/platform/auth/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, type Action } from '../../src/platform/auth/policy';
import { ROLES, type RequestContext, type Role } from '../../src/platform/context';
import type { Db } from '../../src/platform/db/engine';
import { ForbiddenError, NotFoundError } from '../../src/platform/errors';
import { geographies, organisations, units } from '../../src/directory/schema';
import { getRun, listRuns, saveCriteria, signOffRun, startRun } from '../../src/assurance/audits';
import { addRecommendation, createAction, createReview, qualityAssure, setStatus, signOffRecommendation } from '../../src/assurance/tracker/service';
import { getReview, listReviews } from '../../src/assurance/tracker/reading';
import { getRound as getCaseFileRound, listRounds as listCaseFileRounds, startRound as startCaseFileRound } from '../../src/assurance/casefile/service';
import { createTemplate, publishTemplate } from '../../src/assurance/casefile/templates';
import { completeSection, moderateSection } from '../../src/assurance/casefile/sections';
import { caseFileSections } from '../../src/assurance/casefile/schema';
import { createOrganisation, createUnit, listOrganisations, updateOrganisation, updateUnit } from '../../src/directory/service';
import { importOdsCsv } from '../../src/directory/ods-import';
import { createUser, listUsers, setUserActive } from '../../src/people/service';
import { listAuditEvents, verifyAudit } from '../../src/assurance/audit-log';
import { dischargeOverrideReport } from '../../src/assurance/discharge-overrides';
import { alertDeliveries } from '../../src/alerts/schema';
import { acknowledge, approve, createDraft, getAlert, submit, updateAlert } from '../../src/alerts/service';
import { listOrganisationAlerts, unitInbox } from '../../src/alerts/lists';
import { checkForAlert } from '../../src/identity/point-of-care/service';
import { getPresentation, listPresentations, markPresentationSeen } from '../../src/identity/point-of-care/presentations';
import { RegisterIndex } from '../../src/identity/register-index';
import { decideScreening, startScreening } from '../../src/identity/bulk-screening/service';
import { getCase, listCases, openCase } from '../../src/cases/service';
import { requireCase } from '../../src/cases/access';
import { recordFact } from '../../src/cases/service';
import { reviewOverride } from '../../src/cases/discharge/service';
import { configurationToEdit, protocolOverview } from '../../src/cases/protocols/service';
import { seedDemoCases } from '../../src/demo/cases';
import { raiseEscalation, recordAgreedActions, withdraw } from '../../src/escalations/service';
import { getEscalation, listEscalations } from '../../src/escalations/reading';
import { partnershipReport } from '../../src/escalations/report';
import { contextFor, raiseActiveAlert, validAlertContent, ALERT_SETTINGS } from '../support/alerts';
import { demoCase, openSeededDatabase } from '../support/cases';
import { recordTestPresentation } from '../support/point-of-care';
import type { TestDatabase } from '../support/db';
import { createWorker } from '../../src/server';
import { createCourse, createSession, listCatalogue } from '../../src/learning/catalogue';
import { bookPlace, decideApproval } from '../../src/learning/booking';
import { markRegister } from '../../src/learning/attendance';
import { requirePersonRecord } from '../../src/learning/access';
import { requireCourseResults } from '../../src/learning/results';
import { createSurvey, requireSurvey } from '../../src/learning/surveys';
import { createRound, getRound } from '../../src/learning/needs';
import { loadConfig } from '../../src/config';
import {
  approveVersion,
  commentOn,
  createDocument,
  getVersion,
  listDocuments,
  publishVersion,
  sendForReview,
  startVersion,
  updateDocument,
  updateDraft,
} from '../../src/library/documents';
import { acknowledge as acknowledgeReading, circulate, outstandingList, recordDiscussion } from '../../src/library/circulation';
import { readership } from '../../src/library/readership';
import { libraryReads } from '../../src/library/schema';

/** One line of the table: a group of three cells for each role, in the order of ROLES. */
function row(cells: string): Record<Role, Cells> {
  const groups = cells.split(' ');
  if (groups.length !== ROLES.length || groups.some((g) => !/^[YN]{3}$/.test(g)))
    throw new Error(`A matrix line needs ${ROLES.length} groups of three Y/N: ${cells}`);
  return Object.fromEntries(ROLES.map((r, i) => [r, groups[i] as Cells])) as Record<Role, Cells>;
}

/** Where the person's organisation stands relative to the record: own, same area (another organisation), another ICB. */
const POSITIONS = ['own', 'area', 'other'] as const;
type Position = (typeof POSITIONS)[number];
type Cells = `${'Y' | 'N'}${'Y' | 'N'}${'Y' | 'N'}`;

/**
 * Expected answers: for each action, each role's three cells in the order own / area / other. The records
 * belong to University Hospital Southampton (own); "area" is Solent NHS Trust (also Southampton, same ICB);
 * "other" is Frimley Health (another ICB). A unit coordinator's unit is in their organisation: the own
 * coordinator's is the Princess Anne maternity unit, which received the alert.
 */
//                                  point of  safeguard- designated unit       social   partner-  auditor  system   training subgroup board   agency
//                                  care      ing pract. prof.      coordinator worker   ship mgr           admin    admin    chair    member  lead
const EXPECTED: Record<Action, Record<Role, Cells>> = {
  'home.view': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY'),
  'directory.view': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY'),
  'organisation.create': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'organisation.update': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'organisation.import': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'unit.create': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'unit.update': row('NNN NNN NNN YNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'user.view': row('NNN NNN NNN NNN NNN NNN YYY YYY NNN NNN NNN NNN'),
  'user.create': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'user.update': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'user.deactivate': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'audit.view': row('NNN NNN NNN NNN NNN NNN YYY YYY NNN NNN NNN NNN'),
  'audit.verify': row('NNN NNN NNN NNN NNN NNN YYY YYY NNN NNN NNN NNN'),
  'apiclient.view': row('NNN NNN NNN NNN NNN NNN YYY YYY NNN NNN NNN NNN'),
  'apiclient.manage': row('NNN NNN NNN NNN NNN NNN NNN YYY NNN NNN NNN NNN'),
  'webhook.manage': row('YNN YNN YNN YNN YNN NNN NNN YYY NNN NNN NNN NNN'),
  'alert.raise': row('NNN YYY YYY NNN YYY NNN NNN NNN NNN NNN NNN NNN'),
  'alert.list': row('NNN YYY YYY NNN YYY NNN NNN NNN NNN NNN NNN NNN'),
  'alert.view': row('NNN YNN YYN YNN YNN NNN YYY NNN NNN NNN NNN NNN'),
  'alert.approve': row('NNN NNN YYN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.change': row('NNN YNN YNN NNN YNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.inbox': row('NNN NNN NNN YYY NNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.acknowledge': row('NNN NNN NNN YNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.check': row('YYY YYY YYY YYY NNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.screen': row('NNN YYY YYY YYY NNN NNN NNN NNN NNN NNN NNN NNN'),
  'alert.screen_approve': row('NNN NNN YNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'presentation.list': row('NNN YYY YYY NNN YYY NNN NNN NNN NNN NNN NNN NNN'),
  'presentation.view': row('NNN YNN YYN NNN YNN NNN YYY NNN NNN NNN NNN NNN'),
  'presentation.mark_seen': row('NNN YNN YYN NNN YNN NNN NNN NNN NNN NNN NNN NNN'),
  'case.open': row('YYY YYY YYY NNN YYY NNN NNN NNN NNN NNN NNN NNN'),
  'case.list': row('YYY YYY YYY YYY YYY NNN YYY NNN NNN NNN NNN NNN'),
  'case.view': row('YNN YNN YNN YNN YNN NNN YYY NNN NNN NNN NNN NNN'),
  'case.update': row('YNN YNN YNN YNN YNN NNN NNN NNN NNN NNN NNN NNN'),
  'case.discharge_override': row('YNN YNN YNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'case.override_review': row('NNN YNN YNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'case.report': row('NNN NNN YYY NNN NNN YYY YYY NNN NNN NNN NNN NNN'),
  'protocol.view': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY NNN NNN NNN'),
  'protocol.configure': row('NNN NNN NNN NNN NNN YYN NNN YYY NNN NNN NNN NNN'),
  'escalation.raise': row('YYY YYY YYY YYY YYY NNN NNN NNN NNN NNN NNN NNN'),
  'escalation.list': row('YYY YYY YYY YYY YYY YYY YYY NNN NNN NNN NNN NNN'),
  'escalation.view': row('YNN YNN YNN YNN YNN YYN YYY NNN NNN NNN NNN NNN'),
  'escalation.act': row('YNN YNN YNN YNN YNN YYN NNN NNN NNN NNN NNN NNN'),
  'escalation.withdraw': row('YNN YNN YNN YNN YNN YYN NNN NNN NNN NNN NNN NNN'),
  'escalation.report': row('NNN NNN YYY NNN NNN YYY YYY NNN NNN NNN NNN NNN'),
  // Learning: the course belongs to the own position's partnership area (Southampton: RHM and Solent);
  // the booking is a delegate's of the own trust. Nobody here is its trainer or the delegate's line
  // manager: those conditions are tested in policy.test.ts and learning/service.test.ts. The own point-of-care
  // person is the delegate, so reads their own record.
  'learning.browse': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY'),
  'learning.book': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY'),
  'learning.manage': row('NNN NNN NNN NNN NNN NNN NNN NNN YYN NNN NNN NNN'),
  'learning.register': row('NNN NNN NNN NNN NNN NNN NNN NNN YYN NNN NNN NNN'),
  'learning.approve': row('NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'learning.record': row('YNN NNN YNN NNN NNN NNN YYY NNN YYN NNN NNN NNN'),
  'learning.results': row('NNN NNN NNN NNN NNN YYN YYY NNN YYN NNN NNN NNN'),
  'learning.survey': row('NNN NNN NNN NNN NNN NNN NNN NNN YYN NNN NNN NNN'),
  'learning.needs': row('NNN NNN NNN NNN NNN YYN YYY NNN YYN NNN NNN NNN'),
  // Library: the documents belong to Southampton (own and area positions are in it); its version in review
  // names no one here as reviewer (named reviewers are tested in policy.test.ts and library/service.test.ts).
  // A version not published is hidden (404) from anyone who may not see drafts: counted here as refused.
  // The own point-of-care person was asked to read the published version, so acknowledges their own task.
  'library.browse': row('YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY YYY'),
  'library.draft': row('NNN NNN YYN NNN NNN YYN YYY NNN YYN NNN NNN NNN'),
  'library.author': row('NNN NNN YYN NNN NNN YYN NNN NNN YYN NNN NNN NNN'),
  'library.review': row('NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'library.approve': row('NNN NNN NNN NNN NNN YYN NNN NNN NNN NNN NNN NNN'),
  'library.read': row('YNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN'),
  'library.readership': row('NNN NNN YYN NNN NNN YYN YYY NNN YYN NNN NNN NNN'),
  'library.outstanding': row('NNN NNN YYY NNN NNN NNN YYY NNN NNN NNN NNN NNN'),
  'library.discuss': row('YYY YYY YYY YYY YYY YYY NNN NNN YYY NNN NNN NNN'),
  // Assurance: Southampton's audit run (own and area are in Southampton; other is not).
  'assurance.view': row('NNN NNN YYN NNN NNN YYN YYY NNN NNN NNN NNN NNN'),
  'assurance.run': row('NNN NNN YYN NNN NNN YYN NNN NNN NNN NNN NNN NNN'),
  'assurance.signoff': row('NNN NNN NNN NNN NNN YYN NNN NNN NNN NNN NNN NNN'),
  'assurance.configure': row('NNN NNN NNN NNN NNN YYN NNN NNN NNN NNN NNN NNN'),
  'tracker.view': row('NNN NNN YYN NNN NNN YYN YYY NNN NNN YYN YYN YYN'),
  'tracker.manage': row('NNN NNN NNN NNN NNN YYN NNN NNN NNN YYN NNN NNN'),
  'tracker.respond': row('NNN NNN YNN NNN NNN YYN NNN NNN NNN YYN NNN YNN'),
  'tracker.qa': row('NNN NNN NNN NNN NNN NNN NNN NNN NNN YYN NNN NNN'),
  'tracker.signoff': row('NNN NNN NNN NNN NNN NNN NNN NNN NNN NNN YYN NNN'),
  'casefile.view': row('NNN NNN YYN NNN NNN YYN YYY NNN NNN YYN YYN YYN'),
  'casefile.manage': row('NNN NNN NNN NNN NNN YYN NNN NNN NNN YYN NNN NNN'),
  'casefile.complete': row('NNN NNN YNN NNN NNN NNN NNN NNN NNN NNN NNN YNN'),
  'casefile.moderate': row('NNN NNN YYN NNN NNN YYN NNN NNN NNN YYN NNN NNN'),
};

let tdb: TestDatabase;
const db = () => tdb.db;
const KEY = Buffer.alloc(32, 7);
let who: Record<Role, Record<Position, RequestContext>>;
let rec: {
  ownOrg: string;
  ownUnit: string;
  alertId: string;
  submittedId: string;
  deliveryId: string;
  presentationId: string;
  caseId: string;
  escalationId: string;
  screeningId: string;
  spareUserId: string;
  courseId: string;
  sessionId: string;
  bookingId: string;
  delegateUserId: string;
  surveyId: string;
  roundId: string;
  libraryDocumentId: string;
  libraryVersionId: string;
  libraryReviewId: string;
  libraryDraftOnlyId: string;
  libraryDraftOnlyVersionId: string;
  libraryReadId: string;
  partnershipId: string;
  runId: string;
  reviewId: string;
  recommendationId: string;
  actionId: string;
  caseFileRoundId: string;
  caseFileSectionId: string;
};
let index: RegisterIndex;

/** What each action's service is, called on the fixture records. */
const PROBES: Record<Action, (tx: Db, ctx: RequestContext) => Promise<unknown>> = {
  'home.view': async (_tx, ctx) => {
    // The home page has no service: its gate is the policy itself (every signed-in person).
    const { authorizeContext } = await import('../../src/platform/auth/policy');
    authorizeContext(ctx, 'home.view');
  },
  'directory.view': (tx, ctx) => listOrganisations(tx, ctx),
  'organisation.create': (tx, ctx) => createOrganisation(tx, ctx, {}),
  'organisation.update': (tx, ctx) => updateOrganisation(tx, ctx, rec.ownOrg, {}),
  'organisation.import': (tx, ctx) => importOdsCsv(tx, ctx, 'ods_code,name\n', { dryRun: true }),
  'unit.create': (tx, ctx) => createUnit(tx, ctx, rec.ownOrg, {}),
  'unit.update': (tx, ctx) => updateUnit(tx, ctx, rec.ownUnit, {}),
  'user.view': (tx, ctx) => listUsers(tx, ctx),
  'user.create': (tx, ctx) => createUser(tx, ctx, {}),
  'user.update': (tx, ctx) => setUserActive(tx, ctx, rec.spareUserId, true),
  'user.deactivate': (tx, ctx) => setUserActive(tx, ctx, rec.spareUserId, false),
  'audit.view': (tx, ctx) => listAuditEvents(tx, ctx, {}),
  'audit.verify': (tx, ctx) => verifyAudit(tx, ctx),
  'apiclient.view': (tx, ctx) => listClients(tx, ctx),
  'apiclient.manage': (tx, ctx) => registerClient(tx, ctx, {}, { production: false }),
  'webhook.manage': (tx, ctx) => createSubscription(tx, ctx, { organisationId: rec.ownOrg }, { production: false, key: Buffer.alloc(32) }),
  'alert.raise': (tx, ctx) => createDraft(tx, ctx, { subject: { name: { given: 'Matrix', family: 'Probe' } } }),
  'alert.list': (tx, ctx) => listOrganisationAlerts(tx, ctx),
  'alert.view': (tx, ctx) => getAlert(tx, ctx, rec.alertId, 'permissions matrix'),
  'alert.approve': (tx, ctx) => approve(tx, ctx, rec.submittedId, ALERT_SETTINGS),
  'alert.change': (tx, ctx) => updateAlert(tx, ctx, rec.alertId, {}, 'permissions matrix'),
  'alert.inbox': (tx, ctx) => unitInbox(tx, ctx),
  'alert.acknowledge': (tx, ctx) => acknowledge(tx, ctx, rec.deliveryId, null),
  'alert.check': (tx, ctx) => checkForAlert(tx, ctx, index, KEY, { givenName: 'Nobody', familyName: 'Atall', dateOfBirth: '1990-01-01' }),
  'alert.screen': (tx, ctx) =>
    startScreening(tx, ctx, KEY, { fileName: 'list.csv', data: Buffer.from('id,family_name,given_name,date_of_birth\nr1,Nobody,Alice,1985-03-03\n') }),
  'alert.screen_approve': (tx, ctx) => decideScreening(tx, ctx, rec.screeningId, 'approve'),
  'presentation.list': (tx, ctx) => listPresentations(tx, ctx),
  'presentation.view': (tx, ctx) => getPresentation(tx, ctx, rec.presentationId),
  'presentation.mark_seen': (tx, ctx) => markPresentationSeen(tx, ctx, rec.presentationId),
  'case.open': (tx, ctx) => openCase(tx, ctx, {}),
  'case.list': (tx, ctx) => listCases(tx, ctx),
  'case.view': (tx, ctx) => getCase(tx, ctx, rec.caseId),
  'case.update': (tx, ctx) => recordFact(tx, ctx, rec.caseId, {}),
  // Recording a discharge needs a page of set-up to be valid; the decision passes through this choke point first.
  'case.discharge_override': (tx, ctx) => requireCase(tx, ctx, rec.caseId, 'case.discharge_override'),
  'case.override_review': (tx, ctx) => reviewOverride(tx, ctx, rec.caseId, randomUUID(), ''),
  'case.report': (tx, ctx) => dischargeOverrideReport(tx, ctx, {}),
  'protocol.view': (tx, ctx) => protocolOverview(tx, ctx),
  'protocol.configure': (tx, ctx) => configurationToEdit(tx, ctx, 'milestones', 'E06000045'),
  'escalation.raise': (tx, ctx) => raiseEscalation(tx, ctx, {}),
  'escalation.list': (tx, ctx) => listEscalations(tx, ctx),
  'escalation.view': (tx, ctx) => getEscalation(tx, ctx, rec.escalationId),
  'escalation.act': (tx, ctx) => recordAgreedActions(tx, ctx, rec.escalationId, {}),
  'escalation.withdraw': (tx, ctx) => withdraw(tx, ctx, rec.escalationId, {}),
  'escalation.report': (tx, ctx) => partnershipReport(tx, ctx, {}),
  'learning.browse': (tx, ctx) => listCatalogue(tx, ctx),
  'learning.book': (tx, ctx) => bookPlace(tx, ctx, rec.sessionId, {}),
  'learning.manage': (tx, ctx) => createSession(tx, ctx, rec.courseId, {}),
  'learning.register': (tx, ctx) => markRegister(tx, ctx, rec.sessionId, { everyone: 'attended' }),
  'learning.approve': (tx, ctx) => decideApproval(tx, ctx, rec.bookingId, 'approve'),
  'learning.record': (tx, ctx) => requirePersonRecord(tx, ctx, rec.delegateUserId),
  'learning.results': (tx, ctx) => requireCourseResults(tx, ctx, rec.courseId),
  'learning.survey': (tx, ctx) => requireSurvey(tx, ctx, rec.surveyId),
  'learning.needs': (tx, ctx) => getRound(tx, ctx, rec.roundId),
  'library.browse': (tx, ctx) => listDocuments(tx, ctx),
  'library.draft': (tx, ctx) => hidden(getVersion(tx, ctx, rec.libraryReviewId)),
  'library.author': (tx, ctx) =>
    updateDocument(tx, ctx, rec.libraryDocumentId, { kind: 'sop', title: 'Matrix SOP', summary: 'For the matrix', reviewMonths: 12, sharedWith: [] }),
  'library.review': (tx, ctx) => hidden(commentOn(tx, ctx, rec.libraryReviewId, { text: 'A comment' })),
  'library.approve': (tx, ctx) => hidden(approveVersion(tx, ctx, rec.libraryReviewId, { group: 'Subgroup', meeting: 'March', approvedOn: '2026-01-01' })),
  'library.read': (tx, ctx) => acknowledgeReading(tx, ctx, rec.libraryReadId, { confirm: 'yes' }),
  'library.readership': (tx, ctx) => readership(tx, ctx, rec.libraryDocumentId),
  'library.outstanding': (tx, ctx) => outstandingList(tx, ctx),
  'library.discuss': (tx, ctx) => recordDiscussion(tx, ctx, rec.libraryVersionId, {}),
  'assurance.view': (tx, ctx) => getRun(tx, ctx, rec.runId),
  'assurance.run': (tx, ctx) => startRun(tx, ctx, { partnershipId: rec.partnershipId, from: '2026-01-01' }),
  'assurance.signoff': (tx, ctx) => signOffRun(tx, ctx, rec.runId, { note: 'Quality assurance subgroup' }),
  'assurance.configure': (tx, ctx) => saveCriteria(tx, ctx, rec.partnershipId, {}),
  'tracker.view': (tx, ctx) => getReview(tx, ctx, rec.reviewId),
  'tracker.manage': (tx, ctx) => createAction(tx, ctx, rec.recommendationId, {}),
  'tracker.respond': (tx, ctx) => setStatus(tx, ctx, rec.actionId, { status: 'in_progress' }),
  'tracker.qa': (tx, ctx) => qualityAssure(tx, ctx, rec.recommendationId, { note: 'Learning and Inquiry Group' }),
  'tracker.signoff': (tx, ctx) => signOffRecommendation(tx, ctx, rec.recommendationId, { note: 'Board' }),
  'casefile.view': (tx, ctx) => getCaseFileRound(tx, ctx, rec.caseFileRoundId),
  'casefile.manage': (tx, ctx) => startCaseFileRound(tx, ctx, { partnershipId: rec.partnershipId }),
  'casefile.complete': (tx, ctx) => completeSection(tx, ctx, rec.caseFileSectionId, {}),
  'casefile.moderate': (tx, ctx) => moderateSection(tx, ctx, rec.caseFileSectionId, {}),
};

/** A version that is not published is hidden (404) from those who may not see drafts: for the table, a refusal. */
async function hidden<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NotFoundError) throw new ForbiddenError('hidden');
    throw err;
  }
}

class Rollback extends Error {}

/** Y if the service let them past its gate, N if it refused (ForbiddenError); the change is rolled back either way. */
async function answer(action: Action, ctx: RequestContext): Promise<'Y' | 'N'> {
  let out: 'Y' | 'N' = 'Y';
  try {
    await db().transaction(async (tx) => {
      try {
        await PROBES[action](tx, ctx);
      } catch (err) {
        if (err instanceof ForbiddenError) out = 'N';
        if (process.env.BEACON_MATRIX_DEBUG && err instanceof ForbiddenError)
          console.error(action, ctx.actor?.role, ctx.actor?.organisationName, err.action, err.message);
      }
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return out;
}

beforeAll(async () => {
  tdb = await openSeededDatabase();
  await seedDemoCases(db());
  const org = async (ods: string) => (await db().select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;
  const unitOf = async (organisationId: string) =>
    (await db().select({ id: units.id }).from(units).where(eq(units.organisationId, organisationId)).orderBy(units.name))[0]?.id ?? null;
  const orgs: Record<Position, string> = { own: await org('RHM'), area: await org('R1C'), other: await org('RDU') };
  const [pah] = await db().select({ id: units.id }).from(units).where(eq(units.name, 'Princess Anne Hospital maternity unit'));
  const unitsOf: Record<Position, string | null> = { own: pah!.id, area: await unitOf(orgs.area), other: await unitOf(orgs.other) };
  const admin = await contextFor(db(), 'admin@beacon.example');
  who = {} as typeof who;
  for (const role of ROLES) {
    who[role] = {} as Record<Position, RequestContext>;
    for (const p of POSITIONS) {
      const email = `matrix.${role}.${p}@beacon.example`.replace(/_/g, '-');
      await createUser(db(), admin, {
        email,
        displayName: `Matrix ${role} ${p}`,
        jobTitle: '',
        organisationId: orgs[p],
        role,
        unitId: role === 'unit_coordinator' ? (unitsOf[p] ?? '') : '',
      });
      who[role][p] = await contextFor(db(), email);
    }
  }
  const midwife = await contextFor(db(), 'midwife@beacon.example');
  const designated = await contextFor(db(), 'designated@beacon.example');
  const active = await raiseActiveAlert(db(), midwife, designated, validAlertContent());
  const submitted = await createDraft(db(), midwife, validAlertContent());
  await submit(db(), midwife, submitted.id);
  await createWorker(tdb, loadConfig({ NODE_ENV: 'test', BEACON_DATA_DIR: '/tmp/beacon-service-matrix' }), {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  } as never).drain();
  const [delivery] = await db()
    .select({ id: alertDeliveries.id })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.alertId, active.id), eq(alertDeliveries.unitId, pah!.id)));
  const nurse = (await contextFor(db(), 'ed.nurse@beacon.example')).actor;
  const presentationId = await recordTestPresentation(db(), nurse, active.id);
  const southampton = await demoCase(db(), 'E06000045', 'unborn_baby_protocol');
  const escalation = await raiseEscalation(db(), midwife, {
    caseId: southampton!.id,
    raisedWithOrganisationId: await org('852'),
    subject: 'threshold',
    concern: 'The referral was closed without an assessment.',
    outcomeSought: 'A pre-birth assessment.',
    ownerName: 'Morgan Ellis',
  });
  const ownCoordinator = who.unit_coordinator.own;
  const screeningId = await startScreening(
    db(),
    ownCoordinator,
    KEY,
    { fileName: 'list.csv', data: Buffer.from('id,family_name,given_name,date_of_birth\nr1,Nobody,Alice,1985-03-03\n') },
    {
      // Over budget, so the list waits for a designated professional of the same organisation.
      rowsPerPerson: 0,
      rowsPerOrganisation: 0,
    },
  );
  index = new RegisterIndex({ listen: false, reconcileMs: 0 });
  await index.build(db());
  const trainingAdmin = who.training_admin.own;
  const course = await createCourse(db(), trainingAdmin, {
    title: 'Matrix course',
    summary: 'For the matrix',
    outcomes: 'One',
    topics: ['closure'],
    format: 'in_person',
    durationMinutes: '60',
    funded: 'yes',
    approvalRequired: 'no',
  });
  const session = await createSession(db(), trainingAdmin, course.id, {
    startsAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 20 * 86_400_000 + 3_600_000).toISOString(),
    venue: 'Room 1',
    capacity: '50',
  });
  const delegate = who.point_of_care.own;
  const booking = await bookPlace(db(), delegate, session.id, {});
  const survey = await createSurvey(db(), trainingAdmin, { title: 'Matrix survey', kind: 'baseline', anonymous: 'no' });
  const round = await createRound(db(), trainingAdmin, {
    title: 'Matrix round',
    topic: 'disguised_compliance',
    brief: 'Every course',
    ownerEmail: (await db().select({ email: users.email }).from(users).where(eq(users.id, trainingAdmin.actor!.userId)))[0]!.email,
    dueOn: '2099-01-01',
  });
  // Library: a Southampton SOP, published and circulated to the own trust's point-of-care staff, its next
  // version in review; and a second document with only a draft (never listed to those who may not see drafts).
  const manager = who.partnership_manager.own;
  const libDoc = await createDocument(db(), trainingAdmin, {
    kind: 'sop',
    title: 'Matrix SOP',
    summary: 'For the matrix',
    reviewMonths: 12,
    partnership: 'E06000045',
    body: '# Purpose',
  });
  await updateDraft(db(), trainingAdmin, libDoc.versionId, { body: '# Purpose', changeSummary: 'First', reviewers: 'midwife@beacon.example' });
  await sendForReview(db(), trainingAdmin, libDoc.versionId);
  await approveVersion(db(), manager, libDoc.versionId, { group: 'Subgroup', meeting: 'March', approvedOn: '2026-01-01' });
  await publishVersion(db(), trainingAdmin, libDoc.versionId);
  await circulate(db(), trainingAdmin, libDoc.versionId, { organisationIds: [orgs.own], roles: ['point_of_care'] });
  const libNext = await startVersion(db(), trainingAdmin, libDoc.id, { change: 'minor' });
  await updateDraft(db(), trainingAdmin, libNext.id, { body: '# Purpose\n\nMore.', changeSummary: 'Wording', reviewers: 'midwife@beacon.example' });
  await sendForReview(db(), trainingAdmin, libNext.id);
  const libDraftOnly = await createDocument(db(), trainingAdmin, {
    kind: 'guideline',
    title: 'Matrix draft',
    summary: 'Draft only',
    reviewMonths: 12,
    partnership: 'E06000045',
    body: 'x',
  });
  const [libRead] = await db()
    .select({ id: libraryReads.id })
    .from(libraryReads)
    .where(and(eq(libraryReads.documentId, libDoc.id), eq(libraryReads.userId, delegate.actor!.userId)));
  const [southamptonArea] = await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E06000045'));
  const run = await startRun(db(), manager, { partnershipId: southamptonArea!.id, from: '2026-01-01', months: 6, baseline: true });
  // The review tracker: a Southampton review, one recommendation, an action owned by the own trust.
  const review = await createReview(db(), manager, {
    partnershipId: southamptonArea!.id,
    title: 'Matrix review',
    reviewType: 'rapid_review',
    subgroup: 'Case review group',
  });
  const recommendation = await addRecommendation(db(), manager, review.id, { text: 'Matrix recommendation', addressees: ['board', orgs.own] });
  const trackerAction = await createAction(db(), manager, recommendation.id, {
    title: 'Matrix action',
    ownerName: 'Owner',
    organisationId: orgs.own,
    dueOn: '2099-01-01',
  });
  // A Southampton case-file audit round over its demo case: the own trust's section.
  const cfTemplate = await createTemplate(db(), manager, {
    partnershipId: southamptonArea!.id,
    title: 'Matrix template',
    questions: [{ text: 'Good?', type: 'grade' }],
  });
  await publishTemplate(db(), manager, cfTemplate.id);
  const cfRound = await startCaseFileRound(db(), manager, {
    partnershipId: southamptonArea!.id,
    title: 'Matrix round',
    theme: 'Matrix',
    templateId: cfTemplate.id,
    sampleSize: 50,
    seed: 1,
  });
  const [cfSection] = await db()
    .select({ id: caseFileSections.id })
    .from(caseFileSections)
    .where(and(eq(caseFileSections.roundId, cfRound.id), eq(caseFileSections.organisationId, orgs.own)));
  rec = {
    caseFileRoundId: cfRound.id,
    caseFileSectionId: cfSection!.id,
    reviewId: review.id,
    recommendationId: recommendation.id,
    actionId: trackerAction.id,
    partnershipId: southamptonArea!.id,
    runId: run.id,
    libraryDocumentId: libDoc.id,
    libraryVersionId: libDoc.versionId,
    libraryReviewId: libNext.id,
    libraryDraftOnlyId: libDraftOnly.id,
    libraryDraftOnlyVersionId: libDraftOnly.versionId,
    libraryReadId: libRead!.id,
    roundId: round.id,
    courseId: course.id,
    sessionId: session.id,
    bookingId: booking.id,
    delegateUserId: delegate.actor!.userId,
    surveyId: survey.id,
    ownOrg: orgs.own,
    ownUnit: pah!.id,
    alertId: active.id,
    submittedId: submitted.id,
    deliveryId: delivery!.id,
    presentationId,
    caseId: southampton!.id,
    escalationId: escalation.id,
    screeningId,
    spareUserId: who.safeguarding_practitioner.other.actor!.userId,
  };
}, 120_000);
afterAll(async () => tdb?.close());

describe('the permissions matrix, against the services', () => {
  it('has a line for every action and a cell for every role', () => {
    expect(Object.keys(PROBES).sort()).toEqual([...ACTIONS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) expect(Object.keys(EXPECTED[action]).sort(), action).toEqual([...ROLES].sort());
  });

  it.each([...ACTIONS])('%s', async (action) => {
    const seen = {} as Record<Role, Cells>;
    for (const role of ROLES) {
      let cells = '';
      for (const p of POSITIONS) cells += await answer(action, who[role][p]);
      seen[role] = cells as Cells;
    }
    if (process.env.BEACON_MATRIX_PRINT) (await import('node:fs')).appendFileSync(process.env.BEACON_MATRIX_PRINT, `  '${action}': ${JSON.stringify(seen)},\n`);
    expect(seen).toEqual(EXPECTED[action]);
  });
});

/** Whether a read lets this person through (false for a ForbiddenError; anything else is a failure of the test). */
async function readable(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (err) {
    if (err instanceof ForbiddenError) return false;
    throw err;
  }
}

/** The ids a list shows this person, or null when its gate refuses them. */
async function listed(list: () => Promise<readonly { id: string }[]>): Promise<Set<string> | null> {
  try {
    return new Set((await list()).map((r) => r.id));
  } catch (err) {
    if (err instanceof ForbiddenError) return null;
    throw err;
  }
}

describe('lists never disagree with single reads', () => {
  const everyone = () => ROLES.flatMap((role) => POSITIONS.map((p) => ({ role, p, ctx: who[role][p] })));

  it('cases and escalations: in the list exactly when opening it is allowed (every role, every position)', async () => {
    const disagreements: string[] = [];
    for (const { role, p, ctx } of everyone()) {
      const cases = await listed(() => listCases(db(), ctx, { status: 'all' }));
      const caseOpens = await readable(() => getCase(db(), ctx, rec.caseId));
      if (!!cases?.has(rec.caseId) !== caseOpens) disagreements.push(`case: ${role} ${p} listed ${!!cases?.has(rec.caseId)}, opens ${caseOpens}`);
      const escalations = await listed(() => listEscalations(db(), ctx, { status: 'all' }));
      const escalationOpens = await readable(() => getEscalation(db(), ctx, rec.escalationId));
      if (!!escalations?.has(rec.escalationId) !== escalationOpens)
        disagreements.push(`escalation: ${role} ${p} listed ${!!escalations?.has(rec.escalationId)}, opens ${escalationOpens}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('audit runs: in the list exactly when opening it is allowed (every role, every position)', async () => {
    const disagreements: string[] = [];
    for (const { role, p, ctx } of everyone()) {
      const runs = await listed(() => listRuns(db(), ctx));
      const opens = await readable(() => getRun(db(), ctx, rec.runId));
      if (!!runs?.has(rec.runId) !== opens) disagreements.push(`audit run: ${role} ${p} listed ${!!runs?.has(rec.runId)}, opens ${opens}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('reviews: in the list exactly when opening it is allowed (every role, every position)', async () => {
    const disagreements: string[] = [];
    for (const { role, p, ctx } of everyone()) {
      const reviews = await listed(() => listReviews(db(), ctx));
      const opens = await readable(() => getReview(db(), ctx, rec.reviewId));
      if (!!reviews?.has(rec.reviewId) !== opens) disagreements.push(`review: ${role} ${p} listed ${!!reviews?.has(rec.reviewId)}, opens ${opens}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('case-file audit rounds: in the list exactly when opening it is allowed (every role, every position)', async () => {
    const disagreements: string[] = [];
    for (const { role, p, ctx } of everyone()) {
      const rounds = await listed(() => listCaseFileRounds(db(), ctx));
      const opens = await readable(() => getCaseFileRound(db(), ctx, rec.caseFileRoundId));
      if (!!rounds?.has(rec.caseFileRoundId) !== opens) disagreements.push(`round: ${role} ${p} listed ${!!rounds?.has(rec.caseFileRoundId)}, opens ${opens}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('alerts and presentations: nothing in a list that opening would refuse (their lists are narrower on purpose: the organisation’s own)', async () => {
    const leaks: string[] = [];
    for (const { role, p, ctx } of everyone()) {
      const alerts = await listed(() => listOrganisationAlerts(db(), ctx));
      if (alerts?.has(rec.alertId) && !(await readable(() => getAlert(db(), ctx, rec.alertId, 'permissions matrix')))) leaks.push(`alert: ${role} ${p}`);
      const shown = await listed(() => listPresentations(db(), ctx));
      if (shown?.has(rec.presentationId) && !(await readable(() => getPresentation(db(), ctx, rec.presentationId)))) leaks.push(`presentation: ${role} ${p}`);
    }
    expect(leaks).toEqual([]);
    // And the lists are not empty by accident: the alert's own team sees both.
    expect((await listed(() => listOrganisationAlerts(db(), who.safeguarding_practitioner.own)))?.has(rec.alertId)).toBe(true);
    expect((await listed(() => listPresentations(db(), who.safeguarding_practitioner.own)))?.has(rec.presentationId)).toBe(true);
  });

  it('library: a document with only a draft is listed exactly when its draft opens (every role, every position)', async () => {
    const disagreements: string[] = [];
    let listedSomewhere = 0;
    for (const { role, p, ctx } of everyone()) {
      const docs = await listed(() => listDocuments(db(), ctx));
      const opens = await readable(() => hidden(getVersion(db(), ctx, rec.libraryDraftOnlyVersionId)));
      if (docs?.has(rec.libraryDraftOnlyId)) listedSomewhere++;
      if (!!docs?.has(rec.libraryDraftOnlyId) !== opens)
        disagreements.push(`library draft: ${role} ${p} listed ${!!docs?.has(rec.libraryDraftOnlyId)}, opens ${opens}`);
      // The published document is listed to everyone; its version in review is shown in the list exactly when it opens.
      if (!docs?.has(rec.libraryDocumentId)) disagreements.push(`library published: ${role} ${p} not listed`);
      const row = (await listDocuments(db(), ctx)).find((d) => d.id === rec.libraryDocumentId);
      const reviewOpens = await readable(() => hidden(getVersion(db(), ctx, rec.libraryReviewId)));
      if (!!row?.inProgress !== reviewOpens) disagreements.push(`library in review: ${role} ${p} shown ${!!row?.inProgress}, opens ${reviewOpens}`);
    }
    expect(disagreements).toEqual([]);
    expect(listedSomewhere).toBeGreaterThan(0);
  });
});
