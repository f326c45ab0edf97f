/**
 * The library's pages over HTTP (the app as a browser sees it, on PGlite and on PostgreSQL): an upload that
 * is not a PDF is refused with its message and nothing changes; a PDF is attached and downloaded; the public
 * pages answer signed out and never show a draft; the raise-an-alert pages name the SOP they follow; the
 * chronology's prompt points to the current briefing and the course; the CSV of a readership report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type Browser } from '../../test/support/app';
import { contextFor } from '../../test/support/alerts';
import { openTestCase } from '../../test/support/cases';
import { addDays, londonDate } from '../platform/dates';
import { approveVersion, createDocument, publishVersion, sendForReview, startVersion, updateDraft } from './documents';
import { circulate } from './circulation';

let t: TestApp;
const db = () => t.database.db;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function publishedDocument(over: Record<string, unknown> = {}) {
  const m = await contextFor(db(), 'partnership@beacon.example');
  const doc = await createDocument(db(), m, {
    kind: 'sop',
    title: 'High-risk alert SOP (routes test)',
    summary: 'How alerts are raised',
    reviewMonths: 6,
    topics: ['high_risk_alerts'],
    partnership: 'E10000014',
    sharedWith: ['E06000045'],
    body: '# Purpose\n\nRaise an alert.',
    ...over,
  });
  await updateDraft(db(), m, doc.versionId, {
    body: String(over.body ?? '# Purpose\n\nRaise an alert.'),
    changeSummary: 'First',
    reviewers: 'midwife@beacon.example',
  });
  await sendForReview(db(), m, doc.versionId);
  await approveVersion(db(), m, doc.versionId, { group: 'Subgroup', meeting: 'March', approvedOn: '2026-01-01' });
  await publishVersion(db(), m, doc.versionId);
  return doc;
}

async function upload(b: Browser, versionId: string, file: Buffer, name = 'procedure.pdf') {
  const boundary = `----beacon${Date.now().toString(16)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${b.csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await t.app.inject({
    method: 'POST',
    url: `/library/versions/${versionId}/attachment`,
    remoteAddress: b.ip,
    headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  return { status: res.statusCode, location: res.headers.location as string | undefined, body: res.body };
}

describe('library pages', () => {
  it('refuses an attachment that is not a PDF with its message, and keeps a PDF with its name', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const m = await contextFor(db(), 'partnership@beacon.example');
    const doc = await createDocument(db(), m, {
      kind: 'guideline',
      title: 'Attachment test',
      summary: 's',
      reviewMonths: 12,
      partnership: 'E10000014',
      body: 'x',
    });
    await b.get(`/library/versions/${doc.versionId}`);
    const bad = await upload(b, doc.versionId, Buffer.from('MZ\x90\x00 not a pdf'), 'tool.exe');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('The file must be a PDF');
    expect((await b.get(`/library/versions/${doc.versionId}/attachment`)).status).toBe(404);
    await b.get(`/library/versions/${doc.versionId}`);
    const ok = await upload(b, doc.versionId, Buffer.from('%PDF-1.4\n%%EOF'), 'Approved procedure.pdf');
    expect(ok.status).toBe(303);
    const file = await b.get(`/library/versions/${doc.versionId}/attachment`);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toContain('Approved procedure.pdf');
  });

  it('serves the public pages signed out, only what is published, and the Atom feed', async () => {
    const doc = await publishedDocument({ title: 'Public test SOP' });
    const m = await contextFor(db(), 'partnership@beacon.example');
    const next = await startVersion(db(), m, doc.id, { change: 'minor' });
    await updateDraft(db(), m, next.id, { body: 'SECRET DRAFT WORDING', changeSummary: 'Draft', reviewers: '' });
    const anon = t.browser();
    const page = await anon.get('/public/e06000045');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Public test SOP');
    const shown = await anon.get(`/public/E06000045/documents/${doc.id}`);
    expect(shown.body).toContain('Raise an alert.');
    expect(shown.body).not.toContain('SECRET DRAFT WORDING');
    expect((await anon.get(`/public/E06000044/documents/${doc.id}`)).status).toBe(404);
    expect((await anon.get('/public/NOPE')).status).toBe(404);
    const feed = await anon.get('/public/E06000045/feed.atom');
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain('<title>Public test SOP (version 1.0)</title>');
    // Signed out, the rest of the library asks for sign-in.
    expect((await anon.get(`/library/versions/${next.id}`)).status).toBe(302);
  });

  it('names the SOP in force on the raise-an-alert pages', async () => {
    const b = await t.browser().signedInAs('midwife@beacon.example');
    const page = await b.get('/alerts/new');
    expect(page.body).toContain('class="beacon-secondary-text beacon-sop"');
    await publishedDocument({ title: 'Newest alert SOP (routes test)' });
    // The newest publication for the area is the one in force.
    expect((await b.get('/alerts/new')).body).toMatch(
      /These pages follow the <a href="\/library\/versions\/[0-9a-f-]+">Newest alert SOP \(routes test\), version 1\.0<\/a>/,
    );
  });

  it('points a flight prompt on the chronology to the current briefing on flight', async () => {
    await publishedDocument({ kind: 'briefing', title: 'Spotlight briefing: flight (routes test)', topics: ['flight'] });
    const midwife = await contextFor(db(), 'midwife@beacon.example');
    const c = await openTestCase(db(), midwife, { givenName: 'Nell', familyName: 'Tarrant' });
    const b = await t.browser().signedInAs('midwife@beacon.example');
    await b.get(`/cases/${c.id}/chronology`);
    const day = (n: number) => addDays(londonDate(new Date()), -n).split('-');
    for (const [n, kind] of [
      [5, 'address_change'],
      [3, 'gp_change'],
    ] as const) {
      const [y, mo, d] = day(n);
      const r = await b.post(`/cases/${c.id}/chronology`, {
        kind,
        'occurredAt.day': String(Number(d)),
        'occurredAt.month': String(Number(mo)),
        'occurredAt.year': y!,
        'occurredAt.time': '',
        summary: `Recorded ${kind}`,
        professional: '',
        agency: '',
      });
      expect(r.status).toBe(303);
    }
    const page = await b.get(`/cases/${c.id}/chronology`);
    expect(page.body).toContain('Guidance on what the pattern may be');
    expect(page.body).toMatch(/Flight: <a href="\/library\/versions\/[0-9a-f-]+">Spotlight briefing: flight \(routes test\) \(version 1\.0\)<\/a>/);
  });

  it('downloads the readership as CSV for the partnership, with spreadsheet formulas kept as text', async () => {
    const doc = await publishedDocument({ title: '=HYPERLINK("http://x")' });
    const m = await contextFor(db(), 'partnership@beacon.example');
    await circulate(db(), m, doc.versionId, { everyone: 'yes' });
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const csv = await b.get(`/library/documents/${doc.id}/readership.csv`);
    expect(csv.status).toBe(200);
    expect(csv.body.split('\n')[0]).toBe('Document,Version,Group,Name,Asked,Opened,Confirmed read,Confirmed %,Knowledge check answers right,Right %');
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    const page = await b.get(`/library/documents/${doc.id}/readership`);
    expect(page.body).toContain('<svg');
    const other = await (await t.browser().signedInAs('social.worker@beacon.example')).get(`/library/documents/${doc.id}/readership`);
    expect(other.status).toBe(403);
  });
});
