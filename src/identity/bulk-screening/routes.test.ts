import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createWorker } from '../../server';
import { screeningRuns } from './schema';
import { decideScreening, purgeScreenings } from './service';
import { alerts } from '../../alerts/schema';
import { auditEvents } from '../../platform/audit/schema';
import { jobs } from '../../platform/jobs/schema';
import { SECURITY_EMAIL_JOB } from '../../platform/notify/security';
import { memberships } from '../../people/schema';
import { users } from '../../platform/auth/schema';
import { contextFor, raiseActiveAlert, SUBJECT, validAlertContent } from '../../../test/support/alerts';
import { startTestApp, type Browser, type TestApp } from '../../../test/support/app';

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
    t = await startTestApp({
      BEACON_DATA_DIR: '/tmp/beacon-bulk-screening-test',
      SCREENING_ROWS_PER_PERSON_PER_DAY: '20',
      SCREENING_ROWS_PER_ORGANISATION_PER_DAY: '40',
    });
    const db = t.database.db;
    reference = (
      await raiseActiveAlert(db, await contextFor(db, 'midwife@beacon.example'), await contextFor(db, 'designated@beacon.example'), validAlertContent())
    ).reference;
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
    const [row] = await t.database.db
      .select()
      .from(screeningRuns)
      .where(eq(screeningRuns.id, runUrl.split('/')[2]!));
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

  it('a row of initials, or one field alone, is not screened; each alert a list matched hears of it', async () => {
    const b = await t.browser().signedInAs('coordinator.pah@beacon.example');
    await b.get('/screening');
    const csv = [
      'id,family_name,given_name,date_of_birth,nhs_number',
      `i1,,${SUBJECT.given.slice(0, 1)},${SUBJECT.dateOfBirth},`,
      `i2,${SUBJECT.family.slice(0, 1)},${SUBJECT.given.slice(0, 1)},${SUBJECT.dateOfBirth},`,
      `i3,,,${SUBJECT.dateOfBirth},`,
      `i4,${SUBJECT.family},${SUBJECT.given},${SUBJECT.dateOfBirth},`,
    ].join('\n');
    const res = await upload(t, b, csv);
    expect(res.status).toBe(302);
    await drain();
    const done = await b.get(res.location!);
    for (const line of [2, 3, 4]) expect(done.body).toContain(`Line ${line}: not checked – not enough to screen safely`);
    const file = await b.get(`${res.location!}/matches.csv`);
    expect(
      file.body
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(['i4']);
    const [alert] = await t.database.db.select().from(alerts).where(eq(alerts.reference, reference));
    const seen = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, alert!.id), eq(auditEvents.action, 'alert.screen.match')));
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)!.actorName).toMatch(/.+/);
  });

  it('a list over the day’s budget waits for a designated professional of the organisation, and the security contact hears of it', async () => {
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    await midwife.get('/screening');
    const rows = Array.from({ length: 25 }, (_, i) => `p${i},Lister${i},Ann,1990-01-${String((i % 28) + 1).padStart(2, '0')},`);
    const res = await upload(t, midwife, ['id,family_name,given_name,date_of_birth,nhs_number', ...rows].join('\n'));
    expect(res.status).toBe(302);
    const runId = res.location!.split('/')[2]!;
    expect((await midwife.get(res.location!)).body).toContain('This list is waiting for approval');
    await drain();
    const [row] = await t.database.db.select().from(screeningRuns).where(eq(screeningRuns.id, runId));
    expect(row!.status).toBe('awaiting_approval');
    const notices = await t.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'security.screening_over_budget'));
    expect(notices.length).toBe(1);
    const emails = await t.database.db.select().from(jobs).where(eq(jobs.type, SECURITY_EMAIL_JOB));
    expect(emails.length).toBeGreaterThanOrEqual(1);

    // Not by the uploader, nor by someone in another organisation's role; a designated professional of
    // the organisation approves it, and it is then screened.
    const own = await midwife.post(`/screening/${runId}/decision`, { decision: 'approve' });
    expect(own.status).toBe(403);
    const designated = await t.browser().signedInAs('designated@beacon.example');
    const page = await designated.get('/screening');
    expect(page.status).toBe(200);
    const [sameOrg] = await t.database.db.select({ org: screeningRuns.organisationId }).from(screeningRuns).where(eq(screeningRuns.id, runId));
    const approverOrg = (await contextFor(t.database.db, 'designated@beacon.example')).actor.organisationId;
    if (sameOrg!.org === approverOrg) {
      expect(page.body).toContain('Lists waiting for your approval');
      expect((await designated.post(`/screening/${runId}/decision`, { decision: 'approve' })).status).toBe(303);
      await drain();
      const [after] = await t.database.db.select().from(screeningRuns).where(eq(screeningRuns.id, runId));
      expect(after!.status).toBe('done');
    } else {
      // The demo approver works for the ICB, not the trust: the trust's list is not theirs to approve.
      expect(page.body).not.toContain('Lists waiting for your approval');
      expect((await designated.post(`/screening/${runId}/decision`, { decision: 'approve' })).status).toBe(403);
      await decideScreening(t.database.db, await sameOrgApprover(t), runId, 'refuse');
      const [after] = await t.database.db.select().from(screeningRuns).where(eq(screeningRuns.id, runId));
      expect(after).toMatchObject({ status: 'refused', inputEnc: null });
      expect((await midwife.get(res.location!)).body).toContain('This list was not approved');
    }
  });
});

/** A designated professional in the midwife's own trust (the demo has its approver at the ICB), made for this test. */
async function sameOrgApprover(t: TestApp) {
  const db = t.database.db;
  const orgId = (await contextFor(db, 'midwife@beacon.example')).actor.organisationId;
  const [u] = await db.insert(users).values({ email: 'trust.designated@beacon.example', displayName: 'Trust Designated' }).returning();
  await db.insert(memberships).values({ userId: u!.id, organisationId: orgId, role: 'designated_professional' });
  return contextFor(db, 'trust.designated@beacon.example');
}
