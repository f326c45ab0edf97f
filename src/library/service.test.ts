/**
 * The library's services on the real database (PGlite, and PostgreSQL when TEST_DATABASE_URL is set): the
 * lifecycle and its refusals (nothing changed), Markdown kept safe, attachments, publication and the public
 * side, circulation with its tasks and emails, the knowledge check, readership, a new major version asking
 * again and a minor one not, withdrawal, reminders, the outstanding list, review reminders and the demo.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../platform/jobs/schema';
import { ConflictError, ForbiddenError, NotFoundError } from '../platform/errors';
import { seedDemo, createDemoPeople } from '../demo/seed';
import { DEMO_LEARNING_PEOPLE } from '../demo/directory-data';
import { seedDemoLibrary } from '../demo/library';
import { contextFor, memoryMailer } from '../../test/support/alerts';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { learningPeople, problem } from '../../test/support/learning';
import {
  approveVersion,
  attachPdf,
  commentOn,
  createDocument,
  getDocument,
  getVersion,
  listDocuments,
  publishVersion,
  reviewsDue,
  sendForReview,
  startVersion,
  updateDocument,
  updateDraft,
  withdrawVersion,
} from './documents';
import { acknowledge, circulate, myReading, openReadingCount, openTask, outstandingList, recordDiscussion } from './circulation';
import { readership, readershipCsv } from './readership';
import { publicDocument, publicFeed, publicPage, publicPdf } from './public';
import { guidanceFor, documentInForce } from './links';
import { sendLibraryEmail, sendReadReminders, sendReviewReminders } from './notify';
import { libraryDocuments, libraryReads, libraryVersions } from './schema';
import { LIBRARY_EMAIL_JOB } from './notices';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';
const DAY = 86_400_000;
const people: string[] = [];

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  await createDemoPeople(db(), DEMO_LEARNING_PEOPLE, PASSWORD);
  people.push(...(await learningPeople(db(), 'RHM', 12, 'reader', 'Reader')));
});
afterAll(async () => {
  await tdb?.close();
});

const manager = () => contextFor(db(), 'partnership@beacon.example');
const designated = () => contextFor(db(), 'designated@beacon.example');
const QUESTIONS = [
  { text: 'Who approves an alert?', options: ['The person who raised it', 'A designated professional who did not raise it'], correct: 1 },
  { text: 'How soon is an urgent alert acknowledged?', options: ['4 hours', '7 days'], correct: 0 },
];
const newDoc = async (over: Record<string, unknown> = {}) =>
  createDocument(db(), await manager(), {
    kind: 'sop',
    title: 'Test procedure',
    summary: 'What it is for',
    reviewMonths: '12',
    topics: ['high_risk_alerts'],
    partnership: 'E10000014',
    sharedWith: ['E06000045'],
    body: '# Purpose\n\nDo the right thing.',
    ...over,
  });
async function toPublished(versionId: string, now = new Date()) {
  const m = await manager();
  await updateDraft(db(), m, versionId, {
    body: '# Purpose\n\nDo the right thing.',
    changeSummary: 'First',
    reviewers: 'midwife@beacon.example',
    questions: QUESTIONS,
  });
  await sendForReview(db(), m, versionId);
  await approveVersion(db(), m, versionId, { group: 'Policy subgroup', meeting: 'March meeting', approvedOn: '2026-01-10' });
  await publishVersion(db(), m, versionId, {}, now);
}
const statusOf = async (id: string) => (await db().select({ s: libraryVersions.status }).from(libraryVersions).where(eq(libraryVersions.id, id)))[0]!.s;
const emailJobs = async (versionId: string, kind: string) =>
  Number(
    (
      await db()
        .select({ n: sql<number>`count(*)::int` })
        .from(jobs)
        .where(and(eq(jobs.type, LIBRARY_EMAIL_JOB), sql`${jobs.payload}->>'versionId' = ${versionId}`, sql`${jobs.payload}->>'kind' = ${kind}`))
    )[0]!.n,
  );

describe('writing, review, approval and publication', () => {
  it('takes a document from draft to published, refusing each step out of turn with nothing changed', async () => {
    const m = await manager();
    const doc = await newDoc();
    // Publishing an unapproved version is refused, and nothing changes.
    await expect(publishVersion(db(), m, doc.versionId)).rejects.toThrow(/has not been approved/);
    await expect(publishVersion(db(), m, doc.versionId)).rejects.toBeInstanceOf(ConflictError);
    expect(await statusOf(doc.versionId)).toBe('draft');
    // Review needs a named reviewer, and reviewers must be people in Beacon.
    expect(await problem(sendForReview(db(), m, doc.versionId))).toMatch(/Name at least one reviewer/);
    expect(await problem(updateDraft(db(), m, doc.versionId, { body: 'x', changeSummary: 'y', reviewers: 'nobody@nowhere.test' }))).toMatch(/Nobody in Beacon/);
    expect(
      await problem(updateDraft(db(), m, doc.versionId, { body: 'x', changeSummary: 'y', questions: [{ text: 'Q', options: ['a'], correct: 0 }] })),
    ).toMatch(/at least two answers/);
    await updateDraft(db(), m, doc.versionId, {
      body: '# Purpose\n\nVersion one.',
      changeSummary: 'First',
      reviewers: 'midwife@beacon.example',
      questions: QUESTIONS,
    });
    await sendForReview(db(), m, doc.versionId);
    expect(await emailJobs(doc.versionId, 'review_request')).toBe(1);
    // The named reviewer sees the draft and comments; someone else is told it does not exist.
    const reviewer = await contextFor(db(), 'midwife@beacon.example');
    await commentOn(db(), reviewer, doc.versionId, { text: 'Add the out-of-hours number.' });
    const stranger = await contextFor(db(), 'social.worker@beacon.example');
    await expect(getVersion(db(), stranger, doc.versionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(commentOn(db(), stranger, doc.versionId, { text: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await listDocuments(db(), stranger)).some((d) => d.id === doc.id)).toBe(false);
    // Only the partnership manager records the approval.
    await expect(approveVersion(db(), await designated(), doc.versionId, { group: 'g', meeting: 'm', approvedOn: '2026-01-10' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await problem(approveVersion(db(), m, doc.versionId, { group: '', meeting: 'm', approvedOn: '2026-02-30' }))).toMatch(/group.*\|.*February/s);
    await approveVersion(db(), m, doc.versionId, { group: 'Policy subgroup', meeting: 'March meeting', approvedOn: '2026-01-10' });
    // Not on the public page until published.
    expect((await publicPage(db(), 'E10000014')).documents.some((d) => d.id === doc.id)).toBe(false);
    await publishVersion(db(), m, doc.versionId);
    const v = await getVersion(db(), stranger, doc.versionId);
    expect(v.version.status).toBe('published');
    expect(v.version.approvalGroup).toBe('Policy subgroup');
    expect(v.version.reviewDueOn! > v.version.approvedOn!).toBe(true);
    // On the owner's public page and the page of the partnership that shares it, with its PDF and feed entry.
    for (const code of ['E10000014', 'E06000045']) expect((await publicPage(db(), code)).documents.find((d) => d.id === doc.id)?.version).toBe('1.0');
    await expect(publicPage(db(), 'E06000044')).resolves.toMatchObject({ documents: expect.not.arrayContaining([expect.objectContaining({ id: doc.id })]) });
    await expect(publicDocument(db(), 'E06000044', doc.id)).rejects.toBeInstanceOf(NotFoundError);
    const pdf = await publicPdf(db(), 'E06000045', doc.id);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await publicFeed(db(), 'E06000045', 'https://beacon.test')).toContain(`https://beacon.test/public/E06000045/documents/${doc.id}`);
  });

  it('keeps HTML and script in the Markdown as text, never as markup, in Beacon and on the public page', async () => {
    const doc = await newDoc({ body: '# Hi\n\n<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))' });
    await toPublished(doc.versionId);
    const m = await manager();
    const draftBody = '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))';
    const next = await startVersion(db(), m, doc.id, { change: 'minor' });
    await updateDraft(db(), m, next.id, { body: draftBody, changeSummary: 'Wording', reviewers: 'midwife@beacon.example' });
    for (const html of [(await getVersion(db(), m, next.id)).html, (await publicDocument(db(), 'E10000014', doc.id)).html]) {
      expect(html).not.toMatch(/<script|<img|<[^>]*\sonerror=|href="javascript/i);
    }
    expect((await getVersion(db(), m, next.id)).html).toContain('&lt;script&gt;');
    // The public page shows the published version, never the draft.
    expect((await publicDocument(db(), 'E10000014', doc.id)).version.id).toBe(doc.versionId);
  });

  it('attaches only a PDF, and only to a draft', async () => {
    const m = await manager();
    const doc = await newDoc();
    expect(await problem(attachPdf(db(), m, doc.versionId, { filename: 'x.pdf', data: Buffer.from('<html>not a pdf</html>') }))).toBe('The file must be a PDF');
    expect(await problem(attachPdf(db(), m, doc.versionId, { filename: 'x.pdf', data: Buffer.alloc(0) }))).toMatch(/Choose a PDF/);
    await attachPdf(db(), m, doc.versionId, { filename: 'procedure.pdf', data: Buffer.from('%PDF-1.4\n%test') });
    const [v] = await db().select().from(libraryVersions).where(eq(libraryVersions.id, doc.versionId));
    expect(v!.attachmentName).toBe('procedure.pdf');
  });

  it('lets only the partnership’s authors write, and one version be in progress at a time', async () => {
    const sw = await contextFor(db(), 'social.worker@beacon.example');
    await expect(createDocument(db(), sw, { kind: 'sop', title: 't', summary: 's', reviewMonths: 12, body: 'b' })).rejects.toBeInstanceOf(ForbiddenError);
    const doc = await newDoc();
    await expect(startVersion(db(), await manager(), doc.id, { change: 'minor' })).rejects.toThrow(/still draft/);
  });
});

describe('circulation, reading and readership', () => {
  it('asks an audience once each, takes the knowledge check, counts readership, and asks again only for a new major version', async () => {
    const m = await manager();
    const doc = await newDoc({ kind: 'briefing', topics: ['disguised_compliance'] });
    await toPublished(doc.versionId);
    // Audience: one organisation and one role.
    const [uhs] = await db()
      .execute(sql`select id from organisations where ods_code = 'RHM'`)
      .then((r) => (r as unknown as { rows: { id: string }[] }).rows);
    const first = await circulate(db(), m, doc.versionId, { organisationIds: [uhs!.id], roles: ['point_of_care'] });
    expect(first.people).toBeGreaterThanOrEqual(people.length);
    expect(await emailJobs(doc.versionId, 'read_request')).toBe(first.people);
    // Nobody is asked twice.
    expect((await circulate(db(), m, doc.versionId, { organisationIds: [uhs!.id], roles: ['point_of_care'] })).people).toBe(0);
    expect(await problem(circulate(db(), m, doc.versionId, {}))).toMatch(/Choose who it goes to/);
    expect(await problem(circulate(db(), m, doc.versionId, { organisationIds: ['00000000-0000-4000-8000-000000000000'] }))).toMatch(
      /agencies of the partnerships/,
    );

    const reader = await contextFor(db(), people[0]!);
    expect(await openReadingCount(db(), reader)).toBeGreaterThanOrEqual(1);
    const task = (await myReading(db(), reader)).open.find((r) => r.read.documentId === doc.id)!;
    const opened = await openTask(db(), reader, task.read.id);
    expect(opened.questions[0]).not.toHaveProperty('correct');
    // Every question must be answered, and the box ticked; nothing is recorded until then.
    expect(await problem(acknowledge(db(), reader, task.read.id, { confirm: 'yes', answer1: '2' }))).toMatch(/Answer question 2/);
    expect(await problem(acknowledge(db(), reader, task.read.id, { answer1: '2', answer2: '1' }))).toMatch(/Confirm/);
    // Nobody acknowledges for someone else.
    await expect(acknowledge(db(), await contextFor(db(), people[1]!), task.read.id, { confirm: 'yes', answer1: '2', answer2: '1' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await acknowledge(db(), reader, task.read.id, { confirm: 'yes', answer1: '2', answer2: '2' })).toEqual({ correct: 1, questions: 2 });
    await expect(acknowledge(db(), reader, task.read.id, { confirm: 'yes', answer1: '2', answer2: '1' })).rejects.toBeInstanceOf(ConflictError);
    const second = await contextFor(db(), people[1]!);
    const t2 = (await myReading(db(), second)).open.find((r) => r.read.documentId === doc.id)!;
    await acknowledge(db(), second, t2.read.id, { confirm: true, answers: [1, 0] });

    const r = await readership(db(), m, doc.id);
    expect(r.total).toMatchObject({ asked: first.people, acknowledged: 2, opened: 2, correct: 3, checked: 4 });
    expect(r.questions.map((x) => [x.right, x.answered])).toEqual([
      [2, 2],
      [1, 2],
    ]);
    expect(r.byOrganisation).toEqual([
      expect.objectContaining({ label: 'University Hospital Southampton NHS Foundation Trust', asked: first.people, acknowledged: 2 }),
    ]);
    expect(r.overTime.at(-1)).toMatchObject({ asked: first.people, acknowledged: 2 });
    expect(r.chart).toContain('<svg');
    const csv = await readershipCsv(db(), m, doc.id);
    expect(csv).toContain(`Test procedure,1,All,Everyone asked,${first.people},2,2`);
    // Readership is for the partnership's authors and auditors.
    await expect(readership(db(), reader, doc.id)).rejects.toBeInstanceOf(ForbiddenError);

    // A minor version: nobody asked again; open tasks move on to it.
    const minor = await startVersion(db(), m, doc.id, { change: 'minor' });
    await toPublished(minor.id);
    expect(await emailJobs(minor.id, 'read_request')).toBe(0);
    const stillOpen = await db()
      .select()
      .from(libraryReads)
      .where(and(eq(libraryReads.documentId, doc.id), isNull(libraryReads.acknowledgedAt)));
    expect(stillOpen.every((x) => x.versionId === minor.id && x.closedAt === null)).toBe(true);
    // A major version: everyone asked before is asked again, those who read 1.x too; the old open tasks close.
    const major = await startVersion(db(), m, doc.id, { change: 'major' });
    await toPublished(major.id);
    expect(await statusOf(minor.id)).toBe('superseded');
    expect(await emailJobs(major.id, 'read_request')).toBe(first.people);
    const again = (await myReading(db(), reader)).open.find((x) => x.read.documentId === doc.id)!;
    expect(again.major).toBe(2);
    expect(
      (
        await db()
          .select()
          .from(libraryReads)
          .where(and(eq(libraryReads.documentId, doc.id), eq(libraryReads.major, 1), isNull(libraryReads.acknowledgedAt)))
      ).every((x) => x.closedAt),
    ).toBe(true);
    // The report of version 1 keeps its figures; version 2 starts afresh.
    expect((await readership(db(), m, doc.id, { major: 1 })).total).toMatchObject({ asked: first.people, acknowledged: 2 });
    expect((await readership(db(), m, doc.id)).total).toMatchObject({ asked: first.people, acknowledged: 0 });
  });

  it('refuses to circulate a withdrawn version; withdrawing takes it off the public page and closes open tasks', async () => {
    const m = await manager();
    const doc = await newDoc();
    await toPublished(doc.versionId);
    const c = await circulate(db(), m, doc.versionId, { everyone: 'yes' });
    expect(c.people).toBeGreaterThan(10);
    expect(await problem(withdrawVersion(db(), m, doc.versionId, { reason: '' }))).toMatch(/Enter the reason/);
    await withdrawVersion(db(), m, doc.versionId, { reason: 'Replaced by the regional procedure' });
    await expect(circulate(db(), m, doc.versionId, { everyone: 'yes' })).rejects.toThrow(/only the published version of a document in force/);
    await expect(publicDocument(db(), 'E10000014', doc.id)).rejects.toBeInstanceOf(NotFoundError);
    const open = await db()
      .select()
      .from(libraryReads)
      .where(and(eq(libraryReads.documentId, doc.id), isNull(libraryReads.closedAt)));
    expect(open).toHaveLength(0);
    const [d] = await db().select().from(libraryDocuments).where(eq(libraryDocuments.id, doc.id));
    expect(d!.status).toBe('withdrawn');
  });

  it('reminds after 7 and 14 days once each, then puts people on their own organisation lead’s outstanding list', async () => {
    const m = await manager();
    const doc = await newDoc();
    const start = new Date(Date.now() - 30 * DAY);
    await toPublished(doc.versionId, start);
    const [uhs] = await db()
      .execute(sql`select id from organisations where ods_code = 'RHM'`)
      .then((r) => (r as unknown as { rows: { id: string }[] }).rows);
    const c = await circulate(db(), m, doc.versionId, { organisationIds: [uhs!.id], roles: ['point_of_care'] }, start);
    const reminders = async () =>
      (await db().select({ n: sql<number>`coalesce(sum(reminders_sent), 0)::int` }).from(libraryReads).where(eq(libraryReads.documentId, doc.id)))[0]!.n;
    await sendReadReminders(db(), new Date(start.getTime() + 6 * DAY));
    expect(Number(await reminders())).toBe(0);
    await sendReadReminders(db(), new Date(start.getTime() + 7 * DAY + 1000));
    await sendReadReminders(db(), new Date(start.getTime() + 8 * DAY));
    expect(Number(await reminders())).toBe(c.people);
    await sendReadReminders(db(), new Date(start.getTime() + 15 * DAY));
    expect(Number(await reminders())).toBe(2 * c.people);
    expect(await emailJobs(doc.versionId, 'read_reminder')).toBe(2 * c.people);
    // 21 days on: on the list of the designated professional of their organisation only; the read is audited.
    const lead = await contextFor(db(), 'designated@beacon.example');
    const listed = await outstandingList(db(), lead, new Date(start.getTime() + 22 * DAY));
    expect(listed.filter((r) => r.documentId === doc.id)).toHaveLength(0); // QRL: not their organisation
    const uhsLead = await learningPeopleLead();
    const own = await outstandingList(db(), uhsLead, new Date(start.getTime() + 22 * DAY));
    expect(own.filter((r) => r.documentId === doc.id)).toHaveLength(c.people);
    expect((await outstandingList(db(), uhsLead, new Date(start.getTime() + 20 * DAY))).filter((r) => r.documentId === doc.id)).toHaveLength(0);
    await expect(outstandingList(db(), await contextFor(db(), people[0]!))).rejects.toBeInstanceOf(ForbiddenError);
    // An email for a task since confirmed is not sent.
    const mailer = memoryMailer();
    const [read] = await db().select().from(libraryReads).where(eq(libraryReads.documentId, doc.id)).limit(1);
    expect(
      await sendLibraryEmail(db(), mailer, 'https://beacon.test', { kind: 'read_reminder', userId: read!.userId, versionId: doc.versionId, readId: read!.id }),
    ).toBe(true);
    expect(mailer.sent[0]!.text).toContain(`https://beacon.test/library/reading/${read!.id}`);
    await db().update(libraryReads).set({ acknowledgedAt: new Date() }).where(eq(libraryReads.id, read!.id));
    expect(
      await sendLibraryEmail(db(), mailer, 'https://beacon.test', { kind: 'read_reminder', userId: read!.userId, versionId: doc.versionId, readId: read!.id }),
    ).toBe(false);
  });

  it('reminds the owner before the review date and lists the document as due', async () => {
    const m = await manager();
    const doc = await newDoc({ reviewMonths: '6' });
    await toPublished(doc.versionId, new Date(Date.now() - 130 * DAY));
    const [v] = await db().select().from(libraryVersions).where(eq(libraryVersions.id, doc.versionId));
    const due = new Date(`${v!.reviewDueOn}T12:00:00Z`);
    expect(await sendReviewReminders(db(), new Date(due.getTime() - 61 * DAY))).toBe(0);
    expect(await sendReviewReminders(db(), new Date(due.getTime() - 59 * DAY))).toBeGreaterThanOrEqual(1);
    expect(await emailJobs(doc.versionId, 'review_due')).toBe(1);
    await sendReviewReminders(db(), new Date(due.getTime() - 59 * DAY));
    expect(await emailJobs(doc.versionId, 'review_due')).toBe(1);
    expect((await reviewsDue(db(), m)).some((r) => r.doc.id === doc.id)).toBe(true);
  });

  it('records a team discussion of a published version, not of a draft', async () => {
    const doc = await newDoc();
    const sw = await contextFor(db(), 'social.worker@beacon.example');
    await expect(recordDiscussion(db(), await manager(), doc.versionId, { team: 'T', heldOn: '2026-01-01', present: 3 })).rejects.toBeInstanceOf(ConflictError);
    await toPublished(doc.versionId);
    expect(await problem(recordDiscussion(db(), sw, doc.versionId, { team: '', heldOn: '2999-01-01', present: '0' }))).toMatch(
      /team.*\|.*today or in the past|team/,
    );
    await recordDiscussion(db(), sw, doc.versionId, { team: 'Pre-birth team', heldOn: '2026-01-01', present: '6' });
    expect((await readership(db(), await manager(), doc.id)).discussions).toEqual([
      expect.objectContaining({ team: 'Pre-birth team', present: 6, organisationName: "Southampton City Council Children's Services" }),
    ]);
  });
});

/** A designated professional of University Hospital Southampton (the organisation of the synthetic readers). */
async function learningPeopleLead() {
  const { createUser } = await import('../people/service');
  const { systemContext } = await import('../platform/context');
  const [org] = await db()
    .execute(sql`select id from organisations where ods_code = 'RHM'`)
    .then((r) => (r as unknown as { rows: { id: string }[] }).rows);
  const email = 'lead.uhs@library.test';
  const [exists] = await db()
    .execute(sql`select 1 from users where email = ${email}`)
    .then((r) => (r as unknown as { rows: unknown[] }).rows);
  if (!exists)
    await createUser(db(), systemContext('test'), {
      email,
      displayName: 'UHS Lead',
      jobTitle: 'Named nurse',
      organisationId: org!.id,
      role: 'designated_professional',
      unitId: '',
    });
  return contextFor(db(), email);
}

describe('links and the demo', () => {
  it('adds no demo documents where documents exist already', async () => {
    expect(await seedDemoLibrary(db())).toBe(0);
  });

  it('seeds the demo on an empty library: the SOP in force, the briefing as guidance, part-readership, a shared protocol in review, an overdue review', async () => {
    const fresh = await openTestDatabase();
    try {
      await seedDemo(fresh.db, PASSWORD);
      await createDemoPeople(fresh.db, DEMO_LEARNING_PEOPLE, PASSWORD);
      await learningPeople(fresh.db, 'RHU', 20, 'demo', 'Demo');
      expect(await seedDemoLibrary(fresh.db)).toBe(4);
      const southampton = (await fresh.db.execute(sql`select id from geographies where code = 'E06000045'`)) as unknown as { rows: { id: string }[] };
      const sop = await documentInForce(fresh.db, southampton.rows[0]!.id, ['sop'], 'high_risk_alerts');
      expect(sop?.title).toMatch(/standard operating procedure/);
      const guidance = await guidanceFor(fresh.db, southampton.rows[0]!.id, ['disguised_compliance', 'closure']);
      expect(guidance.get('disguised_compliance')?.title).toBe('Spotlight briefing: disguised compliance');
      const m = await contextFor(fresh.db, 'partnership@beacon.example');
      const briefing = (await listDocuments(fresh.db, m, { kind: 'briefing' }))[0]!;
      const r = await readership(fresh.db, m, briefing.id);
      expect(r.total.asked).toBeGreaterThan(20);
      expect(r.total.acknowledged).toBeGreaterThan(0);
      expect(r.total.acknowledged).toBeLessThan(r.total.asked);
      expect(r.byOrganisation.length).toBeGreaterThan(3);
      expect(r.discussions).toHaveLength(2);
      const ubp = (await listDocuments(fresh.db, m, { kind: 'protocol' }))[0]!;
      expect(ubp.partnerships).toHaveLength(4);
      expect(ubp.inProgress?.status).toBe('in_review');
      const { protocolDetail } = await import('../cases/protocols/service');
      expect((await protocolDetail(fresh.db, m, 'milestones', 'E10000014')).shown.implements?.documentId).toBe(ubp.id);
      expect((await reviewsDue(fresh.db, m)).some((d) => d.stage === 'overdue')).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});

describe('links into the rest of Beacon', () => {
  it('a protocol configuration records the published document version it implements, and refuses one not published', async () => {
    const { saveProtocolVersion, protocolDetail, configurationToEdit } = await import('../cases/protocols/service');
    const { DEFAULT_PROTOCOL } = await import('../cases/protocol');
    const m = await manager();
    const doc = await newDoc({ kind: 'protocol', title: 'Unborn Baby Protocol (test)', topics: ['unborn_baby_protocol'] });
    expect((await configurationToEdit(db(), m, 'milestones', 'E10000014')).implementable.some((v) => v.documentId === doc.id)).toBe(false);
    const refused = await saveProtocolVersion(db(), m, 'milestones', 'E10000014', {
      definition: structuredClone(DEFAULT_PROTOCOL),
      changeReason: 'Implements the protocol',
      libraryVersionId: doc.versionId,
    }).catch((e: { fieldErrors?: Record<string, string> }) => e);
    expect((refused as { fieldErrors: Record<string, string> }).fieldErrors.libraryVersionId).toMatch(/published document version/);
    await toPublished(doc.versionId);
    expect((await configurationToEdit(db(), m, 'milestones', 'E10000014')).implementable.some((v) => v.versionId === doc.versionId)).toBe(true);
    await saveProtocolVersion(db(), m, 'milestones', 'E10000014', {
      definition: structuredClone(DEFAULT_PROTOCOL),
      changeReason: 'Implements the protocol',
      libraryVersionId: doc.versionId,
    });
    const detail = await protocolDetail(db(), m, 'milestones', 'E10000014');
    expect(detail.shown.implements).toMatchObject({ title: 'Unborn Baby Protocol (test)', version: '1.0', href: `/library/versions/${doc.versionId}` });
    expect(detail.history[0]!.implements?.versionId).toBe(doc.versionId);
  });

  it('finds the SOP in force for an area and the briefing on a sign, the area’s own first', async () => {
    const southampton = (await db().execute(sql`select id from geographies where code = 'E06000045'`)) as unknown as { rows: { id: string }[] };
    const doc = await newDoc({ kind: 'briefing', title: 'Briefing on flight (test)', topics: ['flight'] });
    expect((await guidanceFor(db(), southampton.rows[0]!.id, ['flight'])).get('flight')).toBeUndefined();
    await toPublished(doc.versionId);
    expect((await guidanceFor(db(), southampton.rows[0]!.id, ['flight'])).get('flight')?.title).toBe('Briefing on flight (test)');
    expect((await documentInForce(db(), southampton.rows[0]!.id, ['sop'], 'high_risk_alerts'))?.kind).toBe('sop');
  });
});

describe('who owns and shares a document', () => {
  it('needs a partnership as owner (an ICB-wide author names one), and keeps the sharing when the details change', async () => {
    const icb = await designated();
    expect(await problem(createDocument(db(), icb, { kind: 'sop', title: 't', summary: 's', reviewMonths: 12, body: 'b' }))).toMatch(
      /Choose the partnership that owns/,
    );
    const doc = await createDocument(db(), icb, {
      kind: 'sop',
      title: 'ICB-authored',
      summary: 's',
      reviewMonths: 12,
      partnership: 'E06000044',
      sharedWith: ['E06000046'],
      body: 'b',
    });
    await updateDocument(db(), icb, doc.id, {
      kind: 'sop',
      title: 'ICB-authored, renamed',
      summary: 's',
      reviewMonths: 12,
      sharedWith: ['E06000046', 'E06000045'],
    });
    const d = await getDocument(db(), icb, doc.id);
    expect(d.partnerships.map((p) => p.code)).toEqual(['E06000044', 'E06000046', 'E06000045']);
    expect(await problem(updateDocument(db(), icb, doc.id, { kind: 'sop', title: 'x', summary: 's', reviewMonths: 12, sharedWith: ['NOPE'] }))).toMatch(
      /no partnership with the code NOPE/,
    );
    expect((await getDocument(db(), icb, doc.id)).doc.title).toBe('ICB-authored, renamed');
  });
});
