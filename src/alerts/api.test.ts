import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../server';
import { alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
import { jobs } from '../platform/jobs/schema';
import { AlertDetail, AlertList, ApprovalQueue, Inbox } from './api';
import { addDays, londonDate } from './pregnancy';
import { openApiPath } from '../platform/http/openapi';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';

/**
 * The alert register through its JSON API, on the real application (PGlite, or PostgreSQL when
 * TEST_DATABASE_URL is set): the whole life of an alert as the demo people, every bad input from the
 * issue refused with field errors and nothing written, the roles that may not see alerts refused, and
 * the OpenAPI document checked against the routes actually served.
 */

let t: TestApp;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-alerts-api-'));
  t = await startTestApp({ BEACON_DATA_DIR: dataDir });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const db = () => t.database.db;
const today = londonDate(new Date());
const worker = () => createWorker(t.database, t.config, pino({ level: 'silent' }));

const png = (w = 64, h = 48) =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#8a4b2d' } })
    .png()
    .toBuffer();

/** Content as a client sends it, typed just enough for the tests to spoil one field at a time. */
interface Content {
  subject: { nhsNumbers: { value: string; verification: string }[]; datesOfBirth: { value: string; knownFalse: boolean }[]; [k: string]: unknown };
  pregnancy: { edd: string; [k: string]: unknown };
  risk: { actionOnPresentation: string; [k: string]: unknown };
  distribution: { scopeReason?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Complete, valid content: sent to maternity units in the Hampshire and Isle of Wight ICB area. */
function validContent(over: (c: Content) => void = () => {}): Content {
  const c: Content = {
    subject: {
      name: { given: 'Kerry', family: 'Marsh' },
      otherNames: [{ kind: 'alias', name: { given: 'Kez', family: null } }],
      datesOfBirth: [{ value: '1998-03-27', knownFalse: false }],
      nhsNumbers: [{ value: '943 476 5919', verification: 'pds_trace' }],
      addresses: [{ kind: 'current', address: '12 Example Road, Southampton', postcode: 'so16 6yd' }],
      phones: [{ number: '07700 900123', note: 'May be switched off' }],
      physicalDescription: 'Tall, short red hair',
    },
    associatedPeople: [
      {
        relationship: 'Partner',
        name: { given: 'Dean', family: 'Marsh' },
        dateOfBirth: '1990-06-14',
        nhsNumber: null,
        notesOnRisk: 'Has been violent to staff',
      },
    ],
    pregnancy: { edd: addDays(today, 84), bookingStatus: 'unbooked', bookingUnit: null, concealment: 'concealed', cpis: { result: 'plan', checkedAt: today } },
    risk: {
      criteria: ['likely_to_evade', 'risk_to_staff'],
      reason: 'Previous baby removed at birth; has left two areas before assessment.',
      riskToStaff: 'Partner has threatened midwives.',
      actionOnPresentation: 'Do not discharge the baby before speaking to the on-call social worker.',
      inHoursContact: { name: "Southampton children's resource service", phone: '023 8083 3336' },
      outOfHoursContact: { name: 'Southampton emergency duty team', phone: '023 8023 3344' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'icb', geographyCode: 'QRL', unitTypes: ['maternity_unit'], scopeReason: 'She has family in Portsmouth and on the Isle of Wight.' },
    reviewDate: null,
  };
  over(c);
  return c;
}

async function countOf(table: typeof alertEvents | typeof alertDeliveries | typeof alertPhotos | typeof alertVersions, alertId: string) {
  return (await db().select({ n: count() }).from(table).where(eq(table.alertId, alertId)))[0]!.n;
}
const alertRow = async (id: string) => (await db().select().from(alerts).where(eq(alerts.id, id)))[0]!;
const distributeJobs = async () => (await db().select({ n: count() }).from(jobs).where(eq(jobs.type, 'alerts.distribute')))[0]!.n;

let midwife: ApiClient;
let designated: ApiClient;
beforeAll(async () => {
  midwife = await ApiClient.as(t, 'midwife@beacon.example');
  designated = await ApiClient.as(t, 'designated@beacon.example');
});

describe('the life of an alert through the API', () => {
  let id = '';
  let reference = '';

  it('a safeguarding midwife starts a draft, saves it, adds a photograph and submits it', async () => {
    const created = await midwife.post('/api/alerts', { subject: { name: { given: 'Kerry' } } });
    expect(created.status).toBe(201);
    id = created.json.id as string;
    reference = created.json.reference as string;
    expect(reference).toMatch(/^BCN-[0-9A-Z]{6}$/);

    expect((await midwife.put(`/api/alerts/${id}/draft`, validContent())).status).toBe(204);
    const photo = await midwife.upload(
      `/api/alerts/${id}/photos`,
      { caption: 'Taken at booking' },
      { name: 'photo', filename: 'kerry.png', type: 'image/png', data: await png() },
    );
    expect(photo.status, JSON.stringify(photo.json)).toBe(201);

    // The midwife cannot approve (wrong role), and approval waits for submission.
    expect((await midwife.post(`/api/alerts/${id}/approve`, {})).status).toBe(403);
    expect((await midwife.post(`/api/alerts/${id}/submit`)).status).toBe(204);
    const res = await midwife.get(`/api/alerts/${id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    const detail = AlertDetail.parse(res.json);
    expect(detail.status).toBe('submitted');
    expect((await midwife.b.get(`/alerts/${id}`)).headers['cache-control']).toBe('no-store');
    expect(detail.allowedActions).toEqual(['cancel']);
    expect(detail.photos).toHaveLength(1);
    const img = await midwife.get(detail.photos[0]!.url);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    expect(img.headers['cache-control']).toBe('no-store');
  });

  it('the designated professional sees it in the approval queue and approves it', async () => {
    const queue = ApprovalQueue.parse((await designated.get('/api/alerts/approvals')).json);
    expect(queue.alerts.map((a) => a.reference)).toContain(reference);
    const detail = AlertDetail.parse((await designated.get(`/api/alerts/${id}?purpose=${encodeURIComponent('approval check')}`)).json);
    expect(detail.allowedActions).toEqual(expect.arrayContaining(['approve', 'return']));
    expect(detail.allowedActions).not.toContain('update');

    expect((await designated.post(`/api/alerts/${id}/approve`, { comments: 'Proportionate.' })).status).toBe(204);
    const again = await designated.post(`/api/alerts/${id}/approve`, {});
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid');
    expect(Object.values(again.json.fields ?? {})[0]).toMatch(/already active/);
    expect((await alertRow(id)).status).toBe('active');
  });

  it('the worker sends it to every maternity unit in the ICB area, and emails each mailbox', async () => {
    await worker().drain();
    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    const units = detail.recipients.map((r) => r.unit.name);
    expect(units).toEqual(
      expect.arrayContaining(['Princess Anne Hospital maternity unit', 'Queen Alexandra Hospital maternity unit', 'Basingstoke maternity unit']),
    );
    expect(units).not.toContain('Frimley Park Hospital maternity unit');
    expect(detail.recipients.every((r) => r.version === 1 && r.acknowledgedAt === null)).toBe(true);
    // Organisations are named with their ODS codes as well as their names (a client matches them by code).
    expect(detail.recipients.find((r) => r.unit.name === 'Princess Anne Hospital maternity unit')).toMatchObject({ organisationOdsCode: 'RHM' });
    expect(detail.originator).toMatchObject({ organisationOdsCode: 'RHM', organisation: 'University Hospital Southampton NHS Foundation Trust' });
    const mail = fs.readdirSync(path.join(dataDir, 'mail')).map((f) => fs.readFileSync(path.join(dataDir, 'mail', f), 'utf8'));
    expect(mail.some((m) => m.includes('uhs.maternity@beacon.example') && m.includes(reference))).toBe(true);
    // The email carries no personal data.
    expect(mail.some((m) => m.includes('Kerry') || m.includes('Marsh'))).toBe(false);
  });

  it('coordinators of two units in scope acknowledge it from their inboxes, and the grid shows who has', async () => {
    for (const email of ['coordinator.pah@beacon.example', 'coordinator.qah@beacon.example']) {
      const c = await ApiClient.as(t, email);
      const inbox = Inbox.parse((await c.get('/api/alerts/inbox')).json);
      const item = inbox.items.find((i) => i.alertId === id)!;
      expect(item).toMatchObject({ reference, version: 1, acknowledgedAt: null, kind: 'activation' });
      // A recipient may read the alert it was sent.
      expect((await c.get(`/api/alerts/${id}`)).status).toBe(200);
      expect((await c.post(`/api/alerts/deliveries/${item.deliveryId}/acknowledge`, { note: 'Loaded onto the ward system' })).status).toBe(204);
      // Again changes nothing; someone else's delivery is not theirs to acknowledge.
      expect((await c.post(`/api/alerts/deliveries/${item.deliveryId}/acknowledge`, {})).status).toBe(204);
    }
    const pah = await ApiClient.as(t, 'coordinator.pah@beacon.example');
    const other = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json).recipients.find((r) => r.unit.name === 'Basingstoke maternity unit')!;
    expect((await pah.post(`/api/alerts/deliveries/${other.deliveryId}/acknowledge`, {})).status).toBe(403);

    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    const byUnit = new Map(detail.recipients.map((r) => [r.unit.name, r]));
    expect(byUnit.get('Princess Anne Hospital maternity unit')).toMatchObject({ acknowledgedBy: 'Tom Hughes', note: 'Loaded onto the ward system' });
    expect(byUnit.get('Queen Alexandra Hospital maternity unit')?.acknowledgedBy).toBe('Grace Okafor');
    expect(byUnit.get('Basingstoke maternity unit')?.acknowledgedAt).toBeNull();
    // The owner sees who viewed it, including the coordinators and the approver's stated purpose.
    const who = detail.accessHistory!.map((h) => h.who);
    expect(who).toEqual(expect.arrayContaining(['Tom Hughes', 'Grace Okafor', 'Helen Carter']));
    expect(detail.accessHistory!.some((h) => h.purpose === 'approval check')).toBe(true);
    // A recipient does not.
    expect(AlertDetail.parse((await pah.get(`/api/alerts/${id}`)).json).accessHistory).toBeNull();
  });

  it('the midwife updates it: a new version, shown as a difference, sent again', async () => {
    const content = validContent((c) => {
      c.risk.actionOnPresentation = 'Call the police on 999 and do not discharge the baby.';
    });
    const res = await midwife.post(`/api/alerts/${id}/update`, { content, reason: 'Police now involved' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.version).toBe(2);
    await worker().drain();
    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    expect(detail.version).toBe(2);
    expect(detail.versions[0]).toMatchObject({ version: 2, changeReason: 'Police now involved' });
    expect(detail.versions[0]!.changes).toEqual([
      {
        path: 'risk.actionOnPresentation',
        label: 'Action on presentation',
        before: 'Do not discharge the baby before speaking to the on-call social worker.',
        after: 'Call the police on 999 and do not discharge the baby.',
        change: 'changed',
      },
    ]);
    expect(detail.recipients.every((r) => r.version === 2 && r.acknowledgedAt === null)).toBe(true);
  });

  it('renewal needs a date and a reason; then the midwife stands it down and recipients are told', async () => {
    const noReason = await midwife.post(`/api/alerts/${id}/renew`, { reviewDate: addDays(today, 30), reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.json.fields).toHaveProperty('reviewDate');
    const badOutcome = await midwife.post(`/api/alerts/${id}/stand-down`, { outcome: 'gone' });
    expect(badOutcome.status).toBe(400);
    expect(badOutcome.json.fields).toEqual({ outcome: 'Select the outcome.' });

    expect(
      (await midwife.post(`/api/alerts/${id}/stand-down`, { outcome: 'baby_delivered_safe', details: 'Born at Princess Anne, discharged with plan.' })).status,
    ).toBe(204);
    await worker().drain();
    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    expect(detail.status).toBe('stood_down');
    expect(detail.version).toBe(3);
    expect(detail.allowedActions).toEqual([]);
    expect(detail.recipients.every((r) => r.version === 3 && r.kind === 'stand_down')).toBe(true);
    expect(detail.history.map((h) => h.event)).toEqual(['create', 'submit', 'approve', 'update', 'stand_down']);
    const list = AlertList.parse((await midwife.get('/api/alerts')).json);
    expect(list.alerts.find((a) => a.id === id)).toMatchObject({ status: 'stood_down', version: 3 });
    // The page says why, in one sentence: a reason that ends with a full stop does not get a second one.
    const page = (await midwife.get(`/alerts/${id}`)).raw.toString('utf8');
    expect(page).toContain('Stood down');
    expect(page).toContain('. No action is needed if she presents');
    expect(page).not.toMatch(/\.\s*\. No action/);
  });
});

describe('bad input is refused with a message per field, and nothing is written', () => {
  async function draftWith(over: (c: Content) => void) {
    const res = await midwife.post('/api/alerts', validContent(over));
    expect(res.status).toBe(201);
    return res.json.id as string;
  }

  async function refusedOnSubmit(over: (c: Content) => void, field: string, message: RegExp) {
    const id = await draftWith(over);
    const jobsBefore = await distributeJobs();
    const res = await midwife.post(`/api/alerts/${id}/submit`);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid');
    expect(res.json.fields?.[field], JSON.stringify(res.json.fields)).toMatch(message);
    // No partial alert: still a draft, no transition recorded, nothing queued or delivered.
    expect((await alertRow(id)).status).toBe('draft');
    expect(await countOf(alertEvents, id)).toBe(1);
    expect(await countOf(alertDeliveries, id)).toBe(0);
    expect(await distributeJobs()).toBe(jobsBefore);
  }

  it('an NHS number with a wrong check digit', () =>
    refusedOnSubmit((c) => (c.subject.nhsNumbers[0]!.value = '943 476 5910'), 'subject.nhsNumbers.0.value', /not valid: check the last digit/));
  it('a due date implausibly far in the past', () =>
    refusedOnSubmit((c) => (c.pregnancy.edd = addDays(today, -20 * 7)), 'pregnancy.edd', /more than 10 weeks ago/));
  it('a due date implausibly far in the future', () =>
    refusedOnSubmit((c) => (c.pregnancy.edd = addDays(today, 50 * 7)), 'pregnancy.edd', /more than 44 weeks from today/));
  it('a date of birth that makes her 9', () =>
    refusedOnSubmit((c) => (c.subject.datesOfBirth[0]!.value = addDays(today, -(9 * 365 + 100))), 'subject.datesOfBirth.0.value', /makes her 9 years old/));
  it('a date of birth that makes her 70', () =>
    refusedOnSubmit((c) => (c.subject.datesOfBirth[0]!.value = addDays(today, -(70 * 365 + 100))), 'subject.datesOfBirth.0.value', /makes her 70 years old/));
  it('an empty action on presentation', () =>
    refusedOnSubmit((c) => (c.risk.actionOnPresentation = '   '), 'risk.actionOnPresentation', /^Enter what staff must do when she presents$/));
  it('a distribution scope with no reason', () =>
    refusedOnSubmit((c) => delete c.distribution.scopeReason, 'distribution.scopeReason', /^Enter why the alert needs to go this widely$/));

  it('every problem at once, each under its own field', async () => {
    const id = await draftWith((c) => {
      c.subject.nhsNumbers[0]!.value = '943 476 5910';
      c.risk.actionOnPresentation = '';
      c.distribution.scopeReason = '';
    });
    const res = await midwife.post(`/api/alerts/${id}/submit`);
    expect(Object.keys(res.json.fields ?? {})).toEqual(['subject.nhsNumbers.0.value', 'risk.actionOnPresentation', 'distribution.scopeReason']);
  });

  it('an oversized photograph, and a file that is not an image: no photograph is stored', async () => {
    const id = await draftWith(() => {});
    const big = Buffer.concat([await png(), Buffer.alloc(10 * 1024 * 1024 + 10, 1)]);
    const tooBig = await midwife.upload(`/api/alerts/${id}/photos`, {}, { name: 'photo', filename: 'big.png', type: 'image/png', data: big });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.fields).toEqual({ photo: 'The photograph must be smaller than 10 MB' });
    const notImage = await midwife.upload(
      `/api/alerts/${id}/photos`,
      {},
      { name: 'photo', filename: 'photo.jpg', type: 'image/jpeg', data: Buffer.from('%PDF-1.7 not a photograph') },
    );
    expect(notImage.status).toBe(400);
    expect(notImage.json.fields).toEqual({ photo: 'The photograph must be a JPG or PNG' });
    const none = await midwife.upload(`/api/alerts/${id}/photos`, { caption: 'x' }, null);
    expect(none.status).toBe(400);
    expect(none.json.fields?.photo).toMatch(/Select a photograph/);
    expect(await countOf(alertPhotos, id)).toBe(0);
  });

  it('an update of an active alert with bad content: 400 under content., no new version, nothing sent', async () => {
    const id = await draftWith(() => {});
    expect((await midwife.post(`/api/alerts/${id}/submit`)).status).toBe(204);
    expect((await designated.post(`/api/alerts/${id}/approve`, {})).status).toBe(204);
    await worker().drain();
    const deliveries = await countOf(alertDeliveries, id);
    const res = await midwife.post(`/api/alerts/${id}/update`, {
      content: validContent((c) => {
        c.subject.nhsNumbers[0]!.value = '943 476 5910';
        c.risk.actionOnPresentation = '';
      }),
      reason: '',
    });
    expect(res.status).toBe(400);
    expect(res.json.fields).toMatchObject({
      'content.subject.nhsNumbers.0.value': expect.stringMatching(/check the last digit/),
      'content.risk.actionOnPresentation': 'Enter what staff must do when she presents',
    });
    expect((await alertRow(id)).version).toBe(1);
    expect(await countOf(alertVersions, id)).toBe(1);
    await worker().drain();
    expect(await countOf(alertDeliveries, id)).toBe(deliveries);
    // A body that is not the documented shape.
    const shape = await midwife.post(`/api/alerts/${id}/update`, { content: 'everything', reason: 'x' });
    expect(shape.status).toBe(400);
    expect(shape.json.fields).toHaveProperty('content');
    expect((await midwife.post(`/api/alerts/${id}/cancel`, { reason: 'Raised in error', extra: 1 })).status).toBe(400);
  });

  it('a draft that is not an object', async () => {
    const res = await midwife.post('/api/alerts', ['not', 'an', 'alert']);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid');
  });
});

describe('who may use the alert pages and API', () => {
  let alertId = '';
  beforeAll(async () => {
    alertId = (await midwife.post('/api/alerts', validContent())).json.id as string;
  });

  it.each(['ed.nurse@beacon.example', 'admin@beacon.example'])('%s gets 403 on every alert page and endpoint', async (email) => {
    const c = await ApiClient.as(t, email);
    for (const url of [
      '/alerts',
      '/alerts/new',
      '/alerts/approvals',
      '/inbox',
      `/alerts/${alertId}`,
      `/alerts/${alertId}/steps/name`,
      `/alerts/${alertId}/check`,
    ]) {
      expect((await c.b.get(url)).status, url).toBe(403);
    }
    expect((await c.b.post('/alerts')).status).toBe(403);
    for (const url of ['/api/alerts', '/api/alerts/approvals', '/api/alerts/inbox', `/api/alerts/${alertId}`]) {
      const res = await c.get(url);
      expect(res.status, url).toBe(403);
      expect(res.json.error).toBe('forbidden');
    }
    expect((await c.post('/api/alerts', validContent())).status).toBe(403);
    expect((await c.post(`/api/alerts/${alertId}/submit`)).status).toBe(403);
  });

  it('the home page offers each role only the alert pages it may use', async () => {
    const cards = async (email: string) =>
      [...(await (await t.browser().signedInAs(email)).get('/')).body.matchAll(/nhsuk-card__link[^>]*>\s*([^<]+?)\s*</g)].map((m) => m[1]);
    expect(await cards('midwife@beacon.example')).toEqual(expect.arrayContaining(['Raise an alert', 'Your organisation&#39;s alerts']));
    expect(await cards('designated@beacon.example')).toEqual(expect.arrayContaining(['Raise an alert', 'Alerts to approve']));
    expect(await cards('coordinator.pah@beacon.example')).toEqual(expect.arrayContaining(['Your unit&#39;s alert inbox']));
    const mine = ['Raise an alert', 'Your organisation&#39;s alerts', 'Alerts to approve', 'Your unit&#39;s alert inbox'];
    expect((await cards('ed.nurse@beacon.example')).filter((c) => mine.includes(c!))).toEqual([]);
    expect((await cards('admin@beacon.example')).filter((c) => mine.includes(c!))).toEqual([]);
  });

  it('without a session the API answers 401; without the CSRF header a change is refused', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/alerts' });
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).error).toBe('unauthorised');
    const noToken = await midwife.post(`/api/alerts/${alertId}/submit`, undefined, { csrf: false });
    expect(noToken.status).toBe(403);
    expect(noToken.json.error).toBe('csrf');
    expect((await alertRow(alertId)).status).toBe('draft');
  });

  it('an unknown alert or a malformed id is 404', async () => {
    expect((await midwife.get('/api/alerts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await midwife.get('/api/alerts/not-an-id')).json.error).toBe('not_found');
    expect((await midwife.get('/api/alerts/no/such/thing')).status).toBe(404);
  });

  it('another organisation cannot change the alert', async () => {
    const sw = await ApiClient.as(t, 'social.worker@beacon.example');
    expect((await sw.put(`/api/alerts/${alertId}/draft`, validContent())).status).toBe(403);
    expect((await sw.get(`/api/alerts/${alertId}`)).status).toBe(403);
  });
});

describe('the web journey keeps a draft in step with the API', () => {
  it('a step with bad input shows the error summary linking to the field, and the draft is saved as typed', async () => {
    const id = (await midwife.post('/api/alerts', {})).json.id as string;
    await midwife.b.get(`/alerts/${id}/steps/identity`);
    const res = await midwife.b.post(`/alerts/${id}/steps/identity`, {
      'subject.datesOfBirth.0.value.day': '1',
      'subject.datesOfBirth.0.value.month': '1',
      'subject.datesOfBirth.0.value.year': String(Number(today.slice(0, 4)) - 70),
      'subject.nhsNumbers.0.value': '9434765910',
      'subject.nhsNumbers.0.verification': 'unverified',
      action: 'continue',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('href="#subject-datesOfBirth-0-value-day"');
    expect(res.body).toContain('href="#subject-nhsNumbers-0-value"');
    expect(res.body).toMatch(/makes her 7\d years old/);
    const saved = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json).content as { subject: { nhsNumbers: unknown } };
    expect(saved.subject.nhsNumbers).toEqual([{ value: '9434765910', verification: 'unverified' }]);

    // Add another, then remove: plain form buttons.
    const added = await midwife.b.post(`/alerts/${id}/steps/identity`, {
      'subject.nhsNumbers.0.value': '9434765919',
      'subject.nhsNumbers.0.verification': 'pds_trace',
      action: 'add:subject.nhsNumbers',
    });
    expect(added.status).toBe(302);
    const page = await midwife.b.get(added.location!);
    expect(page.body).toContain('name="subject.nhsNumbers.1.value"');
    const removed = await midwife.b.post(`/alerts/${id}/steps/identity`, {
      'subject.nhsNumbers.0.value': '9434765919',
      'subject.nhsNumbers.1.value': '4010232137',
      'subject.nhsNumbers.1.verification': 'unverified',
      action: 'remove:subject.nhsNumbers:0',
    });
    expect(removed.status).toBe(302);
    const after = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json).content as { subject: { nhsNumbers: unknown } };
    expect(after.subject.nhsNumbers).toEqual([{ value: '4010232137', verification: 'unverified' }]);
  });
});

describe('recording the birth through the API and the pages', () => {
  let id = '';
  beforeAll(async () => {
    id = (await midwife.post('/api/alerts', validContent())).json.id as string;
    expect((await midwife.post(`/api/alerts/${id}/submit`)).status).toBe(204);
    expect((await designated.post(`/api/alerts/${id}/approve`, {})).status).toBe(204);
  });

  it('bad input is refused per field; a valid birth makes version 2, sent as an update, shown on the alert page', async () => {
    const bad = await midwife.post(`/api/alerts/${id}/birth`, { dateOfBirth: addDays(today, 2), nhsNumber: '401 023 2138', sex: 'female' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.fields ?? {})).toEqual(['dateOfBirth', 'nhsNumber']);
    expect((await midwife.post(`/api/alerts/${id}/birth`, { dateOfBirth: today, sex: 'boy' })).status).toBe(400);
    const coordinator = await ApiClient.as(t, 'coordinator.pah@beacon.example');
    expect((await coordinator.post(`/api/alerts/${id}/birth`, { dateOfBirth: today, sex: 'female' })).status).toBe(403);

    const res = await midwife.post(`/api/alerts/${id}/birth`, { babyGivenName: 'Skye', dateOfBirth: today, nhsNumber: '401 023 2137', sex: 'female' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.version).toBe(2);
    await worker().drain();
    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    expect(detail.birth).toMatchObject({ babyGivenName: 'Skye', dateOfBirth: today, nhsNumber: '4010232137', sex: 'female' });
    expect(detail.recipients.every((r) => r.version === 2 && r.kind === 'update')).toBe(true);

    const page = await midwife.b.get(`/alerts/${id}`);
    expect(page.body).toMatch(/Baby born \d{1,2} \w+ \d{4}/);
    expect(page.body).toContain('401 023 2137');
    expect(page.body).toContain(`href="/alerts/${id}/birth"`);
  });

  it('the birth form corrects it, and shows errors linked to their fields', async () => {
    expect((await midwife.b.get(`/alerts/${id}/birth`)).status).toBe(200);
    const wrong = await midwife.b.post(`/alerts/${id}/birth`, {
      'dateOfBirth.day': '',
      'dateOfBirth.month': '',
      'dateOfBirth.year': '',
      sex: 'female',
      nhsNumber: '123',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('href="#dateOfBirth-day"');
    expect(wrong.body).toContain('href="#nhsNumber"');
    const [y, m, d] = today.split('-');
    const ok = await midwife.b.post(`/alerts/${id}/birth`, {
      'dateOfBirth.day': d!,
      'dateOfBirth.month': m!,
      'dateOfBirth.year': y!,
      sex: 'not_known',
      babyFamilyName: 'Marsh',
    });
    expect(ok.status).toBe(303);
    const detail = AlertDetail.parse((await midwife.get(`/api/alerts/${id}`)).json);
    expect(detail.version).toBe(3);
    expect(detail.birth).toMatchObject({ babyGivenName: null, babyFamilyName: 'Marsh', nhsNumber: null, sex: 'not_known' });
  });
});

describe('the OpenAPI document', () => {
  it('is served at /api/openapi.json and describes every /api route the service registers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const served = t.app.apiRoutes.map((r) => `${r.method} ${openApiPath(r.url)}`);
    expect(new Set(documented)).toEqual(new Set(served));
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /api/alerts',
        'POST /api/alerts',
        'GET /api/alerts/{id}',
        'PUT /api/alerts/{id}/draft',
        'POST /api/alerts/{id}/photos',
        'GET /api/alerts/{id}/photos/{photoId}',
        'POST /api/alerts/{id}/submit',
        'GET /api/alerts/approvals',
        'POST /api/alerts/{id}/approve',
        'POST /api/alerts/{id}/return',
        'POST /api/alerts/{id}/update',
        'POST /api/alerts/{id}/renew',
        'POST /api/alerts/{id}/birth',
        'POST /api/alerts/{id}/stand-down',
        'POST /api/alerts/{id}/cancel',
        'GET /api/alerts/inbox',
        'POST /api/alerts/deliveries/{deliveryId}/acknowledge',
        'GET /api/session',
        'GET /api/openapi.json',
      ]),
    );
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.operationId, `${m} ${p}`).toBeTruthy();
        expect(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${m} ${p} has a success response`,
        ).toBe(true);
        for (const [param] of p.matchAll(/\{(\w+)\}/g)) expect(JSON.stringify(op), `${m} ${p} describes ${param}`).toContain(param.slice(1, -1));
      }
    }
    // Schemas generated from the zod schemas the API validates with; every $ref resolves.
    const refs = [...res.body.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r);
    const content = doc.components.schemas.AlertContent as { properties: Record<string, unknown> };
    expect(Object.keys(content.properties)).toEqual([
      'subject',
      'noPhotographReason',
      'associatedPeople',
      'pregnancy',
      'risk',
      'lawfulBasis',
      'distribution',
      'reviewDate',
    ]);
    expect(JSON.stringify(doc.paths['/api/alerts/{id}/photos']?.post?.requestBody)).toContain('multipart/form-data');
  });
});

describe('photographs are stored encrypted', () => {
  it('the stored bytes are not the image', async () => {
    const id = (await midwife.post('/api/alerts', validContent())).json.id as string;
    const res = await midwife.upload(`/api/alerts/${id}/photos`, {}, { name: 'photo', filename: 'p.png', type: 'image/png', data: await png(80, 80) });
    expect(res.status).toBe(201);
    const [row] = await db()
      .select({ data: alertPhotos.dataEnc })
      .from(alertPhotos)
      .where(and(eq(alertPhotos.alertId, id), eq(alertPhotos.id, res.json.id as string)));
    expect(row!.data!.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    const served = await midwife.get(`/api/alerts/${id}/photos/${res.json.id}`);
    expect(served.raw.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });
});
