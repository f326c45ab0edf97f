/**
 * The SOP audit pages and API on the real application: the partnership manager starts an audit from the
 * form (a bad form is shown again and saves nothing), opens it, a criterion's drill-down, the CSV, changes
 * the criteria, signs it off; the API lists and reads the same figures; the auditor reads but cannot sign.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';
import { geographies } from '../directory/schema';
import { assuranceAuditRuns } from './schema';

let t: TestApp;
let hampshire: string;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
  hampshire = (await t.database.db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E10000014')))[0]!.id;
});
afterAll(async () => t?.close());

const runCount = async () => (await t.database.db.select({ n: count() }).from(assuranceAuditRuns))[0]!.n;

describe('SOP audit pages', () => {
  let runId: string;

  it('the partnership manager starts an audit; a bad form comes back with its problems and saves nothing', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const list = await b.get('/assurance/audits');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Start an audit');
    const form = await b.get('/assurance/audits/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('Hampshire');
    const before = await runCount();
    const bad = await b.post('/assurance/audits', { partnershipId: hampshire, from: '', months: '13', baseline: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('The period must be from 1 to 12 months');
    expect(await runCount()).toBe(before);
    const noSop = await b.post('/assurance/audits', { partnershipId: hampshire, from: '', months: '6', baseline: 'yes' });
    expect(noSop.status).toBe(400);
    expect(noSop.body).toContain('enter the date the audit period starts');
    const ok = await b.post('/assurance/audits', { partnershipId: hampshire, from: '2026-01-01', months: '6', baseline: 'yes' });
    expect(ok.status).toBe(303);
    runId = ok.location!.split('/').pop()!.split('?')[0]!;
    expect(await runCount()).toBe(before + 1);
  });

  it('shows the run, a criterion’s drill-down, the CSV and a comparison', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const page = await b.get(`/assurance/audits/${runId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('NHS number recorded');
    expect(page.body).toContain('1 January 2026 to 30 June 2026');
    expect(page.body).toContain('<svg role="img"');
    expect(page.body).toContain('Sign off and freeze');
    const criterion = await b.get(`/assurance/audits/${runId}/criteria/acknowledged`);
    expect(criterion.status).toBe(200);
    expect(criterion.body).toContain('Month by month');
    expect((await b.get(`/assurance/audits/${runId}/criteria/no_such_thing`)).status).toBe(404);
    const csv = await b.get(`/assurance/audits/${runId}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toContain('criterion');
    const pdf = await b.get(`/assurance/audits/${runId}/report.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.body.startsWith('%PDF-')).toBe(true);
    const again = await b.post('/assurance/audits', { partnershipId: hampshire, from: '2025-07-01', months: '6', baseline: 'no' });
    const second = again.location!.split('/').pop()!.split('?')[0]!;
    const compared = await b.get(`/assurance/audits/compare?a=${second}&b=${runId}`);
    expect(compared.status).toBe(200);
    expect(compared.body).toContain('compared with');
    expect((await b.get(`/assurance/audits/compare?a=${runId}&b=${runId}`)).status).toBe(400);
  });

  it('changes the criteria as a new version; a bad standard is refused with its field named', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const page = await b.get(`/assurance/criteria/${hampshire}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Save as a new version');
    const fields: Record<string, string> = {};
    for (const m of page.body.matchAll(/name="([a-z_]+\.(?:target|threshold))"[^>]*value="([^"]*)"/g)) fields[m[1]!] = m[2]!;
    const enabled = [...page.body.matchAll(/name="([a-z_]+\.enabled)"/g)].map((m) => m[1]!);
    const form = { ...fields, ...Object.fromEntries(enabled.map((e) => [e, 'yes'])), changeReason: 'Agreed by the subgroup' };
    const bad = await b.post(`/assurance/criteria/${hampshire}`, { ...form, 'nhs_number.target': '120' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('href="#nhs_number.target"');
    const ok = await b.post(`/assurance/criteria/${hampshire}`, { ...form, 'nhs_number.target': '90' });
    expect(ok.status).toBe(303);
    const after = await b.get(`/assurance/criteria/${hampshire}`);
    expect(after.body).toContain('Version 1, from');
  });

  it('the auditor reads but cannot sign off; the manager signs off and the run is frozen', async () => {
    const auditor = await t.browser().signedInAs('auditor@beacon.example');
    expect((await auditor.get(`/assurance/audits/${runId}`)).body).not.toContain('Sign off and freeze');
    expect((await auditor.post(`/assurance/audits/${runId}/sign-off`, { note: 'x' })).status).toBe(403);
    const b = await t.browser().signedInAs('partnership@beacon.example');
    await b.get(`/assurance/audits/${runId}`);
    expect((await b.post(`/assurance/audits/${runId}/sign-off`, { note: '' })).status).toBe(400);
    const ok = await b.post(`/assurance/audits/${runId}/sign-off`, { note: 'Quality assurance subgroup, 3 July 2026' });
    expect(ok.status).toBe(303);
    const page = await b.get(`/assurance/audits/${runId}`);
    expect(page.body).toContain('Hash verified');
    expect(page.body).not.toContain('Sign off and freeze');
  });

  it('the protocol audit: started from the same form, its own criteria page, the same JSON', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    await b.get('/assurance/audits/new');
    const ok = await b.post('/assurance/audits', { kind: 'protocol', partnershipId: hampshire, from: '2026-01-01', months: '6', baseline: 'yes' });
    expect(ok.status).toBe(303);
    const id = ok.location!.split('/').pop()!.split('?')[0]!;
    const page = await b.get(`/assurance/audits/${id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Protocol milestones met on time');
    expect(page.body).toContain('Protocol audit, Hampshire');
    const milestones = await b.get(`/assurance/audits/${id}/criteria/milestones_on_time`);
    expect(milestones.status).toBe(200);
    const criteria = await b.get(`/assurance/criteria/${hampshire}?kind=protocol`);
    expect(criteria.body).toContain('Protocol audit criteria: Hampshire');
    expect(criteria.body).toContain('Chronology prompts answered');
    const api = await ApiClient.as(t, 'partnership@beacon.example');
    const run = await api.get(`/api/assurance/audit-runs/${id}`);
    expect(run.json.kind).toBe('protocol');
    expect(run.json.criteria.map((c: { key: string }) => c.key)).toContain('escalation_stages_on_time');
    expect((await api.get(`/api/assurance/criteria/${hampshire}?kind=protocol`)).json.version).toBe(0);
    expect((await api.get(`/api/assurance/criteria/${hampshire}?kind=everything`)).status).toBe(400);
  });

  it('the API lists and reads runs with the same figures, and starts one', async () => {
    const api = await ApiClient.as(t, 'designated@beacon.example');
    const list = await api.get('/api/assurance/audit-runs');
    expect(list.status).toBe(200);
    const frozen = list.json.runs.find((r: { id: string }) => r.id === runId);
    expect(frozen).toMatchObject({ status: 'frozen', partnership: { id: hampshire } });
    expect(frozen.snapshotHash).toMatch(/^[0-9a-f]{64}$/);
    const one = await api.get(`/api/assurance/audit-runs/${runId}`);
    expect(one.status).toBe(200);
    expect(one.json.verified).toBe(true);
    expect(one.json.criteria.map((c: { key: string; period: { total: number } }) => [c.key, c.period.total])).toEqual(
      frozen.criteria.map((c: { key: string; total: number }) => [c.key, c.total]),
    );
    const started = await api.post('/api/assurance/audit-runs', { partnershipId: hampshire, from: '2026-02-01', months: 3 });
    expect(started.status).toBe(201);
    const refused = await api.post('/api/assurance/audit-runs', { partnershipId: hampshire, months: 'six' });
    expect(refused.status).toBe(400);
    expect((await api.get(`/api/assurance/criteria/${hampshire}`)).json.version).toBe(1);
    expect((await api.get('/api/assurance/criteria/not-a-partnership')).status).toBe(404);
  });
});
