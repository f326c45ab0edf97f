import { randomBytes } from 'node:crypto';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, type TestDatabase } from '../../../test/support/db';
import { raiseActiveAlert, validAlertContent } from '../../../test/support/alerts';
import { type CaseContext, caseContexts, openSeededDatabase, openTestCase } from '../../../test/support/cases';
import { auditEvents } from '../../platform/audit/schema';
import type { Db } from '../../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { addDays, londonDate } from '../../platform/dates';
import { RegisterIndex } from '../../identity/register-index';
import { checkForAlert, reveal } from '../../identity/point-of-care/service';
import { recordOutcome } from '../../identity/point-of-care/outcome';
import { caseEvents, caseFacts, casePrompts } from '../schema';
import { closeCase, linkAlert, recordFact, supersedeFact } from '../service';
import { caseDetails } from '../details/service';
import { answerPrompt, caseChronology, promptsForCase, recordObservation, unansweredPrompts } from './service';

let tdb: TestDatabase;
let db: Db;
let midwife: CaseContext;
let designated: CaseContext;
let nurse: CaseContext;
let socialWorker: CaseContext;
let auditor: CaseContext;
let partnership: CaseContext;
let qahCoordinator: CaseContext;

const today = () => londonDate(new Date());
const daysAgo = (n: number) => addDays(today(), -n);

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

const lastSeq = async () => Number((await db.select({ seq: sql<number>`coalesce(max(${auditEvents.seq}), 0)` }).from(auditEvents))[0]?.seq ?? 0);
const auditSince = (seq: number) => db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));
const count = async (table: typeof caseEvents | typeof casePrompts | typeof caseFacts, caseId: string) =>
  (await db.select({ id: table.id }).from(table).where(eq(table.caseId, caseId))).length;

const missed = (day: string, summary = 'Did not attend antenatal clinic') => ({ kind: 'appointment_missed', occurredAt: day, summary });

beforeAll(async () => {
  tdb = await openSeededDatabase();
  db = tdb.db;
  ({ midwife, designated, edNurse: nurse, socialWorker, auditor, partnership, qahCoordinator } = await caseContexts(db));
});
afterAll(async () => {
  await tdb?.close();
});

describe(`pattern prompts from the chronology (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('three missed appointments and a change of address within eight weeks raise exactly one prompt, on the fourth entry', async () => {
    const kase = await openTestCase(db, midwife);
    expect((await recordObservation(db, midwife, kase.id, missed(daysAgo(40)))).promptsRaised).toBe(0);
    expect((await recordObservation(db, midwife, kase.id, missed(daysAgo(30)))).promptsRaised).toBe(0);
    expect(
      (
        await recordObservation(db, midwife, kase.id, {
          ...missed(daysAgo(20)),
          professional: 'Community midwife J. Okafor',
          agency: 'University Hospital Southampton',
        })
      ).promptsRaised,
    ).toBe(0);
    expect(await count(casePrompts, kase.id)).toBe(0);

    const move = await recordObservation(db, midwife, kase.id, {
      kind: 'address_change',
      occurredAt: daysAgo(10),
      summary: 'Told the GP receptionist she has moved to Portsmouth',
    });
    expect(move.promptsRaised).toBe(1);
    const prompts = await promptsForCase(db, midwife, kase.id);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatchObject({ ruleKey: 'missed_appointments_and_move', answered: false, response: null });
    expect(prompts[0]!.prompt).toMatch(/closure or flight/i);
    expect(prompts[0]!.events.map((e) => e.kind)).toEqual(['appointment_missed', 'appointment_missed', 'appointment_missed', 'address_change']);
    expect(prompts[0]!.events.at(-1)!.id).toBe(move.id);

    const chronology = await caseChronology(db, midwife, kase.id);
    expect(chronology.filter((i) => i.kind === 'prompt_raised')).toHaveLength(1);
    const recorded = chronology.find((i) => i.id === move.id)!;
    expect(recorded).toMatchObject({
      kind: 'address_change',
      label: 'Change of address',
      indicator: 'flight',
      indicatorLabel: 'Flight',
      source: 'practitioner',
      recordedBy: midwife.actor.displayName,
      timeKnown: false,
    });
    expect(chronology.find((i) => i.summary.includes('Did not attend') && i.professional)).toMatchObject({
      professional: 'Community midwife J. Okafor',
      agency: 'University Hospital Southampton',
      indicator: 'closure',
    });

    // Entries that do not count, and the same entries again, raise nothing more.
    expect(
      (await recordObservation(db, midwife, kase.id, { kind: 'observation', occurredAt: daysAgo(5), summary: 'Phoned: she says she will come next week' }))
        .promptsRaised,
    ).toBe(0);
    expect(
      (await recordObservation(db, midwife, kase.id, { kind: 'appointment_attended', occurredAt: daysAgo(4), summary: 'Attended the scan' })).promptsRaised,
    ).toBe(0);
    expect(await count(casePrompts, kase.id)).toBe(1);

    // Answered, it stays answered; a new missed appointment is new evidence and raises it again.
    await answerPrompt(db, midwife, kase.id, prompts[0]!.id, {
      responseKind: 'discussed_with_lead',
      response: 'Discussed with Dr Patel; referral to MASH today.',
    });
    expect(
      (await recordObservation(db, midwife, kase.id, { kind: 'observation', occurredAt: daysAgo(3), summary: 'Letter sent to the new address' })).promptsRaised,
    ).toBe(0);
    expect((await recordObservation(db, midwife, kase.id, missed(daysAgo(2), 'Did not attend the 28-week appointment'))).promptsRaised).toBe(1);
    const after = await promptsForCase(db, midwife, kase.id);
    expect(after.map((p) => [p.ruleKey, p.answered])).toEqual([
      ['missed_appointments_and_move', false],
      ['missed_appointments_and_move', true],
    ]);
    expect(after[0]!.events.map((e) => e.kind)).toContain('appointment_missed');
    expect(after[0]!.events).toHaveLength(5);
  });

  it('entries recorded at the same moment are evaluated one after another: no prompt missed, none raised twice', async () => {
    const kase = await openTestCase(db, midwife);
    // Each visit after the first completes the pattern with at least one entry no prompt has covered yet.
    const results = await Promise.all(
      [8, 7, 6, 5, 4, 3].map((n) =>
        recordObservation(db, midwife, kase.id, { kind: 'no_access_visit', occurredAt: daysAgo(n), summary: `No answer at the door (${n} days ago)` }),
      ),
    );
    expect(results.map((r) => r.promptsRaised).sort()).toEqual([0, 1, 1, 1, 1, 1]);
    expect(await count(casePrompts, kase.id)).toBe(5);
  });

  it('missed appointments spread over more than eight weeks raise nothing', async () => {
    const kase = await openTestCase(db, midwife);
    await recordObservation(db, midwife, kase.id, missed(daysAgo(120)));
    await recordObservation(db, midwife, kase.id, missed(daysAgo(100)));
    await recordObservation(db, midwife, kase.id, { kind: 'address_change', occurredAt: daysAgo(10), summary: 'Moved' });
    expect((await recordObservation(db, midwife, kase.id, missed(daysAgo(9)))).promptsRaised).toBe(0);
    expect(await count(casePrompts, kase.id)).toBe(0);
  });

  it('an answer needs a kind and words; it is recorded once, on the chronology and in the audit', async () => {
    const kase = await openTestCase(db, midwife);
    await recordObservation(db, midwife, kase.id, { kind: 'no_access_visit', occurredAt: daysAgo(8), summary: 'No answer at the door; curtains drawn' });
    await recordObservation(db, midwife, kase.id, {
      kind: 'refused_to_be_seen',
      occurredAt: daysAgo(1),
      summary: 'Partner said she was asleep and would not let us in',
    });
    const [prompt] = await promptsForCase(db, midwife, kase.id);
    expect(prompt).toMatchObject({ ruleKey: 'not_seen', answered: false });

    const seq = await lastSeq();
    const eventsBefore = await count(caseEvents, kase.id);
    expect(await fieldErrors(answerPrompt(db, midwife, kase.id, prompt!.id, {}))).toEqual({
      responseKind: 'Choose what you did about this prompt',
      response: 'Enter what you considered and decided',
    });
    expect(await fieldErrors(answerPrompt(db, midwife, kase.id, prompt!.id, { responseKind: 'no_further_action', response: '   ok done   ' }))).toEqual({
      response: 'Enter what you considered and decided',
    });
    expect(await fieldErrors(answerPrompt(db, midwife, kase.id, prompt!.id, { responseKind: 'ignore', response: 'Considered carefully and decided' }))).toEqual(
      { responseKind: 'Choose what you did about this prompt' },
    );
    expect((await promptsForCase(db, midwife, kase.id))[0]!.answered).toBe(false);
    expect(await count(caseEvents, kase.id)).toBe(eventsBefore);
    expect((await auditSince(seq)).map((a) => a.action)).toEqual(['case.prompts.view']);

    await expect(
      answerPrompt(db, midwife, kase.id, '00000000-0000-4000-8000-000000000000', {
        responseKind: 'action_taken',
        response: 'Unannounced visit booked for tomorrow',
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      answerPrompt(db, socialWorker, kase.id, prompt!.id, { responseKind: 'action_taken', response: 'Unannounced visit booked for tomorrow' }),
    ).rejects.toBeInstanceOf(ForbiddenError);

    const seq2 = await lastSeq();
    await answerPrompt(db, midwife, kase.id, prompt!.id, {
      responseKind: 'action_taken',
      response: '  Unannounced joint visit with the social worker booked for tomorrow.  ',
    });
    const [answered] = await promptsForCase(db, midwife, kase.id);
    expect(answered).toMatchObject({
      answered: true,
      responseKind: 'action_taken',
      responseKindLabel: 'Action taken',
      response: 'Unannounced joint visit with the social worker booked for tomorrow.',
      respondedBy: midwife.actor.displayName,
    });
    expect(answered!.respondedAt).toBeInstanceOf(Date);
    const change = (await auditSince(seq2)).find((a) => a.action === 'case.prompt.answer');
    expect(change).toMatchObject({ entityType: 'Case', entityId: kase.id, verb: 'U' });
    const entry = (await caseChronology(db, midwife, kase.id, { kinds: ['prompt_answered'] }))[0];
    expect(entry).toMatchObject({ kind: 'prompt_answered', source: 'system', recordedBy: midwife.actor.displayName });
    expect(entry!.summary).toContain('Unannounced joint visit');

    // A second answer is refused and the first stands.
    expect(
      await fieldErrors(answerPrompt(db, midwife, kase.id, prompt!.id, { responseKind: 'no_further_action', response: 'Second thoughts about all of this' })),
    ).toEqual({
      form: `This prompt has already been answered by ${midwife.actor.displayName}. Record anything more as a new entry in the chronology.`,
    });
    expect((await promptsForCase(db, midwife, kase.id))[0]).toMatchObject({ responseKind: 'action_taken' });
  });

  it('unanswered prompts across cases: the organisation’s own cases, every case for auditors', async () => {
    const kase = await openTestCase(db, midwife, { givenName: 'Odile', familyName: 'Prentice' });
    await recordObservation(db, midwife, kase.id, {
      kind: 'agreed_action_not_done',
      occurredAt: daysAgo(20),
      summary: 'Did not register with a GP as agreed at the core group',
    });
    await recordObservation(db, midwife, kase.id, {
      kind: 'agreed_action_not_done',
      occurredAt: daysAgo(2),
      summary: 'Did not attend the parenting assessment as agreed',
    });
    const mine = await unansweredPrompts(db, midwife);
    expect(mine.filter((p) => p.caseId === kase.id)).toEqual([
      expect.objectContaining({ reference: kase.reference, displayName: 'Odile Prentice', ruleLabel: 'Agreed actions not done' }),
    ]);
    expect((await unansweredPrompts(db, socialWorker)).some((p) => p.caseId === kase.id)).toBe(false);
    expect((await unansweredPrompts(db, auditor)).some((p) => p.caseId === kase.id)).toBe(true);
    await expect(unansweredPrompts(db, partnership)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('recording an entry by hand', () => {
  it.each([
    [
      'a kind Beacon records itself',
      { kind: 'prompt_raised' },
      { kind: 'Beacon records that kind of entry itself when it happens. Choose what you saw or were told from the list' },
    ],
    [
      'an identity mismatch (recorded from the details)',
      { kind: 'identity_inconsistency' },
      { kind: 'Beacon records that kind of entry itself when it happens. Choose what you saw or were told from the list' },
    ],
    ['an unknown kind', { kind: 'gossip' }, { kind: 'Choose what happened from the list' }],
    ['no kind', { kind: undefined }, { kind: 'Choose what happened' }],
    ['no summary', { summary: '  ' }, { summary: 'Enter what happened' }],
    ['a very long summary', { summary: 'x'.repeat(2001) }, { summary: 'What happened must be 2,000 characters or fewer' }],
    ['no date', { occurredAt: '' }, { occurredAt: 'Enter the date it happened' }],
    ['a date that is not one', { occurredAt: '2026-02-30' }, { occurredAt: 'The date it happened must be a real date' }],
    ['nonsense for a time', { occurredAt: 'invalid' }, { occurredAt: 'The date it happened must be a real date, and the time like 14:30' }],
    ['tomorrow', { occurredAt: addDays(londonDate(new Date()), 1) }, { occurredAt: 'The date it happened cannot be in the future' }],
    ['an hour from now', { occurredAt: new Date(Date.now() + 3_600_000).toISOString() }, { occurredAt: 'The date it happened cannot be in the future' }],
    ['three years ago', { occurredAt: addDays(londonDate(new Date()), -3 * 366) }, { occurredAt: 'The date it happened must be within the last 2 years' }],
    ['a long agency name', { agency: 'a'.repeat(201) }, { agency: 'The agency involved must be 200 characters or fewer' }],
  ])('refuses %s and writes nothing', async (_what, patch, expected) => {
    const kase = await openTestCase(db, midwife);
    const events = await count(caseEvents, kase.id);
    const seq = await lastSeq();
    expect(
      await fieldErrors(recordObservation(db, midwife, kase.id, { kind: 'appointment_missed', occurredAt: daysAgo(1), summary: 'Did not attend', ...patch })),
    ).toEqual(expected);
    expect(await count(caseEvents, kase.id)).toBe(events);
    expect(await auditSince(seq)).toEqual([]);
  });

  it('keeps the time when one is given, and audits the entry', async () => {
    const kase = await openTestCase(db, midwife);
    const at = new Date(Date.now() - 26 * 3_600_000);
    const seq = await lastSeq();
    const { id } = await recordObservation(db, midwife, kase.id, {
      kind: 'selective_engagement',
      occurredAt: at.toISOString(),
      summary: 'Sees the midwife but will not see the social worker',
    });
    const [row] = await db.select().from(caseEvents).where(eq(caseEvents.id, id));
    expect(row).toMatchObject({
      kind: 'selective_engagement',
      source: 'practitioner',
      summary: 'Sees the midwife but will not see the social worker',
      recordedByOrganisationName: midwife.actor.organisationName,
    });
    expect(row!.occurredAt.getTime()).toBe(at.getTime());
    expect((await auditSince(seq)).map((a) => [a.action, a.entityId, (a.detail as Record<string, unknown>)?.kind])).toEqual([
      ['case.chronology.record', kase.id, 'selective_engagement'],
    ]);
  });

  it('only the agencies on the case may record, and not on a closed case', async () => {
    const kase = await openTestCase(db, midwife);
    await expect(recordObservation(db, socialWorker, kase.id, missed(daysAgo(1)))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(recordObservation(db, auditor, kase.id, missed(daysAgo(1)))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(recordObservation(db, midwife, 'not-a-case', missed(daysAgo(1)))).rejects.toBeInstanceOf(NotFoundError);
    await closeCase(db, midwife, kase.id, { reason: 'opened_in_error', note: 'Duplicate of another case' });
    expect(await fieldErrors(recordObservation(db, midwife, kase.id, missed(daysAgo(1))))).toEqual({
      form: 'This case is closed. Reopen it before recording anything more.',
    });
  });
});

describe('the timeline', () => {
  let index: RegisterIndex;
  beforeAll(async () => {
    index = new RegisterIndex({ reconcileMs: 0 });
    await index.start(db);
  });
  afterAll(async () => {
    await index?.stop();
  });

  it('shows the linked alert’s lifecycle, the searches that found her and where she presented, read from the alert', async () => {
    const kase = await openTestCase(db, midwife);
    const alert = await raiseActiveAlert(db, midwife, designated, validAlertContent());
    await linkAlert(db, midwife, kase.id, alert.reference);
    // Whether or not the notification has arrived yet, the index holds the alert before she is searched for.
    await index.refresh(db, alert.id);

    // She presents at Queen Alexandra's emergency department: the nurse searches, reveals and confirms.
    const key = randomBytes(32);
    const search = await checkForAlert(db, nurse, index, key, { givenName: 'Marisol', familyName: 'Quennell', dateOfBirth: '1998-07-14' });
    expect(search.candidates.map((c) => c.alertId)).toContain(alert.id);
    const { revealId } = await reveal(db, nurse, search.searchId, { alertId: alert.id, reason: 'presenting' });
    await recordOutcome(db, nurse, index, key, revealId, { outcome: 'same_person', location: 'Majors bay 4' });

    const seq = await lastSeq();
    const items = await caseChronology(db, midwife, kase.id);
    // The case read, and the linked alert's content shown through it, recorded against the alert.
    expect((await auditSince(seq)).map((a) => [a.action, a.entityId])).toEqual([
      ['case.chronology.view', kase.id],
      ['alert.view', alert.id],
    ]);

    const fromAlert = items.filter((i) => i.source === 'alert');
    expect(fromAlert.filter((i) => i.kind === 'alert_event').map((i) => i.summary)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`${alert.reference} approved and sent`),
        expect.stringContaining(`${alert.reference} sent for approval`),
      ]),
    );
    const approved = fromAlert.find((i) => i.summary.includes('approved'))!;
    expect(approved).toMatchObject({
      label: 'Alert changed',
      recordedBy: designated.actor.displayName,
      recordedByOrganisation: designated.actor.organisationName,
      alertReference: alert.reference,
    });
    const presented = fromAlert.find((i) => i.kind === 'presentation')!;
    expect(presented.summary).toContain('Majors bay 4');
    expect(presented.summary).toContain('same person');
    expect(presented).toMatchObject({ recordedBy: nurse.actor.displayName, recordedByOrganisation: nurse.actor.organisationName });
    const found = fromAlert.find((i) => i.kind === 'matched_search')!;
    expect(found.summary).toBe(
      `A clinician at ${nurse.actor.organisationName} revealed a possible match with alert ${alert.reference} (she is here now / presenting). They confirmed she is the woman in the alert.`,
    );
    expect(found.recordedBy).toBeNull();
    expect(items.find((i) => i.kind === 'alert_linked')).toMatchObject({ source: 'system' });

    // Newest first throughout.
    const times = items.map((i) => i.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Nothing from the alert was copied into the case.
    expect(
      (
        await db
          .select()
          .from(caseEvents)
          .where(and(eq(caseEvents.caseId, kase.id), eq(caseEvents.kind, 'presentation')))
      ).length,
    ).toBe(0);
  });

  it('filters by indicator and by kind; a bad filter is a clear error', async () => {
    const kase = await openTestCase(db, midwife);
    await recordObservation(db, midwife, kase.id, missed(daysAgo(3)));
    await recordObservation(db, midwife, kase.id, { kind: 'gp_change', occurredAt: daysAgo(2), summary: 'Registered with a practice in Portsmouth' });
    await recordObservation(db, midwife, kase.id, {
      kind: 'hostility_when_challenged',
      occurredAt: daysAgo(1),
      summary: 'Shouted when asked about the missed scan',
    });
    expect((await caseChronology(db, midwife, kase.id, { indicator: 'closure' })).map((i) => i.kind)).toEqual(['appointment_missed']);
    expect((await caseChronology(db, midwife, kase.id, { indicator: 'flight' })).map((i) => i.kind)).toEqual(['gp_change']);
    expect((await caseChronology(db, midwife, kase.id, { indicator: 'disguised_compliance' })).map((i) => i.kind)).toEqual(['hostility_when_challenged']);
    expect((await caseChronology(db, midwife, kase.id, { kinds: 'gp_change,appointment_missed' })).map((i) => i.kind)).toEqual([
      'gp_change',
      'appointment_missed',
    ]);
    expect((await caseChronology(db, midwife, kase.id, { kinds: ['case_opened'] })).map((i) => i.kind)).toEqual(['case_opened']);
    expect(await fieldErrors(caseChronology(db, midwife, kase.id, { indicator: 'sneaky' }))).toEqual({
      indicator: 'Choose closure, flight or disguised compliance, or show every entry',
    });
    expect(Object.keys(await fieldErrors(caseChronology(db, midwife, kase.id, { kinds: ['nope'] })))).toEqual(['kinds.0']);
  });

  it('is for the agencies on the case and auditors only', async () => {
    const kase = await openTestCase(db, midwife);
    await expect(caseChronology(db, socialWorker, kase.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(caseChronology(db, nurse, kase.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(promptsForCase(db, socialWorker, kase.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await caseChronology(db, auditor, kase.id)).length).toBeGreaterThan(0);
  });
});

describe('identity details with their sources', () => {
  it('a different date of birth from another source is kept beside the first, flagged, and on the chronology', async () => {
    const kase = await openTestCase(db, midwife); // date of birth 1998-07-14, self-reported
    const r = await recordFact(db, midwife, kase.id, {
      field: 'date_of_birth',
      value: { date: '1996-11-23' },
      source: 'other_agency',
      sourceDetail: 'Portsmouth children’s services',
      sourceDate: today(),
    });
    expect(r.inconsistent).toBe(true);

    const details = await caseDetails(db, midwife, kase.id);
    expect(details.inconsistencies).toHaveLength(1);
    expect(details.inconsistencies[0]).toMatchObject({ subject: 'mother', field: 'date_of_birth', label: 'Date of birth' });
    expect(details.inconsistencies[0]!.values.map((v) => [v.text, v.sources])).toEqual(
      expect.arrayContaining([
        ['14 July 1998', ['Self-reported']],
        ['23 November 1996', ['Reported by another agency']],
      ]),
    );
    const dob = details.current.find((s) => s.subject === 'mother')!.fields.find((f) => f.field === 'date_of_birth')!;
    expect(dob.values.map((v) => [v.text, v.inconsistent])).toEqual([
      ['23 November 1996', true],
      ['14 July 1998', true],
    ]);
    expect(dob.values[0]).toMatchObject({
      sourceDetail: 'Portsmouth children’s services',
      recordedBy: midwife.actor.displayName,
      recordedByOrganisation: midwife.actor.organisationName,
    });
    const flagged = (await caseChronology(db, midwife, kase.id, { kinds: ['identity_inconsistency'] }))[0];
    expect(flagged?.summary).toMatch(/Date of birth differs between sources/);

    // The self-reported one was wrong: marking it resolves the inconsistency, and both stay in the history.
    const wrong = dob.values.find((v) => v.text === '14 July 1998')!;
    await expect(supersedeFact(db, midwife, kase.id, wrong.id, '  ')).rejects.toBeInstanceOf(ValidationError);
    await supersedeFact(db, midwife, kase.id, wrong.id, 'PDS trace and passport both give 23 November 1996');
    const after = await caseDetails(db, midwife, kase.id);
    expect(after.inconsistencies).toEqual([]);
    expect(after.current[0]!.fields.find((f) => f.field === 'date_of_birth')!.values.map((v) => v.text)).toEqual(['23 November 1996']);
    expect(after.history.filter((h) => h.field === 'date_of_birth').map((h) => [h.text, h.current, h.supersededReason, h.supersededBy])).toEqual([
      ['23 November 1996', true, null, null],
      ['14 July 1998', false, 'PDS trace and passport both give 23 November 1996', midwife.actor.displayName],
    ]);
  });

  it('bad input changes nothing', async () => {
    const kase = await openTestCase(db, midwife);
    const facts = await count(caseFacts, kase.id);
    const events = await count(caseEvents, kase.id);
    const seq = await lastSeq();
    expect(
      await fieldErrors(
        recordFact(db, midwife, kase.id, { field: 'nhs_number', value: { number: '943 476 5918' }, source: 'pds_verified', sourceDate: daysAgo(1) }),
      ),
    ).toEqual({
      'value.number': 'Enter a valid NHS number: the last digit (the check digit) does not match',
    });
    expect(
      await fieldErrors(recordFact(db, midwife, kase.id, { field: 'address', value: { line: '2 Mill Road' }, source: 'other_agency', sourceDate: daysAgo(1) })),
    ).toEqual({ sourceDetail: 'Enter which agency reported this detail' });
    expect(await count(caseFacts, kase.id)).toBe(facts);
    expect(await count(caseEvents, kase.id)).toBe(events);
    expect(await auditSince(seq)).toEqual([]);
  });

  it('another organisation’s staff can neither see nor change them', async () => {
    const kase = await openTestCase(db, midwife);
    await expect(caseDetails(db, qahCoordinator, kase.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(caseDetails(db, socialWorker, kase.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      recordFact(db, socialWorker, kase.id, { field: 'phone', value: { number: '07700 900123' }, source: 'self_reported', sourceDate: daysAgo(1) }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const fact = (await caseDetails(db, midwife, kase.id)).history[0]!;
    await expect(supersedeFact(db, qahCoordinator, kase.id, fact.id, 'Not right')).rejects.toBeInstanceOf(ForbiddenError);
  });
});
