import { randomBytes } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import {
  ALERT_SETTINGS,
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
import { RegisterIndex } from '../identity/register-index';
import { pointOfCareReveals, pointOfCareSearches, presentations } from '../identity/point-of-care/schema';
import { auditEvents } from '../platform/audit/schema';
import { verifyAuditChain } from '../platform/audit/service';
import type { RequestContext } from '../platform/context';
import { ForbiddenError, ValidationError } from '../platform/errors';
import { DEFAULT_LIFECYCLE_CONFIG } from './lifecycle';
import { addDays, londonDate } from './pregnancy';
import { alertBirths, alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
import { approve, createDraft, getAlert, renew, standDown, submit, updateAlert } from './service';
import { archiveAndPurge, remindReviews } from './housekeeping';
import { recordBirth } from './birth';
import { addPhotograph } from './photographs';

/**
 * Birth, review reminders, and archive then purge after retention, with the demo people and `now` shifted.
 * One database for the file.
 */

type Ctx = RequestContext & { actor: NonNullable<RequestContext['actor']> };

const DAY = 86_400_000;
const BABY = { babyGivenName: 'Ruby', babyFamilyName: 'Quennell', nhsNumber: '401 023 2137', sex: 'female' } as const;

let tdb: TestDatabase;
let mailer: MemoryMailer;
let worker: AlertWorker;
let midwife: Ctx;
let designated: Ctx;
let coordinator: Ctx;
const db = () => tdb.db;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, 'correct horse battery staple 42');
  mailer = memoryMailer();
  worker = alertWorker(tdb.db, mailer);
  [midwife, designated, coordinator] = (await Promise.all(
    ['midwife', 'designated', 'coordinator.pah'].map((who) => contextFor(tdb.db, `${who}@beacon.example`)),
  )) as [Ctx, Ctx, Ctx];
});
afterAll(async () => tdb?.close());

async function validationError(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

describe('recording the birth', () => {
  const now = new Date();
  const today = londonDate(now);
  let id: string;
  beforeAll(async () => {
    id = (await raiseActiveAlert(db(), midwife, designated, validAlertContent(now), now)).id;
    await worker.drain();
  });

  it('refuses bad input, people who do not own the alert, and alerts that are not active', async () => {
    const edd = addDays(today, 12 * 7);
    expect(await validationError(recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: addDays(today, 1) }, now))).toHaveProperty(
      'dateOfBirth',
      'The baby’s date of birth must be today or in the past',
    );
    expect((await validationError(recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: addDays(edd, -24 * 7 - 1) }, now))).dateOfBirth).toMatch(
      /24 weeks before the due date/,
    );
    expect(await validationError(recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: '2026-02-30' }, now))).toHaveProperty('dateOfBirth');
    const errors = await validationError(recordBirth(db(), midwife, id, { dateOfBirth: today, nhsNumber: '401 023 2138', sex: 'boy' }, now));
    expect(Object.keys(errors)).toEqual(['nhsNumber', 'sex']);
    expect(await validationError(recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: today, placeOfBirthUnitId: 'nowhere' }, now))).toHaveProperty(
      'placeOfBirthUnitId',
    );
    await expect(recordBirth(db(), coordinator, id, { ...BABY, dateOfBirth: today }, now)).rejects.toBeInstanceOf(ForbiddenError);
    const draft = await createDraft(db(), midwife, validAlertContent(now));
    expect(await validationError(recordBirth(db(), midwife, draft.id, { ...BABY, dateOfBirth: today }, now))).toHaveProperty('form');
    expect((await db().select({ n: count() }).from(alertBirths))[0]!.n).toBe(0);
    const [a] = await db().select({ version: alerts.version }).from(alerts).where(eq(alerts.id, id));
    expect(a!.version).toBe(1);
  });

  it('makes a new version (content unchanged plus the birth) sent to every recipient as an update, and the baby is searchable', async () => {
    const idx = new RegisterIndex({ listen: false, reconcileMs: 0 });
    await idx.build(db());
    expect(idx.search({ nhsNumber: '4010232137' }).map((c) => c.alertId)).not.toContain(id);

    const version = await recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: addDays(today, -1) }, now);
    expect(version).toBe(2);
    const [v1, v2] = await db().select().from(alertVersions).where(eq(alertVersions.alertId, id)).orderBy(alertVersions.version);
    const { birth, ...rest } = v2!.content as Record<string, unknown>;
    expect(rest).toEqual(v1!.content);
    expect(birth).toMatchObject({ babyGivenName: 'Ruby', babyFamilyName: 'Quennell', dateOfBirth: addDays(today, -1), nhsNumber: '4010232137', sex: 'female' });
    expect(v2!.changeReason).toMatch(/^Baby born /);
    await worker.drain();
    const deliveries = await db().select().from(alertDeliveries).where(eq(alertDeliveries.alertId, id));
    const first = deliveries.filter((d) => d.version === 1);
    const second = deliveries.filter((d) => d.version === 2);
    expect(second.length).toBe(first.length);
    expect(second.every((d) => d.kind === 'update')).toBe(true);
    expect(
      await db()
        .select({ action: auditEvents.action })
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.birth.record'))),
    ).toHaveLength(1);

    expect(await idx.refresh(db(), id)).toBe('updated');
    const [hit] = idx.search({ nhsNumber: '4010232137' });
    expect(hit).toMatchObject({ alertId: id, matchedThrough: 'the baby’s details on the alert' });
    // The mother is still found as before.
    expect(idx.search({ nhsNumber: SUBJECT.nhsNumber })[0]?.alertId).toBe(id);

    const view = await getAlert(db(), midwife, id, 'view alert', now);
    expect(view.birth).toMatchObject({ dateOfBirth: addDays(today, -1), nhsNumber: '4010232137' });
  });

  it('a correction replaces the birth (one row, audited) and later updates keep it', async () => {
    const version = await recordBirth(db(), midwife, id, { babyFamilyName: 'Quennell', dateOfBirth: today, sex: 'not_known' }, now);
    expect(version).toBe(3);
    const births = await db().select().from(alertBirths).where(eq(alertBirths.alertId, id));
    expect(births).toHaveLength(1);
    expect(births[0]).toMatchObject({ dateOfBirth: today, nhsNumber: null, babyGivenName: null, sex: 'not_known' });
    expect(
      await db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.birth.correct'))),
    ).toHaveLength(1);
    const [v3] = await db()
      .select()
      .from(alertVersions)
      .where(and(eq(alertVersions.alertId, id), eq(alertVersions.version, 3)));
    expect(v3!.changeReason).toBe('Birth details corrected');

    await updateAlert(db(), midwife, id, validAlertContent(now), 'Contact numbers checked', now);
    const [v4] = await db()
      .select()
      .from(alertVersions)
      .where(and(eq(alertVersions.alertId, id), eq(alertVersions.version, 4)));
    expect((v4!.content as { birth?: unknown }).birth).toMatchObject({ dateOfBirth: today, sex: 'not_known' });
    await worker.drain();
    expect(worker.failures).toEqual([]);
  });
});

describe('review reminders', () => {
  const now = new Date();
  let id: string;
  let reference: string;
  beforeAll(async () => {
    ({ id, reference } = await raiseActiveAlert(db(), midwife, designated, validAlertContent(now), now));
    await worker.drain();
    mailer.clear();
  });

  const reviewDate = async () => (await db().select({ r: alerts.reviewDate }).from(alerts).where(eq(alerts.id, id)))[0]!.r!;
  const reminders = () => mailer.sent.filter((m) => m.subject.includes(reference) && /due for review/.test(m.subject));

  it('emails the originator once when the review date is within 7 days, with no personal data', async () => {
    const review = await reviewDate();
    const reviewAt = new Date(`${review}T12:00:00Z`);
    await remindReviews(db(), new Date(reviewAt.getTime() - 8 * DAY));
    await worker.drain();
    expect(reminders()).toHaveLength(0);

    await remindReviews(db(), new Date(reviewAt.getTime() - 6 * DAY));
    await worker.drain();
    expect(reminders()).toHaveLength(1);
    const [mail] = reminders();
    expect(mail!.to).toBe('midwife@beacon.example');
    const all = `${mail!.subject}\n${mail!.text}`;
    for (const secret of [SUBJECT.given, SUBJECT.family, SUBJECT.nhsNumber, SUBJECT.nhsNumberSpaced, SUBJECT.dateOfBirth, 'Orchard Lane', 'SO16'])
      expect(all).not.toContain(secret);

    // The next hourly run, and the day after: no second reminder for the same review date.
    await remindReviews(db(), new Date(reviewAt.getTime() - 6 * DAY + 3_600_000));
    await remindReviews(db(), new Date(reviewAt.getTime() - 5 * DAY));
    await worker.drain();
    expect(reminders()).toHaveLength(1);
    expect(worker.failures).toEqual([]);
  });

  it('a renewal moves the review date, and the new date gets its own reminder', async () => {
    const review = await reviewDate();
    const renewedOn = new Date(new Date(`${review}T12:00:00Z`).getTime() - 5 * DAY);
    const next = addDays(londonDate(renewedOn), 30);
    await renew(db(), midwife, id, next, 'Still at risk', renewedOn);
    await remindReviews(db(), new Date(new Date(`${next}T12:00:00Z`).getTime() - 3 * DAY));
    await worker.drain();
    expect(reminders()).toHaveLength(2);
  });
});

describe('archive and purge', () => {
  const now = new Date();
  const RETENTION_DAYS = 30;
  const archiveAfter = DEFAULT_LIFECYCLE_CONFIG.archiveAfterDays;
  let id: string;
  let reference: string;
  let closedAt: Date;

  beforeAll(async () => {
    // A draft with a photograph, approved, with a birth and a presentation, then stood down.
    const draft = await createDraft(db(), midwife, validAlertContent(now));
    ({ id, reference } = draft);
    const jpeg = await sharp(randomBytes(64 * 48 * 3), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .toBuffer();
    await addPhotograph(db(), midwife, randomBytes(32), id, jpeg, 'At booking');
    await submit(db(), midwife, id, now);
    await approve(db(), designated, id, ALERT_SETTINGS, null, now);
    await recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: londonDate(now) }, now);
    const [search] = await db()
      .insert(pointOfCareSearches)
      .values({
        userId: coordinator.actor.userId,
        organisationId: coordinator.actor.organisationId,
        fields: ['familyName'],
        queryHash: 'x',
        candidates: [],
        registerSize: 1,
      })
      .returning();
    const [reveal] = await db()
      .insert(pointOfCareReveals)
      .values({
        searchId: search!.id,
        alertId: id,
        alertVersion: 2,
        userId: coordinator.actor.userId,
        organisationId: coordinator.actor.organisationId,
        reason: 'presenting',
      })
      .returning();
    await db()
      .insert(presentations)
      .values({
        alertId: id,
        alertVersion: 2,
        revealId: reveal!.id,
        userId: coordinator.actor.userId,
        userName: 'Coordinator',
        userRole: 'unit_coordinator',
        organisationId: coordinator.actor.organisationId,
        organisationName: 'Trust',
        placeName: 'Maternity',
        location: 'Bay 4',
        details: { givenName: SUBJECT.given, familyName: SUBJECT.family },
        inconsistencies: [{ field: 'postcode', text: 'Gave a different postcode' }],
        inconsistent: true,
        note: `${SUBJECT.given} said she was staying with her sister`,
      });
    closedAt = new Date(now.getTime() + DAY);
    await standDown(db(), midwife, id, 'baby_delivered_safe', null, closedAt);
    await worker.drain();
  });

  const row = async () => (await db().select().from(alerts).where(eq(alerts.id, id)))[0]!;

  it('archives a closed alert only once the archive period has passed, with its retention date', async () => {
    const before = new Date(closedAt.getTime() + (archiveAfter - 1) * DAY);
    await archiveAndPurge(db(), RETENTION_DAYS, before);
    expect((await row()).status).toBe('stood_down');

    const after = new Date(closedAt.getTime() + (archiveAfter + 1) * DAY);
    const result = await archiveAndPurge(db(), RETENTION_DAYS, after);
    expect(result.archived).toBeGreaterThanOrEqual(1);
    const a = await row();
    expect(a.status).toBe('archived');
    expect(a.retainUntil).toBe(addDays(londonDate(after), RETENTION_DAYS));
    expect(a.purgedAt).toBeNull();
    const events = await db().select().from(alertEvents).where(eq(alertEvents.alertId, id)).orderBy(alertEvents.at);
    expect(events.at(-1)).toMatchObject({ event: 'archive', fromStatus: 'stood_down', toStatus: 'archived', byName: 'system:alerts.retention' });
    // Read-only from now on.
    expect(await validationError(updateAlert(db(), midwife, id, validAlertContent(now), 'Late change', after))).toHaveProperty('reason');
    expect(await validationError(recordBirth(db(), midwife, id, { ...BABY, dateOfBirth: londonDate(now) }, after))).toHaveProperty('form');
    // Run again: nothing more happens.
    await archiveAndPurge(db(), RETENTION_DAYS, after);
    expect(
      await db()
        .select()
        .from(alertEvents)
        .where(and(eq(alertEvents.alertId, id), eq(alertEvents.event, 'archive'))),
    ).toHaveLength(1);
  });

  it('purges personal data after the retention date, keeping the reference, statuses, history and audit chain', async () => {
    const a = await row();
    const eventsBefore = await db().select().from(alertEvents).where(eq(alertEvents.alertId, id));
    await archiveAndPurge(db(), RETENTION_DAYS, new Date(`${a.retainUntil}T12:00:00Z`));
    expect((await row()).purgedAt).toBeNull();

    const purgeAt = new Date(new Date(`${a.retainUntil}T12:00:00Z`).getTime() + DAY);
    const result = await archiveAndPurge(db(), RETENTION_DAYS, purgeAt);
    expect(result.purged).toBeGreaterThanOrEqual(1);
    const purged = await row();
    expect(purged).toMatchObject({ reference, status: 'archived', version: a.version, edd: null });
    expect(purged.purgedAt).toBeInstanceOf(Date);

    const versions = await db().select().from(alertVersions).where(eq(alertVersions.alertId, id));
    expect(versions.length).toBe(a.version);
    expect(versions.every((v) => JSON.stringify(v.content) === '{"purged":true}')).toBe(true);
    expect(versions.map((v) => v.status).sort()).toEqual(['active', 'active', 'stood_down']);
    const photos = await db().select().from(alertPhotos).where(eq(alertPhotos.alertId, id));
    expect(photos.length).toBe(1);
    expect(photos.every((p) => p.dataEnc === null)).toBe(true);
    expect(await db().select().from(alertBirths).where(eq(alertBirths.alertId, id))).toHaveLength(0);
    const [p] = await db().select().from(presentations).where(eq(presentations.alertId, id));
    expect(p).toMatchObject({ details: {}, inconsistencies: [], location: null, note: null, placeName: 'Maternity' });
    expect(await db().select().from(alertEvents).where(eq(alertEvents.alertId, id))).toHaveLength(eventsBefore.length);

    const audits = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.purge')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorName: 'system:alerts.retention' });
    expect(JSON.stringify(audits[0])).not.toContain(SUBJECT.family);
    expect((await verifyAuditChain(db())).ok).toBe(true);

    // Purged once: a later run does nothing. The owner still sees the reference and history.
    await archiveAndPurge(db(), RETENTION_DAYS, new Date(purgeAt.getTime() + DAY));
    expect(
      await db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'alert.purge'))),
    ).toHaveLength(1);
    const view = await getAlert(db(), midwife, id);
    expect(view.alert.reference).toBe(reference);
    expect(view.birth).toBeNull();
    expect(JSON.stringify(view.content)).not.toContain(SUBJECT.family);
  });
});
