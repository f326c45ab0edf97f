import { and, desc, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protocolVersions } from '../schema';
import { DEFAULT_STAGES } from '../../escalations/stages';
import { geographies } from '../../directory/schema';
import { type Browser, startTestApp, type TestApp } from '../../../test/support/app';
import { ApiClient } from '../../../test/support/api-client';
import { htmlText } from '../../../test/support/cases';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
const HAMPSHIRE = 'E10000014';
const SOUTHAMPTON = 'E06000045';

/** Every field of the structured milestone form as the page renders it. */
function formFields(html: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    const name = m[1]!;
    if (name === '_csrf') continue;
    const type = /type="([^"]+)"/.exec(tag)?.[1];
    const value = htmlText(/value="([^"]*)"/.exec(tag)?.[1] ?? '');
    if (type === 'checkbox') {
      if (/\schecked/.test(tag)) out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    } else out[name] = value;
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = htmlText(m[2]!.trim());
  for (const m of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]!] = /<option value="([^"]*)"[^>]*selected/.exec(m[2]!)?.[1] ?? '';
  }
  return out;
}

async function hampshireVersions() {
  const [g] = await db().select().from(geographies).where(eq(geographies.code, HAMPSHIRE));
  return db()
    .select()
    .from(protocolVersions)
    .where(and(eq(protocolVersions.kind, 'case_milestones'), eq(protocolVersions.geographyId, g!.id)));
}

describe('protocol pages', () => {
  let pm: Browser;
  beforeAll(async () => {
    pm = await t.browser().signedInAs('partnership@beacon.example');
  });

  it('lists the configuration in force and offers Hampshire’s manager their own area', async () => {
    const res = await pm.get('/protocols');
    expect(res.status).toBe(200);
    const html = htmlText(res.body);
    expect(html).toContain('Protocol milestones');
    expect(html).toContain('Escalation stages');
    expect(html).toContain('Chronology pattern prompts');
    expect(html).toContain(`href="/protocols/milestones/${HAMPSHIRE}/edit"`);
    expect(html).not.toContain('href="/protocols/milestones/national/edit"');
  });

  it('shows a readable protocol and its history', async () => {
    const res = await pm.get('/protocols/milestones/national');
    expect(res.status).toBe(200);
    const html = htmlText(res.body);
    expect(html).toContain('Referral to children’s social care');
    expect(html).toContain('by 16+0 weeks');
    expect(html).toContain('within 48 hours of “Birth plan agreed”');
    expect(html).toContain('Documented default');
    const stages = htmlText((await pm.get('/protocols/escalation-stages/national')).body);
    expect(stages).toContain('Manager to manager');
    expect(stages).toContain('within 5 working days');
    const rules = htmlText((await pm.get('/protocols/pattern-rules/national')).body);
    expect(rules).toMatch(
      /When the chronology has at least 3 entries of appointment missed or appointment cancelled by the family and at least 1 change of address within 56 days/,
    );
    expect((await pm.get('/protocols/nonsense/national')).status).toBe(404);
    expect((await pm.get('/protocols/milestones/NOWHERE')).status).toBe(404);
  });

  it('lets Hampshire’s manager edit Hampshire but not Southampton', async () => {
    expect((await pm.get(`/protocols/milestones/${SOUTHAMPTON}/edit`)).status).toBe(403);
    expect((await pm.post(`/protocols/milestones/${SOUTHAMPTON}/edit`, { format: 'json', definition: '{}', changeReason: 'x' })).status).toBe(403);
    expect((await pm.get('/protocols/milestones/national/edit')).status).toBe(403);
    const res = await pm.get(`/protocols/milestones/${HAMPSHIRE}/edit`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('name="m.0.key"');
    expect(htmlText(res.body)).toContain('Existing cases keep the version they use now');
  });

  it('refuses a bad structured form with errors on the right fields, saving nothing', async () => {
    const page = await pm.get(`/protocols/milestones/${HAMPSHIRE}/edit`);
    const fields = formFields(page.body);
    const rows = Number(fields.rows);
    const last = rows - 1;
    const res = await pm.post(`/protocols/milestones/${HAMPSHIRE}/edit`, {
      ...fields,
      action: 'save',
      'm.0.weeks': 'sixteen',
      [`m.${last}.key`]: 'extra_step',
      [`m.${last}.label`]: 'Extra step',
      [`m.${last}.ruleType`]: 'milestone',
      [`m.${last}.afterKey`]: 'no_such',
      [`m.${last}.amount`]: '2',
      [`m.${last}.unit`]: 'days',
      changeReason: '',
    });
    expect(res.status).toBe(400);
    const html = htmlText(res.body);
    expect(html).toContain('There is a problem');
    expect(html).toContain('href="#m-0-weeks"');
    expect(html).toContain(`Milestone ${last + 1}: There is no milestone with the key “no_such” in this protocol`);
    expect(html).toContain('href="#changeReason"');
    expect(html).toContain('value="extra_step"');
    expect(await hampshireVersions()).toHaveLength(0);
  });

  it('previews, then saves a new version from the structured form', async () => {
    const fields = formFields((await pm.get(`/protocols/milestones/${HAMPSHIRE}/edit`)).body);
    const edited = { ...fields, 'm.0.weeks': '12', changeReason: 'Board agreed referral by 12 weeks' };
    const preview = await pm.post(`/protocols/milestones/${HAMPSHIRE}/edit`, { ...edited, action: 'preview' });
    expect(preview.status).toBe(200);
    expect(htmlText(preview.body)).toContain('by 12+0 weeks');
    expect(await hampshireVersions()).toHaveLength(0);
    const saved = await pm.post(`/protocols/milestones/${HAMPSHIRE}/edit`, { ...edited, action: 'save' });
    expect(saved.status).toBe(303);
    expect(saved.location).toMatch(new RegExp(`^/protocols/milestones/${HAMPSHIRE}\\?done=`));
    const versions = await hampshireVersions();
    expect(versions).toHaveLength(1);
    expect((versions[0]!.definition as { milestones: { key: string; due: unknown }[] }).milestones[0]).toMatchObject({
      key: 'referral_to_social_care',
      due: { from: 'gestation', weeks: 12, days: 0 },
    });
    const view = htmlText((await pm.get(saved.location!)).body);
    expect(view).toContain('Version 1 saved and now in force');
    expect(view).toContain('Board agreed referral by 12 weeks');
  });

  it('edits escalation stages as JSON, listing problems with their paths in words', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const page = await admin.get('/protocols/escalation-stages/national/edit?as=json');
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="definition"');
    const bad = DEFAULT_STAGES.map((s) => (s.stage === 2 ? { ...s, due: { hours: 0 } } : s));
    const res = await admin.post('/protocols/escalation-stages/national/edit', {
      format: 'json',
      action: 'save',
      definition: JSON.stringify(bad),
      changeReason: 'Try',
    });
    expect(res.status).toBe(400);
    expect(htmlText(res.body)).toContain('Stage 2, due, hours: The number of hours must be 1 or more');
    const broken = await admin.post('/protocols/escalation-stages/national/edit', { format: 'json', action: 'preview', definition: '[{', changeReason: '' });
    expect(broken.status).toBe(400);
    expect(broken.body).toContain('The definition is not valid JSON');
    const before = await db()
      .select()
      .from(protocolVersions)
      .where(and(eq(protocolVersions.kind, 'escalation_stages'), isNull(protocolVersions.geographyId)));
    const good = DEFAULT_STAGES.map((s) => (s.stage === 2 ? { ...s, due: { workingDays: 3 } } : s));
    const ok = await admin.post('/protocols/escalation-stages/national/edit', {
      format: 'json',
      action: 'save',
      definition: JSON.stringify(good),
      changeReason: 'Stage 2 in 3 working days',
    });
    expect(ok.status).toBe(303);
    const after = await db()
      .select()
      .from(protocolVersions)
      .where(and(eq(protocolVersions.kind, 'escalation_stages'), isNull(protocolVersions.geographyId)));
    expect(after).toHaveLength(before.length + 1);
  });

  it('edits escalation stages in a structured form, numbering them in order', async () => {
    const admin = await t.browser().signedInAs('admin@beacon.example');
    const page = await admin.get('/protocols/escalation-stages/national/edit');
    expect(page.status).toBe(200);
    const fields = formFields(page.body);
    expect(fields['s.1.label']).toBe('Manager to manager');
    const rows = Number(fields.rows);
    const bad = await admin.post('/protocols/escalation-stages/national/edit', {
      ...fields,
      action: 'save',
      's.1.amount': '0',
      [`s.${rows - 1}.label`]: 'Chief officers',
      changeReason: 'Add a fifth stage',
    });
    expect(bad.status).toBe(400);
    const html = htmlText(bad.body);
    expect(html).toContain('href="#s-1-amount"');
    expect(html).toContain(`Stage ${rows}: Enter who holds the escalation at this stage`);
    const ok = await admin.post('/protocols/escalation-stages/national/edit', {
      ...fields,
      action: 'save',
      's.0.remove': 'yes',
      changeReason: 'No practitioner stage',
    });
    expect(ok.status).toBe(303);
    const [latest] = await db()
      .select()
      .from(protocolVersions)
      .where(and(eq(protocolVersions.kind, 'escalation_stages'), isNull(protocolVersions.geographyId)))
      .orderBy(desc(protocolVersions.version))
      .limit(1);
    expect((latest!.definition as { stage: number; label: string }[]).map((s) => [s.stage, s.label])).toEqual([
      [1, 'Manager to manager'],
      [2, 'Safeguarding leads'],
      [3, 'Safeguarding partnership'],
    ]);
  });

  it('is not open to people who may not view protocols', async () => {
    // Every role that works with cases may read protocols; nobody signed out may.
    const res = await t.app.inject({ method: 'GET', url: '/protocols' });
    expect([302, 303, 401]).toContain(res.statusCode);
  });
});

describe('protocol API', () => {
  it('lists, reads and creates versions, refusing invalid definitions with paths', async () => {
    const api = await ApiClient.as(t, 'partnership@beacon.example');
    const list = await api.get('/api/protocols');
    expect(list.status).toBe(200);
    expect((list.json.kinds as { kind: string }[]).map((k) => k.kind)).toEqual(['case_milestones', 'escalation_stages', 'pattern_rules']);
    const detail = await api.get(`/api/protocols/milestones/${HAMPSHIRE}`);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ kind: 'case_milestones', canEdit: true, geography: { code: HAMPSHIRE } });
    const def = (detail.json.shown as { definition: { milestones: Record<string, unknown>[] } }).definition;
    const bad = structuredClone(def);
    bad.milestones[1]!.due = { from: 'milestone', key: 'missing_step', after: { days: 2 } };
    const refused = await api.post(`/api/protocols/milestones/${HAMPSHIRE}`, { definition: bad, changeReason: 'Try' });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      error: 'invalid',
      fields: { 'definition.milestones.1.due.key': 'There is no milestone with the key “missing_step” in this protocol' },
    });
    const created = await api.post(`/api/protocols/milestones/${HAMPSHIRE}`, { definition: def, changeReason: 'Same again, via the API' });
    expect(created.status).toBe(201);
    expect(created.json.version).toBe(2);
    expect((await api.post(`/api/protocols/milestones/${SOUTHAMPTON}`, { definition: def, changeReason: 'x' })).status).toBe(403);
  });

  it('describes the protocol endpoints in the OpenAPI document', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/api/protocols']?.get).toBeDefined();
    expect(doc.paths['/api/protocols/{kind}/{geographyCode}']?.get).toBeDefined();
    expect(doc.paths['/api/protocols/{kind}/{geographyCode}']?.post).toBeDefined();
  });
});
