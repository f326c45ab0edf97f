/**
 * A case is shared by every agency on it; an alert keeps its own need-to-know. These tests play the
 * insider who tries to reach alert content through a case: linking an alert they may not view (or a
 * draft, or a reference that does not exist, which must all answer the same), reading a linked alert's
 * status, presentations and reveals through the summary, details and chronology, and adding an agency
 * behind its back.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/db';
import { raiseActiveAlert, validAlertContent } from '../../test/support/alerts';
import { areaId, caseContexts, type CaseContexts, openCaseInput, openSeededDatabase, openTestCase, organisationIds } from '../../test/support/cases';
import { ValidationError } from '../platform/errors';
import { auditEvents } from '../platform/audit/schema';
import { jobs } from '../platform/jobs/schema';
import { createDraft, getAlert } from '../alerts/service';
import { UNLINKABLE_ALERT_MESSAGE } from '../alerts/access';
import { caseOrganisations } from './schema';
import { addAgency, emailAgencyAdded, getCase, linkAlert, openCase, withdrawAgency } from './service';
import { caseDetails } from './details/service';
import { caseChronology } from './chronology/service';
import { memoryMailer, PUBLIC_URL } from '../../test/support/alerts';
import { recordTestPresentation } from '../../test/support/point-of-care';

let tdb: TestDatabase;
let who: CaseContexts;
let org: Record<string, string> = {};
const db = () => tdb.db;

beforeAll(async () => {
  tdb = await openSeededDatabase();
  who = await caseContexts(tdb.db);
  org = await organisationIds(tdb.db);
});
afterAll(async () => tdb?.close());

/** A presentation of the alert at the QAH emergency department, as the point-of-care check records one. */
const presentAt = (alertId: string) => recordTestPresentation(db(), who.edNurse.actor!, alertId);

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors.alertReference;
};

describe('linking an alert to a case', () => {
  it('needs alert.view on that alert, never takes a draft, and answers one message for every refusal', async () => {
    const alert = await raiseActiveAlert(db(), who.midwife, who.designated, validAlertContent());
    const draft = await createDraft(db(), who.midwife, validAlertContent());
    // A social worker's own case, with the alert's organisation added to it: before the fix this let
    // them link the hospital's alert and read it through the case.
    const sw = await openCase(db(), who.socialWorker, await openCaseInput(db()));
    await addAgency(db(), who.socialWorker, sw.id, org.RHM!, 'She is booked at the Princess Anne');
    const messages = [
      await refusal(linkAlert(db(), who.socialWorker, sw.id, alert.reference)),
      await refusal(linkAlert(db(), who.socialWorker, sw.id, draft.reference)),
      await refusal(linkAlert(db(), who.socialWorker, sw.id, 'BCN-000000')),
      await refusal(linkAlert(db(), who.midwife, sw.id, draft.reference)), // even its author: drafts are never linked
    ];
    expect(new Set(messages)).toEqual(new Set([UNLINKABLE_ALERT_MESSAGE]));

    // The ED nurse never browses alerts, so cannot link one either, at opening or later.
    const nurseCase = await openCase(db(), who.edNurse, await openCaseInput(db(), { geographyId: await areaId(db(), 'E06000044') }));
    expect(await refusal(linkAlert(db(), who.edNurse, nurseCase.id, alert.reference))).toBe(UNLINKABLE_ALERT_MESSAGE);
    const atOpening = await openCase(db(), who.edNurse, await openCaseInput(db(), { alertReference: alert.reference })).catch((e) => e);
    expect(atOpening.fieldErrors.alertReference).toBe(UNLINKABLE_ALERT_MESSAGE);

    // The tries on the real alert are in its access history for its owners.
    const history = (await getAlert(db(), who.midwife, alert.id)).accessHistory;
    const refused = history.filter((h) => h.action === 'alert.link.refused');
    expect(refused.map((h) => h.actorUserId).sort()).toEqual([who.socialWorker.actor!.userId, who.edNurse.actor!.userId, who.edNurse.actor!.userId].sort());
    expect((await getCase(db(), who.socialWorker, sw.id)).alerts).toEqual([]);
  });

  it('at opening, takes an alert the opener may view and records the link against the alert', async () => {
    const alert = await raiseActiveAlert(db(), who.midwife, who.designated, validAlertContent());
    const opened = await openCase(db(), who.midwife, await openCaseInput(db(), { alertReference: alert.reference }));
    expect((await getCase(db(), who.midwife, opened.id)).alerts.map((a) => a.reference)).toEqual([alert.reference]);
    const history = (await getAlert(db(), who.midwife, alert.id)).accessHistory;
    expect(history.find((h) => h.action === 'alert.link')?.reason).toMatch(new RegExp(`linked to case ${opened.reference}`));
  });
});

describe('what a case shows of a linked alert', () => {
  it('shows status, presentations and reveals only to those who may view the alert, and records their reads against it', async () => {
    const alert = await raiseActiveAlert(db(), who.midwife, who.designated, validAlertContent());
    await presentAt(alert.id);
    const kase = await openTestCase(db(), who.midwife);
    await linkAlert(db(), who.midwife, kase.id, alert.reference);
    await addAgency(db(), who.midwife, kase.id, who.socialWorker.actor!.organisationId, 'Children’s social care hold the pre-birth assessment');

    // The midwife's organisation raised it: she sees it all, and each part she reads is recorded against the alert.
    const mine = await getCase(db(), who.midwife, kase.id);
    expect(mine.alerts[0]).toMatchObject({ reference: alert.reference, visible: true, status: 'active' });
    expect((await caseDetails(db(), who.midwife, kase.id)).variants).toHaveLength(1);
    const timeline = await caseChronology(db(), who.midwife, kase.id);
    expect(timeline.filter((i) => i.source === 'alert').map((i) => i.kind)).toEqual(expect.arrayContaining(['presentation', 'matched_search', 'alert_event']));
    const reads = await db()
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.entityType, 'Alert'),
          eq(auditEvents.entityId, alert.id),
          eq(auditEvents.action, 'alert.view'),
          eq(auditEvents.actorUserId, who.midwife.actor!.userId),
        ),
      );
    expect(reads.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        `seen through case ${kase.reference} (summary)`,
        `seen through case ${kase.reference} (identity details)`,
        `seen through case ${kase.reference} (chronology)`,
      ]),
    );

    // The social worker works on the case but may not view the hospital's alert: she learns one is
    // linked and whom to contact, and nothing of what it says or where the woman presented.
    const theirs = await getCase(db(), who.socialWorker, kase.id);
    expect(theirs.alerts).toHaveLength(1);
    expect(theirs.alerts[0]).toMatchObject({ visible: false, status: null, version: null, organisationName: expect.stringMatching(/Southampton/) });
    expect(theirs.alerts[0]!.contactMailboxes.length).toBeGreaterThan(0);
    expect((await caseDetails(db(), who.socialWorker, kase.id)).variants).toEqual([]);
    const theirTimeline = await caseChronology(db(), who.socialWorker, kase.id);
    expect(theirTimeline.filter((i) => i.source === 'alert')).toEqual([]);
    expect(JSON.stringify(theirTimeline)).not.toMatch(/Bay 7|Marisa|Emergency department/);
    expect(JSON.stringify(await caseDetails(db(), who.socialWorker, kase.id))).not.toMatch(/Marisa|Bay 7/);
    const noReads = await db()
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.entityType, 'Alert'),
          eq(auditEvents.entityId, alert.id),
          eq(auditEvents.action, 'alert.view'),
          eq(auditEvents.actorUserId, who.socialWorker.actor!.userId),
        ),
      );
    expect(noReads).toEqual([]);
  });
});

describe('adding an agency to a case', () => {
  it('needs a reason its staff see, tells its safeguarding team, and the agency can take itself off', async () => {
    const kase = await openTestCase(db(), who.midwife);
    const council = who.socialWorker.actor!.organisationId;
    const noReason = await addAgency(db(), who.midwife, kase.id, council, '  ').catch((e) => e);
    expect(noReason.fieldErrors.reason).toMatch(/why/i);
    expect((await db().select().from(caseOrganisations).where(eq(caseOrganisations.caseId, kase.id))).length).toBe(1);

    await addAgency(db(), who.midwife, kase.id, council, 'She has moved into the city: a pre-birth assessment is needed');
    const seen = await getCase(db(), who.socialWorker, kase.id);
    expect(seen.agencies.find((a) => a.id === council)).toMatchObject({
      reason: 'She has moved into the city: a pre-birth assessment is needed',
      addedByOrganisationName: expect.any(String),
    });

    const emails = await db().select().from(jobs).where(eq(jobs.type, 'cases.agency_added.email'));
    const mine = emails.filter((j) => (j.payload as { caseId: string }).caseId === kase.id);
    expect(mine.length).toBeGreaterThan(0);
    const mailer = memoryMailer();
    await emailAgencyAdded(db(), mailer, PUBLIC_URL, mine[0]!.payload as { caseId: string; organisationId: string; to: string });
    expect(mailer.sent[0]!.subject).toContain(kase.reference);
    expect(mailer.sent[0]!.text).not.toMatch(/Marisol|Quennell/);

    // The lead organisation cannot leave; the added one can, with a reason, and then no longer sees it.
    await expect(withdrawAgency(db(), who.midwife, kase.id, 'Not ours')).rejects.toBeInstanceOf(ValidationError);
    await expect(withdrawAgency(db(), who.socialWorker, kase.id, '')).rejects.toBeInstanceOf(ValidationError);
    await withdrawAgency(db(), who.socialWorker, kase.id, 'She has not moved: the address was a relative’s');
    await expect(getCase(db(), who.socialWorker, kase.id)).rejects.toThrow();
    const timeline = await caseChronology(db(), who.midwife, kase.id);
    expect(timeline.some((i) => /no longer working on the case/.test(i.summary))).toBe(true);
  });
});
