import { randomBytes, randomUUID } from 'node:crypto';
import { and, count, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import {
  ALERT_SETTINGS,
  type AlertFixture,
  alertContentWith,
  alertRowCounts,
  alertWorker,
  type AlertWorker,
  contextFor,
  memoryMailer,
  type MemoryMailer,
  raiseActiveAlert,
  SUBJECT,
  validAlertContent,
} from '../../test/support/alerts';
import { seedDemo } from '../demo/seed';
import { resolveRecipientUnits } from '../directory/recipients';
import { units } from '../directory/schema';
import { auditEvents } from '../platform/audit/schema';
import type { RequestContext } from '../platform/context';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { jobs } from '../platform/jobs/schema';
import { distribute, DISTRIBUTE_JOB, EMAIL_JOB, enqueueDistribution } from './distribution';
import { DEFAULT_UNIT_TYPES } from './model';
import { addDays, londonDate } from './pregnancy';
import { alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
import { acknowledge, approve, cancel, createDraft, expireDue, getAlert, renew, returnForChanges, saveDraft, standDown, submit, updateAlert } from './service';
import { approvalQueue, listOrganisationAlerts, unitInbox } from './lists';
import { addPhotograph, getPhotograph } from './photographs';

/**
 * The alert register through its use cases, with the demo people: raise, approve, distribute, acknowledge,
 * update, widen, stand down, cancel, renew, expire; who may see what; bad input; photographs.
 * One database for the file; the lifecycle tests run in order on one alert.
 */

type Ctx = RequestContext & { actor: NonNullable<RequestContext['actor']> };

let tdb: TestDatabase;
let mailer: MemoryMailer;
let worker: AlertWorker;
let midwife: Ctx;
let designated: Ctx;
let coordinatorPah: Ctx;
let coordinatorQah: Ctx;
let edNurse: Ctx;
let admin: Ctx;
const KEY = randomBytes(32);

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, 'correct horse battery staple 42');
  mailer = memoryMailer();
  worker = alertWorker(tdb.db, mailer);
  [midwife, designated, coordinatorPah, coordinatorQah, edNurse, admin] = (await Promise.all(
    ['midwife', 'designated', 'coordinator.pah', 'coordinator.qah', 'ed.nurse', 'admin'].map((who) => contextFor(tdb.db, `${who}@beacon.example`)),
  )) as [Ctx, Ctx, Ctx, Ctx, Ctx, Ctx];
});
afterAll(async () => tdb?.close());

const db = () => tdb.db;

async function statusOf(id: string) {
  const [a] = await db().select().from(alerts).where(eq(alerts.id, id));
  return a!;
}

/** The ValidationError a promise rejects with (fails the test if it resolves or throws anything else). */
async function validationError(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

async function deliveriesOf(alertId: string, version?: number) {
  return db()
    .select({
      id: alertDeliveries.id,
      unitId: alertDeliveries.unitId,
      version: alertDeliveries.version,
      kind: alertDeliveries.kind,
      acknowledgedAt: alertDeliveries.acknowledgedAt,
      emailedAt: alertDeliveries.emailedAt,
    })
    .from(alertDeliveries)
    .where(version === undefined ? eq(alertDeliveries.alertId, alertId) : and(eq(alertDeliveries.alertId, alertId), eq(alertDeliveries.version, version)));
}

async function unitIdByName(name: string) {
  const [u] = await db().select({ id: units.id }).from(units).where(eq(units.name, name));
  return u!.id;
}

/** Email jobs per delivery of this alert: a map delivery id → number of jobs. */
async function emailJobsPerDelivery(alertId: string): Promise<Map<string, number>> {
  const rows = await db()
    .select({ deliveryId: sql<string>`${jobs.payload}->>'deliveryId'`, n: count() })
    .from(jobs)
    .where(and(eq(jobs.type, EMAIL_JOB), sql`(${jobs.payload}->>'deliveryId')::uuid IN (SELECT id FROM alert_deliveries WHERE alert_id = ${alertId})`))
    .groupBy(sql`${jobs.payload}->>'deliveryId'`);
  return new Map(rows.map((r) => [r.deliveryId, Number(r.n)]));
}

async function viewsOf(alertId: string) {
  return db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, 'Alert'), eq(auditEvents.entityId, alertId), eq(auditEvents.action, 'alert.view')));
}

/** Every personal detail of the fixture's subject that must never be in an email. */
const PERSONAL = [
  SUBJECT.given,
  SUBJECT.family,
  SUBJECT.nhsNumber,
  SUBJECT.nhsNumberSpaced,
  SUBJECT.dateOfBirth,
  'Orchard Lane',
  'SO16 6YD',
  '07700 900123',
  'Arkwright',
];

function expectNoPersonalData(text: string) {
  for (const p of PERSONAL) expect(text, `email contains ${p}`).not.toContain(p);
}

describe('the lifecycle of one alert, through the service', () => {
  let id: string;
  let reference: string;
  let edd: string;
  let icbUnits: Set<string>;

  it('a draft may be incomplete; submitting it incomplete names every missing field and leaves it a draft', async () => {
    ({ id, reference } = await createDraft(db(), midwife, { subject: { name: { given: SUBJECT.given } } }));
    expect(reference).toMatch(/^BCN-[0-9A-HJKMNP-TV-Z]{6}$/);
    expect((await statusOf(id)).status).toBe('draft');

    await saveDraft(db(), midwife, id, {
      subject: { name: { given: SUBJECT.given, family: SUBJECT.family } },
      pregnancy: { edd: validAlertContent().pregnancy.edd },
    });
    const before = await alertRowCounts(db());
    const errors = await validationError(submit(db(), midwife, id));
    expect(Object.keys(errors)).toEqual(
      expect.arrayContaining([
        'subject.datesOfBirth',
        'pregnancy.bookingStatus',
        'risk.criteria',
        'risk.reason',
        'risk.actionOnPresentation',
        'lawfulBasis',
        'distribution.scope',
        'distribution.scopeReason',
      ]),
    );
    expect(errors['risk.actionOnPresentation']).toBe('Enter what staff must do when she presents');
    expect(errors['subject.name.family']).toBeUndefined(); // what she did enter is fine
    expect(await alertRowCounts(db())).toEqual(before);
    const a = await statusOf(id);
    expect(a.status).toBe('draft');
    expect(a.edd).toBe(validAlertContent().pregnancy.edd);

    await saveDraft(db(), midwife, id, validAlertContent());
    await submit(db(), midwife, id);
    expect((await statusOf(id)).status).toBe('submitted');
    const [v] = await db().select().from(alertVersions).where(eq(alertVersions.alertId, id));
    expect(v!.status).toBe('submitted');
    // Stored as validated: the NHS number as ten digits, the area code upper-cased, default unit types filled in.
    const content = v!.content as AlertFixture;
    expect(content.subject.nhsNumbers?.[0]?.value).toBe(SUBJECT.nhsNumber);
    expect(content.distribution.unitTypes).toEqual([...DEFAULT_UNIT_TYPES]);
    edd = content.pregnancy.edd as string;
  });

  it('she cannot approve her own alert: refused, and nothing changes', async () => {
    const before = await alertRowCounts(db());
    // A safeguarding midwife is not an approver at all: refused by the access policy, with its reason.
    await expect(approve(db(), midwife, id, ALERT_SETTINGS)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approve(db(), midwife, id, ALERT_SETTINGS)).rejects.toThrow('You do not have permission to do this in your current role.');
    await expect(returnForChanges(db(), midwife, id, 'Please check')).rejects.toBeInstanceOf(ForbiddenError);
    expect(await alertRowCounts(db())).toEqual(before);
    expect((await statusOf(id)).status).toBe('submitted');
  });

  it('an approver who raised an alert is told someone else must approve it, and nothing changes', async () => {
    const own = await createDraft(db(), designated, validAlertContent());
    await submit(db(), designated, own.id);
    const queue = await approvalQueue(db(), designated);
    expect(queue.find((q) => q.id === own.id)?.ownAlert).toBe(true);
    const before = await alertRowCounts(db());
    const errors = await validationError(approve(db(), designated, own.id, ALERT_SETTINGS));
    expect(errors.form).toBe('You raised this alert, so someone else must approve it.');
    expect(await alertRowCounts(db())).toEqual(before);
    expect((await statusOf(own.id)).status).toBe('submitted');
    // Cancelled before it was ever active: closed, and nobody is sent anything.
    await cancel(db(), designated, own.id, 'Raised in error while testing');
    expect((await statusOf(own.id)).status).toBe('cancelled');
    expect(await deliveriesOf(own.id)).toHaveLength(0);
    const [job] = await db()
      .select()
      .from(jobs)
      .where(and(eq(jobs.type, DISTRIBUTE_JOB), sql`${jobs.payload}->>'alertId' = ${own.id}`));
    expect(job).toBeUndefined();
  });

  it('an approver in another organisation of the area cannot read an alert while it is still a draft', async () => {
    const draft = await createDraft(db(), midwife, validAlertContent());
    await expect(getAlert(db(), designated, draft.id)).rejects.toBeInstanceOf(ForbiddenError);
    await submit(db(), midwife, draft.id);
    const seen = await getAlert(db(), designated, draft.id);
    expect(seen.alert.status).toBe('submitted');
    await cancel(db(), midwife, draft.id, 'Only needed for this test');
  });

  it('the designated professional in the same ICB area sees it in the approvals queue and returns it with comments', async () => {
    const queue = await approvalQueue(db(), designated);
    const item = queue.find((q) => q.id === id);
    expect(item).toMatchObject({ reference, ownAlert: false, organisation: 'University Hospital Southampton NHS Foundation Trust', originator: 'Priya Shah' });
    expect(await approvalQueue(db(), midwife)).toEqual([]); // not an approver

    expect(await validationError(returnForChanges(db(), designated, id, '  '))).toEqual({ comments: 'Enter comments saying what needs to change.' });
    await returnForChanges(db(), designated, id, 'Add the out-of-hours contact for the Isle of Wight.');
    expect((await statusOf(id)).status).toBe('returned');
    expect((await approvalQueue(db(), designated)).some((q) => q.id === id)).toBe(false);
    const [ev] = await db()
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'return')));
    expect(ev).toMatchObject({
      fromStatus: 'submitted',
      toStatus: 'returned',
      reason: 'Add the out-of-hours contact for the Isle of Wight.',
      byUserId: designated.actor.userId,
    });

    // The midwife changes it and sends it again.
    await saveDraft(
      db(),
      midwife,
      id,
      alertContentWith((c) => void (c.risk.outOfHoursContact = { name: 'Isle of Wight emergency duty team', phone: '01983 821105' })),
    );
    await submit(db(), midwife, id);
    expect((await statusOf(id)).status).toBe('submitted');
  });

  it('approval makes it active, reviewed 6 weeks after the due date, with its distribution queued in the same transaction', async () => {
    await approve(db(), designated, id, ALERT_SETTINGS, 'Proportionate: she moves between the four areas.');
    const a = await statusOf(id);
    expect(a).toMatchObject({ status: 'active', version: 1, approverUserId: designated.actor.userId, reviewDate: addDays(edd, 42) });
    const queued = await db()
      .select()
      .from(jobs)
      .where(and(eq(jobs.type, DISTRIBUTE_JOB), sql`${jobs.payload}->>'alertId' = ${id}`));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: 'pending', payload: { alertId: id, version: 1, kind: 'activation' }, idempotencyKey: `distribute:${id}:1` });
    expect(await deliveriesOf(id)).toHaveLength(0); // nothing sent until the worker runs

    // Approving twice is refused, and queues nothing more.
    expect((await validationError(approve(db(), designated, id, ALERT_SETTINGS))).form).toBe('This alert is already active.');
    expect(
      await db()
        .select()
        .from(jobs)
        .where(and(eq(jobs.type, DISTRIBUTE_JOB), sql`${jobs.payload}->>'alertId' = ${id}`)),
    ).toHaveLength(1);
  });

  it('the worker sends one delivery to each unit in the ICB area and emails each mailbox, with no personal data', async () => {
    await worker.drain();
    expect(worker.failures).toEqual([]);
    const expected = await resolveRecipientUnits(db(), { scope: 'icb', geographyCode: 'QRL', unitTypes: [...DEFAULT_UNIT_TYPES] });
    icbUnits = new Set(expected.map((u) => u.id));
    expect(icbUnits.size).toBeGreaterThanOrEqual(8);
    const ds = await deliveriesOf(id, 1);
    expect(ds).toHaveLength(icbUnits.size);
    expect(new Set(ds.map((d) => d.unitId))).toEqual(icbUnits);
    expect(ds.every((d) => d.kind === 'activation' && d.emailedAt && !d.acknowledgedAt)).toBe(true);
    // Safeguarding teams and units outside the ICB area get nothing.
    expect(ds.some((d) => d.unitId === expected.find((u) => u.type === 'safeguarding_team')?.id)).toBe(false);
    expect(icbUnits.has(await unitIdByName('Frimley Park Hospital maternity unit'))).toBe(false);

    const perDelivery = await emailJobsPerDelivery(id);
    expect(perDelivery.size).toBe(ds.length);
    expect([...perDelivery.values()].every((n) => n === 1)).toBe(true);

    const mails = mailer.sent.filter((m) => m.subject.includes(reference));
    expect(mails).toHaveLength(ds.length);
    expect(new Set(mails.map((m) => m.to))).toEqual(new Set(expected.map((u) => u.sharedMailbox)));
    for (const m of mails) {
      expect(m.subject).toMatch(/^\[Beacon\] New high-risk alert BCN-/);
      expect(m.text).toContain('http://beacon.test/inbox');
      expectNoPersonalData(`${m.subject}\n${m.text}`);
    }

    // Running the fan-out again (a retried job) sends nobody anything twice.
    expect(await distribute(db(), { alertId: id, version: 1, kind: 'activation' })).toEqual({ recipients: icbUnits.size, created: 0 });
    expect(await enqueueDistribution(db(), id, 1, 'activation')).toBeNull();
    await worker.drain();
    expect(await deliveriesOf(id, 1)).toHaveLength(icbUnits.size);
    expect(mailer.sent.filter((m) => m.subject.includes(reference))).toHaveLength(ds.length);
  });

  it('unit coordinators see it in their inbox, read it, and acknowledge it once; never for another unit', async () => {
    const pahUnit = coordinatorPah.actor.unitId!;
    const qahUnit = coordinatorQah.actor.unitId!;
    const pahInbox = await unitInbox(db(), coordinatorPah);
    expect(pahInbox.unit?.name).toBe('Princess Anne Hospital maternity unit');
    const pahItem = pahInbox.items.find((i) => i.alertId === id)!;
    expect(pahItem).toMatchObject({ reference, version: 1, kind: 'activation', acknowledgedAt: null, status: 'active' });
    const qahItem = (await unitInbox(db(), coordinatorQah)).items.find((i) => i.alertId === id)!;
    expect(qahItem.version).toBe(1);

    // Not before it has been read: the inbox says so, and the acknowledgement is refused, nothing written.
    expect(pahItem.opened).toBe(false);
    await expect(acknowledge(db(), coordinatorPah, pahItem.id, null)).rejects.toMatchObject({
      fieldErrors: { form: expect.stringMatching(/^Open alert version 1 and read it before you acknowledge it/) },
    });
    const [unread] = await db().select().from(alertDeliveries).where(eq(alertDeliveries.id, pahItem.id));
    expect(unread!.acknowledgedAt).toBeNull();

    const seen = await getAlert(db(), coordinatorPah, id, 'load into local maternity system');
    expect((await unitInbox(db(), coordinatorPah)).items.find((i) => i.alertId === id)!.opened).toBe(true);
    expect(seen.content.subject.name).toEqual({ given: SUBJECT.given, family: SUBJECT.family });
    expect(seen.owner).toBe(false);
    expect(seen.accessHistory).toEqual([]);
    expect(seen.canChange).toBe(false);

    const at = new Date();
    await acknowledge(db(), coordinatorPah, pahItem.id, 'Loaded onto the maternity system; team briefed at handover', at);
    await acknowledge(db(), coordinatorPah, pahItem.id, 'A second press', new Date(at.getTime() + 60_000)); // idempotent
    const [d] = await db().select().from(alertDeliveries).where(eq(alertDeliveries.id, pahItem.id));
    expect(d!.acknowledgedAt?.getTime()).toBe(at.getTime());
    expect(d!.acknowledgedByUserId).toBe(coordinatorPah.actor.userId);
    expect(d!.acknowledgementNote).toBe('Loaded onto the maternity system; team briefed at handover');
    const acks = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'alert.acknowledge'), eq(auditEvents.entityId, id)));
    expect(acks).toHaveLength(1);
    expect(acks[0]!.detail).toMatchObject({ deliveryId: pahItem.id, unitId: pahUnit, version: 1 });

    // Not another unit's delivery.
    await expect(acknowledge(db(), coordinatorPah, qahItem.id, null)).rejects.toBeInstanceOf(ForbiddenError);
    const [q] = await db().select().from(alertDeliveries).where(eq(alertDeliveries.id, qahItem.id));
    expect(q!.acknowledgedAt).toBeNull();
    expect(q!.unitId).toBe(qahUnit);
    await expect(acknowledge(db(), midwife, qahItem.id, null)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(acknowledge(db(), coordinatorQah, randomUUID(), null)).rejects.toBeInstanceOf(NotFoundError);
    await expect(acknowledge(db(), coordinatorQah, 'not-a-uuid', null)).rejects.toBeInstanceOf(NotFoundError);

    // The acknowledged item sorts after the unacknowledged ones.
    const after = (await unitInbox(db(), coordinatorPah)).items;
    expect(after.find((i) => i.id === pahItem.id)?.acknowledgedAt).not.toBeNull();
  });

  it('point-of-care staff and the system administrator cannot read alerts, and the refusal is a clean denial', async () => {
    const views = (await viewsOf(id)).length;
    for (const who of [edNurse, admin]) {
      await expect(getAlert(db(), who, id)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(getPhotograph(db(), who, KEY, id, randomUUID())).rejects.toBeInstanceOf(ForbiddenError);
      await expect(unitInbox(db(), who)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(listOrganisationAlerts(db(), who)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(approvalQueue(db(), who)).rejects.toBeInstanceOf(ForbiddenError);
    }
    // A coordinator of a unit it was not sent to is refused too; unknown ids are "not found", not a crash.
    const frimley = await contextFor(db(), 'coordinator.pah@beacon.example');
    frimley.actor = { ...frimley.actor, unitId: await unitIdByName('Frimley Park Hospital maternity unit') };
    await expect(getAlert(db(), frimley, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getAlert(db(), midwife, randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAlert(db(), midwife, "1' OR '1'='1")).rejects.toBeInstanceOf(NotFoundError);
    expect((await viewsOf(id)).length).toBe(views); // refused reads record no view
  });

  it('an update is version 2, sent again to every unit, and acknowledgement starts again for it', async () => {
    const before = await alertRowCounts(db());
    expect(await validationError(updateAlert(db(), midwife, id, validAlertContent(), ' '))).toEqual({ reason: 'Enter the reason for this update.' });
    expect(await alertRowCounts(db())).toEqual(before);

    const changed = alertContentWith(
      (c) => void (c.risk.actionOnPresentation = 'Do not discharge mother or baby. Call the on-call consultant midwife on 023 8077 7222.'),
    );
    expect(await updateAlert(db(), midwife, id, changed, 'New instruction from the strategy meeting')).toBe(2);
    expect(await statusOf(id)).toMatchObject({ status: 'active', version: 2 });
    await worker.drain();
    expect(worker.failures).toEqual([]);

    const v2 = await deliveriesOf(id, 2);
    expect(new Set(v2.map((d) => d.unitId))).toEqual(icbUnits);
    expect(v2).toHaveLength(icbUnits.size);
    expect(v2.every((d) => d.kind === 'update' && !d.acknowledgedAt)).toBe(true);

    const view = await getAlert(db(), midwife, id);
    expect(view.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(view.versions[0]!.changeReason).toBe('New instruction from the strategy meeting');
    expect(view.content.risk.actionOnPresentation).toMatch(/^Do not discharge mother or baby/);
    // The grid: each unit once, at version 2, and nobody has acknowledged version 2 yet (PAH did version 1).
    expect(view.deliveries).toHaveLength(icbUnits.size);
    expect(view.deliveries.every((r) => r.d.version === 2 && r.d.acknowledgedAt === null)).toBe(true);
    const pahV1 = view.allDeliveries.find((r) => r.d.unitId === coordinatorPah.actor.unitId && r.d.version === 1);
    expect(pahV1?.d.acknowledgedAt).not.toBeNull();
    expect(mailer.sent.filter((m) => m.subject.startsWith(`[Beacon] Updated high-risk alert ${reference}`))).toHaveLength(icbUnits.size);
  });

  it('widening the scope to the region adds recipients, and no unit is ever sent the same version twice', async () => {
    const region = await resolveRecipientUnits(db(), { scope: 'region', geographyCode: 'Y59', unitTypes: [...DEFAULT_UNIT_TYPES] });
    const regionIds = new Set(region.map((u) => u.id));
    expect(regionIds.size).toBeGreaterThan(icbUnits.size);
    const widened = alertContentWith(
      (c) => void (c.distribution = { scope: 'region', geographyCode: 'Y59', scopeReason: 'Seen in Frimley and Reading this week.' }),
    );
    expect(await updateAlert(db(), midwife, id, widened, 'Seen outside the county')).toBe(3);
    await worker.drain();
    // Run the same fan-out again, as a retry after a crash would.
    expect((await distribute(db(), { alertId: id, version: 3, kind: 'update' })).created).toBe(0);
    await worker.drain();
    expect(worker.failures).toEqual([]);

    const v3 = await deliveriesOf(id, 3);
    expect(new Set(v3.map((d) => d.unitId))).toEqual(new Set([...regionIds, ...icbUnits]));
    expect(v3).toHaveLength(new Set([...regionIds, ...icbUnits]).size);
    const frimley = await unitIdByName('Frimley Park Hospital maternity unit');
    expect((await deliveriesOf(id)).filter((d) => d.unitId === frimley).map((d) => d.version)).toEqual([3]);

    const dupes = await db()
      .select({ version: alertDeliveries.version, unitId: alertDeliveries.unitId, n: count() })
      .from(alertDeliveries)
      .where(eq(alertDeliveries.alertId, id))
      .groupBy(alertDeliveries.version, alertDeliveries.unitId)
      .having(sql`count(*) > 1`);
    expect(dupes).toEqual([]);
    const perDelivery = await emailJobsPerDelivery(id);
    expect(perDelivery.size).toBe((await deliveriesOf(id)).length);
    expect([...perDelivery.values()].every((n) => n === 1)).toBe(true);
    const ids = mailer.sent.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('standing down is a new version delivered to every unit that had any earlier version', async () => {
    const before = await alertRowCounts(db());
    expect(await validationError(standDown(db(), midwife, id, 'went_away', null))).toEqual({ outcome: 'Select the outcome.' });
    expect(await validationError(standDown(db(), midwife, id, 'other', ''))).toEqual({ outcome: 'Describe the outcome.' });
    await expect(standDown(db(), coordinatorPah, id, 'found_safe', null)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await alertRowCounts(db())).toEqual(before);

    await standDown(db(), midwife, id, 'baby_delivered_safe', 'Born at Princess Anne; plan in place with children’s services.');
    expect(await statusOf(id)).toMatchObject({ status: 'stood_down', version: 4 });
    await worker.drain();
    expect(worker.failures).toEqual([]);
    const everyone = new Set((await deliveriesOf(id)).filter((d) => d.version < 4).map((d) => d.unitId));
    const v4 = await deliveriesOf(id, 4);
    expect(new Set(v4.map((d) => d.unitId))).toEqual(everyone);
    expect(v4).toHaveLength(everyone.size);
    expect(v4.every((d) => d.kind === 'stand_down')).toBe(true);
    expect(mailer.sent.filter((m) => m.subject.startsWith(`[Beacon] High-risk alert STOOD DOWN ${reference}`))).toHaveLength(everyone.size);
    const [ev] = await db()
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'stand_down')));
    expect(ev).toMatchObject({
      fromStatus: 'active',
      toStatus: 'stood_down',
      version: 4,
      reason: 'Baby delivered and safe: Born at Princess Anne; plan in place with children’s services.',
    });
    const [v] = await db()
      .select()
      .from(alertVersions)
      .where(and(eq(alertVersions.alertId, id), eq(alertVersions.version, 4)));
    expect(v!.status).toBe('stood_down');

    // Closed: no more changes.
    const closed = await alertRowCounts(db());
    expect((await validationError(updateAlert(db(), midwife, id, validAlertContent(), 'Too late'))).reason).toMatch(/stood down/);
    expect((await validationError(standDown(db(), midwife, id, 'found_safe', null))).outcome).toBe('This alert has already been stood down.');
    expect(await alertRowCounts(db())).toEqual(closed);
    expect(
      (await unitInbox(db(), coordinatorQah)).items
        .filter((i) => i.alertId === id)
        .map((i) => i.version)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
  });

  it('every view is audited; the owner and approver see the access history, a coordinator does not', async () => {
    const before = (await viewsOf(id)).length;
    const byCoordinator = await getAlert(db(), coordinatorQah, id, 'check before loading');
    expect(byCoordinator.owner).toBe(false);
    expect(byCoordinator.accessHistory).toEqual([]);
    const views = await viewsOf(id);
    expect(views).toHaveLength(before + 1);
    expect(views.find((v) => v.actorUserId === coordinatorQah.actor.userId && v.reason === 'check before loading')).toBeDefined();

    const byOwner = await getAlert(db(), midwife, id);
    expect(byOwner.owner).toBe(true);
    const viewers = new Set(byOwner.accessHistory.map((h) => h.actorUserId));
    expect(viewers).toEqual(new Set([coordinatorPah.actor.userId, coordinatorQah.actor.userId, midwife.actor.userId]));
    expect(byOwner.accessHistory.every((h) => h.action === 'alert.view' || h.action === 'alert.photo.view')).toBe(true);

    const byApprover = await getAlert(db(), designated, id);
    expect(byApprover.owner).toBe(true);
    expect(byApprover.accessHistory.some((h) => h.actorUserId === designated.actor.userId)).toBe(true);
    expect((await viewsOf(id)).length).toBe(before + 3);
  });
});

describe('cancelling, renewing and expiring', () => {
  it('cancelling an active alert tells every recipient in a new version', async () => {
    const { id, reference } = await raiseActiveAlert(db(), midwife, designated, validAlertContent());
    await worker.drain();
    const v1 = await deliveriesOf(id, 1);
    expect(v1.length).toBeGreaterThan(0);
    const before = await alertRowCounts(db());
    expect(await validationError(cancel(db(), midwife, id, ''))).toEqual({
      reason: 'Enter why this alert is being cancelled, for example that it was raised in error.',
    });
    expect(await alertRowCounts(db())).toEqual(before);

    await cancel(db(), midwife, id, 'Raised for the wrong woman');
    expect(await statusOf(id)).toMatchObject({ status: 'cancelled', version: 2 });
    await worker.drain();
    expect(worker.failures).toEqual([]);
    const v2 = await deliveriesOf(id, 2);
    expect(new Set(v2.map((d) => d.unitId))).toEqual(new Set(v1.map((d) => d.unitId)));
    expect(v2.every((d) => d.kind === 'cancellation')).toBe(true);
    const [ev] = await db()
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'cancel')));
    expect(ev).toMatchObject({ fromStatus: 'active', toStatus: 'cancelled', version: 2, reason: 'Raised for the wrong woman' });
    expect(mailer.sent.filter((m) => m.subject.startsWith(`[Beacon] High-risk alert CANCELLED ${reference}`))).toHaveLength(v1.length);
  });

  it('renewal needs a reason and a later date, moves the review date, and sends nothing', async () => {
    const today = londonDate(new Date());
    const { id } = await raiseActiveAlert(
      db(),
      midwife,
      designated,
      alertContentWith((c) => void (c.reviewDate = addDays(today, 10))),
    );
    await worker.drain();
    const before = await alertRowCounts(db());
    const later = addDays(today, 60);
    expect(await validationError(renew(db(), midwife, id, later, ''))).toEqual({ reviewDate: 'Enter the reason for renewing this alert.' });
    expect((await validationError(renew(db(), midwife, id, addDays(today, 10), 'Still missing'))).reviewDate).toMatch(/must be after the current one/);
    expect((await validationError(renew(db(), midwife, id, addDays(today, 200), 'Still missing'))).reviewDate).toMatch(/must be no later than/);
    await expect(renew(db(), coordinatorPah, id, later, 'Still missing')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(renew(db(), designated, id, later, 'Still missing')).rejects.toBeInstanceOf(ForbiddenError); // approver, not owner
    expect(await alertRowCounts(db())).toEqual(before);

    await renew(db(), midwife, id, later, 'She has not yet been found');
    expect(await statusOf(id)).toMatchObject({ status: 'active', version: 1, reviewDate: later });
    const after = await alertRowCounts(db());
    expect(after.alertVersions).toBe(before.alertVersions);
    expect(after.jobs).toBe(before.jobs);
    expect(after.deliveries).toBe(before.deliveries);
    const [ev] = await db()
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'renew')));
    expect(ev!.reason).toBe('She has not yet been found');
  });

  it('an alert already reviewed as late as a renewal allows cannot be renewed yet', async () => {
    const { id } = await raiseActiveAlert(db(), midwife, designated, validAlertContent()); // review 18 weeks away
    await worker.drain();
    const a = await statusOf(id);
    expect((await validationError(renew(db(), midwife, id, addDays(a.reviewDate!, 7), 'Still missing'))).reviewDate).toMatch(/as late as a renewal allows/);
    expect(await statusOf(id)).toMatchObject({ reviewDate: a.reviewDate });
  });

  it('an active alert past its review date expires on its own, and its recipients are told', async () => {
    const today = londonDate(new Date());
    const { id, reference } = await raiseActiveAlert(
      db(),
      midwife,
      designated,
      alertContentWith((c) => void (c.reviewDate = addDays(today, 5))),
    );
    await worker.drain();
    const v1 = await deliveriesOf(id, 1);

    expect(await expireDue(db(), new Date(Date.now() + 2 * 86_400_000))).toBe(0); // not yet
    expect((await statusOf(id)).status).toBe('active');

    const later = new Date(Date.now() + 7 * 86_400_000);
    expect(await expireDue(db(), later)).toBe(1);
    expect(await statusOf(id)).toMatchObject({ status: 'expired', version: 2 });
    await worker.drain();
    expect(worker.failures).toEqual([]);
    const v2 = await deliveriesOf(id, 2);
    expect(new Set(v2.map((d) => d.unitId))).toEqual(new Set(v1.map((d) => d.unitId)));
    expect(v2.every((d) => d.kind === 'expiry')).toBe(true);
    expect(mailer.sent.filter((m) => m.subject.startsWith(`[Beacon] High-risk alert EXPIRED ${reference}`))).toHaveLength(v1.length);
    const [ev] = await db()
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'expire')));
    expect(ev).toMatchObject({ byUserId: null, byName: 'system:alerts.expire', fromStatus: 'active', toStatus: 'expired', version: 2 });
    expect(await expireDue(db(), later)).toBe(0); // once
  });
});

describe('bad input is refused with a clear message, and nothing is written', () => {
  const today = () => londonDate(new Date());
  const cases: [string, (c: AlertFixture) => void, string, RegExp][] = [
    [
      'an NHS number with a wrong check digit',
      (c) => void (c.subject.nhsNumbers = [{ value: '943 476 5918', verification: 'unverified' }]),
      'subject.nhsNumbers.0.value',
      /not valid: check the last digit/,
    ],
    ['a due date far in the past', (c) => void (c.pregnancy.edd = addDays(today(), -20 * 7)), 'pregnancy.edd', /more than 10 weeks ago/],
    ['a due date far in the future', (c) => void (c.pregnancy.edd = addDays(today(), 60 * 7)), 'pregnancy.edd', /more than 44 weeks from today/],
    [
      'a date of birth that makes her 9',
      (c) => void (c.subject.datesOfBirth = [{ value: addDays(today(), -(9 * 365 + 30)) }]),
      'subject.datesOfBirth.0.value',
      /makes her 9 years old/,
    ],
    [
      'a date of birth that makes her 70',
      (c) => void (c.subject.datesOfBirth = [{ value: addDays(today(), -(70 * 365 + 30)) }]),
      'subject.datesOfBirth.0.value',
      /makes her 70 years old/,
    ],
    [
      'an empty action on presentation',
      (c) => void (c.risk.actionOnPresentation = '   '),
      'risk.actionOnPresentation',
      /^Enter what staff must do when she presents$/,
    ],
    ['a scope with no reason', (c) => void (c.distribution.scopeReason = ''), 'distribution.scopeReason', /^Enter why the alert needs to go this widely$/],
  ];
  let draftId: string;
  let activeId: string;
  beforeAll(async () => {
    draftId = (await createDraft(db(), midwife, validAlertContent())).id;
    activeId = (await raiseActiveAlert(db(), midwife, designated, validAlertContent())).id;
    await worker.drain();
  });

  it.each(cases)('%s: on submission', async (_name, patch, field, message) => {
    await saveDraft(db(), midwife, draftId, alertContentWith(patch)); // a draft may hold anything
    const before = await alertRowCounts(db());
    const errors = await validationError(submit(db(), midwife, draftId));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
    expect(await alertRowCounts(db())).toEqual(before);
    expect((await statusOf(draftId)).status).toBe('draft');
  });

  it.each(cases)('%s: on update of an active alert', async (_name, patch, field, message) => {
    const before = await alertRowCounts(db());
    const errors = await validationError(updateAlert(db(), midwife, activeId, alertContentWith(patch), 'Correction'));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
    expect(await alertRowCounts(db())).toEqual(before);
    expect(await statusOf(activeId)).toMatchObject({ status: 'active', version: 1 });
  });

  it('on approval, content that has become invalid is refused and nothing is queued', async () => {
    const { id } = await createDraft(db(), midwife, validAlertContent());
    await submit(db(), midwife, id);
    // Someone edits the stored content behind the service's back (or rules tightened): approval re-checks it.
    await db()
      .update(alertVersions)
      .set({ content: alertContentWith((c) => void (c.risk.actionOnPresentation = '')) })
      .where(eq(alertVersions.alertId, id));
    const before = await alertRowCounts(db());
    expect(Object.keys(await validationError(approve(db(), designated, id, ALERT_SETTINGS)))).toEqual(['risk.actionOnPresentation']);
    expect(await alertRowCounts(db())).toEqual(before);
    expect((await statusOf(id)).status).toBe('submitted');
  });

  it('content that is not an object, or is far too long, is refused even as a draft', async () => {
    const before = await alertRowCounts(db());
    await expect(createDraft(db(), midwife, 'alert')).rejects.toBeInstanceOf(ValidationError);
    await expect(createDraft(db(), midwife, [1, 2])).rejects.toBeInstanceOf(ValidationError);
    await expect(createDraft(db(), midwife, { risk: { reason: 'x'.repeat(300_000) } })).rejects.toBeInstanceOf(ValidationError);
    await expect(createDraft(db(), coordinatorPah, validAlertContent())).rejects.toBeInstanceOf(ForbiddenError);
    expect(await alertRowCounts(db())).toEqual(before);
  });
});

describe('photographs', () => {
  let id: string;
  let jpeg: Buffer;
  beforeAll(async () => {
    id = (await createDraft(db(), midwife, validAlertContent())).id;
    // A real JPEG with noise (so it does not compress to nothing) and an EXIF comment that must not survive.
    const w = 320;
    const h = 240;
    jpeg = await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .withExif({ IFD0: { ImageDescription: 'secret-exif-location', Copyright: 'Marisol' } })
      .toBuffer();
  });

  it('a JPEG is stored encrypted, served back as a clean JPEG to people allowed to see the alert, and each view is audited', async () => {
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const photoId = await addPhotograph(db(), midwife, KEY, id, jpeg, 'Taken at booking');
    const [row] = await db().select().from(alertPhotos).where(eq(alertPhotos.id, photoId));
    expect(row).toMatchObject({
      alertId: id,
      caption: 'Taken at booking',
      contentType: 'image/jpeg',
      width: 320,
      height: 240,
      addedByUserId: midwife.actor.userId,
    });
    const sealed = row!.dataEnc!;
    expect(sealed.includes(jpeg.subarray(0, 64))).toBe(false);
    expect(sealed.includes(jpeg.subarray(1000, 1064))).toBe(false);
    expect(sealed.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);

    const audits = async () =>
      (
        await db()
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.photo.view')))
      ).length;
    const before = await audits();
    const served = await getPhotograph(db(), midwife, KEY, id, photoId);
    expect(served.contentType).toBe('image/jpeg');
    expect(served.data.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(served.data).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    expect(meta.exif).toBeUndefined();
    expect(served.data.includes(Buffer.from('secret-exif-location'))).toBe(false);
    // What is stored is the served image sealed, not the image itself.
    expect(sealed.includes(served.data.subarray(0, 64))).toBe(false);
    expect(sealed.includes(served.data.subarray(500, 564))).toBe(false);
    expect(await audits()).toBe(before + 1);

    // Not for those who may not see the alert; a wrong key cannot open it.
    await expect(getPhotograph(db(), coordinatorQah, KEY, id, photoId)).rejects.toBeInstanceOf(ForbiddenError); // not delivered to her unit (yet)
    await expect(getPhotograph(db(), edNurse, KEY, id, photoId)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await audits()).toBe(before + 1);
    await expect(getPhotograph(db(), midwife, randomBytes(32), id, photoId)).rejects.toThrow();

    // Once the alert is active and delivered to her unit, the coordinator may see it: audited under her name.
    await submit(db(), midwife, id);
    await approve(db(), designated, id, ALERT_SETTINGS);
    await worker.drain();
    const view = await getAlert(db(), coordinatorQah, id);
    expect(view.photos.map((p) => p.id)).toEqual([photoId]);
    expect((await getPhotograph(db(), coordinatorQah, KEY, id, photoId)).data.equals(served.data)).toBe(true);
    const [last] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.photo.view'), eq(auditEvents.actorUserId, coordinatorQah.actor.userId)));
    expect(last!.detail).toEqual({ photoId });
    const history = (await getAlert(db(), midwife, id)).accessHistory;
    expect(history.some((h) => h.action === 'alert.photo.view' && h.actorUserId === coordinatorQah.actor.userId)).toBe(true);

    // No photographs can be added once it is active.
    expect(Object.keys(await validationError(addPhotograph(db(), midwife, KEY, id, jpeg, null)))).toEqual(['photo']);
  });

  it('a file that is not an image is refused and nothing is stored', async () => {
    const draft = await createDraft(db(), midwife, validAlertContent());
    const before = await alertRowCounts(db());
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    expect(await validationError(addPhotograph(db(), midwife, KEY, draft.id, pdf, 'Scan'))).toEqual({ photo: 'The photograph must be a JPG or PNG' });
    // A JPEG header on a body that is not a picture.
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a jpeg at all')]);
    expect(Object.keys(await validationError(addPhotograph(db(), midwife, KEY, draft.id, fake, null)))).toEqual(['photo']);
    expect(await validationError(addPhotograph(db(), midwife, KEY, draft.id, Buffer.alloc(0), null))).toEqual({ photo: 'The selected photograph is empty' });
    await expect(addPhotograph(db(), coordinatorPah, KEY, draft.id, jpeg, null)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await alertRowCounts(db())).toEqual(before);
    expect(await db().select().from(alertPhotos).where(eq(alertPhotos.alertId, draft.id))).toEqual([]);
  });
});
