import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, londonDate } from '../../alerts/pregnancy';
import { onPostgres } from '../../../test/support/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { contextFor } from '../../../test/support/alerts';
import { errorSummaryLinks, htmlText, openTestCase } from '../../../test/support/cases';
import { ApiClient } from '../../../test/support/api-client';

const MIDWIFE = 'midwife@beacon.example';

let t: TestApp;
let caseId: string;
let reference: string;
beforeAll(async () => {
  t = await startTestApp();
  const c = await openTestCase(t.database.db, await contextFor(t.database.db, MIDWIFE), { givenName: 'Tamsin', familyName: 'Arkell' });
  caseId = c.id;
  reference = c.reference;
});
afterAll(async () => {
  await t?.close();
});

/** The timeline table only (the prompts above it list entries too). */
const timeline = (html: string) => html.split('id="timeline"')[1] ?? '';
const dateParts = (name: string, iso: string, time = '') => {
  const [y, m, d] = iso.split('-');
  return {
    [`${name}.day`]: String(Number(d)),
    [`${name}.month`]: String(Number(m)),
    [`${name}.year`]: y!,
    ...(name === 'occurredAt' ? { [`${name}.time`]: time } : {}),
  };
};
const daysAgo = (n: number) => addDays(londonDate(new Date()), -n);
const entry = (kind: string, day: string, summary: string, time = '') => ({
  kind,
  ...dateParts('occurredAt', day, time),
  summary,
  professional: '',
  agency: '',
});

describe(`the chronology page (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('shows prompts, the form and the timeline; a bad entry is shown again with its problems and nothing is recorded', async () => {
    const b = await t.browser().signedInAs(MIDWIFE);
    const page = await b.get(`/cases/${caseId}/chronology`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="prompts"');
    expect(page.body).toContain('Record an entry');
    expect(page.body).toContain('<optgroup label="Possible signs of closure (shutting professionals out)">');
    expect(page.body).not.toContain('value="prompt_raised"');
    expect(page.body).toContain('Case opened');

    const bad = await b.post(`/cases/${caseId}/chronology`, {
      kind: '',
      'occurredAt.day': '31',
      'occurredAt.month': '2',
      'occurredAt.year': '2026',
      'occurredAt.time': '',
      summary: 'She did not come',
      professional: '',
      agency: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('There is a problem');
    expect(errorSummaryLinks(bad.body)).toContainEqual(['#kind', 'Choose what happened']);
    expect(errorSummaryLinks(bad.body)).toContainEqual(['#occurredAt-day', 'The date it happened must be a real date: February 2026 has 28 days, not 31']);
    expect(bad.body).toContain('She did not come</textarea>');
    expect(bad.body).toMatch(/id="occurredAt-day" name="occurredAt.day" type="text" inputmode="numeric" value="31"/);

    const systemKind = await b.post(`/cases/${caseId}/chronology`, entry('alert_linked', daysAgo(1), 'Trying to fake a system entry'));
    expect(systemKind.status).toBe(400);
    expect(systemKind.body).toContain('Beacon records that kind of entry itself');
    const after = await b.get(`/cases/${caseId}/chronology`);
    expect(after.body).not.toContain('Trying to fake a system entry');
  });

  it('three missed appointments and a move raise a prompt, answered on the page with a recorded response', async () => {
    const b = await t.browser().signedInAs(MIDWIFE);
    for (const n of [30, 20, 10]) {
      const r = await b.post(`/cases/${caseId}/chronology`, entry('appointment_missed', daysAgo(n), `Did not attend antenatal clinic (${n} days ago)`));
      expect(r.status).toBe(303);
      expect(r.location).toMatch(/done=Entry%20recorded%20in%20the%20chronology/);
    }
    const move = await b.post(`/cases/${caseId}/chronology`, {
      ...entry('address_change', daysAgo(5), 'Neighbour says she has moved to Portsmouth', '09:15'),
      agency: 'Southampton City Council housing',
    });
    expect(move.status).toBe(303);
    expect(move.location).toContain('#prompts');
    expect(decodeURIComponent(move.location!)).toContain('a prompt has been raised');

    const page = await b.get(`/cases/${caseId}/chronology`);
    expect(page.body).toContain('Missed appointments and a change of address');
    expect(page.body).toContain('Consider closure or flight');
    expect(htmlText(page.body)).toContain('Neighbour says she has moved to Portsmouth');
    expect(page.body).toContain('1 pattern prompt needs a response');
    const promptId = /action="\/cases\/[^/]+\/prompts\/([0-9a-f-]+)\/answer"/.exec(page.body)![1]!;

    const short = await b.post(`/cases/${caseId}/prompts/${promptId}/answer`, { responseKind: 'discussed_with_lead', response: 'ok' });
    expect(short.status).toBe(400);
    expect(errorSummaryLinks(short.body)).toContainEqual([`#response-${promptId}`, 'Enter what you considered and decided']);
    expect(short.body).toContain('ok</textarea>');
    expect(short.body).toMatch(new RegExp(`id="responseKind-${promptId}" name="responseKind" type="radio" value="discussed_with_lead"\\s+checked`));

    const done = await b.post(`/cases/${caseId}/prompts/${promptId}/answer`, {
      responseKind: 'discussed_with_lead',
      response: 'Discussed with the named nurse; strategy discussion requested.',
    });
    expect(done.status).toBe(303);
    const answered = await b.get(`/cases/${caseId}/chronology`);
    expect(answered.body).toContain('Answered prompts (1)');
    expect(answered.body).toContain('Discussed with the named nurse; strategy discussion requested.');
    expect(answered.body).not.toContain('pattern prompt needs a response');

    const again = await b.post(`/cases/${caseId}/prompts/${promptId}/answer`, {
      responseKind: 'no_further_action',
      response: 'A second answer should be refused',
    });
    expect(again.status).toBe(400);
    expect(again.body).toContain('This prompt has already been answered');
  });

  it('filters the timeline by warning sign; an unknown one is a clear error', async () => {
    const b = await t.browser().signedInAs(MIDWIFE);
    const flight = await b.get(`/cases/${caseId}/chronology?indicator=flight`);
    expect(flight.status).toBe(200);
    expect(htmlText(timeline(flight.body))).toContain('Neighbour says she has moved to Portsmouth');
    expect(timeline(flight.body)).not.toContain('Did not attend antenatal clinic');
    const bogus = await b.get(`/cases/${caseId}/chronology?indicator=sneaky`);
    expect(bogus.status).toBe(400);
    expect(bogus.body).toContain('Choose closure, flight or disguised compliance, or show every entry');
  });

  it('lists unanswered prompts across the organisation’s cases', async () => {
    const b = await t.browser().signedInAs(MIDWIFE);
    for (const n of [6, 2])
      expect((await b.post(`/cases/${caseId}/chronology`, entry('no_access_visit', daysAgo(n), 'No answer at the door'))).status).toBe(303);
    const list = await b.get('/cases/prompts');
    expect(list.status).toBe(200);
    expect(list.body).toContain(reference);
    expect(list.body).toContain('Repeatedly not seen');
    expect(list.body).toContain(`/cases/${caseId}/chronology#prompts`);
    const other = await (await t.browser().signedInAs('social.worker@beacon.example')).get('/cases/prompts');
    expect(other.status).toBe(200);
    expect(other.body).not.toContain(reference);
  });

  it('is refused to an agency not on the case', async () => {
    const b = await t.browser().signedInAs('social.worker@beacon.example');
    expect((await b.get(`/cases/${caseId}/chronology`)).status).toBe(403);
    expect((await b.get(`/cases/${caseId}/details`)).status).toBe(403);
  });
});

describe('the identity details page', () => {
  it('adds a detail; a different date of birth is flagged and can be marked no longer current with a reason', async () => {
    const b = await t.browser().signedInAs(MIDWIFE);
    const page = await b.get(`/cases/${caseId}/details`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('14 July 1998');
    expect(page.body).toContain('Self-reported');
    // Without JavaScript every detail's inputs are on the page, under their choice.
    for (const name of ['name.given', 'date_of_birth.day', 'address.line', 'nhs_number.number', 'gp_practice.practice', 'phone.number'])
      expect(page.body).toContain(`name="${name}"`);
    expect(page.body).not.toContain('Details that do not match');

    const today = londonDate(new Date());
    const bad = await b.post(`/cases/${caseId}/details`, {
      subject: 'mother',
      field: 'date_of_birth',
      ...dateParts('date_of_birth', '1996-02-30'),
      source: 'other_agency',
      sourceDetail: '',
      ...dateParts('sourceDate', today),
    });
    expect(bad.status).toBe(400);
    expect(errorSummaryLinks(bad.body)).toContainEqual(['#sourceDetail', 'Enter which agency reported this detail']);
    const bad2 = await b.post(`/cases/${caseId}/details`, {
      subject: 'mother',
      field: 'date_of_birth',
      ...dateParts('date_of_birth', '1996-02-30'),
      source: 'other_agency',
      sourceDetail: 'Portsmouth children’s services',
      ...dateParts('sourceDate', today),
    });
    expect(bad2.status).toBe(400);
    expect(errorSummaryLinks(bad2.body)).toContainEqual(['#date_of_birth-day', 'Date of birth must be a real date']);
    expect(bad2.body).toMatch(/name="date_of_birth.day"[^>]*value="30"/);
    const none = await b.post(`/cases/${caseId}/details`, { subject: 'mother', source: 'self_reported', ...dateParts('sourceDate', today) });
    expect(none.status).toBe(400);
    expect(errorSummaryLinks(none.body)).toContainEqual(['#field', 'Choose which detail this is']);

    const ok = await b.post(`/cases/${caseId}/details`, {
      subject: 'mother',
      field: 'date_of_birth',
      ...dateParts('date_of_birth', '1996-11-23'),
      'name.given': 'ignored because another detail was chosen',
      source: 'other_agency',
      sourceDetail: 'Portsmouth children’s services',
      ...dateParts('sourceDate', today),
    });
    expect(ok.status).toBe(303);
    expect(decodeURIComponent(ok.location!)).toContain('does not match');
    const flagged = await b.get(`/cases/${caseId}/details`);
    expect(flagged.body).toContain('Details that do not match');
    expect(flagged.body).toContain('23 November 1996');
    expect(flagged.body).not.toContain('ignored because another detail was chosen');
    const chronology = await b.get(`/cases/${caseId}/chronology`);
    expect(chronology.body).toContain('Identity details do not match');

    const factId = new RegExp(
      `/cases/${caseId}/details/facts/([0-9a-f-]+)/supersede">Mark as no longer current<span class="nhsuk-u-visually-hidden">: Date of birth 14 July 1998`,
    ).exec(flagged.body)![1]!;
    const confirm = await b.get(`/cases/${caseId}/details/facts/${factId}/supersede`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Why is it no longer current?');
    const noReason = await b.post(`/cases/${caseId}/details/facts/${factId}/supersede`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('Enter why this detail is no longer current');
    const superseded = await b.post(`/cases/${caseId}/details/facts/${factId}/supersede`, { reason: 'PDS trace gives 23 November 1996' });
    expect(superseded.status).toBe(303);
    const resolved = await b.get(`/cases/${caseId}/details`);
    expect(resolved.body).not.toContain('Details that do not match');
    expect(resolved.body).toContain('No longer current: PDS trace gives 23 November 1996');
    expect((await b.get(`/cases/${caseId}/details/facts/00000000-0000-4000-8000-000000000000/supersede`)).status).toBe(404);
  });
});

describe('the JSON API', () => {
  it('records and reads the chronology, answers prompts, and refuses bad input with field messages', async () => {
    const api = await ApiClient.as(t, MIDWIFE);
    const refused = await api.post(`/api/cases/${caseId}/chronology`, { kind: 'prompt_raised', occurredAt: daysAgo(1), summary: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid', fields: { kind: expect.stringContaining('Beacon records that kind of entry itself') } });
    expect((await api.post(`/api/cases/${caseId}/chronology`, [])).json).toMatchObject({
      error: 'invalid',
      fields: { form: 'Send the entry as an object with kind, occurredAt and summary' },
    });

    const created = await api.post(`/api/cases/${caseId}/chronology`, {
      kind: 'agreed_action_not_done',
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      summary: 'Did not register with a GP as agreed',
      professional: 'Social worker',
      agency: 'Southampton children’s services',
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: expect.any(String), promptsRaised: 0 });

    const timeline = await api.get(`/api/cases/${caseId}/chronology?indicator=disguised_compliance`);
    expect(timeline.status).toBe(200);
    expect(timeline.json.entries).toEqual([
      expect.objectContaining({
        id: created.json.id,
        kind: 'agreed_action_not_done',
        indicator: 'disguised_compliance',
        source: 'practitioner',
        timeKnown: true,
        agency: 'Southampton children’s services',
      }),
    ]);
    expect((await api.get(`/api/cases/${caseId}/chronology?kind=nonsense`)).status).toBe(400);

    const prompts = await api.get(`/api/cases/${caseId}/prompts`);
    expect(prompts.status).toBe(200);
    const open = (prompts.json.prompts as { id: string; answered: boolean; ruleKey: string; entries: unknown[] }[]).find((p) => !p.answered)!;
    expect(open.ruleKey).toBe('not_seen');
    expect(open.entries).toHaveLength(2);
    const tooShort = await api.post(`/api/cases/${caseId}/prompts/${open.id}/answer`, { responseKind: 'action_taken', response: 'short' });
    expect(tooShort.json).toMatchObject({ error: 'invalid', fields: { response: 'Enter what you considered and decided' } });
    const answer = await api.post(`/api/cases/${caseId}/prompts/${open.id}/answer`, {
      responseKind: 'action_taken',
      response: 'Joint unannounced visit arranged with police.',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: open.id, answered: true, responseKind: 'action_taken', response: 'Joint unannounced visit arranged with police.' });
    expect(
      (
        await api.post(`/api/cases/${caseId}/prompts/${open.id}/answer`, {
          responseKind: 'action_taken',
          response: 'Joint unannounced visit arranged with police.',
        })
      ).status,
    ).toBe(400);

    const list = await api.get('/api/cases/prompts');
    expect(list.status).toBe(200);
    expect((list.json.prompts as { caseId: string }[]).filter((p) => p.caseId === caseId)).toEqual([]);
  });

  it('records identity details, flags disagreement and supersedes with a reason', async () => {
    const api = await ApiClient.as(t, MIDWIFE);
    const today = londonDate(new Date());
    const bad = await api.post(`/api/cases/${caseId}/facts`, {
      field: 'nhs_number',
      value: { number: '943 476 5918' },
      source: 'pds_verified',
      sourceDate: today,
    });
    expect(bad.json).toMatchObject({ error: 'invalid', fields: { 'value.number': expect.stringContaining('check digit') } });
    const first = await api.post(`/api/cases/${caseId}/facts`, {
      field: 'phone',
      value: { number: '07700 900123' },
      source: 'self_reported',
      sourceDate: today,
    });
    expect(first).toMatchObject({ status: 201, json: { inconsistent: false } });
    const second = await api.post(`/api/cases/${caseId}/facts`, {
      field: 'phone',
      value: { number: '07700 900999' },
      source: 'other_agency',
      sourceDetail: 'Health visiting team',
      sourceDate: today,
    });
    expect(second).toMatchObject({ status: 201, json: { inconsistent: true } });

    const facts = await api.get(`/api/cases/${caseId}/facts`);
    expect(facts.status).toBe(200);
    expect(facts.json.inconsistencies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'phone', values: expect.arrayContaining([expect.objectContaining({ factIds: [first.json.id] })]) }),
      ]),
    );
    expect(facts.json.pointOfCareVariants).toEqual([]);

    expect((await api.post(`/api/cases/${caseId}/facts/${first.json.id}/supersede`, { reason: 42 })).json).toMatchObject({
      error: 'invalid',
      fields: { reason: expect.any(String) },
    });
    const gone = await api.post(`/api/cases/${caseId}/facts/${first.json.id}/supersede`, { reason: 'Number no longer in use' });
    expect(gone.status).toBe(200);
    expect(gone.json).toMatchObject({ id: first.json.id, current: false, supersededReason: 'Number no longer in use' });
    expect(((await api.get(`/api/cases/${caseId}/facts`)).json.inconsistencies as { field: string }[]).some((i) => i.field === 'phone')).toBe(false);
    expect((await api.post(`/api/cases/${caseId}/facts/${first.json.id}/supersede`, { reason: 'Again' })).status).toBe(404);
  });

  it('is refused to an agency not on the case', async () => {
    const api = await ApiClient.as(t, 'social.worker@beacon.example');
    expect((await api.get(`/api/cases/${caseId}/chronology`)).status).toBe(403);
    expect((await api.get(`/api/cases/${caseId}/facts`)).status).toBe(403);
    expect((await api.post(`/api/cases/${caseId}/chronology`, { kind: 'observation', occurredAt: daysAgo(1), summary: 'x' })).status).toBe(403);
  });
});
