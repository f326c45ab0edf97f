/**
 * Webhooks end to end, on both engines, against a real receiver on 127.0.0.1: an organisation subscribes;
 * an alert delivered to one of its units reaches the receiver signed (verified with the standardwebhooks
 * library), carrying ids and links only; a 500 is retried with backoff and the same webhook-id, so a
 * receiver that dedupes by id processes it once, also after a manual redelivery; a rotated secret signs
 * alongside the old one for the overlap; a day of failures disables the subscription and tells its owner.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';
import { activeAlert } from '../../test/support/point-of-care';
import { Worker } from '../platform/jobs/worker';
import { jobs } from '../platform/jobs/schema';
import { DISTRIBUTE_JOB, chaseAcknowledgements, distribute } from '../alerts/distribution';
import { SEND_JOB } from './publish';
import { attemptDelivery, DISABLED_EMAIL_JOB } from './send';
import { webhookDeliveries, webhookSubscriptions } from './schema';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}
const received: Received[] = [];
/** What the receiver processed, deduplicated by webhook-id as the Standard Webhooks guidance asks. */
const processed = new Set<string>();
/** Status codes to answer with, in turn (then 200); /down always answers 500. */
const answers: number[] = [];
let receiver: http.Server;
let receiverUrl: string;

let t: TestApp;
let coordinator: ApiClient;
let subscription: { id: string; secret: string };

const worker = () => {
  const w = new Worker(t.database.db, { info: () => undefined, warn: () => undefined, error: () => undefined }, { batch: 50 });
  w.register(DISTRIBUTE_JOB, async (job) => {
    await distribute(t.database.db, job.payload as Parameters<typeof distribute>[1]);
  });
  w.register(SEND_JOB, async (job) => {
    await attemptDelivery({ db: t.database.db, key: t.config.encryptionKey, publicUrl: t.config.publicUrl }, job.payload as { deliveryId: string });
  });
  return w;
};
const sendDeps = () => ({ db: t.database.db, key: t.config.encryptionKey, publicUrl: t.config.publicUrl });

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      const status = req.url === '/down' ? 500 : (answers.shift() ?? 200);
      if (status === 200) processed.add(String(req.headers['webhook-id']));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp();
  coordinator = await ApiClient.as(t, 'coordinator.pah@beacon.example');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('subscribing', () => {
  it('an organisation subscribes its endpoint and gets the secret once; another organisation’s is refused', async () => {
    const session = await coordinator.get('/api/session');
    const rhm = (await coordinator.get('/api/directory/organisations?ods=RHM')).json.organisations[0].id;
    expect(session.status).toBe(200);
    const r = await coordinator.post('/api/webhooks/subscriptions', {
      organisationId: rhm,
      url: `${receiverUrl}/beacon`,
      events: ['alert.delivered', 'alert.stood_down', 'delivery.unacknowledged'],
      contactEmail: 'maternity.systems@uhs.example.nhs.uk',
    });
    expect(r.status).toBe(201);
    expect(r.json.secret).toMatch(/^whsec_/);
    subscription = r.json;
    const shown = await coordinator.get(`/api/webhooks/subscriptions/${subscription.id}`);
    expect(JSON.stringify(shown.json)).not.toContain(subscription.secret.slice(6, 20));
    const rhu = (await coordinator.get('/api/directory/organisations?ods=RHU')).json.organisations[0].id;
    const other = await coordinator.post('/api/webhooks/subscriptions', {
      organisationId: rhu,
      url: `${receiverUrl}/x`,
      events: ['alert.delivered'],
      contactEmail: 'a@b.nhs.uk',
    });
    expect(other.status).toBe(403);
    const bad = await coordinator.post('/api/webhooks/subscriptions', { organisationId: rhm, url: 'ftp://x', events: [], contactEmail: 'x' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.fields)).toEqual(expect.arrayContaining(['events', 'contactEmail']));
  });
});

describe('delivering', () => {
  let deliveryId: string;
  it('an alert delivered to one of its units reaches the receiver signed, with ids and links only; a 500 is retried with the same id', async () => {
    answers.push(500);
    const alert = await activeAlert(t.database.db, { given: 'Marisol', family: 'Quennell', dob: '1998-07-05', nhs: '9434765919', postcode: 'SO16 6YD' });
    await worker().drain();
    // One event per unit of the organisation the alert reached (each its own delivery); the first was answered 500.
    const mine = received.filter((r) => r.path === '/beacon');
    const units = await t.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscription.id));
    expect(mine.length).toBe(units.length);
    expect(new Set(units.map((u) => (u.payload.data as { unitId: string }).unitId)).size).toBe(units.length);
    const [first] = mine;
    // Verified as any receiver would, with the library and the secret.
    const event = new Webhook(subscription.secret).verify(first!.body, first!.headers) as {
      type: string;
      data: Record<string, unknown> & { links: Record<string, string> };
    };
    expect(event.type).toBe('alert.delivered');
    expect(event.data).toMatchObject({ alertId: alert.id, reference: alert.reference, version: 1 });
    expect(event.data.links.alert).toBe(`${t.config.publicUrl}/api/alerts/${alert.id}`);
    expect(event.data.links.flag).toBe(`${t.config.publicUrl}/fhir/R4/Flag/${alert.id}`);
    expect(first!.body).not.toMatch(/Marisol|Quennell|9434765919|SO16/);
    deliveryId = String(first!.headers['webhook-id']);
    const [d] = await t.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
    expect(d).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 500 });
    expect(d!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    // The next try is queued for later, not now; when its time comes it is delivered.
    const [next] = await t.database.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.type, SEND_JOB), eq(jobs.idempotencyKey, `webhook:${deliveryId}:2`)));
    expect(next!.runAt.getTime()).toBeGreaterThan(Date.now() + 5_000);
    expect(await attemptDelivery(sendDeps(), { deliveryId }, new Date(Date.now() + 15_000))).toBe('succeeded');
    const again = received.filter((r) => r.path === '/beacon' && r.headers['webhook-id'] === deliveryId);
    expect(again).toHaveLength(2);
    expect(processed.has(deliveryId)).toBe(true);
  });

  it('a manual redelivery carries the same id (the receiver processes it once), and the log shows every attempt', async () => {
    const processedBefore = processed.size;
    const r = await coordinator.post(`/api/webhooks/deliveries/${deliveryId}/redeliver`, {});
    expect(r.status).toBe(204);
    await worker().drain();
    const mine = received.filter((x) => x.path === '/beacon' && x.headers['webhook-id'] === deliveryId);
    expect(mine).toHaveLength(3);
    expect(processed.size).toBe(processedBefore);
    const log = await coordinator.get(`/api/webhooks/subscriptions/${subscription.id}`);
    const d = log.json.deliveries.find((x: { id: string }) => x.id === deliveryId);
    expect(d.attemptLog.map((a: { statusCode: number }) => a.statusCode).sort()).toEqual([200, 200, 500]);
    expect(d.attemptLog.map((a: { redeliveredBy: string | null }) => a.redeliveredBy)).toContain('Tom Hughes');
  });

  it('a delivery still unacknowledged is an event too', async () => {
    const before = received.length;
    await chaseAcknowledgements(t.database.db, { reminderHours: 1, escalateHours: 100 }, new Date(Date.now() + 2 * 3_600_000));
    await worker().drain();
    const events = received.slice(before).map((r) => JSON.parse(r.body) as { type: string; data: { step: string } });
    expect(events.some((e) => e.type === 'delivery.unacknowledged' && e.data.step === 'reminder')).toBe(true);
  });

  it('after a rotation the old secret still verifies for the overlap, beside the new', async () => {
    const rotated = await coordinator.post(`/api/webhooks/subscriptions/${subscription.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(subscription.secret);
    expect((await coordinator.post(`/api/webhooks/subscriptions/${subscription.id}/test`, {})).status).toBe(202);
    await worker().drain();
    const test = received.at(-1)!;
    expect(JSON.parse(test.body).type).toBe('webhook.test');
    expect(test.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.json.secret).verify(test.body, test.headers)).not.toThrow();
    expect(() => new Webhook(subscription.secret).verify(test.body, test.headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(test.body, test.headers)).toThrow();
  });

  it('a day of failures disables the subscription, abandons what waits, and tells its owner', async () => {
    const rhm = (await coordinator.get('/api/directory/organisations?ods=RHM')).json.organisations[0].id;
    const down = await coordinator.post('/api/webhooks/subscriptions', {
      organisationId: rhm,
      url: `${receiverUrl}/down`,
      events: ['alert.delivered'],
      contactEmail: 'oncall@uhs.example.nhs.uk',
    });
    const id = down.json.id;
    const test = await coordinator.post(`/api/webhooks/subscriptions/${id}/test`, {});
    const start = Date.now();
    expect(await attemptDelivery(sendDeps(), { deliveryId: test.json.deliveryId }, new Date(start))).toBe('retry');
    expect(await attemptDelivery(sendDeps(), { deliveryId: test.json.deliveryId }, new Date(start + 3_600_000))).toBe('retry');
    expect(await attemptDelivery(sendDeps(), { deliveryId: test.json.deliveryId }, new Date(start + 24 * 3_600_000 + 1))).toBe('disabled');
    const [s] = await t.database.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    expect(s).toMatchObject({ status: 'disabled', statusReason: expect.stringMatching(/failed for a day.*HTTP 500/) });
    const [told] = await t.database.db.select().from(jobs).where(eq(jobs.type, DISABLED_EMAIL_JOB));
    expect(told?.payload).toEqual({ subscriptionId: id });
    const [d] = await t.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, test.json.deliveryId));
    expect(d!.status).toBe('abandoned');
    // Re-enabled by its owner, it sends again.
    expect((await coordinator.post(`/api/webhooks/subscriptions/${id}/enable`, { reason: 'Endpoint fixed' })).status).toBe(204);
  });
});
