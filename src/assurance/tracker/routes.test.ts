/**
 * The tracker's pages on the real application: the review page, an action page, uploading a file as evidence
 * from the browser's multipart form (a file that is not allowed comes back with its message and saves nothing),
 * the download, and the board report page and PDF.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, startTestApp, type TestApp } from '../../../test/support/app';
import { contextFor } from '../../../test/support/alerts';
import { geographies } from '../../directory/schema';
import { addDays, londonDate } from '../../platform/dates';
import { addRecommendation, createAction, createReview } from './service';
import { trackerEvidence } from './schema';

let t: TestApp;
let reviewId: string;
let actionId: string;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
  const db = t.database.db;
  const [hampshire] = await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E10000014'));
  const pm = await contextFor(db, 'partnership@beacon.example');
  reviewId = (
    await createReview(db, pm, { partnershipId: hampshire!.id, title: 'Partnership review: Baby H', reviewType: 'partnership_review', subgroup: 'LIG' })
  ).id;
  const rec = await addRecommendation(db, pm, reviewId, { text: 'Training', addressees: ['board'] });
  actionId = (await createAction(db, pm, rec.id, { title: 'Refresh the course', ownerName: 'Nadia Hussain', dueOn: addDays(londonDate(new Date()), 40) })).id;
});
afterAll(async () => t?.close());

async function upload(b: Browser, file: Buffer, name: string, note: string) {
  const boundary = `----beacon${Date.now().toString(16)}`;
  const field = (n: string, v: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`);
  const res = await t.app.inject({
    method: 'POST',
    url: `/assurance/actions/${actionId}/evidence-file`,
    remoteAddress: b.ip,
    headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      field('_csrf', b.csrf ?? ''),
      field('note', note),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
  return { status: res.statusCode, location: res.headers.location as string | undefined, body: res.body };
}

describe('tracker pages', () => {
  it('take a file as evidence from the form, refuse one not allowed, and let the review’s readers download it', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    expect((await b.get(`/assurance/actions/${actionId}`)).status).toBe(200);
    const bad = await upload(b, Buffer.from('MZ not a document'), 'tool.exe', 'A register');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('The file must be a PDF');
    expect(await t.database.db.select().from(trackerEvidence).where(eq(trackerEvidence.actionId, actionId))).toHaveLength(0);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const ok = await upload(b, pdf, 'register.pdf', 'The signed register');
    expect(ok.status).toBe(303);
    const [e] = await t.database.db.select().from(trackerEvidence).where(eq(trackerEvidence.actionId, actionId));
    expect(e).toMatchObject({ kind: 'file', fileName: 'register.pdf', note: 'The signed register' });
    const auditor = await t.browser().signedInAs('auditor@beacon.example');
    const got = await auditor.get(`/assurance/evidence/${e!.id}/file`);
    expect(got.status).toBe(200);
    const page = await b.get(`/assurance/reviews/${reviewId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('1 piece of evidence');
    const board = await b.get('/assurance/board-report');
    expect(board.status).toBe(200);
    expect(board.body).toContain('Board report: Hampshire');
    const nurse = await t.browser().signedInAs('ed.nurse@beacon.example');
    expect((await nurse.get(`/assurance/evidence/${e!.id}/file`)).status).toBe(403);
  });
});
