/**
 * The review tracker on both engines: recording a review and its recommendations (each addressee gets a
 * response to write, and only they may write it), actions whose RAG comes from dates and evidence (revised
 * due dates kept with their reasons), completion only with evidence, evidence read through each record's own
 * gate, the subgroup's quality assurance before the board's sign-off, the same scope for lists and reads, and
 * the board report's "since the last report".
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db';
import { contextFor } from '../../../test/support/alerts';
import { seedDemo } from '../../demo/seed';
import { geographies, organisations } from '../../directory/schema';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { addDays, londonDate } from '../../platform/dates';
import type { RequestContext } from '../../platform/context';
import { createCourse } from '../../learning/catalogue';
import { approveVersion, getVersion, publishVersion, sendForReview, updateDraft } from '../../library/documents';
import { publicPage } from '../../library/public';
import { draftPublishedResponse } from './published-response';
import { createUser } from '../../people/service';
import { signOffRun, startRun } from '../audits';
import { boardReport, boardReportPdf, recordBoardReport } from './board';
import { addEvidence, addFileEvidence, evidenceFile } from './evidence';
import { trackerActions, trackerRecommendations, type trackerResponses } from './schema';
import { actionPrefill, addRecommendation, createAction, createReview, qualityAssure, respond, reviseDue, setStatus, signOffRecommendation } from './service';
import { getAction, getReview, listReviews } from './reading';

let tdb: TestDatabase;
const db = () => tdb.db;
const NOW = new Date('2026-06-15T10:00:00Z');
const TODAY = londonDate(NOW);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
let manager: RequestContext;
let chair: RequestContext;
let board: RequestContext;
let lead: RequestContext;
let southamptonManager: RequestContext;
let auditor: RequestContext;
let hampshire: string;
let southampton: string;
let rn5: string;
let rhm: string;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), 'correct horse battery staple 42');
  const geo = async (code: string) => (await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code)))[0]!.id;
  const org = async (ods: string) => (await db().select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;
  hampshire = await geo('E10000014');
  southampton = await geo('E06000045');
  rn5 = await org('RN5');
  rhm = await org('RHM');
  manager = await contextFor(db(), 'partnership@beacon.example');
  chair = await contextFor(db(), 'lig.chair@beacon.example');
  board = await contextFor(db(), 'board@beacon.example');
  lead = await contextFor(db(), 'agency.lead@beacon.example');
  auditor = await contextFor(db(), 'auditor@beacon.example');
  // A Southampton manager: same role, another partnership.
  const admin = await contextFor(db(), 'admin@beacon.example');
  await createUser(db(), admin, {
    email: 'pm.soton@beacon.example',
    displayName: 'Southampton manager',
    jobTitle: '',
    organisationId: await org('852'),
    role: 'partnership_manager',
    unitId: '',
  });
  southamptonManager = await contextFor(db(), 'pm.soton@beacon.example');
}, 120_000);
afterAll(async () => tdb?.close());

const review = (extra: Record<string, unknown> = {}) =>
  createReview(db(), manager, {
    partnershipId: hampshire,
    title: 'Partnership review: Baby H',
    reviewType: 'partnership_review',
    subgroup: 'Learning and Inquiry Group',
    ...extra,
  });
const rows = async (table: typeof trackerRecommendations | typeof trackerActions | typeof trackerResponses) =>
  (await db().select({ n: count() }).from(table))[0]!.n;

describe('recording a review and its recommendations', () => {
  it('numbers recommendations in order and gives each addressee a response to write', async () => {
    const r = await review({ consideredOn: '2018-09-05', decision: 'Met the criteria for a partnership review' });
    expect((await addRecommendation(db(), manager, r.id, { text: 'Training on disguised compliance', addressees: ['board'] })).number).toBe(1);
    expect(
      (await addRecommendation(db(), manager, r.id, { text: 'A process to raise an alert across health services', addressees: ['board', rn5] })).number,
    ).toBe(2);
    const view = (await getReview(db(), manager, r.id)).review;
    expect(view.recommendations.map((x) => x.responses.map((y) => y.addressee))).toEqual([
      ['The board (the partnership)'],
      ['The board (the partnership)', 'Hampshire Hospitals NHS Foundation Trust'],
    ]);
    expect(view.recommendations[0]!.progress).toMatchObject({ stage: 'open', rag: 'amber', reason: 'No action recorded yet' });
  });

  it('refuses bad input with clear messages and writes nothing', async () => {
    await expect(review({ title: '', reviewType: 'inquest', consideredOn: '2018-02-30' })).rejects.toMatchObject({
      fieldErrors: {
        title: expect.stringContaining('Enter the review’s title'),
        reviewType: 'Choose the type of review',
        consideredOn: expect.stringContaining('must be a real date'),
      },
    });
    const r = await review();
    const before = await rows(trackerRecommendations);
    // An agency outside the partnership (University Hospital Southampton is Southampton's), or no addressee at all.
    await expect(addRecommendation(db(), manager, r.id, { text: 'X', addressees: [rhm] })).rejects.toMatchObject({
      fieldErrors: { addressees: 'Choose agencies of this partnership from the list' },
    });
    await expect(addRecommendation(db(), manager, r.id, { text: 'X', addressees: [] })).rejects.toBeInstanceOf(ValidationError);
    expect(await rows(trackerRecommendations)).toBe(before);
    // Only the partnership's manager and subgroup chairs record reviews.
    await expect(createReview(db(), lead, { partnershipId: hampshire })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createReview(db(), southamptonManager, { partnershipId: hampshire, title: 'T', reviewType: 'other', subgroup: 'S' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('lets an agency’s lead answer for their own organisation only, and the manager for the board', async () => {
    const r = await review();
    await addRecommendation(db(), manager, r.id, { text: 'SOP', addressees: ['board', rn5] });
    const [rec] = (await getReview(db(), manager, r.id)).review.recommendations;
    const boardResponse = rec!.responses.find((x) => !x.organisationId)!;
    const trustResponse = rec!.responses.find((x) => x.organisationId === rn5)!;
    await respond(db(), lead, trustResponse.id, { response: 'We will adopt the SOP.' });
    await expect(respond(db(), lead, boardResponse.id, { response: 'Not mine' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(respond(db(), manager, boardResponse.id, { response: '   ' })).rejects.toMatchObject({ fieldErrors: { response: 'Enter the response' } });
    await respond(db(), manager, boardResponse.id, { response: 'The board supports it.' });
    const after = (await getReview(db(), board, r.id)).review.recommendations[0]!.responses;
    expect(after.map((x) => [x.response, x.respondedByName])).toEqual([
      ['The board supports it.', 'Ruth Evans'],
      ['We will adopt the SOP.', 'Fiona Blake'],
    ]);
  });
});

describe('actions: RAG from dates and evidence, complete only with evidence', () => {
  let recId: string;
  let actionId: string;
  beforeAll(async () => {
    const r = await review();
    recId = (await addRecommendation(db(), manager, r.id, { text: 'Training', addressees: ['board', rn5] })).id;
  });

  it('creates an action, refusing a date already past and an agency of another partnership', async () => {
    const before = await rows(trackerActions);
    await expect(createAction(db(), manager, recId, { title: 'T', ownerName: 'O', dueOn: addDays(TODAY, -1) }, NOW)).rejects.toMatchObject({
      fieldErrors: { dueOn: 'The due date must be today or later' },
    });
    await expect(createAction(db(), manager, recId, { title: 'T', ownerName: 'O', dueOn: addDays(TODAY, 60), organisationId: rhm }, NOW)).rejects.toMatchObject(
      {
        fieldErrors: { organisationId: 'Choose agencies of this partnership from the list' },
      },
    );
    await expect(createAction(db(), lead, recId, { title: 'T', ownerName: 'O', dueOn: addDays(TODAY, 60) }, NOW)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await rows(trackerActions)).toBe(before);
    actionId = (
      await createAction(db(), manager, recId, { title: 'Refresh the course', ownerName: 'Nadia Hussain', organisationId: rn5, dueOn: addDays(TODAY, 60) }, NOW)
    ).id;
    const a = (await getAction(db(), manager, actionId, NOW)).action;
    expect([a.rag, a.ragReason]).toEqual(['green', 'On track: due in 60 days']);
    // Looked at 31 days later with no evidence: amber; the day after it is due: red, whatever its status says.
    expect((await getAction(db(), manager, actionId, new Date(NOW.getTime() + 31 * 86_400_000))).action.rag).toBe('amber');
    expect((await getAction(db(), manager, actionId, new Date(NOW.getTime() + 61 * 86_400_000))).action.ragReason).toBe('Overdue by 1 day');
  });

  it('keeps every revised due date with its reason; put back twice is amber', async () => {
    await expect(reviseDue(db(), manager, actionId, { dueOn: addDays(TODAY, 90), reason: '' }, NOW)).rejects.toMatchObject({
      fieldErrors: { reason: 'Enter why the due date is changing' },
    });
    await reviseDue(db(), manager, actionId, { dueOn: addDays(TODAY, 90), reason: 'Trainer off sick' }, NOW);
    await reviseDue(db(), manager, actionId, { dueOn: addDays(TODAY, 120), reason: 'Venue lost' }, NOW);
    const v = await getAction(db(), manager, actionId, NOW);
    expect(v.history.map((h) => [h.fromDate, h.toDate, h.reason])).toEqual([
      [addDays(TODAY, 60), addDays(TODAY, 90), 'Trainer off sick'],
      [addDays(TODAY, 90), addDays(TODAY, 120), 'Venue lost'],
    ]);
    expect([v.action.dueOn, v.action.currentDueOn, v.action.rag, v.action.ragReason]).toEqual([
      addDays(TODAY, 60),
      addDays(TODAY, 120),
      'amber',
      'Due date put back 2 times',
    ]);
    // The agency's lead updates its own action but does not move its dates.
    await expect(reviseDue(db(), lead, actionId, { dueOn: addDays(TODAY, 150), reason: 'x' }, NOW)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is complete only with evidence; a file is evidence, kept and downloadable by the tracker’s readers', async () => {
    await expect(setStatus(db(), lead, actionId, { status: 'complete' }, NOW)).rejects.toMatchObject({
      fieldErrors: { status: 'Add evidence that the action worked before marking it complete' },
    });
    await expect(addFileEvidence(db(), lead, actionId, { filename: 'x.exe', data: Buffer.from('MZ...') }, { note: 'Register' })).rejects.toMatchObject({
      fieldErrors: { file: expect.stringContaining('must be a PDF') },
    });
    await expect(addFileEvidence(db(), lead, actionId, { filename: 'r.pdf', data: PDF }, { note: '' })).rejects.toMatchObject({
      fieldErrors: { note: 'Say what the file shows' },
    });
    const { id } = await addFileEvidence(db(), lead, actionId, { filename: 'register.pdf', data: PDF }, { note: 'Signed register' }, NOW);
    expect((await getAction(db(), manager, actionId, NOW)).action.status).toBe('in_progress');
    await setStatus(db(), lead, actionId, { status: 'complete' }, NOW);
    const a = (await getAction(db(), manager, actionId, NOW)).action;
    expect([a.rag, a.ragReason]).toEqual(['complete', 'Complete, with 1 piece of evidence']);
    expect((await evidenceFile(db(), board, id)).data.equals(PDF)).toBe(true);
    await expect(evidenceFile(db(), southamptonManager, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setStatus(db(), lead, actionId, { status: 'withdrawn' }, NOW)).rejects.toMatchObject({
      fieldErrors: { note: 'Say why the action is withdrawn' },
    });
  });

  it('links Beacon’s records through their own gates: what the person may not read cannot be linked', async () => {
    const training = await contextFor(db(), 'training@beacon.example');
    const course = await createCourse(db(), training, {
      title: 'Disguised compliance',
      summary: 'S',
      outcomes: 'O',
      topics: ['disguised_compliance'],
      format: 'in_person',
      durationMinutes: '60',
      funded: 'yes',
      approvalRequired: 'no',
    });
    const other = (
      await createAction(db(), manager, recId, { title: 'Train staff', ownerName: 'Fiona Blake', organisationId: rn5, dueOn: addDays(TODAY, 30) }, NOW)
    ).id;
    // The trust's lead may update the action but may not read the partnership's course results.
    await expect(addEvidence(db(), lead, other, { kind: 'course', targetId: course.id })).rejects.toBeInstanceOf(ForbiddenError);
    await addEvidence(db(), manager, other, { kind: 'course', targetId: course.id, note: 'Before and after' }, NOW);
    const [e] = (await getAction(db(), manager, other, NOW)).evidence;
    expect(e).toMatchObject({ kind: 'course', label: 'Course: Disguised compliance', note: 'Before and after' });
    expect(e!.summary).toBe('0 of 0 sessions held; 0 attended of 0 on registers marked. No evaluation answered yet.');
    await expect(addEvidence(db(), manager, other, { kind: 'document', targetId: course.id })).rejects.toMatchObject({
      fieldErrors: { targetId: 'That record was not found, or is not one you can see' },
    });
    // A draft audit is not evidence (its figures change); a signed-off one is, with its hash.
    const run = await startRun(db(), manager, { partnershipId: hampshire, from: '2025-01-01', months: 3, baseline: false }, NOW);
    await expect(addEvidence(db(), manager, other, { kind: 'audit_run', targetId: run.id })).rejects.toMatchObject({
      fieldErrors: { targetId: expect.stringContaining('Only a signed-off (frozen) audit') },
    });
    const { hash } = await signOffRun(db(), manager, run.id, { note: 'LIG' }, NOW);
    await addEvidence(db(), manager, other, { kind: 'audit_run', targetId: run.id }, NOW);
    expect((await getAction(db(), manager, other, NOW)).evidence[1]!.summary).toContain(`Snapshot SHA-256 ${hash.slice(0, 16)}`);
  });
});

describe('quality assurance, then board sign-off', () => {
  it('goes in order, each by its own role, and closes the recommendation', async () => {
    const r = await review();
    const rec = await addRecommendation(db(), manager, r.id, { text: 'Guidelines', addressees: ['board'] });
    const a = await createAction(db(), manager, rec.id, { title: 'Reissue', ownerName: 'Ruth Evans', dueOn: addDays(TODAY, 20) }, NOW);
    await expect(qualityAssure(db(), chair, rec.id, { note: 'LIG' }, NOW)).rejects.toMatchObject({
      fieldErrors: { form: expect.stringContaining('Every action must be complete') },
    });
    await addFileEvidence(db(), manager, a.id, { filename: 'g.pdf', data: PDF }, { note: 'Reissued guidelines' }, NOW);
    await setStatus(db(), manager, a.id, { status: 'complete' }, NOW);
    await expect(signOffRecommendation(db(), board, rec.id, { note: 'Board' }, NOW)).rejects.toMatchObject({
      fieldErrors: { form: expect.stringContaining('must quality-assure') },
    });
    await expect(qualityAssure(db(), board, rec.id, { note: 'LIG' }, NOW)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(qualityAssure(db(), manager, rec.id, { note: 'LIG' }, NOW)).rejects.toBeInstanceOf(ForbiddenError);
    await qualityAssure(db(), chair, rec.id, { note: 'Learning and Inquiry Group, 12 June' }, NOW);
    await expect(signOffRecommendation(db(), chair, rec.id, { note: 'Board' }, NOW)).rejects.toBeInstanceOf(ForbiddenError);
    await signOffRecommendation(db(), board, rec.id, { note: 'HSCP Board, 14 June' }, NOW);
    const view = (await getReview(db(), manager, r.id, NOW)).review.recommendations[0]!;
    expect(view.progress.stage).toBe('signed_off');
    expect([view.qaByName, view.signedOffByName]).toEqual(['Dr Amara Osei', 'Mark Jennings']);
    await expect(setStatus(db(), manager, a.id, { status: 'in_progress' }, NOW)).rejects.toBeInstanceOf(ConflictError);
    await expect(addFileEvidence(db(), manager, a.id, { filename: 'g.pdf', data: PDF }, { note: 'More' }, NOW)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('who sees what', () => {
  it('lists the same reviews a single read allows: the partnership’s own, every one for an auditor', async () => {
    const soton = await createReview(db(), southamptonManager, {
      partnershipId: southampton,
      title: 'Rapid review: Baby S',
      reviewType: 'rapid_review',
      subgroup: 'Case review group',
    });
    const titles = async (ctx: RequestContext) => new Set((await listReviews(db(), ctx)).map((r) => r.id));
    const hampshireIds = await titles(manager);
    expect(hampshireIds.has(soton.id)).toBe(false);
    await expect(getReview(db(), manager, soton.id)).rejects.toBeInstanceOf(ForbiddenError);
    for (const id of hampshireIds) await expect(getReview(db(), southamptonManager, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await titles(southamptonManager)).has(soton.id)).toBe(true);
    const all = await titles(auditor);
    expect([...hampshireIds, soton.id].every((id) => all.has(id))).toBe(true);
    for (const id of hampshireIds) expect((await titles(lead)).has(id)).toBe(true);
    await expect(getReview(db(), manager, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
    const nurse = await contextFor(db(), 'ed.nurse@beacon.example');
    await expect(listReviews(db(), nurse)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('pre-fills an action from an audit criterion of the same partnership only', async () => {
    const run = await startRun(db(), manager, { partnershipId: hampshire, from: '2025-01-01', months: 2, baseline: false }, NOW);
    const p = await actionPrefill(db(), manager, run.id, 'acknowledged', NOW);
    expect(p).toMatchObject({ geographyId: hampshire, sourceRunId: run.id, sourceCriterion: 'acknowledged', title: expect.stringContaining('Improve: ') });
    expect(p.detail).toContain('against a standard of');
    const r = await review();
    const rec = await addRecommendation(db(), manager, r.id, { text: 'SOP', addressees: ['board'] });
    const a = await createAction(
      db(),
      manager,
      rec.id,
      { title: p.title, detail: p.detail, ownerName: 'Helen Carter', dueOn: addDays(TODAY, 90), sourceRunId: run.id, sourceCriterion: 'acknowledged' },
      NOW,
    );
    expect((await getAction(db(), manager, a.id, NOW)).action).toMatchObject({ sourceRunId: run.id, sourceCriterion: 'acknowledged' });
    const sotonRun = await startRun(db(), southamptonManager, { partnershipId: southampton, from: '2025-01-01', months: 2, baseline: false }, NOW);
    await expect(
      createAction(db(), manager, rec.id, { title: 'T', ownerName: 'O', dueOn: addDays(TODAY, 90), sourceRunId: sotonRun.id }, NOW),
    ).rejects.toMatchObject({
      fieldErrors: { sourceRunId: 'The audit this action answers must be one of this partnership’s' },
    });
  });
});

describe('the board report', () => {
  it('shows overdue actions and the evidence added since the report last presented', async () => {
    const later = new Date(NOW.getTime() + 200 * 86_400_000);
    const before = await boardReport(db(), board, hampshire, later);
    expect(before.since).toBeNull();
    expect(before.overdue.length).toBeGreaterThan(0);
    expect(before.overdue.every((a) => a.rag === 'red')).toBe(true);
    expect(before.evidence.length).toBeGreaterThan(0);
    await expect(recordBoardReport(db(), manager, hampshire, { presentedOn: addDays(londonDate(new Date()), 1) })).rejects.toMatchObject({
      fieldErrors: { presentedOn: 'The date must be today or earlier' },
    });
    await expect(recordBoardReport(db(), board, hampshire, { presentedOn: TODAY })).rejects.toBeInstanceOf(ForbiddenError);
    await recordBoardReport(db(), manager, hampshire, { presentedOn: addDays(londonDate(new Date()), 0) });
    const after = await boardReport(db(), board, hampshire, later);
    expect(after.since).toBe(londonDate(new Date()));
    expect(after.evidence).toEqual([]);
    const pdf = await boardReportPdf(before, later);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await expect(boardReport(db(), southamptonManager, hampshire)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the published response', () => {
  it('is drafted from the tracker into the library, refreshed, and once approved and published is on the public page', async () => {
    const r = await review({ consideredOn: '2018-09-05', decision: 'The subgroup found that the case met the criteria for a partnership review.' });
    const rec = await addRecommendation(db(), manager, r.id, {
      text: 'Develop a process to raise an alert across health services.',
      addressees: ['board', rn5],
    });
    const [boardResponse, trustResponse] = (await getReview(db(), manager, r.id)).review.recommendations[0]!.responses;
    await respond(db(), manager, boardResponse!.id, { response: 'The Board supports a standard operating procedure.' });
    await createAction(db(), manager, rec.id, { title: 'Publish the SOP', ownerName: 'Helen Carter', dueOn: addDays(TODAY, 30) }, NOW);
    await expect(draftPublishedResponse(db(), chair, r.id)).rejects.toBeInstanceOf(ForbiddenError);
    const first = await draftPublishedResponse(db(), manager, r.id);
    const v1 = await getVersion(db(), manager, first.versionId);
    expect(v1.doc.kind).toBe('review_response');
    expect(v1.version.body).toContain('# Response to the recommendations from the Partnership review: Baby H');
    expect(v1.version.body).toContain('on 5 September 2018');
    expect(v1.version.body).toContain('> Develop a process to raise an alert across health services.');
    expect(v1.version.body).toContain('### Response from the Board\n\nThe Board supports a standard operating procedure.');
    expect(v1.version.body).toContain('### Response from Hampshire Hospitals NHS Foundation Trust\n\n_No response recorded yet._');
    expect(v1.version.body).toContain('- Publish the SOP (the partnership): not started, due');
    // The trust answers; drafting again refreshes the same draft (its named reviewers kept), not a second document.
    await respond(db(), lead, trustResponse!.id, { response: 'The trust will adopt it.' });
    await updateDraft(db(), manager, first.versionId, { body: v1.version.body, changeSummary: 'First', reviewers: 'designated@beacon.example' });
    const again = await draftPublishedResponse(db(), manager, r.id);
    expect(again).toEqual(first);
    const v2 = await getVersion(db(), manager, again.versionId);
    expect(v2.version.body).toContain('The trust will adopt it.');
    expect(v2.reviewers.map((x) => x.email)).toEqual(['designated@beacon.example']);
    // The library's own flow publishes it on the partnership's public page.
    await sendForReview(db(), manager, again.versionId);
    await approveVersion(db(), manager, again.versionId, { group: 'HSCP Board', meeting: 'June meeting', approvedOn: TODAY });
    await publishVersion(db(), manager, again.versionId);
    const page = await publicPage(db(), 'E10000014');
    expect(JSON.stringify(page)).toContain('Response to the recommendations from the Partnership review: Baby H');
    // A later refresh is a new version of the same document.
    const third = await draftPublishedResponse(db(), manager, r.id);
    expect(third.documentId).toBe(first.documentId);
    expect(third.versionId).not.toBe(first.versionId);
  });
});
