import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, londonDate } from '../../alerts/pregnancy';
import { birthPlanDistributions, birthPlanVersions, caseMilestones } from '../schema';
import { addProfessional } from '../service';
import { type Browser, startTestApp, type TestApp } from '../../../test/support/app';
import { contextFor } from '../../../test/support/alerts';
import { dateTimeFields, htmlText, openTestCase } from '../../../test/support/cases';
import { ApiClient } from '../../../test/support/api-client';

let t: TestApp;
let kase: { id: string; reference: string };
beforeAll(async () => {
  t = await startTestApp();
  const midwife = await contextFor(t.database.db, 'midwife@beacon.example');
  // Due in 20 weeks: the referral (16+0) was due four weeks ago.
  kase = await openTestCase(t.database.db, midwife, {});
  await addProfessional(t.database.db, midwife, kase.id, {
    role: 'midwife',
    name: 'Ann Midwife',
    organisationName: 'Community midwives',
    email: 'ann.midwife@nhs.example',
  });
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
const today = () => londonDate(new Date());
const dateParts = (name: string, iso: string, time = '') => {
  const [y, m, d] = iso.split('-');
  return { [`${name}.day`]: String(Number(d)), [`${name}.month`]: String(Number(m)), [`${name}.year`]: y!, [`${name}.time`]: time };
};
/** The date and time fields for `minutes` ago, in London time (so the test passes at any hour). */
const partsAgo = (name: string, minutes: number) => dateTimeFields(name, new Date(Date.now() - minutes * 60_000));

describe('the milestones page', () => {
  let b: Browser;
  beforeAll(async () => {
    b = await t.browser().signedInAs('midwife@beacon.example');
  });

  it('shows the milestones in order with their state, and the protocol', async () => {
    const res = await b.get(`/cases/${kase.id}/milestones`);
    expect(res.status).toBe(200);
    const html = htmlText(res.body);
    expect(html).toContain('Referral to children’s social care');
    expect(html).toMatch(/\d+ days overdue/);
    expect(html).toContain('Unborn baby protocol (default)</strong>, version 1');
    expect(html).toContain('href="/protocols/milestones/national?version=1"');
    expect(html).toContain('from 24+0 weeks to 30+0 weeks');
    expect(html).toContain('Waiting for the birth');
    expect(html.indexOf('Referral to children’s social care')).toBeLessThan(html.indexOf('Strategy discussion held'));
  });

  it('is not shown to an agency not on the case', async () => {
    const other = await t.browser().signedInAs('social.worker@beacon.example');
    expect((await other.get(`/cases/${kase.id}/milestones`)).status).toBe(403);
  });

  it('records a milestone, refusing a date in the future with the error summary and changing nothing', async () => {
    const page = await b.get(`/cases/${kase.id}/milestones/strategy_discussion`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Record as done');
    const bad = await b.post(`/cases/${kase.id}/milestones/strategy_discussion/done`, {
      ...dateParts('completedAt', addDays(today(), 2), '10:00'),
      note: 'Held at MASH',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('There is a problem');
    expect(bad.body).toContain('href="#completedAt-day"');
    expect(bad.body).toContain('The date it was done cannot be in the future');
    expect(bad.body).toContain('Held at MASH');
    expect(await db().select().from(caseMilestones).where(eq(caseMilestones.caseId, kase.id))).toHaveLength(0);

    const ok = await b.post(`/cases/${kase.id}/milestones/strategy_discussion/done`, { ...partsAgo('completedAt', 10), note: 'Held at MASH' });
    expect(ok.status).toBe(303);
    expect(ok.location?.startsWith(`/cases/${kase.id}/milestones?done=${encodeURIComponent('Milestone recorded as done')}&ds=`)).toBe(true);
    const after = htmlText((await b.get(ok.location!)).body);
    expect(after).toContain('Milestone recorded as done');
    expect(after).toContain('Held at MASH');
  });

  it('undoes a record with a reason, and records not applicable', async () => {
    const missing = await b.post(`/cases/${kase.id}/milestones/strategy_discussion/undo`, { undoReason: '' });
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('href="#undoReason"');
    expect((await b.post(`/cases/${kase.id}/milestones/strategy_discussion/undo`, { undoReason: 'Wrong case' })).status).toBe(303);
    expect((await b.post(`/cases/${kase.id}/milestones/initial_child_protection_conference/not-applicable`, { naReason: 'Threshold not met' })).status).toBe(
      303,
    );
    const rows = await db().select().from(caseMilestones).where(eq(caseMilestones.caseId, kase.id));
    expect(rows.map((r) => [r.key, r.notApplicableReason])).toEqual([['initial_child_protection_conference', 'Threshold not met']]);
  });

  it('lists overdue milestones across the organisation’s cases', async () => {
    const res = await b.get('/cases/overdue');
    expect(res.status).toBe(200);
    expect(res.body).toContain(kase.reference);
    expect(htmlText(res.body)).toContain('Referral to children’s social care');
  });
});

describe('the birth plan pages', () => {
  let b: Browser;
  beforeAll(async () => {
    b = await t.browser().signedInAs('midwife@beacon.example');
  });

  const validForm = () => ({
    'content.birthPartners.0.name': 'Jo Partner',
    'content.birthPartners.0.relationship': 'Sister',
    'content.birthPartners.1.name': '',
    'content.birthPartners.1.relationship': '',
    'content.excludedPeople.0.name': 'Dale Excluded',
    'content.excludedPeople.0.relationship': '',
    'content.excludedPeople.0.reason': 'Injunction',
    'content.excludedPeople.0.description': '',
    'content.notifyInHours.name': 'Sam Social',
    'content.notifyInHours.role': 'Allocated social worker',
    'content.notifyInHours.phone': '023 8083 3336',
    'content.notifyOutOfHours.name': 'Emergency duty team',
    'content.notifyOutOfHours.phone': '023 8023 3344',
    'content.babyMayLeaveUnit': 'only_with',
    'content.onlyWith': 'Maternal grandmother',
    'content.contingencyPreterm': 'Phone EDT at once',
    'content.contingencyMissing': 'Tell the police and CSC',
    'content.otherArrangements': '',
    ...partsAgo('agreedAt', 60),
    agreedAtMeeting: 'Initial child protection conference',
    namedMidwifeName: '',
    parentsName: 'Ms Q',
    'additionalRecipients.0.recipient': 'health_visitor',
    'additionalRecipients.0.name': 'Hal Visitor',
    'additionalRecipients.1.recipient': '',
    'additionalRecipients.1.name': '',
  });

  it('shows an empty plan and the form', async () => {
    const page = await b.get(`/cases/${kase.id}/birth-plan`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('No birth plan has been recorded');
    const form = await b.get(`/cases/${kase.id}/birth-plan/edit`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('name="content.birthPartners.3.name"');
    expect(form.body).toContain('name="content.excludedPeople.3.reason"');
  });

  it('refuses an incomplete plan with the error summary and the values as typed, saving nothing', async () => {
    const res = await b.post(`/cases/${kase.id}/birth-plan/edit`, {
      ...validForm(),
      'content.notifyInHours.name': '',
      'content.onlyWith': '',
      'content.excludedPeople.0.reason': '',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('There is a problem');
    expect(res.body).toContain('href="#content-notifyInHours-name"');
    expect(res.body).toContain('href="#content-onlyWith"');
    expect(res.body).toContain('href="#content-excludedPeople-0-reason"');
    expect(res.body).toContain('value="Dale Excluded"');
    expect(await db().select().from(birthPlanVersions).where(eq(birthPlanVersions.caseId, kase.id))).toHaveLength(0);
  });

  it('saves version 1, lists whom to send it to, and records a sending', async () => {
    const res = await b.post(`/cases/${kase.id}/birth-plan/edit`, validForm());
    expect(res.status).toBe(303);
    const page = htmlText((await b.get(res.location!)).body);
    expect(page).toContain('Birth plan version 1 saved');
    expect(page).toContain('Only with: Maternal grandmother');
    expect(page).toContain('Named midwife: Ann Midwife');
    expect(page).toContain('Health visitor: Hal Visitor');
    const [d] = await db().select().from(birthPlanDistributions).where(eq(birthPlanDistributions.recipient, 'named_midwife'));
    const sentPage = await b.get(`/cases/${kase.id}/birth-plan/distributions/${d!.id}`);
    expect(sentPage.status).toBe(200);
    const bad = await b.post(`/cases/${kase.id}/birth-plan/distributions/${d!.id}`, { ...partsAgo('sentAt', 50) });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Choose how it was sent');
    const ok = await b.post(`/cases/${kase.id}/birth-plan/distributions/${d!.id}`, { ...partsAgo('sentAt', 50), method: 'secure_email' });
    expect(ok.status).toBe(303);
    const [after] = await db().select().from(birthPlanDistributions).where(eq(birthPlanDistributions.id, d!.id));
    expect(after!.method).toBe('secure_email');
    const milestones = htmlText((await b.get(`/cases/${kase.id}/milestones`)).body);
    expect(milestones).toContain('Recorded automatically from the birth plan');
  });

  it('asks why for version 2', async () => {
    const res = await b.post(`/cases/${kase.id}/birth-plan/edit`, { ...validForm(), ...partsAgo('agreedAt', 40), changeReason: '' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('Enter what has changed and why');
    const ok = await b.post(`/cases/${kase.id}/birth-plan/edit`, {
      ...validForm(),
      ...partsAgo('agreedAt', 40),
      'content.babyMayLeaveUnit': 'no',
      changeReason: 'Grandmother no longer safe',
    });
    expect(ok.status).toBe(303);
    const page = htmlText((await b.get(`/cases/${kase.id}/birth-plan`)).body);
    expect(page).toContain('Changed: Whether the baby may leave the unit, With whom the baby may leave');
    expect(page).toContain('Replaced by a newer version');
  });
});

describe('the JSON API', () => {
  it('reads milestones and records them, with field errors for bad input', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const got = await api.get(`/api/cases/${kase.id}/milestones`);
    expect(got.status).toBe(200);
    const list = got.json.milestones as { key: string; state: string; timing: string }[];
    expect(list[0]).toMatchObject({ key: 'referral_to_social_care', state: 'overdue', timing: 'by 16+0 weeks' });
    const bad = await api.post(`/api/cases/${kase.id}/milestones/referral_to_social_care/complete`, { completedAt: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'invalid', fields: { completedAt: expect.stringContaining('real date') } });
    const ok = await api.post(`/api/cases/${kase.id}/milestones/referral_to_social_care/complete`, { completedAt: today(), note: 'By phone' });
    expect(ok.status).toBe(200);
    expect((ok.json.milestones as { key: string; state: string }[])[0]!.state).toBe('done_late');
    expect((await api.post(`/api/cases/${kase.id}/milestones/referral_to_social_care/undo`, { reason: 'Test' })).status).toBe(200);
    expect((await api.post(`/api/cases/${kase.id}/milestones/pre_birth_assessment_completed/not-applicable`, {})).status).toBe(400);
  });

  it('reads the birth plan and records a sending', async () => {
    const api = await ApiClient.as(t, 'midwife@beacon.example');
    const got = await api.get(`/api/cases/${kase.id}/birth-plan`);
    expect(got.status).toBe(200);
    const versions = got.json.versions as { version: number; changed: string[] }[];
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const dist = got.json.distribution as { id: string; version: number; recipient: string; sentAt: string | null }[];
    const parents = dist.find((d) => d.version === 2 && d.recipient === 'parents')!;
    const bad = await api.post(`/api/cases/${kase.id}/birth-plan/distributions/${parents.id}/sent`, { sentAt: addDays(today(), 3), method: 'post' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ fields: { sentAt: 'The date it was sent cannot be in the future' } });
    expect(
      (await api.post(`/api/cases/${kase.id}/birth-plan/distributions/${parents.id}/sent`, { sentAt: new Date().toISOString(), method: 'post' })).status,
    ).toBe(204);
    const invalidPlan = await api.post(`/api/cases/${kase.id}/birth-plan`, { content: {}, agreedAt: new Date().toISOString(), parentsName: 'Ms Q' });
    expect(invalidPlan.status).toBe(400);
    expect(Object.keys(invalidPlan.json.fields as Record<string, string>)).toEqual(
      expect.arrayContaining(['content.notifyInHours', 'content.contingencyPreterm', 'changeReason']),
    );
  });

  it('describes every milestone and birth plan endpoint in the OpenAPI document', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      '/api/cases/{id}/milestones',
      '/api/cases/{id}/milestones/{key}/complete',
      '/api/cases/{id}/milestones/{key}/not-applicable',
      '/api/cases/{id}/milestones/{key}/undo',
      '/api/cases/{id}/birth-plan',
      '/api/cases/{id}/birth-plan/distributions/{distributionId}/sent',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
