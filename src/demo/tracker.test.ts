/**
 * The tracker demo shows the loop closed on first start: the Baby H review's four recommendations with the
 * responses the seed document records, actions whose evidence is Beacon's own records (read through their
 * own services), one recommendation quality-assured and signed off, and every RAG colour on the board report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from './seed';
import { seedDemoLearning } from './learning';
import { seedDemoLibrary } from './library';
import { seedDemoAssurance } from './assurance';
import { seedDemoTracker } from './tracker';
import { boardReport } from '../assurance/tracker/board';
import { getAction, listReviews } from '../assurance/tracker/reading';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  await seedDemoLearning(db(), { password: PASSWORD });
  await seedDemoLibrary(db());
  await seedDemoAssurance(db(), { password: PASSWORD, count: 24 });
  expect(await seedDemoTracker(db())).toBe(true);
  expect(await seedDemoTracker(db())).toBe(false);
}, 300_000);
afterAll(async () => tdb?.close());

describe('the tracker demo', () => {
  it('has the review, its four recommendations and the responses the seed records', async () => {
    const manager = await contextFor(db(), 'partnership@beacon.example');
    const [review, ...others] = await listReviews(db(), manager);
    expect(others).toEqual([]);
    expect(review!.title).toBe('Partnership review: Baby H');
    expect(review!.recommendations.map((r) => r.number)).toEqual([1, 2, 3, 4]);
    expect(review!.recommendations[1]!.responses.map((r) => r.addressee).sort()).toEqual([
      'NHS Hampshire and Isle of Wight Integrated Care Board',
      'The board (the partnership)',
    ]);
    expect(review!.recommendations.every((r) => r.responses.every((x) => x.response))).toBe(true);
    expect(review!.recommendations.map((r) => r.progress.stage)).toEqual(['signed_off', 'open', 'open', 'open']);
    const rags = review!.recommendations.flatMap((r) => r.actions.map((a) => a.rag));
    for (const rag of ['complete', 'red', 'amber', 'green']) expect(rags, rag).toContain(rag);
  });

  it('links evidence from the course, the briefing, the documents and the frozen audit, with what each showed', async () => {
    const manager = await contextFor(db(), 'partnership@beacon.example');
    const [review] = await listReviews(db(), manager);
    const kinds = new Map<string, string>();
    for (const a of review!.recommendations.flatMap((r) => r.actions))
      for (const e of (await getAction(db(), manager, a.id)).evidence) kinds.set(e.kind, e.summary);
    expect([...kinds.keys()].sort()).toEqual(['audit_run', 'course', 'document', 'readership']);
    expect(kinds.get('course')).toMatch(/attended of \d+ on registers marked/);
    expect(kinds.get('readership')).toMatch(/\d+ people asked to read it; \d+ opened it; \d+ confirmed reading it/);
    expect(kinds.get('audit_run')).toMatch(/Signed off by .* Snapshot SHA-256 [0-9a-f]{16}/);
  });

  it('reports overdue actions and the evidence added since the last report presented', async () => {
    const board = await contextFor(db(), 'board@beacon.example');
    const r = await boardReport(db(), board, undefined);
    expect(r.partnership!.name).toBe('Hampshire');
    expect(r.since).not.toBeNull();
    expect(r.overdue.map((a) => a.title)).toEqual(['Explore how embedded the guidelines are in practice (multi-agency case-file audit)']);
    expect(r.overdue[0]!.revisions).toBe(1);
    // The course, the briefing and the audit were added within the last two months; the documents before.
    expect(r.evidence.map((e) => e.kind).sort()).toEqual(['audit_run', 'course', 'readership']);
    expect(r.totals).toMatchObject({ recommendations: 4, signedOff: 1, red: 1 });
  });
});
