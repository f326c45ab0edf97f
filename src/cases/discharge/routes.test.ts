import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../platform/jobs/schema';
import { caseChecklistEntries, dischargeDecisions, dischargePlanningMeetings, toxicologyTests } from '../schema';
import { addAgency, addProfessional, recordCaseBirth } from '../service';
import { OVERRIDE_FLAG_EMAIL_JOB } from './service';
import { openApiPath } from '../../platform/http/openapi';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { ApiClient } from '../../../test/support/api-client';
import { contextFor } from '../../../test/support/alerts';
import { dateTimeFields, errorSummaryLinks, htmlText, openTestCase, organisationIds } from '../../../test/support/cases';

/**
 * The unbooked-in-labour checklist and the discharge page, through the real application: pages render
 * without JavaScript, forms round-trip (400 with the error summary and the values as typed; 303 with a
 * banner), a discharge the gate blocks is refused with the blockers, an override is flagged; the JSON
 * API for each action, and the assurance report.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
const H = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const as = (email: string) => t.browser().signedInAs(email);

/** An unbooked-in-labour case at UHS with the baby born, Portsmouth (ED) and Southampton CSC on it, a named social worker. */
async function bornCase() {
  const midwife = await contextFor(db(), 'midwife@beacon.example');
  const org = await organisationIds(db());
  const c = await openTestCase(db(), midwife, { classification: 'unbooked_in_labour', edd: null, eddSource: null }, ago(3 * H));
  await recordCaseBirth(db(), midwife, c.id, { bornAt: ago(2 * H).toISOString() });
  await addAgency(db(), midwife, c.id, org.RHU!, 'Working with the family on the pre-birth plan');
  await addAgency(db(), midwife, c.id, org['852']!, 'Working with the family on the pre-birth plan');
  await addProfessional(db(), midwife, c.id, {
    role: 'social_worker',
    name: 'Daniel Price',
    organisationName: 'Southampton children’s services',
    phone: '023 8083 3336',
  });
  return c;
}

describe('the unbooked-in-labour page', () => {
  it('shows every item with a form that works without JavaScript, and keeps corrections', async () => {
    const { id } = await bornCase();
    const b = await as('midwife@beacon.example');
    const page = await b.get(`/cases/${id}/labour`);
    expect(page.status).toBe(200);
    const html = htmlText(page.body);
    for (const label of [
      'Alert register checked',
      'CP-IS checked',
      'Referral to children’s social care',
      'Safeguarding midwife informed',
      'GP informed',
      'Health visitor informed',
      'Toxicology offered',
    ]) {
      expect(html).toContain(label);
    }
    expect(html).toContain('href="/check"');
    expect(html).toContain(`href="/cases/${id}/discharge#toxicology"`);
    expect(html).toContain('7 items are still outstanding');
    expect(html).toContain(`action="/cases/${id}/labour/cpis_checked"`);
    expect(html).not.toContain('This checklist is for unbooked women presenting in labour');

    const ok = await b.post(`/cases/${id}/labour/cpis_checked`, { answer: 'no_plan', note: '', ...dateTimeFields('cpis_checked-doneAt', ago(10 * 60_000)) });
    expect(ok.status).toBe(303);
    expect(ok.location).toMatch(new RegExp(`^/cases/${id}/labour\\?done=`));
    const after = htmlText((await b.get(ok.location!)).body);
    expect(after).toContain('CP-IS checked: answer recorded');
    expect(after).toContain('6 items are still outstanding');
    expect(after).toContain('No plan found');

    // A correction through the same form: the first answer is kept under "Earlier answers".
    expect((await b.post(`/cases/${id}/labour/cpis_checked`, { answer: 'plan_found' })).status).toBe(303);
    const corrected = htmlText((await b.get(`/cases/${id}/labour`)).body);
    expect(corrected).toContain('Earlier answers (1)');
    const entries = await db().select().from(caseChecklistEntries).where(eq(caseChecklistEntries.caseId, id));
    expect(entries.map((e) => e.answer).sort()).toEqual(['no_plan', 'plan_found']);
  });

  it('answers bad input with 400, the error summary linking to the item’s fields, the values as typed, and nothing written', async () => {
    const { id } = await bornCase();
    const b = await as('midwife@beacon.example');
    await b.get(`/cases/${id}/labour`);
    const res = await b.post(`/cases/${id}/labour/csc_referral`, {
      answer: 'not_needed',
      note: '',
      ...dateTimeFields('csc_referral-doneAt', new Date(Date.now() + 2 * H)),
    });
    expect(res.status).toBe(400);
    expect(errorSummaryLinks(res.body)).toEqual([
      ['#csc_referral-note', 'Enter a note: “Not needed” needs a reason'],
      ['#csc_referral-doneAt', 'The time it was done cannot be in the future'],
    ]);
    expect(res.body).toMatch(/<input[^>]*id="csc_referral-answer-3"[^>]*value="not_needed"[^>]*checked/);
    const [n] = await db().select({ n: count() }).from(caseChecklistEntries).where(eq(caseChecklistEntries.caseId, id));
    expect(n!.n).toBe(0);
    expect((await b.post(`/cases/${id}/labour/fed_the_cat`, { answer: 'done' })).status).toBe(404);
  });

  it('says the checklist is for unbooked women in labour on other kinds of case', async () => {
    const midwife = await contextFor(db(), 'midwife@beacon.example');
    const { id } = await openTestCase(db(), midwife);
    const html = htmlText((await (await as('midwife@beacon.example')).get(`/cases/${id}/labour`)).body);
    expect(html).toContain('This checklist is for unbooked women presenting in labour');
  });
});

describe('the discharge page', () => {
  it('shows the gate, refuses a blocked discharge with the blockers in the error summary, and takes the forms through to a clear decision', async () => {
    const { id } = await bornCase();
    const b = await as('midwife@beacon.example');
    let page = await b.get(`/cases/${id}/discharge`);
    expect(page.status).toBe(200);
    expect(htmlText(page.body)).toContain('A discharge decision cannot be recorded yet');
    expect(htmlText(page.body)).toContain('Nobody has recorded whether a discharge planning meeting is required');

    // Blocked, nobody overriding: 400, the blockers in the error summary, nothing written.
    const refused = await b.post(`/cases/${id}/discharge/decisions`, {
      subject: 'baby',
      destination: 'Home with mother',
      ...dateTimeFields('decision-decidedAt', ago(60_000)),
    });
    expect(refused.status).toBe(400);
    const links = errorSummaryLinks(refused.body);
    expect(links).toHaveLength(1);
    expect(links[0]![0]).toBe('#decision-form');
    expect(links[0]![1]).toContain('A discharge decision cannot be recorded yet. Nobody has recorded whether a discharge planning meeting is required.');
    expect(htmlText(refused.body)).toContain('Home with mother');
    const [none] = await db().select({ n: count() }).from(dischargeDecisions).where(eq(dischargeDecisions.caseId, id));
    expect(none!.n).toBe(0);

    // A meeting is required: decide, arrange, record it held (blank attendee rows ignored).
    expect(
      (
        await b.post(`/cases/${id}/discharge/planning`, {
          required: 'yes',
          decidedByName: 'Priya Shah',
          decidedByRole: 'Safeguarding midwife',
          reason: 'Concerns about the partner',
        })
      ).status,
    ).toBe(303);
    expect((await b.post(`/cases/${id}/discharge/meetings`, { location: 'Ward F', ...dateTimeFields('schedule-scheduledFor', ago(H)) })).status).toBe(303);
    const [meeting] = await db().select().from(dischargePlanningMeetings).where(eq(dischargePlanningMeetings.caseId, id));
    const badHeld = await b.post(`/cases/${id}/discharge/meetings/${meeting!.id}/held`, {
      ...dateTimeFields(`held-${meeting!.id}-heldAt`, ago(30 * 60_000)),
      'attendees.0.name': '',
      'attendees.0.role': '',
      'attendees.0.agency': '',
      'attendees.2.name': 'Daniel Price',
      'attendees.2.role': 'Social worker',
      'attendees.2.agency': '',
      decisions: 'Home with grandmother under the safety plan',
    });
    expect(badHeld.status).toBe(400);
    // The error names the form's own row (the third), not the service's first attendee.
    expect(errorSummaryLinks(badHeld.body)).toEqual([[`#held-${meeting!.id}-attendees-2-agency`, 'Enter the attendee’s agency']]);
    expect(badHeld.body).toContain('value="Daniel Price"');
    const held = await b.post(`/cases/${id}/discharge/meetings/${meeting!.id}/held`, {
      ...dateTimeFields(`held-${meeting!.id}-heldAt`, ago(30 * 60_000)),
      'attendees.1.name': 'Priya Shah',
      'attendees.1.role': 'Safeguarding midwife',
      'attendees.1.agency': 'UHS',
      'attendees.4.name': 'Daniel Price',
      'attendees.4.role': 'Social worker',
      'attendees.4.agency': 'Southampton children’s services',
      decisions: 'Home with grandmother under the safety plan',
    });
    expect(held.status).toBe(303);
    const [m] = await db().select().from(dischargePlanningMeetings).where(eq(dischargePlanningMeetings.id, meeting!.id));
    expect(m!.attendees.map((a) => a.name)).toEqual(['Priya Shah', 'Daniel Price']);

    // Toxicology: request, a result missing its substances (400), the result, who was told.
    expect(
      (
        await b.post(`/cases/${id}/discharge/toxicology`, {
          action: 'request',
          subject: 'baby',
          sample: 'meconium',
          requestedByName: 'Dr Okafor',
          consent: 'not_needed',
          ...dateTimeFields('tox-requestedAt', ago(H)),
        })
      ).status,
    ).toBe(303);
    const declined = await b.post(`/cases/${id}/discharge/toxicology`, {
      action: 'request',
      subject: 'mother',
      sample: 'hair',
      requestedByName: 'Priya Shah',
      consent: 'declined',
      ...dateTimeFields('tox-requestedAt', ago(H)),
    });
    expect(declined.status).toBe(400);
    expect(errorSummaryLinks(declined.body)[0]).toEqual([
      '#tox-consent',
      'She declined, so no sample goes to the lab and there is no result to wait for. Record that she declined instead of requesting the test',
    ]);
    expect(
      (
        await b.post(`/cases/${id}/discharge/toxicology`, {
          action: 'declined',
          subject: 'mother',
          sample: 'hair',
          requestedByName: 'Priya Shah',
          ...dateTimeFields('tox-requestedAt', ago(H)),
        })
      ).status,
    ).toBe(303);
    const [test] = await db()
      .select()
      .from(toxicologyTests)
      .where(and(eq(toxicologyTests.caseId, id), eq(toxicologyTests.status, 'pending')));
    page = await b.get(`/cases/${id}/discharge`);
    expect(htmlText(page.body)).toContain('Toxicology is still pending: baby meconium');
    const noSubstances = await b.post(`/cases/${id}/discharge/toxicology/${test!.id}/result`, {
      result: 'positive',
      ...dateTimeFields(`result-${test!.id}-resultedAt`, ago(10 * 60_000)),
    });
    expect(noSubstances.status).toBe(400);
    expect(errorSummaryLinks(noSubstances.body)).toEqual([
      [`#result-${test!.id}-substances`, 'Enter the substances found: a positive result must say what for'],
    ]);
    const resulted = await t.app.inject({
      method: 'POST',
      url: `/cases/${id}/discharge/toxicology/${test!.id}/result`,
      remoteAddress: b.ip,
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([
        ['_csrf', b.csrf!],
        ['result', 'positive'],
        ['substances', 'Cannabis'],
        ['substances', 'Cocaine'],
        ['substancesOther', 'Ketamine, cannabis'],
        ...Object.entries(dateTimeFields(`result-${test!.id}-resultedAt`, ago(10 * 60_000))),
      ]).toString(),
    });
    expect(resulted.statusCode).toBe(303);
    const [t1] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, test!.id));
    expect(t1).toMatchObject({ status: 'resulted', result: 'positive', substances: ['Cannabis', 'Cocaine', 'Ketamine'] });
    expect(
      (
        await b.post(`/cases/${id}/discharge/toxicology/${test!.id}/told`, {
          name: 'Daniel Price',
          role: 'Social worker',
          ...dateTimeFields(`told-${test!.id}-at`, ago(5 * 60_000)),
        })
      ).status,
    ).toBe(303);

    page = await b.get(`/cases/${id}/discharge`);
    expect(htmlText(page.body)).toContain('Nothing is blocking a discharge decision');
    expect(htmlText(page.body)).toContain('Cannabis, Cocaine, Ketamine');
    const decided = await b.post(`/cases/${id}/discharge/decisions`, {
      subject: 'baby',
      destination: 'Home with grandmother under the safety plan',
      ...dateTimeFields('decision-decidedAt', ago(60_000)),
    });
    expect(decided.status).toBe(303);
    expect(decided.location).toContain(encodeURIComponent('Discharge decision recorded'));
    const [d] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.caseId, id));
    expect(d!.gateOutcome).toBe('clear');
  });

  it('offers the override to clinicians (social worker’s name pre-filled), flags it, and lets the safeguarding lead review it; social workers see no override', async () => {
    const { id } = await bornCase();
    const sw = await as('social.worker@beacon.example');
    const swPage = htmlText((await sw.get(`/cases/${id}/discharge`)).body);
    expect(swPage).toContain('A discharge decision cannot be recorded yet');
    expect(swPage).not.toContain('name="overrideReason"');

    const nurse = await as('ed.nurse@beacon.example');
    const page = htmlText((await nurse.get(`/cases/${id}/discharge`)).body);
    expect(page).toContain('name="overrideReason"');
    expect(page).toContain('flagged to the safeguarding lead');
    expect(page).toMatch(/id="decision-socialWorkerInformedName"[^>]*value="Daniel Price"|value="Daniel Price"[^>]*id="decision-socialWorkerInformedName"/);

    const incomplete = await nurse.post(`/cases/${id}/discharge/decisions`, {
      subject: 'baby',
      destination: 'Home with mother',
      ...dateTimeFields('decision-decidedAt', ago(60_000)),
      overrideReason: '',
      seniorClinicianName: 'Dr Amara Okafor',
      seniorClinicianRole: '',
      socialWorkerInformedName: 'Daniel Price',
      ...dateTimeFields('decision-socialWorkerInformedAt', ago(30 * 60_000)),
    });
    expect(incomplete.status).toBe(400);
    expect(errorSummaryLinks(incomplete.body).map((l) => l[0])).toEqual(['#decision-overrideReason', '#decision-seniorClinicianRole']);
    expect(incomplete.body).toContain('value="Dr Amara Okafor"');

    const done = await nurse.post(`/cases/${id}/discharge/decisions`, {
      subject: 'baby',
      destination: 'Home with mother',
      ...dateTimeFields('decision-decidedAt', ago(60_000)),
      overrideReason: 'Baby well; results delayed; safety plan agreed with the duty social worker',
      seniorClinicianName: 'Dr Amara Okafor',
      seniorClinicianRole: 'Consultant paediatrician',
      socialWorkerInformedName: 'Daniel Price',
      ...dateTimeFields('decision-socialWorkerInformedAt', ago(30 * 60_000)),
    });
    expect(done.status).toBe(303);
    expect(htmlText(decodeURIComponent(done.location!))).toContain('flagged to the safeguarding lead');
    const [d] = await db().select().from(dischargeDecisions).where(eq(dischargeDecisions.caseId, id));
    expect(d).toMatchObject({ gateOutcome: 'overridden', seniorClinicianName: 'Dr Amara Okafor' });
    expect(d!.flaggedAt).toBeInstanceOf(Date);
    const queued = (await db().select().from(jobs).where(eq(jobs.type, OVERRIDE_FLAG_EMAIL_JOB))).filter(
      (j) => (j.payload as { decisionId: string }).decisionId === d!.id,
    );
    expect(queued.map((j) => (j.payload as { to: string }).to)).toEqual(['uhs.safeguarding@beacon.example']);

    // The recorder sees it awaiting review, with no review form; the safeguarding midwife reviews it.
    const nurseView = htmlText((await nurse.get(`/cases/${id}/discharge`)).body);
    expect(nurseView).toContain('Awaiting review');
    // The gate is still closed (toxicology pending), and says a decision is already on record past it.
    expect(nurseView).toContain('A discharge decision was recorded by override: the gate is still not met');
    expect(nurseView).toContain('1 decision has been recorded past the gate by a senior clinician');
    expect(nurseView).not.toContain('A discharge decision cannot be recorded yet');
    expect(nurseView).not.toContain(`/discharge/decisions/${d!.id}/review`);
    const lead = await as('midwife@beacon.example');
    expect(htmlText((await lead.get(`/cases/${id}/discharge`)).body)).toContain(`/discharge/decisions/${d!.id}/review`);
    const emptyReview = await lead.post(`/cases/${id}/discharge/decisions/${d!.id}/review`, { note: '' });
    expect(emptyReview.status).toBe(400);
    expect(errorSummaryLinks(emptyReview.body)).toEqual([
      [`#review-${d!.id}-note`, 'Enter what you found when you reviewed the override, and any action taken'],
    ]);
    expect((await lead.post(`/cases/${id}/discharge/decisions/${d!.id}/review`, { note: 'Reasonable; lab chased' })).status).toBe(303);
    expect(htmlText((await lead.get(`/cases/${id}/discharge`)).body)).toContain('Reasonable; lab chased');
  });

  it('answers 404 for a test that is not on the case, and 403 to someone not working on cases', async () => {
    const a = await bornCase();
    const other = await bornCase();
    const b = await as('midwife@beacon.example');
    await b.post(`/cases/${other.id}/discharge/toxicology`, {
      action: 'request',
      subject: 'baby',
      sample: 'urine',
      requestedByName: 'Dr O',
      consent: 'not_needed',
      ...dateTimeFields('tox-requestedAt', ago(H)),
    });
    const [foreign] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.caseId, other.id));
    await b.get(`/cases/${a.id}/discharge`);
    const res = await b.post(`/cases/${a.id}/discharge/toxicology/${foreign!.id}/result`, {
      result: 'negative',
      ...dateTimeFields(`result-${foreign!.id}-resultedAt`, ago(60_000)),
    });
    expect(res.status).toBe(404);
    const [still] = await db().select().from(toxicologyTests).where(eq(toxicologyTests.id, foreign!.id));
    expect(still!.status).toBe('pending');
    // The Hampshire partnership manager works on no cases: the page is refused.
    const outsider = await as('partnership@beacon.example');
    expect((await outsider.get(`/cases/${a.id}/discharge`)).status).toBe(403);
    expect((await outsider.get(`/cases/${a.id}/labour`)).status).toBe(403);
  });
});

describe('the JSON API', () => {
  it('runs the checklist and discharge through to an override, refusing bad input with field errors', async () => {
    const { id } = await bornCase();
    const nurse = await ApiClient.as(t, 'ed.nurse@beacon.example');
    const sw = await ApiClient.as(t, 'social.worker@beacon.example');

    expect((await nurse.post(`/api/cases/${id}/labour-checklist`, { item: 'gp_informed', answer: 'not_known' })).status).toBe(201);
    const bad = await nurse.post(`/api/cases/${id}/labour-checklist`, { item: 'toxicology_offered', answer: 'not_offered' });
    expect(bad).toMatchObject({ status: 400, json: { error: 'invalid', fields: { note: 'Enter a note: “Not offered” needs a reason' } } });
    const list = await nurse.get(`/api/cases/${id}/labour-checklist`);
    expect(list.status).toBe(200);
    expect((list.json.items as { key: string; current: { answer: string } | null }[]).find((i) => i.key === 'gp_informed')!.current!.answer).toBe('not_known');
    expect(list.json.outstanding).toHaveLength(6);

    expect(
      (
        await nurse.put(`/api/cases/${id}/discharge-planning`, {
          required: false,
          decidedByName: 'Priya Shah',
          decidedByRole: 'Safeguarding midwife',
          reason: 'Agreed with CSC',
        })
      ).status,
    ).toBe(204);
    const requested = await nurse.post(`/api/cases/${id}/toxicology`, {
      subject: 'baby',
      sample: 'meconium',
      requestedAt: ago(H).toISOString(),
      requestedByName: 'Dr Okafor',
      consent: 'not_needed',
    });
    expect(requested.status).toBe(201);
    const testId = requested.json.id as string;
    expect(
      (
        await nurse.post(`/api/cases/${id}/toxicology`, {
          subject: 'mother',
          sample: 'urine',
          requestedAt: ago(H).toISOString(),
          requestedByName: 'X',
          consent: 'declined',
        })
      ).json.fields,
    ).toHaveProperty('consent');
    expect(
      (
        await nurse.post(`/api/cases/${id}/toxicology/declined`, {
          subject: 'mother',
          sample: 'urine',
          requestedAt: ago(H).toISOString(),
          requestedByName: 'X',
        })
      ).status,
    ).toBe(201);

    let status = await nurse.get(`/api/cases/${id}/discharge`);
    expect(status.status).toBe(200);
    expect(status.json.gate).toEqual({
      outcome: 'blocked',
      blocked: true,
      blockers: [{ code: 'toxicology_pending', message: 'Toxicology is still pending: baby meconium', testIds: [testId] }],
    });

    const decisionBody = { subject: 'baby', destination: 'Home with mother', decidedAt: ago(60_000).toISOString() };
    const blocked = await nurse.post(`/api/cases/${id}/discharge-decisions`, decisionBody);
    expect(blocked.status).toBe(400);
    expect(blocked.json.fields!.form).toContain('Toxicology is still pending: baby meconium');
    const withOverride = {
      ...decisionBody,
      overrideReason: 'Baby well; result delayed by the weekend; safety plan in place',
      seniorClinicianName: 'Dr Amara Okafor',
      seniorClinicianRole: 'Consultant paediatrician',
      socialWorkerInformedName: 'Daniel Price',
      socialWorkerInformedAt: ago(30 * 60_000).toISOString(),
    };
    expect((await sw.post(`/api/cases/${id}/discharge-decisions`, withOverride)).status).toBe(403);
    expect((await nurse.post(`/api/cases/${id}/discharge-decisions`, { ...withOverride, overrideReason: '' })).json.fields).toEqual({
      overrideReason: 'Enter the reason for discharging before toxicology results are back',
    });
    const [n] = await db().select({ n: count() }).from(dischargeDecisions).where(eq(dischargeDecisions.caseId, id));
    expect(n!.n).toBe(0);
    const overridden = await nurse.post(`/api/cases/${id}/discharge-decisions`, withOverride);
    expect(overridden.status).toBe(201);
    expect(overridden.json).toMatchObject({ gateOutcome: 'overridden', flaggedTo: ['uhs.safeguarding@beacon.example'] });

    // A result for a test on another case is not found; one for this test, once.
    const other = await bornCase();
    expect((await nurse.post(`/api/cases/${other.id}/toxicology/${testId}/result`, { result: 'negative', resultedAt: ago(60_000).toISOString() })).status).toBe(
      404,
    );
    expect((await nurse.post(`/api/cases/${id}/toxicology/${testId}/result`, { result: 'negative', resultedAt: ago(60_000).toISOString() })).status).toBe(204);
    const again = await nurse.post(`/api/cases/${id}/toxicology/${testId}/result`, { result: 'negative', resultedAt: ago(30_000).toISOString() });
    expect(again.status).toBe(400);
    expect(again.json.fields!.form).toMatch(/already has a result/);
    expect(
      (await nurse.post(`/api/cases/${id}/toxicology/${testId}/told`, { name: 'Daniel Price', role: 'Social worker', at: ago(10_000).toISOString() })).status,
    ).toBe(204);

    const lead = await ApiClient.as(t, 'midwife@beacon.example');
    expect(
      (await lead.post(`/api/cases/${id}/discharge-decisions/${overridden.json.id as string}/review`, { note: 'Reviewed with the consultant' })).status,
    ).toBe(204);
    status = await nurse.get(`/api/cases/${id}/discharge`);
    const decisions = status.json.decisions as { gateOutcome: string; reviewNote: string | null; blockers: unknown[] }[];
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ gateOutcome: 'overridden', reviewNote: 'Reviewed with the consultant' });
    expect((status.json.tests as { told: unknown[] }[]).find((t) => t.told.length)).toBeTruthy();

    const meeting = await nurse.post(`/api/cases/${id}/discharge-planning/meetings`, { scheduledFor: ago(H).toISOString() });
    expect(meeting.status).toBe(201);
    const mid = meeting.json.id as string;
    expect(
      (
        await nurse.post(`/api/cases/${id}/discharge-planning/meetings/${mid}/held`, {
          heldAt: ago(H).toISOString(),
          attendees: [{ name: 'A', role: '', agency: 'C' }],
          decisions: 'x',
        })
      ).json.fields,
    ).toEqual({
      'attendees.0.role': 'Enter the attendee’s role',
    });
    expect((await nurse.post(`/api/cases/${id}/discharge-planning/meetings/${mid}/cancel`, { reason: 'Not needed after all' })).status).toBe(204);
  });

  it('describes every discharge and checklist endpoint in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = JSON.parse(res.body) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const mine = t.app.apiRoutes
      .filter((r) => /\/(discharge|toxicology|labour-checklist|assurance\/discharge-overrides)/.test(r.url))
      .map((r) => `${r.method} ${openApiPath(r.url)}`);
    expect(mine.length).toBe(15);
    for (const r of mine) expect(documented, r).toContain(r);
  });
});

describe('the discharge override assurance page', () => {
  it('shows counts for the period to those who may see reports, and refuses bad dates and other roles', async () => {
    const auditor = await as('auditor@beacon.example');
    const page = await auditor.get('/assurance/discharge-overrides');
    expect(page.status).toBe(200);
    const html = htmlText(page.body);
    expect(html).toContain('Discharge gate overrides');
    expect(html).toContain('Overrides not yet reviewed');
    expect(html).toContain('University Hospital Southampton NHS Foundation Trust');
    expect(html).not.toContain('Marisol');

    const bad = await auditor.get('/assurance/discharge-overrides?from.day=31&from.month=2&from.year=2026');
    expect(bad.status).toBe(400);
    expect(errorSummaryLinks(bad.body)).toEqual([['#from-day', 'The start date must be a real date, like 2026-01-31']]);

    const json = await (await ApiClient.as(t, 'auditor@beacon.example')).get('/api/assurance/discharge-overrides');
    expect(json.status).toBe(200);
    expect((json.json.totals as { overrides: number }).overrides).toBeGreaterThanOrEqual(2);
    expect((await (await as('midwife@beacon.example')).get('/assurance/discharge-overrides')).status).toBe(403);
  });
});
