import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, count, desc, eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { addDays, daysBetween, londonDate } from '../../src/alerts/pregnancy';
import { partsOfInstant } from '../../src/cases/http';
import { loadCalendar } from '../../src/cases/protocol-config';
import { cases, dischargeDecisions, toxicologyTests } from '../../src/cases/schema';
import { deadlineFrom } from '../../src/platform/working-days';
import { escalations, escalationStages } from '../../src/escalations/schema';
import { formatDateTime } from '../../src/platform/http/views';
import { browserAvailable, checkAccessibility, clickAndWait, screenshot, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf, textsOf } from '../support/browser-session';

const NURSE = 'ed.nurse@beacon.example'; // point of care, Portsmouth Hospitals (RHU)
const MIDWIFE = 'midwife@beacon.example'; // safeguarding practitioner, University Hospital Southampton (RHM)
const PARTNERSHIP = 'partnership@beacon.example';
const DESIGNATED = 'designated@beacon.example';
const SOCIAL_WORKER = 'social.worker@beacon.example'; // Southampton City Council (852)
const WOMAN = { given: 'Kerensa', family: 'Tregothnan' };
const REFERRED = { given: 'Delphine', family: 'Marchbank' };

/**
 * The cases journey (issue 5) in real headless Chromium against the real service, as new users would
 * do it: an ED nurse opens a case for an unbooked woman in labour, works the checklist, sees toxicology
 * hold the discharge, records an override, holds the discharge planning meeting and raises an escalation
 * that goes to stage 2; a safeguarding midwife sees overdue milestones and answers a pattern prompt; the
 * partnership and the designated nurse see the figures. Every page state is checked with axe; screenshots
 * go to screenshots/case-*.png.
 */
describe.skipIf(!browserAvailable)('cases and escalations in a real browser', () => {
  const s = new BrowserSession();
  let nurse: Page;
  let midwife: Page;
  let caseId = '';
  let caseReference = '';
  let escalationId = '';
  let referralCaseId = '';

  beforeAll(async () => {
    await s.start();
  });
  afterAll(async () => {
    await s.stop();
  });
  afterEach(async (ctx) => {
    await s.screenshotOnFailure(ctx, 'case');
  });

  /** The error summary's links, each of which must land on an element of the page. */
  async function errorLinks(page: Page): Promise<string[]> {
    const links = page.locator('.nhsuk-error-summary__list a');
    for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      expect(href, 'an error summary link is an in-page anchor').toMatch(/^#./);
      expect(await page.locator(`[id="${href.slice(1)}"]`).count(), `the target of ${href}`).toBe(1);
    }
    return textsOf(page, '.nhsuk-error-summary__list a');
  }

  const banner = (page: Page) => textOf(page, '.nhsuk-notification-banner');
  const section = (page: Page, name: string) => page.getByRole('navigation', { name: 'Case sections' }).getByRole('link', { name, exact: true });
  const region = (page: Page, name: string) => page.getByRole('region', { name, exact: true });

  /** Fill a Beacon date + time field (day, month, year, time) found by its legend. */
  async function fillDateTime(scope: Page | Locator, legend: string, at: Date | null, time = true) {
    const parts = partsOfInstant(at);
    const group = scope.getByRole('group', { name: legend });
    await group.getByLabel('Day').fill(parts.day);
    await group.getByLabel('Month').fill(parts.month);
    await group.getByLabel('Year').fill(parts.year);
    await group.getByLabel('Time').fill(time ? parts.time : '');
  }

  async function fillDate(scope: Page | Locator, legend: string, iso: string) {
    const [year, month, day] = iso.split('-') as [string, string, string];
    const group = scope.getByRole('group', { name: legend });
    await group.getByLabel('Day').fill(String(Number(day)));
    await group.getByLabel('Month').fill(String(Number(month)));
    await group.getByLabel('Year').fill(year);
  }

  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

  it('1. the ED nurse opens a case for an unbooked woman in labour from home: empty first, then a name only', async () => {
    nurse = await s.newPage();
    await signIn(nurse, s.url(), NURSE, s.svc!.password);
    expect(await textsOf(nurse, '.nhsuk-card__heading')).toEqual(expect.arrayContaining(['Open a case', 'Cases']));
    await clickAndWait(nurse, nurse.getByRole('main').getByRole('link', { name: 'Open a case' }));
    expect(pathOf(nurse)).toBe('/cases/new');
    expect(await textOf(nurse, 'h1')).toBe('Open a case');
    // The area defaults to the nurse's own hospital's.
    expect(await nurse.getByLabel('Local authority area whose protocol applies').locator('option:checked').textContent()).toBe('Portsmouth');
    await checkAccessibility(nurse, 'open a case');
    await screenshot(nurse, 'case-open-form');

    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Open the case' }));
    expect(await nurse.title()).toMatch(/^Error: Open a case/);
    expect(await errorLinks(nurse)).toEqual([
      'Choose what kind of case this is',
      'Enter her first name, as she gave it',
      'Enter her last name, as she gave it',
    ]);
    expect(await s.db.select({ n: count() }).from(cases)).toEqual([{ n: 0 }]);
    await checkAccessibility(nurse, 'open a case with errors');
    await screenshot(nurse, 'case-open-form-errors');

    await nurse.getByLabel('Unbooked in labour').check();
    await nurse.getByLabel('First name').fill(WOMAN.given);
    await nurse.getByLabel('Last name').fill(WOMAN.family);
    await nurse.getByLabel('Local authority area whose protocol applies').selectOption({ label: 'Portsmouth' });
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Open the case' }));
    expect(pathOf(nurse)).toMatch(/^\/cases\/[0-9a-f-]{36}$/);
    caseId = pathOf(nurse).split('/')[2]!;
    expect(await banner(nurse)).toContain('The case has been opened');
    expect(await textOf(nurse, 'h1')).toBe(`${WOMAN.given} ${WOMAN.family}`);
    expect(await textOf(nurse, '.nhsuk-caption-l')).toContain('Unbooked in labour');
    expect(await textOf(nurse, '.beacon-case__meta')).toContain('Due date not known. Protocol area: Portsmouth.');
    const [row] = await s.db.select().from(cases).where(eq(cases.id, caseId));
    expect(row).toMatchObject({ classification: 'unbooked_in_labour', edd: null, displayName: `${WOMAN.given} ${WOMAN.family}` });
    caseReference = row!.reference;
    expect(await textOf(nurse, '.nhsuk-caption-l')).toContain(caseReference);
    await checkAccessibility(nurse, 'case summary');
    await screenshot(nurse, 'case-summary');
    s.noProblems(nurse);
  });

  it('2. works the unbooked-in-labour checklist: answers, a note refused when missing, who and when', async () => {
    s.current = nurse;
    await clickAndWait(nurse, section(nurse, 'Unbooked in labour'));
    expect(pathOf(nurse)).toBe(`/cases/${caseId}/labour`);
    expect(await textOf(nurse, 'h2')).toBe('Unbooked in labour');
    expect(await textOf(nurse, 'main')).toContain('7 items are still outstanding');
    await checkAccessibility(nurse, 'checklist');
    await screenshot(nurse, 'case-checklist');

    const answer = async (item: string, choice: string, note?: string) => {
      const r = region(nurse, item);
      await r.getByLabel(choice, { exact: true }).check();
      if (note !== undefined) await r.getByRole('textbox', { name: /^Note/ }).fill(note);
      await clickAndWait(nurse, r.getByRole('button', { name: `Save: ${item}` }));
    };

    await answer('Alert register checked', 'No alert found');
    expect(await banner(nurse)).toContain('Alert register checked: answer recorded');

    // "Not needed" needs a reason: refused, nothing recorded, the choice kept.
    await answer('Referral to children’s social care', 'Not needed');
    expect(await nurse.title()).toMatch(/^Error: Unbooked in labour/);
    expect(await errorLinks(nurse)).toEqual(['Enter a note: “Not needed” needs a reason']);
    expect(await region(nurse, 'Referral to children’s social care').getByLabel('Not needed', { exact: true }).isChecked()).toBe(true);
    expect(await textOf(nurse, 'main')).toContain('6 items are still outstanding');
    await checkAccessibility(nurse, 'checklist with an error');
    await screenshot(nurse, 'case-checklist-error');

    await answer('Referral to children’s social care', 'Referred', 'Portsmouth MASH, spoke to the duty social worker');
    await answer('CP-IS checked', 'Could not check', 'No NHS number yet: try again once traced');
    await answer('Toxicology offered', 'Offered: she consented');
    expect(await banner(nurse)).toContain('Toxicology offered: answer recorded');

    // The table: each answer with who recorded it; CP-IS stays outstanding.
    const rows = nurse.getByRole('table', { name: 'Checklist' }).locator('tbody tr');
    const rowOf = async (label: string) => ((await rows.filter({ hasText: label }).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(await rowOf('Alert register checked')).toMatch(/No alert found .*Jamie Lee/);
    expect(await rowOf('Referral to children’s social care')).toMatch(/Referred .*Jamie Lee/);
    expect(await rowOf('CP-IS checked')).toMatch(/Could not check Still outstanding .*Jamie Lee/);
    expect(await rowOf('GP informed')).toContain('Not done');
    expect(await textOf(nurse, 'main')).toContain('4 items are still outstanding');
    const referral = await region(nurse, 'Referral to children’s social care').textContent();
    expect(referral?.replace(/\s+/g, ' ')).toMatch(/Referred\. Done \d+ \w+ \d{4} at \d\d:\d\d, recorded by Jamie Lee on \d+ \w+ \d{4} at \d\d:\d\d\./);
    expect(referral).toContain('Note: Portsmouth MASH, spoke to the duty social worker');
    await checkAccessibility(nurse, 'checklist with answers');
    await screenshot(nurse, 'case-checklist-answered');
    s.noProblems(nurse);
  });

  it('3. discharge: a meeting decided, toxicology pending, discharge refused, an override flagged, the meeting held, the result clears the gate', async () => {
    s.current = nurse;
    // The baby is born on the unit.
    await clickAndWait(nurse, section(nurse, 'Summary'));
    await clickAndWait(nurse, nurse.getByRole('link', { name: 'Record the birth' }));
    await fillDateTime(nurse, 'Date and time of birth', minutesAgo(120));
    await checkAccessibility(nurse, 'record the birth');
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Record the birth' }));
    expect(await banner(nurse)).toContain('The birth has been recorded');

    await clickAndWait(nurse, section(nurse, 'Discharge'));
    expect(pathOf(nurse)).toBe(`/cases/${caseId}/discharge`);
    const gate = () => textOf(nurse, '#gate');
    expect(await gate()).toContain('Nobody has recorded whether a discharge planning meeting is required');
    await checkAccessibility(nurse, 'discharge');
    await screenshot(nurse, 'case-discharge');

    // A discharge planning meeting is required: who decided, and why.
    const planning = region(nurse, 'Discharge planning meeting');
    expect(await planning.getByLabel('Who decided?').inputValue()).toBe('Jamie Lee');
    await planning.getByLabel('Yes, a meeting is required').check();
    await planning.getByLabel('Who decided?').fill('Grace Okafor');
    await planning.getByLabel('Their role').fill('Maternity safeguarding lead');
    await planning.getByLabel('Reason', { exact: true }).fill('Unbooked, no antenatal care, referred to children’s social care tonight');
    await clickAndWait(nurse, planning.getByRole('button', { name: 'Save the decision' }));
    expect(await banner(nurse)).toContain('Decision on the discharge planning meeting recorded');
    expect(await textOf(nurse, '#planning .nhsuk-summary-list')).toContain('Grace Okafor, Maternity safeguarding lead');
    expect(await gate()).toContain('A discharge planning meeting is required and has not been held');

    // Toxicology on the baby's meconium: taken as part of the baby's care, so pending without consent.
    const tox = region(nurse, 'Toxicology');
    await tox.getByLabel('Baby', { exact: true }).check();
    await tox.getByLabel('Sample', { exact: true }).selectOption({ label: 'Meconium' });
    await tox.getByRole('radio', { name: /^Not needed/ }).check();
    await clickAndWait(nurse, tox.getByRole('button', { name: 'Request the test' }));
    expect(await banner(nurse)).toContain('Toxicology test recorded as pending');
    const testRow = (await textOf(nurse, '#toxicology tbody tr')).replace(/\s+/g, ' ');
    expect(testRow).toMatch(/Baby .*Meconium .*by Jamie Lee .*Pending/);
    expect(await gate()).toContain('Toxicology is still pending: baby meconium');

    // The baby's discharge without an override is refused, naming what blocks it; nothing is recorded.
    const decision = region(nurse, 'Record a discharge decision');
    await decision.getByLabel('Baby', { exact: true }).check();
    await decision.getByLabel('Where to, and with whom?').fill('Home with mother to her sister’s address, under the safety plan');
    await clickAndWait(nurse, decision.getByRole('button', { name: 'Record the discharge by override' }));
    expect(await nurse.title()).toMatch(/^Error: Discharge/);
    const [refusal] = await errorLinks(nurse);
    expect(refusal).toContain('A discharge decision cannot be recorded yet.');
    expect(refusal).toContain('A discharge planning meeting is required and has not been held.');
    expect(refusal).toContain('Toxicology is still pending: baby meconium.');
    expect(await s.db.select({ n: count() }).from(dischargeDecisions).where(eq(dischargeDecisions.caseId, caseId))).toEqual([{ n: 0 }]);
    expect(await textOf(nurse, '#decisions')).toContain('No discharge decision has been recorded.');
    // What was typed is still there.
    expect(await region(nurse, 'Record a discharge decision').getByLabel('Where to, and with whom?').inputValue()).toContain('sister’s address');
    await checkAccessibility(nurse, 'discharge refused');
    await screenshot(nurse, 'case-discharge-refused');

    // An ED nurse may record a senior clinician's override: recorded, and flagged to the safeguarding lead.
    const override = region(nurse, 'Record a discharge decision');
    await override
      .getByLabel('Why is the baby being discharged now?')
      .fill('Baby well and feeding; mother self-discharging. Meconium result delayed by the weekend; safety plan agreed with EDT.');
    await override.getByLabel('Senior clinician authorising it: name').fill('Dr Femi Adeyemi');
    await override.getByLabel('Senior clinician’s role').fill('Consultant paediatrician');
    await override.getByLabel('Social worker who was told: name').fill('Sam Whitlock, Portsmouth emergency duty team');
    await fillDateTime(override, 'When was the social worker told?', minutesAgo(15));
    await clickAndWait(nurse, override.getByRole('button', { name: 'Record the discharge by override' }));
    expect(await banner(nurse)).toContain('Discharge decision recorded by override. It has been flagged to the safeguarding lead for review');
    const card = nurse.locator('#decisions .nhsuk-card');
    expect(await card.count()).toBe(1);
    const cardText = ((await card.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(cardText).toMatch(/Baby: decided .* Override Awaiting review/);
    expect(cardText).toContain('Authorised by Dr Femi Adeyemi, Consultant paediatrician');
    expect(cardText).toContain('Social worker told Sam Whitlock, Portsmouth emergency duty team');
    expect(cardText).toMatch(/Flagged to the safeguarding lead \d+ \w+ \d{4} at \d\d:\d\d/);
    expect(cardText).toContain('Toxicology is still pending: baby meconium');
    const [stored] = await s.db.select().from(dischargeDecisions).where(eq(dischargeDecisions.caseId, caseId));
    expect(stored).toMatchObject({ gateOutcome: 'overridden', seniorClinicianName: 'Dr Femi Adeyemi', reviewedAt: null });
    expect(stored!.flaggedAt).toBeInstanceOf(Date);
    await checkAccessibility(nurse, 'discharge overridden');
    await screenshot(nurse, 'case-discharge-override');

    // The meeting: arranged for half an hour ago, held, with two agencies.
    await nurse.locator('#planning summary', { hasText: 'Arrange a discharge planning meeting' }).click();
    await fillDateTime(planning, 'When is it?', minutesAgo(30));
    await planning.getByLabel('Where (optional)').fill('Postnatal ward seminar room');
    await clickAndWait(nurse, planning.getByRole('button', { name: 'Arrange the meeting' }));
    expect(await banner(nurse)).toContain('Discharge planning meeting arranged');
    await nurse.locator('#planning summary', { hasText: 'Record that this meeting was held' }).click();
    const attendees = [
      ['Grace Okafor', 'Maternity safeguarding lead', 'Portsmouth Hospitals University NHS Trust'],
      ['Sam Whitlock', 'Social worker', 'Portsmouth City Council Children’s Services'],
    ];
    for (const [i, [name, role, agency]] of attendees.entries()) {
      await planning.getByLabel(`Attendee ${i + 1}: name`).fill(name!);
      await planning.getByLabel(`Attendee ${i + 1}: role`).fill(role!);
      await planning.getByLabel(`Attendee ${i + 1}: agency`).fill(agency!);
    }
    await planning
      .getByLabel('Decisions made')
      .fill('Baby to stay with mother at her sister’s address. Health visitor visit within 48 hours. Strategy discussion tomorrow.');
    await checkAccessibility(nurse, 'discharge: meeting held form');
    await clickAndWait(nurse, planning.getByRole('button', { name: 'Record the meeting as held' }));
    expect(await banner(nurse)).toContain('Discharge planning meeting recorded as held');
    const attended = await nurse
      .getByRole('table', { name: 'Who attended' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent?.trim())));
    expect(attended).toEqual(attendees);

    // Only toxicology holds a later decision now.
    const heldGate = await gate();
    expect(heldGate).toContain('Toxicology is still pending: baby meconium');
    expect(heldGate).not.toContain('discharge planning meeting');
    await checkAccessibility(nurse, 'discharge: meeting held');
    await screenshot(nurse, 'case-discharge-meeting-held');

    // The result comes back negative: nothing blocks a decision.
    await nurse.locator('#toxicology summary', { hasText: 'Record the result' }).click();
    await tox.getByLabel('Negative', { exact: true }).check();
    await clickAndWait(nurse, tox.getByRole('button', { name: 'Record the result', exact: true }));
    expect(await banner(nurse)).toContain('Toxicology result recorded');
    expect((await textOf(nurse, '#toxicology tbody tr')).replace(/\s+/g, ' ')).toMatch(/Resulted .*Negative/);
    expect(await gate()).toContain('Nothing is blocking a discharge decision');
    expect(await region(nurse, 'Record a discharge decision').getByRole('button', { name: 'Record the discharge decision' }).count()).toBe(1);
    const [test] = await s.db.select().from(toxicologyTests).where(eq(toxicologyTests.caseId, caseId));
    expect(test).toMatchObject({ status: 'resulted', result: 'negative' });
    await checkAccessibility(nurse, 'discharge: gate clear');
    await screenshot(nurse, 'case-discharge-clear');
    s.noProblems(nurse);
    // The longest journey of the file (six pages of forms, each checked with axe): 40 s alone, more on a busy machine.
  }, 180_000);

  it('4. raises an escalation with Portsmouth children’s services, moves it to stage 2, and an urgent skip without a reason is refused', async () => {
    s.current = nurse;
    await clickAndWait(nurse, section(nurse, 'Escalations'));
    expect(await textOf(nurse, 'main')).toContain('No escalations have been raised on this case.');
    await checkAccessibility(nurse, 'case escalations (none)');
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Raise an escalation' }));
    expect(pathOf(nurse)).toBe('/escalations/new');
    expect(await textOf(nurse, '.nhsuk-caption-l')).toContain(caseReference);
    await checkAccessibility(nurse, 'raise an escalation');

    await nurse.getByLabel('Discharge decision').check();
    await nurse
      .getByLabel('Your concern')
      .fill(
        'Children’s services say the threshold for a strategy discussion is not met before the baby goes home. We think it is: unbooked, no antenatal care, CP-IS not checkable.',
      );
    await nurse.getByLabel('What you want to happen (optional)').fill('A strategy discussion before the baby is discharged');
    await nurse.getByLabel('The agency you disagree with').selectOption({ label: "Portsmouth City Council Children's Services" });
    await nurse.getByLabel('The person you disagree with (optional)').fill('Duty senior practitioner, Portsmouth MASH');
    await screenshot(nurse, 'case-escalation-new');
    const before = Date.now();
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Raise the escalation' }));
    expect(pathOf(nurse)).toBe(`/cases/${caseId}/escalations`);
    expect(await banner(nurse)).toMatch(/Escalation ESC-\w+ raised/);
    const [esc] = await s.db.select().from(escalations).where(eq(escalations.caseId, caseId));
    expect(esc).toMatchObject({ stage: 1, status: 'open', subject: 'discharge_decision' });
    escalationId = esc!.id;
    const [stage1] = await s.db
      .select()
      .from(escalationStages)
      .where(and(eq(escalationStages.escalationId, escalationId), eq(escalationStages.stage, 1)));
    // Stage 1 is 48 hours from when it was raised.
    expect(stage1!.dueAt!.getTime() - stage1!.enteredAt.getTime()).toBe(48 * 3_600_000);
    expect(stage1!.enteredAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const row = (await textOf(nurse, 'main tbody tr')).replace(/\s+/g, ' ');
    expect(row).toContain(esc!.reference);
    expect(row).toContain('Stage 1: Practitioner to practitioner');
    expect(row).toContain(formatDateTime(stage1!.dueAt));
    await checkAccessibility(nurse, 'case escalations');
    await screenshot(nurse, 'case-escalations');

    await clickAndWait(nurse, nurse.getByRole('link', { name: esc!.reference }));
    expect(pathOf(nurse)).toBe(`/escalations/${escalationId}`);
    const summary = () => textOf(nurse, '.nhsuk-summary-list');
    expect(await summary()).toContain('Stage 1: Practitioner to practitioner');
    expect(await summary()).toContain(formatDateTime(stage1!.dueAt));
    await checkAccessibility(nurse, 'escalation at stage 1');
    await screenshot(nurse, 'case-escalation-stage-1');

    // To stage 2, with the manager who holds it now: due in 5 working days.
    await nurse.getByLabel('Stage 2: Manager to manager').check();
    await nurse.getByLabel('Who holds it now').fill('Lesley Marsh, MASH team manager');
    expect(await nurse.getByLabel('Their organisation').locator('option:checked').textContent()).toBe("Portsmouth City Council Children's Services");
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Escalate', exact: true }));
    expect(await banner(nurse)).toContain('The escalation has moved to the next stage');
    const [stage2] = await s.db
      .select()
      .from(escalationStages)
      .where(and(eq(escalationStages.escalationId, escalationId), eq(escalationStages.stage, 2)));
    expect(stage2!.dueAt!.getTime()).toBe(deadlineFrom(stage2!.enteredAt, { workingDays: 5 }, await loadCalendar(s.db)).getTime());
    expect(await summary()).toContain('Stage 2: Manager to manager');
    expect(await summary()).toContain("Lesley Marsh, MASH team manager, Portsmouth City Council Children's Services");
    expect(await summary()).toContain(formatDateTime(stage2!.dueAt));
    await checkAccessibility(nurse, 'escalation at stage 2');

    // Straight to the partnership (skipping stage 3) needs a reason: refused, still at stage 2.
    await nurse.getByLabel('Stage 4: Safeguarding partnership').check();
    await nurse.getByLabel('Who holds it now').fill('Independent chair, Portsmouth Safeguarding Children Partnership');
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Escalate', exact: true }));
    expect(await nurse.title()).toMatch(/^Error: Escalation/);
    const [skipError] = await errorLinks(nurse);
    expect(skipError).toBe('Enter why you are skipping stage 3');
    expect(await textOf(nurse, '#escalate-reason-error')).toContain(skipError!);
    expect(await nurse.getByLabel('Stage 4: Safeguarding partnership').isChecked()).toBe(true);
    expect((await s.db.select({ stage: escalations.stage }).from(escalations).where(eq(escalations.id, escalationId)))[0]!.stage).toBe(2);
    await checkAccessibility(nurse, 'escalation skip refused');
    await screenshot(nurse, 'case-escalation-skip-refused');

    // The stage history: stage 1 moved on, stage 2 in progress.
    const history = await textsOf(nurse, 'table tbody tr');
    expect(history).toHaveLength(2);
    expect(history[0]).toContain('Stage 1: Practitioner to practitioner');
    expect(history[0]).toContain('Duty senior practitioner, Portsmouth MASH');
    expect(history[0]).toContain('Escalated');
    expect(history[1]).toContain('Stage 2: Manager to manager');
    expect(history[1]).toContain('Lesley Marsh, MASH team manager');
    expect(history[1]).toContain('In progress');
    await nurse.goto(s.url(`/escalations/${escalationId}`));
    await checkAccessibility(nurse, 'escalation at stage 2 with history');
    await screenshot(nurse, 'case-escalation-stage-2');
    s.noProblems(nurse);
  });

  it('5. the safeguarding midwife opens an unborn baby protocol referral due in 8 weeks: overdue milestones, on the case and across cases', async () => {
    midwife = await s.newPage();
    await signIn(midwife, s.url(), MIDWIFE, s.svc!.password);
    await clickAndWait(midwife, midwife.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Cases' }));
    expect(await textOf(midwife, 'h1')).toBe('Cases');
    await checkAccessibility(midwife, 'cases (none)');
    await clickAndWait(midwife, midwife.getByRole('main').getByRole('button', { name: 'Open a case' }));

    const today = londonDate(new Date());
    const edd = addDays(today, 56);
    await midwife.getByLabel('Unborn baby protocol referral').check();
    await midwife.getByLabel('First name').fill(REFERRED.given);
    await midwife.getByLabel('Last name').fill(REFERRED.family);
    await fillDate(midwife, 'Due date', edd);
    await midwife.getByLabel('How was the due date worked out?').selectOption({ label: 'Dating scan' });
    expect(await midwife.getByLabel('Local authority area whose protocol applies').locator('option:checked').textContent()).toBe('Southampton');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Open the case' }));
    expect(await banner(midwife)).toContain('The case has been opened');
    referralCaseId = pathOf(midwife).split('/')[2]!;
    expect(await textOf(midwife, '.beacon-case__meta')).toContain('32+0 weeks today');

    await clickAndWait(midwife, section(midwife, 'Milestones'));
    // 16+0 was 112 days ago, 28+0 was 28 days ago.
    const referralDue = addDays(edd, -(40 - 16) * 7);
    const strategyDue = addDays(edd, -(40 - 28) * 7);
    const referralLate = daysBetween(referralDue, today);
    const strategyLate = daysBetween(strategyDue, today);
    expect([referralLate, strategyLate]).toEqual([112, 28]);
    const milestone = async (label: string) => ((await midwife.getByRole('row', { name: new RegExp(`^${label}`) }).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(await milestone('Referral to children’s social care')).toContain(`${referralLate} days overdue`);
    expect(await milestone('Strategy discussion held')).toContain(`${strategyLate} days overdue`);
    expect(await milestone('Pre-birth assessment completed')).toContain(`${strategyLate} days overdue`);
    expect(await milestone('Birth plan agreed')).not.toContain('overdue');
    expect(await milestone('Birth plan agreed')).toContain('Beacon records this from the birth plan when it happens.');
    expect(await textOf(midwife, 'main')).toMatch(/\d+ milestones are overdue\./);
    await checkAccessibility(midwife, 'milestones overdue');
    await screenshot(midwife, 'case-milestones-overdue');

    await clickAndWait(midwife, midwife.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Cases' }));
    await clickAndWait(midwife, midwife.getByRole('link', { name: 'Overdue milestones' }));
    expect(pathOf(midwife)).toBe('/cases/overdue');
    const overdue = await textsOf(midwife, 'tbody tr');
    expect(overdue.length).toBeGreaterThanOrEqual(3);
    // Longest overdue first.
    expect(overdue[0]).toContain('Referral to children’s social care');
    expect(overdue[0]).toContain(`${REFERRED.given} ${REFERRED.family}`);
    expect(overdue[0]).toMatch(new RegExp(`${referralLate}$`));
    expect(overdue.some((r) => r.includes('Strategy discussion held') && r.endsWith(` ${strategyLate}`))).toBe(true);
    // The ED nurse's case is another organisation's: not listed.
    expect(overdue.join(' ')).not.toContain(WOMAN.family);
    await checkAccessibility(midwife, 'overdue milestones');
    await screenshot(midwife, 'case-overdue');
    s.noProblems(midwife);
  });

  it('6. three missed appointments and a move in the chronology raise a pattern prompt; it is answered (text first refused)', async () => {
    s.current = midwife;
    await midwife.goto(s.url(`/cases/${referralCaseId}`));
    await clickAndWait(midwife, section(midwife, 'Chronology'));
    expect(await textOf(midwife, 'main')).toContain('No pattern prompts have been raised on this case.');
    await checkAccessibility(midwife, 'chronology');

    const today = londonDate(new Date());
    const record = async (kind: string, daysAgo: number, summary: string) => {
      await midwife.getByLabel('What happened', { exact: true }).selectOption({ label: kind });
      await fillDate(midwife, 'When it happened', addDays(today, -daysAgo));
      await midwife.getByLabel('Describe what happened').fill(summary);
      await midwife.getByLabel('Agency involved (optional)').fill('University Hospital Southampton');
      await clickAndWait(midwife, midwife.getByRole('button', { name: 'Record the entry' }));
    };
    await record('Appointment missed', 40, 'Did not attend the booking appointment at Princess Anne Hospital.');
    expect(await banner(midwife)).toContain('Entry recorded in the chronology');
    await record('Appointment missed', 26, 'Did not attend the 20-week scan. No answer on her mobile.');
    await record('Appointment missed', 12, 'Did not attend the community midwife clinic.');
    expect(await midwife.locator('.nhsuk-card--warning').count()).toBe(0);
    await record('Change of address', 5, 'Told the GP surgery she has moved in with a friend; would not give the address.');
    expect(await banner(midwife)).toContain('It completes a pattern: a prompt has been raised and needs a response');
    // The case frame and the chronology both show it.
    expect(await textOf(midwife, '.nhsuk-card--warning')).toMatch(/Pattern prompt\s*1 pattern prompt needs a response/);
    const prompt = midwife.locator('.nhsuk-card--warning').filter({ hasText: 'Missed appointments and a change of address' });
    expect(await prompt.count()).toBe(1);
    expect(await prompt.textContent()).toContain('Consider closure or flight');
    expect((await prompt.locator('ul:not(.beacon-guidance) > li').allTextContents()).length).toBe(4);
    // Guidance on each sign the entries show (no briefing is published in this test's library).
    expect(await prompt.locator('.beacon-guidance li').allTextContents()).toEqual(['Closure: no briefing published yet', 'Flight: no briefing published yet']);
    const timeline = await textsOf(midwife, '#timeline ~ table tbody tr');
    expect(timeline.filter((r) => r.includes('Appointment missed'))).toHaveLength(3);
    await checkAccessibility(midwife, 'chronology with a prompt');
    await screenshot(midwife, 'case-chronology-prompt');

    await prompt.getByLabel('Discussed with the safeguarding lead').check();
    await clickAndWait(midwife, prompt.getByRole('button', { name: 'Record your response' }));
    expect(await midwife.title()).toMatch(/^Error: Chronology/);
    expect(await errorLinks(midwife)).toEqual(['Enter what you considered and decided']);
    const again = midwife.locator('.nhsuk-card--warning').filter({ hasText: 'Missed appointments and a change of address' });
    expect(await again.getByLabel('Discussed with the safeguarding lead').isChecked()).toBe(true);
    await checkAccessibility(midwife, 'chronology prompt answer refused');
    await screenshot(midwife, 'case-chronology-prompt-error');

    await again
      .getByLabel('What you considered and decided')
      .fill(
        'Discussed with Helen Carter (designated nurse). Asked children’s social care to trace the new address; community midwife to visit the friend’s address this week.',
      );
    await clickAndWait(midwife, again.getByRole('button', { name: 'Record your response' }));
    expect(await banner(midwife)).toContain('Your response to the prompt has been recorded');
    expect(await midwife.locator('.nhsuk-card--warning').count()).toBe(0);
    const answered = midwife.locator('details', { hasText: 'Answered prompts (1)' });
    await answered.locator('summary').click();
    const answeredText = ((await answered.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(answeredText).toContain('Discussed with the safeguarding lead – Priya Shah');
    expect(answeredText).toContain('trace the new address');
    await checkAccessibility(midwife, 'chronology prompt answered');
    await screenshot(midwife, 'case-chronology-answered');
    s.noProblems(midwife);
  });

  it('7. the partnership sees the escalation figures; the designated nurse sees the override, waiting for review', async () => {
    const partnership = await s.newPage();
    await signIn(partnership, s.url(), PARTNERSHIP, s.svc!.password);
    const res = await partnership.goto(s.url('/escalations/report'));
    expect(res?.status()).toBe(200);
    expect(await textOf(partnership, 'h1')).toBe('Escalations: partnership view');
    // Hampshire's partnership: the Portsmouth escalation is not in its area.
    expect(await textOf(partnership, 'main .nhsuk-summary-list')).toMatch(/Raised\s*0/);
    await checkAccessibility(partnership, 'escalation report');
    await screenshot(partnership, 'case-escalation-report');
    s.noProblems(partnership);

    const designated = await s.newPage();
    await signIn(designated, s.url(), DESIGNATED, s.svc!.password);
    await clickAndWait(designated, designated.getByRole('main').getByRole('link', { name: 'Discharge overrides' }));
    expect(pathOf(designated)).toBe('/assurance/discharge-overrides');
    // The ICB's area takes in Portsmouth, so the RHU case's override is counted and listed.
    const totals = (await textOf(designated, 'main .nhsuk-summary-list')).replace(/\s+/g, ' ');
    expect(totals).toContain('Discharge decisions 1');
    expect(totals).toContain('Overrides of the gate 1 (100% of decisions)');
    expect(totals).toContain('Overrides not yet reviewed 1');
    const waiting = await textsOf(designated, '#unreviewed + table tbody tr');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toContain(caseReference);
    expect(waiting[0]).toContain('Portsmouth Hospitals University NHS Trust');
    expect(waiting[0]).toContain('Required discharge planning meeting not held; Toxicology results pending');
    // Counts only: no names.
    expect(await textOf(designated, 'main')).not.toContain(WOMAN.family);
    const [latest] = await s.db.select({ id: dischargeDecisions.id }).from(dischargeDecisions).orderBy(desc(dischargeDecisions.createdAt));
    expect(await designated.getByRole('link', { name: caseReference }).getAttribute('href')).toBe(`/cases/${caseId}/discharge#decision-${latest!.id}`);
    await checkAccessibility(designated, 'discharge overrides report');
    await screenshot(designated, 'case-discharge-overrides-report');
    s.noProblems(designated);
  });

  it('8. the nurse adds Southampton children’s services with a reason; their social worker sees why, then takes the council off the case', async () => {
    await nurse.goto(s.url(`/cases/${caseId}`));
    await clickAndWait(nurse, nurse.getByRole('link', { name: 'Add an agency' }));
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Add the agency' }));
    expect(await errorLinks(nurse)).toContain('Say why this agency is being added: its staff will see it');
    const council = await nurse.locator('#organisationId option', { hasText: 'Southampton City Council' }).first().getAttribute('value');
    await nurse.getByLabel('Organisation').selectOption(council!);
    await nurse.getByLabel('Why are you adding them?').fill('She says she is moving to her sister in Southampton after the birth.');
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Add the agency' }));
    expect(await banner(nurse)).toContain('The agency has been added');

    const social = await s.newPage();
    await signIn(social, s.url(), SOCIAL_WORKER, s.svc!.password);
    const opened = await social.goto(s.url(`/cases/${caseId}`));
    expect(opened?.status()).toBe(200);
    const agencies = (await textOf(social, 'main')).replace(/\s+/g, ' ');
    expect(agencies).toContain('because “She says she is moving to her sister in Southampton after the birth.”');
    await checkAccessibility(social, 'case summary with the reason an agency was added');
    await screenshot(social, 'case-agency-added');

    await clickAndWait(social, social.getByRole('link', { name: 'We are not working on this case' }));
    await clickAndWait(social, social.getByRole('button', { name: 'Take my organisation off this case' }));
    expect(await social.title()).toMatch(/^Error:/);
    await checkAccessibility(social, 'withdraw form with an error');
    await screenshot(social, 'case-withdraw-error');
    await social
      .getByLabel('Why is your organisation not working on this case?')
      .fill('Not known to us; she has not moved. Portsmouth children’s services hold the referral.');
    await clickAndWait(social, social.getByRole('button', { name: 'Take my organisation off this case' }));
    expect(await banner(social)).toContain('Your organisation is no longer working on this case');
    const gone = await social.goto(s.url(`/cases/${caseId}`));
    expect(gone?.status()).toBe(403);

    // The nurse's side sees that they left, and why.
    await nurse.goto(s.url(`/cases/${caseId}/chronology`));
    expect(await textOf(nurse, 'main')).toContain('Not known to us; she has not moved');
    s.noProblems(nurse);
  });
});
