import { sql } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/engine';
import { rows } from '../../src/platform/db/sql';
import type { RequestContext } from '../../src/platform/context';
import { contextForEmail } from '../../src/people/service';
import type { Mailer, OutgoingMail } from '../../src/platform/notify/mailer';
import { Worker } from '../../src/platform/jobs/worker';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import type { AlertContentInput } from '../../src/alerts/model';
import { distribute, DISTRIBUTE_JOB, EMAIL_JOB, emailDelivery } from '../../src/alerts/distribution';
import { DEFAULT_UNIT_TYPES } from '../../src/alerts/model';
import { approve, createDraft, submit } from '../../src/alerts/service';
import { emailReviewReminder, REVIEW_REMINDER_EMAIL_JOB } from '../../src/alerts/housekeeping';
import { geographies, organisations, units } from '../../src/directory/schema';

/**
 * Fixtures for alert tests: complete alert content that is valid on a given day, request contexts for the
 * demo people, an in-memory mailer and a worker with the alert job handlers (as src/server.ts registers them).
 */

/** Personal details that must never appear in an email (mailboxes are shared and copied to phones). */
export const SUBJECT = { given: 'Marisol', family: 'Quennell', nhsNumber: '9434765919', nhsNumberSpaced: '943 476 5919', dateOfBirth: '1998-07-14' } as const;

/** How far ahead of `now` the fixture's due date lies. */
export const EDD_WEEKS_AHEAD = 12;

type Sections = 'subject' | 'pregnancy' | 'risk' | 'distribution';
/** Alert content as a form sends it, with the sections a test edits always present. */
export type AlertFixture = Omit<AlertContentInput, Sections> & { [K in Sections]-?: NonNullable<AlertContentInput[K]> };

/**
 * A complete, valid alert as a form would send it, with its dates relative to `now` (due in 12 weeks, she is
 * in her twenties, CP-IS checked yesterday). Scope: the Hampshire and Isle of Wight ICB area, default unit types.
 */
export function validAlertContent(now: Date = new Date()): AlertFixture {
  const today = londonDate(now);
  return {
    subject: {
      name: { given: SUBJECT.given, family: SUBJECT.family },
      otherNames: [{ kind: 'alias', name: { given: 'Mari', family: '' } }],
      datesOfBirth: [{ value: SUBJECT.dateOfBirth }],
      nhsNumbers: [{ value: SUBJECT.nhsNumberSpaced, verification: 'pds_trace' }],
      addresses: [{ kind: 'current', address: '14 Orchard Lane, Southampton', postcode: 'SO16 6YD' }],
      phones: [{ number: '07700 900123', note: 'Mobile' }],
      physicalDescription: 'Slight build, dyed red hair',
    },
    associatedPeople: [{ relationship: 'Partner', name: { given: 'Dominic', family: 'Arkwright' }, notesOnRisk: 'Aggressive to staff' }],
    pregnancy: {
      edd: addDays(today, EDD_WEEKS_AHEAD * 7),
      bookingStatus: 'unbooked',
      concealment: 'concealed',
      cpis: { checkedAt: addDays(today, -1), result: 'no_plan' },
    },
    risk: {
      criteria: ['unbooked', 'likely_to_evade'],
      reason: 'Unborn baby subject to pre-birth assessment; she has moved without telling services.',
      actionOnPresentation: 'Do not discharge the baby before speaking to the duty social worker.',
      inHoursContact: { name: 'Southampton MASH', phone: '023 8083 3336' },
      outOfHoursContact: { name: 'Emergency duty team', phone: '023 8023 3344' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'icb', geographyCode: 'QRL', scopeReason: 'She has links across Hampshire and the Isle of Wight.' },
  };
}

/** The valid content with one change made by `patch` (which may mutate the copy it is given). */
export function alertContentWith(patch: (c: AlertFixture) => void, now: Date = new Date()): AlertFixture {
  const c = structuredClone(validAlertContent(now));
  patch(c);
  return c;
}

/** A request context for a demo person, acting through their first active membership. */
export async function contextFor(db: Db, email: string): Promise<RequestContext & { actor: NonNullable<RequestContext['actor']> }> {
  return contextForEmail(db, email, `test-${email}`, '127.0.0.1');
}

/** A mailer that keeps every message in memory. */
export interface MemoryMailer extends Mailer {
  sent: OutgoingMail[];
  to(address: string): OutgoingMail[];
  clear(): void;
}

export function memoryMailer(): MemoryMailer {
  const sent: OutgoingMail[] = [];
  return {
    sent,
    describe: () => 'memory',
    async send(mail) {
      sent.push({ ...mail });
    },
    to: (address) => sent.filter((m) => m.to === address),
    clear: () => {
      sent.length = 0;
    },
  };
}

export const PUBLIC_URL = 'http://beacon.test';

/** A worker with the alert fan-out and email handlers, as createWorker registers them, mailing into `mailer`. */
export interface AlertWorker {
  worker: Worker;
  /** Every job failure the worker logged (a test expects none). */
  failures: unknown[];
  drain(): Promise<number>;
}

export function alertWorker(db: Db, mailer: Mailer): AlertWorker {
  const failures: unknown[] = [];
  const log = { info: () => undefined, warn: (o: unknown) => void failures.push(o), error: (o: unknown) => void failures.push(o) };
  const worker = new Worker(db, log, { batch: 50 })
    .register(DISTRIBUTE_JOB, async (job) => {
      await distribute(db, job.payload as Parameters<typeof distribute>[1]);
    })
    .register(EMAIL_JOB, async (job) => emailDelivery(db, mailer, PUBLIC_URL, job.payload as { deliveryId: string }))
    .register(REVIEW_REMINDER_EMAIL_JOB, async (job) => emailReviewReminder(db, mailer, PUBLIC_URL, job.payload as { alertId: string; reviewDate: string }));
  return { worker, failures, drain: () => worker.drain() };
}

export const ALERT_SETTINGS = { reviewWeeksAfterEdd: 6 } as const;

/** Raise, submit and approve an alert: returns its id and reference once it is active (its fan-out queued, not run). */
export async function raiseActiveAlert(
  db: Db,
  originator: RequestContext,
  approver: RequestContext,
  content: unknown,
  now: Date = new Date(),
): Promise<{ id: string; reference: string }> {
  const draft = await createDraft(db, originator, content);
  await submit(db, originator, draft.id, now);
  await approve(db, approver, draft.id, ALERT_SETTINGS, null, now);
  return draft;
}

/**
 * Add `organisations` synthetic acute trusts spread over the demo geographies, each with one unit of every
 * default recipient type (maternity, ED, birth centre, ambulance control) plus a safeguarding team that a
 * default-typed alert does not reach: 4 × `organisations` extra recipient units for a national alert.
 * Inserted directly, in bulk (this is test data, not a directory import).
 */
export async function addSyntheticUnits(db: Db, organisationCount: number): Promise<number> {
  const geos = await db.select({ id: geographies.id, level: geographies.level }).from(geographies);
  const areas = geos.filter((g) => g.level === 'icb' || g.level === 'local_authority');
  if (!areas.length) throw new Error('Seed the demo directory first');
  const types = [...DEFAULT_UNIT_TYPES, 'safeguarding_team'] as const;
  let recipients = 0;
  for (let start = 0; start < organisationCount; start += 200) {
    const n = Math.min(200, organisationCount - start);
    await db.transaction(async (tx) => {
      const orgs = await tx
        .insert(organisations)
        .values(
          Array.from({ length: n }, (_, k) => ({
            odsCode: `ZS${String(start + k).padStart(5, '0')}`,
            name: `Synthetic Trust ${start + k}`,
            type: 'acute_trust',
            geographyId: areas[(start + k) % areas.length]!.id,
          })),
        )
        .returning({ id: organisations.id, odsCode: organisations.odsCode });
      const rowsToInsert = orgs.flatMap((o) =>
        types.map((type) => ({
          organisationId: o.id,
          name: `${o.odsCode} ${type.replace(/_/g, ' ')}`,
          type,
          sharedMailbox: `${o.odsCode.toLowerCase()}.${type}@beacon.example`,
        })),
      );
      await tx.insert(units).values(rowsToInsert);
      recipients += orgs.length * DEFAULT_UNIT_TYPES.length;
    });
  }
  return recipients;
}

/** Row counts of the tables a failed change must leave alone. */
export async function alertRowCounts(db: Db): Promise<Record<'alerts' | 'alertVersions' | 'alertEvents' | 'deliveries' | 'photos' | 'jobs', number>> {
  const [r] = await rows<Record<string, number>>(
    db,
    sql`SELECT
      (SELECT count(*)::int FROM alerts) AS alerts,
      (SELECT count(*)::int FROM alert_versions) AS "alertVersions",
      (SELECT count(*)::int FROM alert_events) AS "alertEvents",
      (SELECT count(*)::int FROM alert_deliveries) AS deliveries,
      (SELECT count(*)::int FROM alert_photos) AS photos,
      (SELECT count(*)::int FROM jobs) AS jobs`,
  );
  return {
    alerts: Number(r!.alerts),
    alertVersions: Number(r!.alertVersions),
    alertEvents: Number(r!.alertEvents),
    deliveries: Number(r!.deliveries),
    photos: Number(r!.photos),
    jobs: Number(r!.jobs),
  };
}
