/**
 * The learning needs analysis on the real database (PGlite, and PostgreSQL when TEST_DATABASE_URL is set):
 * a review round from start to sign-off, workforce coverage against Beacon's people and imported headcounts,
 * the courses × topics matrix, and who may see and change each.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../platform/errors';
import { organisations } from '../directory/schema';
import { seedDemo } from '../demo/seed';
import { contextFor } from '../../test/support/alerts';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { learningPeople, problem } from '../../test/support/learning';
import { learningHeadcounts, learningReviewItems, learningReviewRounds } from './schema';
import { createCourse, createSession } from './catalogue';
import { bookPlace } from './booking';
import { markRegister } from './attendance';
import { courseTopicMatrix, createRound, getRound, importHeadcounts, listRounds, recordFinding, signOffRound, workforceCoverage } from './needs';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';
const DAY = 86_400_000;
const NOW = new Date();
const people: string[] = [];

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  people.push(...(await learningPeople(db(), 'RN5', 6, 'needs', 'Needs')));
});
afterAll(async () => {
  await tdb?.close();
});

const admin = () => contextFor(db(), 'training@beacon.example');
const manager = () => contextFor(db(), 'partnership@beacon.example');
const course = (title: string, topics: string[]) => ({
  title,
  summary: 'A course',
  outcomes: 'One outcome',
  topics,
  format: 'in_person',
  durationMinutes: '120',
  funded: 'yes',
  approvalRequired: 'no',
});

describe('the learning needs analysis', () => {
  let dcCourse = '';
  let otherCourse = '';
  let roundId = '';

  it('starts a round with every active course of the partnership; bad input changes nothing', async () => {
    dcCourse = (await createCourse(db(), await admin(), course('Disguised compliance in practice', ['disguised_compliance', 'closure']))).id;
    otherCourse = (await createCourse(db(), await admin(), course('Toxicology for midwives', ['toxicology_substance_use']))).id;
    const good = {
      title: 'Disguised compliance',
      topic: 'disguised_compliance',
      brief: 'Throughout the offer',
      ownerEmail: 'partnership@beacon.example',
      dueOn: '2099-03-31',
    };
    expect(await problem(createRound(db(), await admin(), { ...good, dueOn: '2020-01-01' }))).toBe('The due date must be today or later');
    expect(await problem(createRound(db(), await admin(), { ...good, dueOn: '2099-02-30' }))).toMatch(/real date/);
    expect(await problem(createRound(db(), await admin(), { ...good, ownerEmail: 'nobody@nowhere.test' }))).toMatch(/No active Beacon account/);
    expect(await problem(createRound(db(), await admin(), { ...good, topic: 'astrology' }))).toMatch(/Choose the topic/);
    expect(await db().select().from(learningReviewRounds)).toHaveLength(0);
    await expect(createRound(db(), await manager(), good)).rejects.toBeInstanceOf(ForbiddenError);

    roundId = (await createRound(db(), await admin(), good)).id;
    const view = await getRound(db(), await manager(), roundId);
    expect(view.items.map((i) => i.courseTitle)).toEqual(expect.arrayContaining(['Disguised compliance in practice', 'Toxicology for midwives']));
    expect(view.items.find((i) => i.courseId === dcCourse)?.listsTopic).toBe(true);
    expect(view.items.find((i) => i.courseId === otherCourse)?.listsTopic).toBe(false);
    expect(view.progress.reviewed).toBe(0);
    expect(view.signs).toBe(true);
    expect(view.reviews).toBe(false);
    expect((await getRound(db(), await admin(), roundId)).reviews).toBe(true);
  });

  it('keeps the round to its partnership: a clinician or another area cannot read it', async () => {
    await expect(getRound(db(), await contextFor(db(), 'ed.nurse@beacon.example'), roundId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listRounds(db(), await contextFor(db(), 'ed.nurse@beacon.example'))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listRounds(db(), await contextFor(db(), 'auditor@beacon.example'))).map((r) => r.id)).toContain(roundId);
  });

  it('records findings (a gap needs an action), signs off only by the owner once all are reviewed, then freezes', async () => {
    expect(await problem(recordFinding(db(), await admin(), roundId, otherCourse, { coverage: 'not_covered', evidence: 'Not in the slides' }))).toMatch(
      /Say what will be done/,
    );
    expect(await problem(recordFinding(db(), await admin(), roundId, otherCourse, { coverage: 'maybe', evidence: 'x' }))).toMatch(/Choose whether/);
    await expect(recordFinding(db(), await manager(), roundId, otherCourse, { coverage: 'covered', evidence: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    const [untouched] = await db().select().from(learningReviewItems).where(eq(learningReviewItems.courseId, otherCourse));
    expect(untouched?.coverage).toBeNull();

    expect(await problem(signOffRound(db(), await manager(), roundId, {}))).toMatch(/not been reviewed yet/);
    const view = await getRound(db(), await admin(), roundId);
    for (const item of view.items)
      await recordFinding(
        db(),
        await admin(),
        roundId,
        item.courseId,
        item.courseId === otherCourse
          ? { coverage: 'not_covered', evidence: 'Not in the slides', action: 'Add the disguised compliance case study by March' }
          : { coverage: 'covered', evidence: 'Session 2 and the case study' },
      );
    expect(await problem(signOffRound(db(), await admin(), roundId, {}))).toMatch(/Only the round’s owner/);
    await signOffRound(db(), await manager(), roundId, { note: 'Agreed at the workforce development group, 12 March' });
    const after = await getRound(db(), await manager(), roundId);
    expect(after.round.status).toBe('signed_off');
    expect(after.round.signOffNote).toMatch(/Agreed/);
    expect(after.progress).toMatchObject({ reviewed: view.items.length, notCovered: 1 });
    expect(await problem(recordFinding(db(), await admin(), roundId, otherCourse, { coverage: 'covered', evidence: 'x' }))).toMatch(/signed off/);
    expect(await problem(signOffRound(db(), await manager(), roundId, {}))).toMatch(/already been signed off/);

    const m = await courseTopicMatrix(db(), await manager());
    const row = m.courses.find((c) => c.id === otherCourse)!;
    expect(row.cells.find((c) => c.topic === 'disguised_compliance')).toEqual({ topic: 'disguised_compliance', listed: false, finding: 'not_covered' });
    expect(row.cells.find((c) => c.topic === 'toxicology_substance_use')?.listed).toBe(true);
  });

  it('measures coverage: attended people against Beacon’s people, then against an imported headcount; gaps shown', async () => {
    const start = new Date(NOW.getTime() + 3 * DAY);
    const s = await createSession(db(), await admin(), dcCourse, {
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
      venue: 'Room 2',
      capacity: '20',
    });
    for (const p of people.slice(0, 3)) await bookPlace(db(), await contextFor(db(), p), s.id, {});
    await markRegister(db(), await admin(), s.id, { everyone: 'attended' }, new Date(start.getTime() + 3 * 3_600_000));
    const later = new Date(start.getTime() + DAY);

    const [rn5] = await db().select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RN5'));
    const beaconOnly = await workforceCoverage(db(), await manager(), { topic: 'disguised_compliance', years: '3', target: '80' }, later);
    const row = beaconOnly.rows.find((r) => r.organisationId === rn5!.id && r.role === 'point_of_care')!;
    expect(row.source).toBe('beacon');
    expect(row.completed).toBe(3);
    expect(row.headcount).toBeGreaterThanOrEqual(people.length);
    expect(row.gap).toBe(true);
    expect(beaconOnly.courses.map((c) => c.id)).toContain(dcCourse);
    // Toxicology was not attended: nobody is covered for it.
    const tox = await workforceCoverage(db(), await manager(), { topic: 'toxicology_substance_use' }, later);
    expect(tox.total.completed).toBe(0);
    expect(await problem(workforceCoverage(db(), await manager(), { years: '0' }, later))).toMatch(/1 to 10/);

    // An imported headcount: every line checked, nothing imported unless all are right.
    expect(await problem(importHeadcounts(db(), await admin(), 'ods_code,role,headcount\nRN5,point_of_care,3\nZZZ,point_of_care,9'))).toMatch(
      /Line 3: no organisation/,
    );
    expect(await db().select().from(learningHeadcounts)).toHaveLength(0);
    expect(await problem(importHeadcounts(db(), await admin(), 'name,count\nx,1'))).toMatch(/ods_code, role, headcount/);
    await expect(importHeadcounts(db(), await manager(), 'ods_code,role,headcount\nRN5,point_of_care,3')).rejects.toBeInstanceOf(ForbiddenError);
    expect(await importHeadcounts(db(), await admin(), 'ods_code,role,headcount\nRN5,Point-of-care clinician,3')).toEqual({ imported: 1 });
    const imported = await workforceCoverage(db(), await manager(), { topic: 'disguised_compliance', target: '80' }, later);
    expect(imported.rows.find((r) => r.organisationId === rn5!.id && r.role === 'point_of_care')).toMatchObject({
      source: 'imported',
      headcount: 3,
      completed: 3,
      percent: 100,
      gap: false,
    });
    // Outside the window (a year from now with a one-year window the session is still in; ten years on it is not).
    const decadeOn = new Date(later.getTime() + 3 * 365 * DAY);
    expect((await workforceCoverage(db(), await manager(), { topic: 'disguised_compliance', years: '1' }, decadeOn)).total.completed).toBe(0);
    await expect(workforceCoverage(db(), await contextFor(db(), 'ed.nurse@beacon.example'), {})).rejects.toBeInstanceOf(ForbiddenError);
  });
});
