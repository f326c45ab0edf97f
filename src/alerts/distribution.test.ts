import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import {
  alertContentWith,
  alertWorker,
  type AlertWorker,
  contextFor,
  memoryMailer,
  type MemoryMailer,
  PUBLIC_URL,
  raiseActiveAlert,
  SUBJECT,
  validAlertContent,
} from '../../test/support/alerts';
import { loadConfig } from '../config';
import { seedDemo } from '../demo/seed';
import { units } from '../directory/schema';
import type { RequestContext } from '../platform/context';
import { createWorker } from '../server';
import { jobs } from '../platform/jobs/schema';
import { ACK_CHASE_EMAIL_JOB, chaseAcknowledgements, emailChase } from './distribution';
import { alertDeliveries } from './schema';
import { acknowledge, cancel, getAlert, standDown, updateAlert } from './service';

/**
 * Chasing acknowledgements: a reminder to the unit after `reminderHours`, escalation to the unit's
 * organisation's safeguarding team and the originator after `escalateHours`; each once; never for an
 * acknowledged delivery, a superseded version, or an alert that has closed. `now` is moved forward
 * instead of waiting.
 */

type Ctx = RequestContext & { actor: NonNullable<RequestContext['actor']> };
const HOUR = 3_600_000;
const OPTS = { reminderHours: 4, escalateHours: 24 };

let tdb: TestDatabase;
let mailer: MemoryMailer;
let worker: AlertWorker;
let midwife: Ctx;
let designated: Ctx;
let coordinatorPah: Ctx;
let coordinatorQah: Ctx;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, 'correct horse battery staple 42');
  mailer = memoryMailer();
  worker = alertWorker(tdb.db, mailer);
  [midwife, designated, coordinatorPah, coordinatorQah] = (await Promise.all(
    ['midwife', 'designated', 'coordinator.pah', 'coordinator.qah'].map((who) => contextFor(tdb.db, `${who}@beacon.example`)),
  )) as [Ctx, Ctx, Ctx, Ctx];
});
afterAll(async () => tdb?.close());

const db = () => tdb.db;

/** Raise, approve and fan out an alert; returns it with its deliveries and the time they were made. */
async function activeAlert(content: unknown = validAlertContent()) {
  const alert = await raiseActiveAlert(db(), midwife, designated, content);
  await worker.drain();
  expect(worker.failures).toEqual([]);
  const t0 = Date.now();
  return { ...alert, t0, deliveries: await deliveriesOf(alert.id) };
}

async function deliveriesOf(alertId: string) {
  return db()
    .select({ d: alertDeliveries, unitName: units.name, mailbox: units.sharedMailbox, organisationId: units.organisationId })
    .from(alertDeliveries)
    .innerJoin(units, eq(units.id, alertDeliveries.unitId))
    .where(eq(alertDeliveries.alertId, alertId));
}

/** Chase as the scheduled job would at `hours` after `t0`; returns the messages sent about this alert. */
async function chaseAt(reference: string, t0: number, hours: number) {
  mailer.clear();
  await chaseAcknowledgements(db(), OPTS, new Date(t0 + hours * HOUR));
  // The emails are jobs queued with the marks: send them as the worker would.
  for (const job of await db()
    .select()
    .from(jobs)
    .where(and(eq(jobs.type, ACK_CHASE_EMAIL_JOB), eq(jobs.status, 'pending')))) {
    await emailChase(db(), mailer, PUBLIC_URL, job.payload as Parameters<typeof emailChase>[3]);
    await db().update(jobs).set({ status: 'done' }).where(eq(jobs.id, job.id));
  }
  return mailer.sent.filter((m) => m.subject.includes(reference));
}

/** The shared mailboxes of each organisation's safeguarding teams. */
async function safeguardingMailboxes(): Promise<Map<string, string[]>> {
  const teams = await db()
    .select({ organisationId: units.organisationId, mailbox: units.sharedMailbox })
    .from(units)
    .where(and(eq(units.type, 'safeguarding_team'), eq(units.active, true)));
  const out = new Map<string, string[]>();
  for (const t of teams) if (t.mailbox) out.set(t.organisationId, [...(out.get(t.organisationId) ?? []), t.mailbox]);
  return out;
}

const sorted = (xs: string[]) => [...xs].sort();

describe('chasing acknowledgements', () => {
  it('reminds each unacknowledged unit once after the reminder time, then escalates once to its safeguarding team and the originator', async () => {
    const { reference, t0, deliveries } = await activeAlert();
    const pah = deliveries.find((r) => r.d.unitId === coordinatorPah.actor.unitId)!;
    const qah = deliveries.find((r) => r.d.unitId === coordinatorQah.actor.unitId)!;
    await getAlert(db(), coordinatorPah, pah.d.alertId); // read before acknowledging
    await acknowledge(db(), coordinatorPah, pah.d.id, null);
    const unacknowledged = deliveries.filter((r) => r !== pah);
    expect(unacknowledged.length).toBeGreaterThanOrEqual(7);

    expect(await chaseAt(reference, t0, 3.9)).toEqual([]); // too soon

    const reminders = await chaseAt(reference, t0, 4.5);
    expect(sorted(reminders.map((m) => m.to))).toEqual(sorted(unacknowledged.map((r) => r.mailbox!)));
    for (const m of reminders) {
      expect(m.subject).toMatch(new RegExp(`^\\[Beacon\\] Reminder: acknowledge alert ${reference} for `));
      expect(m.text).toContain(`${PUBLIC_URL}/inbox`);
      for (const p of [SUBJECT.given, SUBJECT.family, SUBJECT.nhsNumber, SUBJECT.dateOfBirth]) expect(`${m.subject}${m.text}`).not.toContain(p);
    }
    const afterReminder = await deliveriesOf(deliveries[0]!.d.alertId);
    expect(afterReminder.filter((r) => r.d.remindedAt).length).toBe(unacknowledged.length);
    expect(afterReminder.find((r) => r.d.id === pah.d.id)?.d.remindedAt).toBeNull();

    expect(await chaseAt(reference, t0, 5)).toEqual([]); // never twice
    expect(await chaseAt(reference, t0, 23)).toEqual([]);

    // Queen Alexandra acknowledges after the reminder: no escalation for her unit.
    await getAlert(db(), coordinatorQah, qah.d.alertId);
    await acknowledge(db(), coordinatorQah, qah.d.id, 'Loaded');
    const toEscalate = unacknowledged.filter((r) => r !== qah);

    const escalations = await chaseAt(reference, t0, 24.5);
    const teams = await safeguardingMailboxes();
    const expected = toEscalate.flatMap((r) => [...(teams.get(r.organisationId) ?? []), 'midwife@beacon.example']);
    expect(sorted(escalations.map((m) => m.to))).toEqual(sorted(expected));
    // Every unit named in escalations is one that has not acknowledged; each is escalated to the originator once.
    const toOriginator = escalations.filter((m) => m.to === 'midwife@beacon.example');
    expect(sorted(toOriginator.map((m) => m.subject))).toEqual(sorted(toEscalate.map((r) => `[Beacon] Not acknowledged: alert ${reference} at ${r.unitName}`)));
    expect(escalations.some((m) => m.subject.includes('Princess Anne') || m.subject.includes('Queen Alexandra Hospital maternity'))).toBe(false);
    // E.g. Southampton General's emergency department escalates to the UHS safeguarding team.
    expect(
      escalations.find((m) => m.to === 'uhs.safeguarding@beacon.example' && m.subject.endsWith('Southampton General Hospital emergency department')),
    ).toBeDefined();
    expect(escalations.some((m) => m.subject.includes('Reminder'))).toBe(false);

    expect(await chaseAt(reference, t0, 48)).toEqual([]); // never twice
    expect(await chaseAt(reference, t0, 24 * 30)).toEqual([]);
  });

  it('a first chase late enough sends the reminder and the escalation together, once', async () => {
    const { reference, t0, deliveries } = await activeAlert();
    const sent = await chaseAt(reference, t0, 30);
    expect(sent.filter((m) => m.subject.includes('Reminder'))).toHaveLength(deliveries.length);
    expect(sent.filter((m) => m.to === 'midwife@beacon.example')).toHaveLength(deliveries.length);
    expect(await chaseAt(reference, t0, 31)).toEqual([]);
  });

  it('closed alerts are not chased: stood down, cancelled', async () => {
    const stood = await activeAlert();
    await standDown(db(), midwife, stood.id, 'found_safe', null);
    const cancelled = await activeAlert();
    await cancel(db(), midwife, cancelled.id, 'Raised in error');
    await worker.drain();
    for (const a of [stood, cancelled]) {
      expect(await chaseAt(a.reference, a.t0, 4.5)).toEqual([]);
      expect(await chaseAt(a.reference, a.t0, 100)).toEqual([]);
      const ds = await deliveriesOf(a.id);
      expect(ds.length).toBeGreaterThan(a.deliveries.length); // the closing version went out too
      expect(ds.every((r) => r.d.remindedAt === null && r.d.escalatedAt === null)).toBe(true);
    }
  });

  it('only the latest version a unit was sent is chased: an acknowledged update is not chased for the version it replaced', async () => {
    const { id, reference, deliveries } = await activeAlert();
    await updateAlert(
      db(),
      midwife,
      id,
      alertContentWith((c) => void (c.risk.actionOnPresentation = 'Call the on-call consultant midwife before discharge.')),
      'New instruction',
    );
    await worker.drain();
    const t0 = Date.now();
    const all = await deliveriesOf(id);
    const pahV2 = all.find((r) => r.d.unitId === coordinatorPah.actor.unitId && r.d.version === 2)!;
    await getAlert(db(), coordinatorPah, id);
    await acknowledge(db(), coordinatorPah, pahV2.d.id, null); // PAH acknowledges the current version only

    const reminders = await chaseAt(reference, t0, 4.5);
    const pahMailbox = all.find((r) => r.d.unitId === coordinatorPah.actor.unitId)!.mailbox!;
    expect(reminders.filter((m) => m.to === pahMailbox)).toEqual([]);
    // One reminder per unit still to acknowledge, not one per version it was sent.
    expect(sorted(reminders.map((m) => m.to))).toEqual(sorted(deliveries.filter((r) => r.d.unitId !== coordinatorPah.actor.unitId).map((r) => r.mailbox!)));
    const escalations = await chaseAt(reference, t0, 24.5);
    expect(escalations.filter((m) => m.to === 'midwife@beacon.example')).toHaveLength(deliveries.length - 1);
    const v1 = await db()
      .select()
      .from(alertDeliveries)
      .where(and(eq(alertDeliveries.alertId, id), eq(alertDeliveries.version, 1)));
    expect(v1.every((d) => d.remindedAt === null && d.escalatedAt === null)).toBe(true);
  });
});

describe('the worker the service runs (createWorker)', () => {
  it('fans out and writes one email file per delivery into the mail directory, with no personal data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-mail-'));
    try {
      const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DATA_DIR: dir, BEACON_PUBLIC_URL: 'https://beacon.example.nhs.uk' });
      const { id, reference } = await raiseActiveAlert(db(), midwife, designated, validAlertContent());
      await createWorker(tdb, config, pino({ level: 'silent' })).drain();
      const ds = await db()
        .select({ id: alertDeliveries.id, emailedAt: alertDeliveries.emailedAt })
        .from(alertDeliveries)
        .where(eq(alertDeliveries.alertId, id));
      expect(ds.length).toBeGreaterThan(0);
      expect(ds.every((d) => d.emailedAt)).toBe(true);
      const files = fs.readdirSync(path.join(dir, 'mail')).filter((f) => f.endsWith('.eml'));
      expect(sorted(files)).toEqual(sorted(ds.map((d) => `_delivery-${d.id}_beacon_.eml`)));
      for (const f of files) {
        const eml = fs.readFileSync(path.join(dir, 'mail', f), 'utf8');
        expect(eml).toContain(reference);
        expect(eml).toContain('https://beacon.example.nhs.uk/inbox');
        for (const p of [SUBJECT.given, SUBJECT.family, SUBJECT.nhsNumber, SUBJECT.dateOfBirth]) expect(eml).not.toContain(p);
      }
      const recipients = await db()
        .select({ mailbox: units.sharedMailbox })
        .from(units)
        .where(
          inArray(
            units.id,
            (await deliveriesOf(id)).map((r) => r.d.unitId),
          ),
        );
      const text = files.map((f) => fs.readFileSync(path.join(dir, 'mail', f), 'utf8')).join('\n');
      for (const r of recipients) expect(text).toContain(`To: ${r.mailbox}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
