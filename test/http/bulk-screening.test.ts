import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createWorker } from '../../src/server';
import { screeningRuns } from '../../src/identity/bulk-screening/schema';
import { purgeScreenings } from '../../src/identity/bulk-screening/service';
import { contextFor, raiseActiveAlert, SUBJECT, validAlertContent } from '../support/alerts';
import { startTestApp, type Browser, type TestApp } from '../support/app';

/** A multipart/form-data POST, as a browser sends a file upload. */
async function upload(t: TestApp, b: Browser, csv: string, csrf = b.csrf ?? '') {
  const boundary = `----beacon${Date.now().toString(16)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="list.csv"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.from(csv),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await t.app.inject({
    method: 'POST',
    url: '/screening',
    remoteAddress: b.ip,
    headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  return { status: res.statusCode, location: res.headers.location as string | undefined, body: res.body };
}

describe('bulk screening pages', () => {
  let t: TestApp;
  let reference = '';
  beforeAll(async () => {
    t = await startTestApp({ BEACON_DATA_DIR: '/tmp/beacon-bulk-screening-test' });
    const db = t.database.db;
    reference = (await raiseActiveAlert(db, await contextFor(db, 'midwife@beacon.example'), await contextFor(db, 'designated@beacon.example'), validAlertContent())).reference;
  });
  afterAll(async () => t?.close());

  const drain = () => createWorker(t.database, t.config, { info: () => undefined, warn: () => undefined, error: () => undefined } as never).drain();

  it('a coordinator uploads a list, sees progress, then the matches with problems by line, and downloads the CSV', async () => {
    const b = await t.browser().signedInAs('coordinator.qah@beacon.example');
    const form = await b.get('/screening');
    expect(form.status).toBe(200);
    expect(form.body).toContain('Screen a list against alerts');
    const csv = [
      'id,family_name,given_name,date_of_birth,nhs_number',
      `b1,${SUBJECT.family},${SUBJECT.given},${SUBJECT.dateOfBirth},`,
      'b2,Nobody,Alice,1985-03-03,',
      'b3,Broken,Row,31/02/1990,',
    ].join('\n');
    const res = await upload(t, b, csv);
    expect(res.status).toBe(302);
    const runUrl = res.location!;
    expect(runUrl).toMatch(/^\/screening\/[0-9a-f-]{36}$/);

    const waiting = await b.get(runUrl);
    expect(waiting.body).toContain('0 of 3 rows checked');
    expect(waiting.body).toContain('data-auto-refresh');

    await drain();
    const done = await b.get(runUrl);
    expect(done.body).toContain('Screening results');
    expect(done.body).toContain(reference);
    expect(done.body).toMatch(/1 person has<\/strong> a possible or strong match/);
    expect(done.body).toContain('Line 4 (date_of_birth): not checked');
    const file = await b.get(`${runUrl}/matches.csv`);
    expect(file.status).toBe(200);
    expect(String(file.headers['content-type'])).toContain('text/csv');
    const lines = file.body.trim().split('\n');
    expect(lines[0]).toBe('input_id,rank,reference_id,probability,band');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([`b1,1,${reference}`]);

    // The list and its matches are stored sealed: the raw CSV is not in the row.
    const [row] = await t.database.db.select().from(screeningRuns).where(eq(screeningRuns.id, runUrl.split('/')[2]!));
    expect(row!.inputEnc!.includes(Buffer.from(SUBJECT.family))).toBe(false);

    // Someone else cannot see the results, not even in the same role.
    const other = await t.browser().signedInAs('coordinator.pah@beacon.example');
    expect((await other.get(runUrl)).status).toBe(403);
    expect((await other.get(`${runUrl}/matches.csv`)).status).toBe(403);

    // After a day the list and matches are deleted; the page says so.
    expect(await purgeScreenings(t.database.db, new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThanOrEqual(1);
    const gone = await b.get(runUrl);
    expect(gone.body).toContain('These results have been deleted');
  });

  it('a file that cannot be screened is refused with a clear message and nothing is stored', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    await b.get('/screening');
    const before = (await t.database.db.select().from(screeningRuns)).length;
    for (const [csv, message] of [
      ['name,dob\nx,y\n', 'the header row has no id column'],
      ['id,family_name\n', 'no people in it'],
      ['', 'Select a CSV file of people to screen'],
    ] as const) {
      const res = await upload(t, b, csv);
      expect(res.status).toBe(400);
      expect(res.body).toContain(message);
      expect(res.body).toContain('There is a problem');
    }
    expect((await t.database.db.select().from(screeningRuns)).length).toBe(before);
    const noToken = await upload(t, b, 'id\n1\n', 'not-a-token');
    expect(noToken.status).toBe(403);
  });

  it('roles that do not act on alerts cannot screen', async () => {
    for (const who of ['ed.nurse@beacon.example', 'admin@beacon.example', 'partnership@beacon.example']) {
      const b = await t.browser().signedInAs(who);
      expect((await b.get('/screening')).status, who).toBe(403);
    }
  });
});
