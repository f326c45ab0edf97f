import { randomBytes } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, openTestDatabase, type TestDatabase } from '../../../test/support/db';
import { activeAlert, APPROVER, CLINICIAN, contextFor, RAISER, type Ctx } from '../../../test/support/point-of-care';
import { alerts } from '../../alerts/schema';
import { seedDemo } from '../../demo/seed';
import { auditEvents } from '../../platform/audit/schema';
import { verifyAuditChain } from '../../platform/audit/service';
import type { Db } from '../../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { jobs } from '../../platform/jobs/schema';
import type { OutgoingMail } from '../../platform/notify/mailer';
import { RegisterIndex } from '../register-index';
import { pointOfCareReveals, pointOfCareSearches, presentations } from './schema';
import { CheckUnavailableError, checkForAlert, getReveal, getSearch, PRESENTATION_EMAIL_JOB, reveal } from './service';
import { getPresentation, listPresentations, markPresentationSeen, presentationsForAlert, unseenPresentationCount } from './presentations';
import { emailPresentation, purgeOldSearches, recordOutcome } from './outcome';
import { NOT_ENOUGH } from './details';
import { DEFAULT_POINT_OF_CARE_SETTINGS } from './settings';

const KEY = randomBytes(32);

let tdb: TestDatabase;
let db: Db;
let index: RegisterIndex;
let nurse: Ctx;
let midwife: Ctx;
let designated: Ctx;
/** The woman the tests look for, and her alert. */
const MARISOL = {
  given: 'Marisol',
  family: 'Quennell',
  dob: '1998-07-05',
  falseDobs: ['1996-11-23'],
  nhs: '9434765919',
  postcode: 'SO16 6YD',
  otherNames: [{ kind: 'maiden' as const, family: 'Ashdown' }],
  action: 'Keep the baby on the ward and phone the duty social worker before discharge.',
};
let marisol: { id: string; reference: string };
let alertEdd: string;

const lastSeq = async () => (await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq))).at(-1)?.seq ?? 0;
const eventsSince = (seq: number) => db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
  await seedDemo(db, 'correct horse battery staple 42');
  nurse = await contextFor(db, CLINICIAN);
  midwife = await contextFor(db, RAISER);
  designated = await contextFor(db, APPROVER);
  // Decoys: namesakes and near-namesakes, so that ranking means something.
  await activeAlert(db, { given: 'Marisol', family: 'Quinn', dob: '1991-02-17', postcode: 'PO1 2AL' });
  await activeAlert(db, { given: 'Maria', family: 'Quennell', dob: '1998-07-15', postcode: 'RG24 9NA' });
  await activeAlert(db, { given: 'Marisa', family: 'Ashworth', dob: '1989-05-07', postcode: 'SO22 5DG' });
  marisol = await activeAlert(db, MARISOL);
  alertEdd = (await db.select({ edd: alerts.edd }).from(alerts).where(eq(alerts.id, marisol.id)))[0]!.edd!;
  index = new RegisterIndex({ reconcileMs: 0 });
  await index.start(db);
});
afterAll(async () => {
  await index?.stop();
  await tdb?.close();
});

describe(`what she gives, and when it is too little (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it.each([
    ['a first name alone', { givenName: 'Marisol' }],
    ['a last name alone', { familyName: 'Quennell' }],
    ['a first and last name', { givenName: 'Marisol', familyName: 'Quennell' }],
    ['a first name and a postcode', { givenName: 'Marisol', postcode: 'SO16 6YD' }],
    ['a due date and a postcode', { edd: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10), postcode: 'SO16 6YD' }],
    ['nothing', {}],
  ])('%s is refused with the minimum needed, and nothing is stored or audited', async (_what, input) => {
    const seq = await lastSeq();
    const before = (await db.select().from(pointOfCareSearches)).length;
    expect(await fieldErrors(checkForAlert(db, nurse, index, KEY, input))).toEqual({ details: NOT_ENOUGH });
    expect(await eventsSince(seq)).toEqual([]);
    expect(await db.select().from(pointOfCareSearches)).toHaveLength(before);
  });

  it.each([
    ['an initial with a date of birth', { givenName: 'M', dateOfBirth: '1998-07-14' }],
    ['an initial with a full stop and a date of birth', { givenName: 'M.', dateOfBirth: '1998-07-14' }],
    ['a last-name initial with a full postcode', { familyName: 'Q', postcode: 'SO16 4XX' }],
  ])('%s is not a name: refused, nothing stored', async (_what, input) => {
    const before = (await db.select().from(pointOfCareSearches)).length;
    expect(await fieldErrors(checkForAlert(db, nurse, index, KEY, input))).toEqual({ details: NOT_ENOUGH });
    expect(await db.select().from(pointOfCareSearches)).toHaveLength(before);
  });

  it('a search that only just meets the minimum finds an alert by a whole name, never by a prefix', async () => {
    const whole = await checkForAlert(db, nurse, index, KEY, { givenName: MARISOL.given, dateOfBirth: MARISOL.dob });
    expect(whole.candidates.map((c) => c.alertId)).toContain(marisol.id);
    // A prefix with her date of birth is not her name: a thin search must not list alerts by it.
    const prefix = await checkForAlert(db, nurse, index, KEY, { givenName: MARISOL.given.slice(0, 3), dateOfBirth: MARISOL.dob });
    expect(prefix.candidates).toEqual([]);
    const surnamePrefix = await checkForAlert(db, nurse, index, KEY, { familyName: MARISOL.family.slice(0, 3), dateOfBirth: MARISOL.dob });
    expect(surnamePrefix.candidates).toEqual([]);
    // With more to go on, the other details carry a match even when a name is only close.
    const fuller = await checkForAlert(db, nurse, index, KEY, { givenName: MARISOL.given.slice(0, 3), familyName: MARISOL.family, dateOfBirth: MARISOL.dob });
    expect(fuller.candidates.map((c) => c.alertId)).toContain(marisol.id);
  });

  it('a last name with only part of a postcode asks for the full postcode or the date of birth', async () => {
    expect((await fieldErrors(checkForAlert(db, nurse, index, KEY, { familyName: 'Quennell', postcode: 'so16' }))).details).toMatch(
      /full postcode.*date of birth/,
    );
  });

  it.each([
    ['an NHS number', { nhsNumber: '943 476 5919' }],
    ['a last name and a date of birth', { familyName: 'Quennell', dateOfBirth: '1998-07-05' }],
    ['a last name and a full postcode', { familyName: 'Quennell', postcode: 'so166yd' }],
    ['a first name and a date of birth', { givenName: 'Marisol', dateOfBirth: '1998-07-05' }],
    ['a full other name and a date of birth', { otherNames: 'Marisol Ashdown', dateOfBirth: '1998-07-05' }],
  ])('%s is enough', async (_what, input) => {
    const r = await checkForAlert(db, nurse, index, KEY, input);
    expect(r.candidates[0]?.alertId).toBe(marisol.id);
  });

  it('an NHS number with a wrong check digit is searched (its near misses), not refused', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765918' });
    expect(r.searchId).toBeTruthy();
  });

  it('bad values are refused field by field', async () => {
    expect(
      await fieldErrors(
        checkForAlert(db, nurse, index, KEY, {
          familyName: 'Quennell',
          dateOfBirth: '1998-02-30',
          nhsNumber: '12345',
          postcode: 'not a postcode',
          edd: '2040-01-01',
        }),
      ),
    ).toEqual({
      dateOfBirth: 'Date of birth must be a real date: February 1998 has 28 days, not 30',
      nhsNumber: 'Enter the NHS number as 10 digits, like 943 476 5919',
      postcode: 'Enter a real postcode, like SO16 6YD, or its first part, like SO16',
      edd: 'Due date must be within a year of today',
    });
    expect((await fieldErrors(checkForAlert(db, nurse, index, KEY, { familyName: 'Quennell', dateOfBirth: '2999-01-01' }))).dateOfBirth).toBe(
      'Date of birth must be in the past',
    );
    expect((await fieldErrors(checkForAlert(db, nurse, index, KEY, { familyName: 'x'.repeat(101), dateOfBirth: '1998-07-05' }))).familyName).toMatch(
      /100 characters/,
    );
  });

  it('only clinicians who may have her in front of them can check', async () => {
    for (const email of ['social.worker@beacon.example', 'partnership@beacon.example', 'auditor@beacon.example', 'admin@beacon.example']) {
      const ctx = await contextFor(db, email);
      await expect(checkForAlert(db, ctx, index, KEY, { nhsNumber: '9434765919' }), email).rejects.toBeInstanceOf(ForbiddenError);
    }
    for (const ctx of [nurse, midwife, designated, await contextFor(db, 'coordinator.qah@beacon.example')]) {
      await expect(checkForAlert(db, ctx, index, KEY, { nhsNumber: '9434765919' })).resolves.toBeTruthy();
    }
  });

  it('refuses to search (rather than say "no alert found") before the register is loaded', async () => {
    const cold = new RegisterIndex({ listen: false, reconcileMs: 0 });
    await expect(checkForAlert(db, nurse, cold, KEY, { nhsNumber: '9434765919' })).rejects.toBeInstanceOf(CheckUnavailableError);
  });
});

describe('finding her when she gives false details', () => {
  it('a new surname and her date of birth with day and month swapped still find her first', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Brightwater', dateOfBirth: '1998-05-07', postcode: 'SO16 6YD' });
    expect(r.candidates[0]).toMatchObject({ alertId: marisol.id, reference: marisol.reference, band: 'strong' });
    const text = r.candidates[0]!.explanation.map((e) => e.text).join('\n');
    expect(text).toMatch(/date of birth: day and month swapped/);
    expect(text).toMatch(/surname: different/);
    expect(text).toMatch(/postcode: same/);
    // Candidates come best first.
    const scores = r.candidates.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('without the postcode she is still the top candidate, as a possible match for a person to check', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Brightwater', dateOfBirth: '1998-05-07' });
    expect(r.candidates[0]).toMatchObject({ alertId: marisol.id, band: 'possible' });
  });

  it('the date of birth known to be false, with her maiden name, finds her through that identity', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Ashdown', dateOfBirth: '1996-11-23' });
    expect(r.candidates[0]).toMatchObject({
      alertId: marisol.id,
      band: 'strong',
      matchedThrough: 'a maiden name on the alert, with a date of birth known to be false',
    });
  });

  it('an NHS number with two digits swapped finds her', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434769519' });
    expect(r.candidates[0]?.alertId).toBe(marisol.id);
    expect(r.candidates[0]?.explanation.find((e) => e.field === 'nhsNumber')?.text).toMatch(/two adjacent digits swapped/);
  });

  it('someone with no alert: no candidates, and what was searched is shown back to her clinician', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Gwendolyn', familyName: 'Fairweather-Oduya', dateOfBirth: '1988-01-30' });
    expect(r.candidates).toEqual([]);
    expect(r.registerSize).toBe(index.alertCount);
    const s = await getSearch(db, nurse, KEY, r.searchId);
    expect(s.details).toMatchObject({ givenName: 'Gwendolyn', familyName: 'Fairweather-Oduya', dateOfBirth: '1988-01-30' });
    expect(s.candidates).toEqual([]);
  });
});

describe('every search is audited without the personal data', () => {
  it('records the fields given and a keyed hash; the stored query is sealed', async () => {
    const seq = await lastSeq();
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Quennell', dateOfBirth: '1998-07-05', postcode: 'SO16 6YD' });
    const [e] = await eventsSince(seq);
    expect(e).toMatchObject({ action: 'alert.check', verb: 'R', entityType: 'PointOfCareSearch', entityId: r.searchId, actorUserId: nurse.actor.userId });
    const detail = e!.detail as { fields: string[]; queryHash: string; candidates: { alertId: string; band: string }[] };
    expect(detail.fields).toEqual(['givenName', 'familyName', 'dateOfBirth', 'postcode']);
    expect(detail.queryHash).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.candidates[0]).toMatchObject({ alertId: marisol.id, band: 'strong' });
    const raw = JSON.stringify(e);
    // Whole values only: a short digit run like "1998" turns up by chance inside the hex of a hash.
    for (const secret of ['Marisol', 'Quennell', '1998-07-05', '19980705', '05/07/1998', 'SO16', '6YD']) expect(raw).not.toContain(secret);
    const [row] = await db.select().from(pointOfCareSearches).where(eq(pointOfCareSearches.id, r.searchId));
    expect(row!.queryEnc).toBeInstanceOf(Buffer);
    expect(row!.queryEnc!.toString('latin1')).not.toContain('Marisol');
    // The same details searched again (differently written) give the same hash: repeated searching shows up.
    const seq2 = await lastSeq();
    await checkForAlert(db, nurse, index, KEY, { givenName: ' marisol ', familyName: 'QUENNELL', dateOfBirth: '1998-07-05', postcode: 'so166yd' });
    const [again] = await eventsSince(seq2);
    expect((again!.detail as { queryHash: string }).queryHash).toBe(detail.queryHash);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('a search is seen only by the person who made it', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    await expect(getSearch(db, midwife, KEY, r.searchId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getSearch(db, nurse, KEY, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('what was searched is purged after the retention period; the result is kept', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    expect(await purgeOldSearches(db, 24, new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThan(0);
    const s = await getSearch(db, nurse, KEY, r.searchId);
    expect(s.details).toBeNull();
    expect(s.candidates[0]?.alertId).toBe(marisol.id);
  });
});

describe('revealing a match', () => {
  it('needs a reason; "other" needs words; only candidates of your own search', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    expect(await fieldErrors(reveal(db, nurse, r.searchId, { alertId: marisol.id }))).toEqual({ reason: 'Select why you need to see this alert' });
    expect(await fieldErrors(reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'other', reasonOther: ' ' }))).toEqual({
      reasonOther: 'Enter why you need to see this alert',
    });
    const unrelated = await checkForAlert(db, nurse, index, KEY, { givenName: 'Gwendolyn', familyName: 'Fairweather-Oduya', dateOfBirth: '1988-01-30' });
    expect(await fieldErrors(reveal(db, nurse, unrelated.searchId, { alertId: marisol.id, reason: 'presenting' }))).toEqual({
      alertId: 'Select one of the matches your search found',
    });
    await expect(reveal(db, midwife, r.searchId, { alertId: marisol.id, reason: 'presenting' })).rejects.toBeInstanceOf(NotFoundError);
    const late = new Date(Date.now() + 13 * 3_600_000);
    expect(
      (await fieldErrors(reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'presenting' }, DEFAULT_POINT_OF_CARE_SETTINGS, late))).form,
    ).toMatch(/too old/);
  });

  it('is audited with its reason, and only then shows the action on presentation, contacts and identifiers', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    const seq = await lastSeq();
    const { revealId } = await reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'other', reasonOther: 'Ambulance crew asked' });
    const [e] = await eventsSince(seq);
    expect(e).toMatchObject({
      action: 'alert.reveal',
      entityType: 'Alert',
      entityId: marisol.id,
      reason: 'Other: Ambulance crew asked',
      actorUserId: nurse.actor.userId,
    });
    expect(e!.detail).toMatchObject({ reference: marisol.reference, searchId: r.searchId, revealId, band: 'strong' });
    // Revealing again is the same reveal, not another.
    expect((await reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'presenting' })).revealId).toBe(revealId);

    const seq2 = await lastSeq();
    const shown = await getReveal(db, nurse, revealId);
    expect(shown.content.risk.actionOnPresentation).toBe(MARISOL.action);
    expect(shown.content.risk.inHoursContact.phone).toBe('023 8083 3336');
    expect(shown.content.subject.name).toEqual({ given: 'Marisol', family: 'Quennell' });
    expect(shown.alert).toMatchObject({ reference: marisol.reference, status: 'active' });
    expect(shown.gestation?.status).toBe('pregnant');
    const [view] = await eventsSince(seq2);
    expect(view).toMatchObject({ action: 'alert.view', entityId: marisol.id, reason: 'point-of-care check (revealed match)' });
  });

  it('does not open the alert for anyone else, nor after the shift', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    const { revealId } = await reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'presenting' });
    const otherNurse = await contextFor(db, 'coordinator.qah@beacon.example');
    await expect(getReveal(db, otherNurse, revealId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getReveal(db, await contextFor(db, 'social.worker@beacon.example'), revealId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getReveal(db, nurse, revealId, DEFAULT_POINT_OF_CARE_SETTINGS, new Date(Date.now() + 13 * 3_600_000))).rejects.toThrow(/search again/);
  });
});

describe('recording the outcome', () => {
  it('not the same person: recorded and audited, nobody is told, no identities added', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Quinn', dateOfBirth: '1991-02-17' });
    const { revealId } = await reveal(db, nurse, r.searchId, { alertId: r.candidates[0]!.alertId, reason: 'presenting' });
    const jobsBefore = (await db.select().from(jobs).where(eq(jobs.type, PRESENTATION_EMAIL_JOB))).length;
    const seq = await lastSeq();
    expect(await recordOutcome(db, nurse, index, KEY, revealId, { outcome: 'not_same_person' })).toMatchObject({
      outcome: 'not_same_person',
      presentationId: null,
    });
    expect((await eventsSince(seq)).map((e) => e.action)).toEqual(['alert.check.outcome']);
    expect((await db.select().from(jobs).where(eq(jobs.type, PRESENTATION_EMAIL_JOB))).length).toBe(jobsBefore);
    expect(await db.select().from(presentations).where(eq(presentations.revealId, revealId))).toEqual([]);
    expect(await fieldErrors(recordOutcome(db, nurse, index, KEY, revealId, { outcome: 'maybe' }))).toEqual({
      outcome: 'Select whether she is the woman in this alert',
    });
  });

  it('same person: a presentation, urgent notifications, the details she gave found by the next search, an inconsistency flag — in one transaction', async () => {
    // She gives a new surname, her date of birth with day and month swapped, no address, and a due date 5 days out.
    const edd = new Date(Date.parse(`${alertEdd}T00:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
    const given = { givenName: 'Marisol', familyName: 'Brightwater', dateOfBirth: '1998-05-07', edd };
    const before = await checkForAlert(db, nurse, index, KEY, given);
    expect(before.candidates[0]).toMatchObject({ alertId: marisol.id, band: 'possible' });
    const { revealId } = await reveal(db, nurse, before.searchId, { alertId: marisol.id, reason: 'presenting' });
    const seq = await lastSeq();
    const result = await recordOutcome(db, nurse, index, KEY, revealId, {
      outcome: 'same_person',
      location: 'Majors bay 4',
      note: 'Says she is visiting family',
    });
    expect(result).toMatchObject({ outcome: 'same_person', alertId: marisol.id });

    const [p] = await db.select().from(presentations).where(eq(presentations.id, result.presentationId!));
    expect(p).toMatchObject({
      alertId: marisol.id,
      userId: nurse.actor.userId,
      organisationId: nurse.actor.organisationId,
      unitId: nurse.actor.unitId,
      placeName: 'Queen Alexandra Hospital emergency department',
      location: 'Majors bay 4',
      inconsistent: true,
    });
    expect(p!.details).toMatchObject(given);
    expect(p!.inconsistencies.map((i) => i.text)).toEqual([
      'Last name: not one recorded on the alert',
      'Date of birth: not one recorded on the alert (day and month swapped)',
    ]);
    const [rv] = await db.select().from(pointOfCareReveals).where(eq(pointOfCareReveals.id, revealId));
    expect(rv).toMatchObject({ outcome: 'same_person', outcomeNote: 'Says she is visiting family' });

    // Audited, with no personal data in the event.
    const events = await eventsSince(seq);
    expect(events.map((e) => e.action)).toEqual(['alert.presentation']);
    expect(events[0]!.detail).toMatchObject({
      presentationId: p!.id,
      reference: marisol.reference,
      inconsistentFields: ['familyName', 'dateOfBirth'],
      notified: 3,
    });
    // Ids and hashes are random hex and may hold any digits: look for details in the rest.
    expect(JSON.stringify(events[0]).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}/g, 'ID')).not.toMatch(
      /Brightwater|Marisol|1998|Majors/,
    );

    // One urgent email job per recipient: originator, approver, the originating organisation's safeguarding team.
    const emailJobs = (await db.select().from(jobs).where(eq(jobs.type, PRESENTATION_EMAIL_JOB))).filter(
      (j) => (j.payload as { presentationId: string }).presentationId === p!.id,
    );
    expect(emailJobs.map((j) => (j.payload as { to: string }).to).sort()).toEqual([
      'designated@beacon.example',
      'midwife@beacon.example',
      'uhs.safeguarding@beacon.example',
    ]);
    const sent: OutgoingMail[] = [];
    const mailer = { describe: () => 'memory', send: async (m: OutgoingMail) => void sent.push(m) };
    for (const j of emailJobs) await emailPresentation(db, mailer, 'http://beacon.test', j.payload as { presentationId: string; to: string });
    expect(sent).toHaveLength(3);
    for (const m of sent) {
      expect(m.subject).toBe(`[Beacon] URGENT: the subject of alert ${marisol.reference} has presented`);
      expect(m.text).toContain(`http://beacon.test/presentations/${p!.id}`);
      // The link's random id may contain any digits: look for details in the words around it.
      const all = `${m.subject}\n${m.text}`.replaceAll(`/presentations/${p!.id}`, '/presentations/ID');
      for (const secret of ['Marisol', 'Quennell', 'Brightwater', '1998', edd, 'SO16', '943', 'Queen Alexandra', 'Majors', 'visiting'])
        expect(all).not.toContain(secret);
    }

    // The next search with the same false details finds her strongly, through what she gave.
    const after = await checkForAlert(db, nurse, index, KEY, { givenName: 'Marisol', familyName: 'Brightwater', dateOfBirth: '1998-05-07' });
    expect(after.candidates[0]).toMatchObject({ alertId: marisol.id, band: 'strong' });
    expect(after.candidates[0]!.matchedThrough).toMatch(/^details given at Queen Alexandra Hospital emergency department on \d+ \w+ \d{4}, unverified$/);

    // Recording it again does not make a second presentation.
    expect((await recordOutcome(db, nurse, index, KEY, revealId, { outcome: 'same_person' })).presentationId).toBe(p!.id);
    expect(await db.select().from(presentations).where(eq(presentations.revealId, revealId))).toHaveLength(1);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('the owners see it (list, alert section, detail), can mark it seen; others cannot', async () => {
    expect(await unseenPresentationCount(db, midwife)).toBe(1);
    const list = await listPresentations(db, midwife);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      reference: marisol.reference,
      placeName: 'Queen Alexandra Hospital emergency department',
      inconsistent: true,
      seenAt: null,
    });
    // The approver (another organisation in the same ICB area) sees it too.
    expect((await listPresentations(db, designated)).map((p) => p.id)).toEqual([list[0]!.id]);
    expect((await presentationsForAlert(db, midwife, marisol.id)).map((p) => p.id)).toEqual([list[0]!.id]);

    const seq = await lastSeq();
    const detail = await getPresentation(db, midwife, list[0]!.id);
    expect(detail.details.map((d) => `${d.label}: ${d.value}`).slice(0, 3)).toEqual([
      'First name: Marisol',
      'Last name: Brightwater',
      'Date of birth: 7 May 1998',
    ]);
    expect(detail.details[3]?.label).toBe('Due date');
    expect(detail.unit?.inHoursPhone).toMatch(/^01632/);
    expect(detail.recorderEmail).toBe(CLINICIAN);
    expect((await eventsSince(seq)).map((e) => e.action)).toEqual(['alert.presentation.view']);

    await markPresentationSeen(db, midwife, list[0]!.id);
    expect(await unseenPresentationCount(db, midwife)).toBe(0);
    expect((await getPresentation(db, midwife, list[0]!.id)).presentation.seenByUserId).toBe(midwife.actor.userId);

    // A social worker in another organisation, and the point-of-care nurse, may not.
    const sw = await contextFor(db, 'social.worker@beacon.example');
    expect(await listPresentations(db, sw)).toEqual([]);
    await expect(getPresentation(db, sw, list[0]!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getPresentation(db, nurse, list[0]!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listPresentations(db, nurse)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(presentationsForAlert(db, nurse, marisol.id)).rejects.toBeInstanceOf(ForbiddenError);
    // An auditor reads, but does not mark seen.
    const auditor = await contextFor(db, 'auditor@beacon.example');
    expect((await getPresentation(db, auditor, list[0]!.id)).canMarkSeen).toBe(false);
  });

  it('a presentation made in one transaction is all or nothing', async () => {
    const r = await checkForAlert(db, nurse, index, KEY, { nhsNumber: '9434765919' });
    const { revealId } = await reveal(db, nurse, r.searchId, { alertId: marisol.id, reason: 'presenting' });
    const count = async () => ({
      presentations: (await db.select().from(presentations)).length,
      jobs: (await db.select().from(jobs).where(eq(jobs.type, PRESENTATION_EMAIL_JOB))).length,
      audit: await lastSeq(),
    });
    const before = await count();
    // A note too long for the form is refused before anything is written…
    expect(await fieldErrors(recordOutcome(db, nurse, index, KEY, revealId, { outcome: 'same_person', note: 'x'.repeat(1001) }))).toEqual({
      note: 'The note must be 1000 characters or fewer',
    });
    expect(await count()).toEqual(before);
    // …and a failure inside the transaction (here: the reveal's search row has lost its sealed query to a
    // key change, so it cannot be opened) leaves no presentation, no job and no audit event.
    await expect(recordOutcome(db, nurse, index, randomBytes(32), revealId, { outcome: 'same_person' })).rejects.toThrow();
    expect(await count()).toEqual(before);
    const [rv] = await db
      .select()
      .from(pointOfCareReveals)
      .where(and(eq(pointOfCareReveals.id, revealId)));
    expect(rv!.outcome).toBeNull();
  });
});

describe('how the details she gave differ from the alert', () => {
  it('names each difference without quoting the alert', async () => {
    const { compareWithAlert } = await import('./outcome');
    const { parseAlertContent } = await import('../../alerts/model');
    const { alertAbout } = await import('../../../test/support/point-of-care');
    const content = parseAlertContent(alertAbout({ ...MARISOL, previousPostcode: 'PO6 3LY' }), new Date());
    expect(
      compareWithAlert({ givenName: 'Marisol', familyName: 'Quennell', dateOfBirth: '1998-07-05', nhsNumber: '9434765919', postcode: 'SO16 6YD' }, content),
    ).toEqual([]);
    expect(
      compareWithAlert(
        { familyName: 'Ashdown', otherNames: ['Marisol Ashdown', 'Mari Q'], dateOfBirth: '1996-11-23', postcode: 'PO6 3LY', nhsNumber: '9434765870' },
        content,
      ).map((i) => i.text),
    ).toEqual([
      'Last name: gave her maiden name recorded on the alert',
      'Other names: gave a name not recorded on the alert',
      'Date of birth: gave the date of birth known to be false',
      'NHS number: not one recorded on the alert',
      'Postcode: a previous address recorded on the alert',
    ]);
    expect(compareWithAlert({ otherNames: ['Marisol Ashdown'] }, content)).toEqual([]);
    expect(compareWithAlert({ postcode: 'SO16' }, content)).toEqual([]);
    const late = new Date(Date.parse(`${content.pregnancy.edd}T00:00:00Z`) + 35 * 86_400_000).toISOString().slice(0, 10);
    expect(compareWithAlert({ edd: late }, content).map((i) => i.text)).toEqual(['Due date: 5 weeks different from the alert']);
  });
});
