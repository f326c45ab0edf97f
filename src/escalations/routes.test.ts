import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalationStages, escalations } from './schema';
import { openApiPath } from '../platform/http/openapi';
import { contextFor } from '../../test/support/alerts';
import { htmlText, openTestCase, organisationIds } from '../../test/support/cases';
import { ApiClient } from '../../test/support/api-client';
import { startTestApp, type TestApp } from '../../test/support/app';

let t: TestApp;
let org: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  org = await organisationIds(t.database.db);
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;

const validForm = (overrides: Record<string, string> = {}) => ({
  subject: 'information_sharing',
  concern: 'Children’s services have not shared the outcome of the strategy discussion.',
  desiredOutcome: 'Outcome shared before the birth plan meeting',
  raisedWithOrganisationId: org['852']!,
  raisedWithName: 'Sam Whitlock, social worker',
  ownerName: '',
  startStage: '1',
  startReason: '',
  caseId: '',
  ...overrides,
});

describe('escalation pages', () => {
  it('the list, the form and the partnership view render, and are not cached', async () => {
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    const list = await midwife.get('/escalations');
    expect(list.status).toBe(200);
    expect(list.body).toContain('<h1>Escalations</h1>');
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.body).toContain('href="/escalations/new"');
    for (const status of ['closed', 'all']) expect((await midwife.get(`/escalations?status=${status}`)).status).toBe(200);
    const form = await midwife.get('/escalations/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('name="_csrf"');
    expect(form.body).toContain('What is the disagreement about?');
    // Between agencies: your own organisation is not offered.
    expect(form.body).not.toContain(`value="${org.RHM}"`);
    expect(form.body).toContain(`value="${org['852']}"`);
    const partnership = await t.browser().signedInAs('partnership@beacon.example');
    const report = await partnership.get('/escalations/report');
    expect(report.status).toBe(200);
    expect(report.body).toContain('Time to resolve (median)');
    expect(report.body).toContain('Highest stage reached');
    expect(report.headers['cache-control']).toBe('no-store');
    expect((await midwife.get('/escalations/report')).status).toBe(403);
  });

  it('a form with missing fields answers 400 with the error summary, the messages inline and the values as typed', async () => {
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    await midwife.get('/escalations/new');
    const res = await midwife.post('/escalations/new', validForm({ subject: '', concern: '', raisedWithName: 'Kept as typed' }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('nhsuk-error-summary');
    const body = htmlText(res.body);
    expect(body).toContain('Choose what the disagreement is about');
    expect(body).toContain('Enter your concern: what you disagree about and why it matters for the baby');
    expect(body).toContain('href="#subject"');
    expect(body).toContain('value="Kept as typed"');
    expect(res.body).toContain('nhsuk-error-message');
    // An urgent start without its reason: the urgent section is open, the reason asked for.
    const urgent = await midwife.post('/escalations/new', validForm({ startStage: '3' }));
    expect(urgent.status).toBe(400);
    expect(htmlText(urgent.body)).toContain('Enter why you are skipping stages 1 and 2');
    expect(urgent.body).toMatch(/<details class="nhsuk-details" open>/);
  });

  it('the happy path: raise, escalate (a skip needs its reason), resolve', async () => {
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    await midwife.get('/escalations/new');
    const raised = await midwife.post('/escalations/new', validForm());
    expect(raised.status).toBe(303);
    const id = /^\/escalations\/([0-9a-f-]{36})\?done=/.exec(raised.location ?? '')?.[1];
    expect(id).toBeDefined();
    const page = await midwife.get(raised.location!);
    expect(page.status).toBe(200);
    const [row] = await db().select().from(escalations).where(eq(escalations.id, id!));
    expect(page.body).toContain(row!.reference);
    expect(page.body).toContain('nhsuk-notification-banner');
    expect(page.body).toContain('Stage history');
    expect(page.body).toContain('Stage 1: Practitioner to practitioner');
    expect(htmlText(page.body)).toContain('Needed if you skip a stage');

    const skip = await midwife.post(`/escalations/${id}/escalate`, {
      toStage: '3',
      reason: '',
      ownerName: 'Dr Ames, named nurse',
      ownerOrganisationId: org.QRL!,
      agreedActions: '',
    });
    expect(skip.status).toBe(400);
    expect(skip.body).toContain('nhsuk-error-summary');
    expect(htmlText(skip.body)).toContain('Enter why you are skipping stage 2');
    expect(skip.body).toContain('href="#escalate-reason"');
    expect(skip.body).toContain('value="Dr Ames, named nurse"');
    expect((await db().select().from(escalationStages).where(eq(escalationStages.escalationId, id!))).length).toBe(1);

    const ok = await midwife.post(`/escalations/${id}/escalate`, {
      toStage: '3',
      reason: 'Birth expected this week and no plan agreed',
      ownerName: 'Dr Ames, named nurse',
      ownerOrganisationId: org.QRL!,
      agreedActions: 'Phone call held',
    });
    expect(ok.status).toBe(303);
    expect(ok.location).toMatch(new RegExp(`^/escalations/${id}\\?done=`));
    const after = await midwife.get(ok.location!);
    expect(after.body).toContain('Skipped');
    expect(after.body).toContain('Birth expected this week and no plan agreed');
    expect(after.body).toContain('Phone call held');

    const socialWorker = await t.browser().signedInAs('social.worker@beacon.example');
    await socialWorker.get(`/escalations/${id}`);
    const actions = await socialWorker.post(`/escalations/${id}/agreed-actions`, { agreedActions: 'Strategy outcome to be emailed today' });
    expect(actions.status).toBe(303);
    // The raised-with agency cannot withdraw it: no form is offered.
    expect((await socialWorker.get(`/escalations/${id}`)).body).not.toContain(`/escalations/${id}/withdraw`);
    const resolved = await socialWorker.post(`/escalations/${id}/resolve`, { outcome: 'Outcome shared; both agencies agree the plan' });
    expect(resolved.status).toBe(303);
    const closed = await socialWorker.get(resolved.location!);
    expect(closed.body).toContain('Resolved');
    expect(closed.body).not.toContain(`action="/escalations/${id}/escalate"`);
    // A closed escalation refuses more, with the reason in the error summary.
    const again = await socialWorker.post(`/escalations/${id}/resolve`, { outcome: 'Again' });
    expect(again.status).toBe(400);
    expect(htmlText(again.body)).toContain('This escalation has been resolved, so it cannot be changed');

    // Another agency not party to it is refused.
    const qah = await t.browser().signedInAs('coordinator.qah@beacon.example');
    expect((await qah.get(`/escalations/${id}`)).status).toBe(403);
  });

  it('from a case: the case’s escalations page, the form linked to the case, and back to the case', async () => {
    const midwifeCtx = await contextFor(db(), 'midwife@beacon.example');
    const kase = await openTestCase(db(), midwifeCtx);
    const midwife = await t.browser().signedInAs('midwife@beacon.example');
    const casePage = await midwife.get(`/cases/${kase.id}/escalations`);
    expect(casePage.status).toBe(200);
    expect(casePage.headers['cache-control']).toBe('no-store');
    expect(casePage.body).toContain(`href="/escalations/new?caseId=${kase.id}"`);
    expect(casePage.body).toContain('No escalations have been raised on this case.');
    const form = await midwife.get(`/escalations/new?caseId=${kase.id}`);
    expect(form.status).toBe(200);
    expect(form.body).toContain(kase.reference);
    expect(form.body).toContain(`name="caseId" value="${kase.id}"`);
    const raised = await midwife.post('/escalations/new', validForm({ caseId: kase.id, subject: 'discharge_decision' }));
    expect(raised.status).toBe(303);
    expect(raised.location).toMatch(new RegExp(`^/cases/${kase.id}/escalations\\?done=`));
    const listed = await midwife.get(raised.location!);
    expect(listed.status).toBe(200);
    const [row] = await db().select().from(escalations).where(eq(escalations.caseId, kase.id));
    expect(listed.body).toContain(row!.reference);
    expect(listed.body).toContain('Discharge decision');
    expect(listed.body).toContain('nhsuk-notification-banner');
    // Someone not on the case cannot raise on it.
    const qah = await t.browser().signedInAs('coordinator.qah@beacon.example');
    expect((await qah.get(`/escalations/new?caseId=${kase.id}`)).status).toBe(403);
  });

  it('the partnership view refuses an impossible date with the error summary', async () => {
    const partnership = await t.browser().signedInAs('partnership@beacon.example');
    const res = await partnership.get('/escalations/report?from.day=31&from.month=2&from.year=2026&to.day=&to.month=&to.year=');
    expect(res.status).toBe(400);
    expect(res.body).toContain('nhsuk-error-summary');
    expect(htmlText(res.body)).toContain('The start of the period must be a real date');
    expect(res.body).toContain('value="31"');
  });
});

describe('escalations API', () => {
  it('raise, read, escalate, record actions, resolve; bad input is 400 with fields and changes nothing', async () => {
    const midwife = await ApiClient.as(t, 'midwife@beacon.example');
    const bad = await midwife.post('/api/escalations', { subject: 'gossip', raisedWithOrganisationId: org.RHM });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid');
    expect(bad.json.fields).toMatchObject({ subject: 'Choose what the disagreement is about', concern: expect.stringMatching(/^Enter your concern/) });
    const own = await midwife.post('/api/escalations', { ...validForm({ raisedWithOrganisationId: org.RHM! }) });
    expect(own.status).toBe(400);
    expect(own.json.fields.raisedWithOrganisationId).toMatch(/between agencies/);

    const raised = await midwife.post('/api/escalations', {
      subject: 'threshold',
      concern: 'Threshold not met in their view; it is in ours.',
      raisedWithOrganisationId: org['852'],
      raisedWithName: 'Sam Whitlock',
    });
    expect(raised.status).toBe(201);
    expect(raised.json.reference).toMatch(/^ESC-/);
    const id = raised.json.id as string;

    const list = await midwife.get('/api/escalations');
    expect(list.status).toBe(200);
    expect((list.json.escalations as { id: string }[]).some((e) => e.id === id)).toBe(true);

    const one = await midwife.get(`/api/escalations/${id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, status: 'open', stage: 1, stageLabel: 'Practitioner to practitioner', canAct: true, canWithdraw: true });
    expect(one.json.stages).toHaveLength(1);
    expect(one.json.stages[0]).toMatchObject({ kind: 'reached', ownerName: 'Sam Whitlock', ownerOrganisationId: org['852'] });
    expect(one.headers['cache-control']).toBe('no-store');

    const skip = await midwife.post(`/api/escalations/${id}/escalate`, { toStage: 3, ownerName: 'Dr Ames' });
    expect(skip.status).toBe(400);
    expect(skip.json.fields).toEqual({ reason: 'Enter why you are skipping stage 2' });
    expect((await midwife.get(`/api/escalations/${id}`)).json.stage).toBe(1);

    const up = await midwife.post(`/api/escalations/${id}/escalate`, { toStage: 2, ownerName: 'Morgan Ellis' });
    expect(up.status).toBe(200);
    expect(up.json.stage).toBe(2);
    expect(up.json.stages.map((s: { stage: number; outcome: string | null }) => [s.stage, s.outcome])).toEqual([
      [1, 'escalated'],
      [2, null],
    ]);

    const actions = await midwife.post(`/api/escalations/${id}/agreed-actions`, { agreedActions: 'Managers to meet on Monday' });
    expect(actions.status).toBe(200);
    expect(actions.json.stages[1].agreedActions).toBe('Managers to meet on Monday');
    expect((await midwife.post(`/api/escalations/${id}/agreed-actions`, {})).json.fields).toEqual({
      agreedActions: 'Enter the actions agreed at this stage, who will do them and by when',
    });

    const resolved = await midwife.post(`/api/escalations/${id}/resolve`, { outcome: 'Assessment to go ahead' });
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({ status: 'resolved', outcome: 'Assessment to go ahead', canAct: false });
    const closed = await midwife.post(`/api/escalations/${id}/withdraw`, { reason: 'Too late' });
    expect(closed.status).toBe(400);
    expect(closed.json.fields.form).toMatch(/resolved, so it cannot be changed/);

    const stranger = await ApiClient.as(t, 'coordinator.qah@beacon.example');
    expect((await stranger.get(`/api/escalations/${id}`)).status).toBe(403);
    expect((await stranger.post(`/api/escalations/${id}/refer`, { reason: 'Not mine' })).status).toBe(403);
    expect((await midwife.get('/api/escalations/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('refer and withdraw; a case’s escalations; the report', async () => {
    const midwife = await ApiClient.as(t, 'midwife@beacon.example');
    const kase = await openTestCase(db(), await contextFor(db(), 'midwife@beacon.example'));
    const a = (
      await midwife.post('/api/escalations', {
        subject: 'plan_progress',
        concern: 'Plan not progressing.',
        raisedWithOrganisationId: org['852'],
        caseId: kase.id,
      })
    ).json.id as string;
    const b = (await midwife.post('/api/escalations', { subject: 'other', concern: 'Another concern.', raisedWithOrganisationId: org.R1C })).json.id as string;
    expect((await midwife.post(`/api/escalations/${a}/refer`, { reason: '' })).json.fields).toEqual({
      reason: 'Enter why you are referring this to the safeguarding partnership',
    });
    const referred = await midwife.post(`/api/escalations/${a}/refer`, { reason: 'Urgent and unresolved' });
    expect(referred.json).toMatchObject({ status: 'referred_to_partnership', stage: 4 });
    const withdrawn = await midwife.post(`/api/escalations/${b}/withdraw`, { reason: 'Resolved informally' });
    expect(withdrawn.json.status).toBe('withdrawn');

    const forCase = await midwife.get(`/api/escalations?caseId=${kase.id}`);
    expect(forCase.status).toBe(200);
    expect(forCase.json.escalations.map((e: { id: string }) => e.id)).toEqual([a]);

    const auditor = await ApiClient.as(t, 'auditor@beacon.example');
    const report = await auditor.get('/api/escalations/report');
    expect(report.status).toBe(200);
    expect(report.json.raised).toBeGreaterThanOrEqual(2);
    expect(report.json.closed.referred).toBeGreaterThanOrEqual(1);
    expect(report.json.closed.withdrawn).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(report.json)).not.toMatch(/Plan not progressing|Priya/);
    const badReport = await auditor.get('/api/escalations/report?from=2026-13-01');
    expect(badReport.status).toBe(400);
    expect(badReport.json.fields.from).toMatch(/real date/);
    expect((await midwife.get('/api/escalations/report')).status).toBe(403);
  });

  it('every escalation endpoint is in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = JSON.parse(res.body) as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const served = t.app.apiRoutes.filter((r) => r.url.startsWith('/api/escalations')).map((r) => `${r.method} ${openApiPath(r.url)}`);
    expect(served.sort()).toEqual(
      [
        'GET /api/escalations',
        'POST /api/escalations',
        'GET /api/escalations/report',
        'GET /api/escalations/{id}',
        'POST /api/escalations/{id}/escalate',
        'POST /api/escalations/{id}/agreed-actions',
        'POST /api/escalations/{id}/resolve',
        'POST /api/escalations/{id}/refer',
        'POST /api/escalations/{id}/withdraw',
      ].sort(),
    );
    for (const s of served) expect(documented.has(s), s).toBe(true);
    for (const name of ['RaiseEscalationRequest', 'EscalateRequest', 'EscalationDetail', 'EscalationList', 'EscalationReport'])
      expect(doc.components.schemas).toHaveProperty(name);
  });
});
