import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/platform/context';
import { contextForEmail, createUser } from '../../src/people/service';
import { organisations } from '../../src/directory/schema';
import { createDemoPeople } from '../../src/demo/seed';
import { DEMO_LEARNING_PEOPLE } from '../../src/demo/directory-data';
import { learningSessions } from '../../src/learning/schema';
import { bookPlace } from '../../src/learning/booking';
import { submitEvaluation } from '../../src/learning/surveys';
import { learningTick } from '../../src/learning/notify';
import { CONFIDENCE_KEY } from '../../src/learning/model';
import { jobs } from '../../src/platform/jobs/schema';
import { browserAvailable, checkAccessibility, clickAndWait, screenshot, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf } from '../support/browser-session';

/**
 * The learning journey in a real browser, each step by the person who takes it: the training administrator
 * adds a course that needs a manager's approval and a session; the midwife names her line manager and books;
 * the manager approves; the trainer marks the register; the midwife answers the end-of-session evaluation
 * and downloads her certificate; the follow-up is sent by the scheduled job weeks later and she answers it;
 * the results page shows confidence before, at the end and weeks later. Five colleagues on the same session
 * (booked and answering through the services) make the groups big enough to be shown. axe on every page.
 */
describe.skipIf(!browserAvailable)('learning in a real browser', () => {
  const b = new BrowserSession();
  const colleagues: string[] = [];
  const bookings = new Map<string, string>();

  beforeAll(async () => {
    await b.start();
    await createDemoPeople(b.db, DEMO_LEARNING_PEOPLE, b.svc!.password);
    const [org] = await b.db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHM'));
    for (let i = 0; i < 5; i++) {
      const email = `colleague${i}@learning-browser.test`;
      await createUser(b.db, systemContext('test'), {
        email,
        displayName: `Colleague ${i}`,
        jobTitle: 'Midwife',
        organisationId: org!.id,
        role: 'point_of_care',
        unitId: '',
      });
      colleagues.push(email);
    }
  }, 120_000);

  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'learning'));

  const url = (p = '') => b.url(p);
  const text = textOf;
  const ctxOf = (email: string) => contextForEmail(b.db, email, 'learning-browser-test');
  let sessionId = '';
  let courseId = '';

  it('book → manager approves → register → evaluation → certificate → follow-up by the job → results show the change in confidence', async () => {
    // The training administrator adds the course and a session in three weeks, the demo trainer named.
    const admin = await b.newPage();
    await signIn(admin, url(), 'training@beacon.example', b.svc!.password);
    await admin.goto(url('/learning/courses/new'));
    await checkAccessibility(admin, 'add a course');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Save the course' }));
    expect(await text(admin, '.nhsuk-error-summary')).toContain('Enter');
    await checkAccessibility(admin, 'add a course, with errors');
    await admin.fill('#title', 'Disguised compliance: testing what you are told');
    await admin.fill('#summary', 'Recognising closure, flight and disguised compliance');
    await admin.fill('#outcomes', 'Recognise disguised compliance\nEscalate when nothing changes');
    for (const t of ['closure', 'flight', 'disguised_compliance']) await admin.check(`input[name=topics][value=${t}]`);
    await admin.check('input[name=format][value=in_person]');
    await admin.fill('#durationMinutes', '180');
    await admin.check('input[name=funded][value=yes]');
    await admin.check('input[name=approvalRequired][value=yes]');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Save the course' }));
    expect(pathOf(admin)).toMatch(/^\/learning\/courses\/[0-9a-f-]{36}$/);
    courseId = pathOf(admin).split('/').pop()!;
    await clickAndWait(admin, admin.getByRole('link', { name: /Add a session/ }));
    const start = new Date(Date.now() + 21 * 86_400_000);
    const day = start.toISOString().slice(0, 10);
    await admin.fill('#startDate', day);
    await admin.fill('#startTime', '09:30');
    await admin.fill('#endTime', '13:00');
    await admin.fill('#venue', 'Civic Centre, Committee Room 2');
    await admin.fill('#capacity', '12');
    await admin.fill('#trainerEmails', 'trainer@beacon.example');
    await checkAccessibility(admin, 'add a session');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Save the session' }));
    expect(pathOf(admin)).toMatch(/^\/learning\/sessions\/[0-9a-f-]{36}$/);
    sessionId = pathOf(admin).split('/').pop()!;
    await checkAccessibility(admin, 'the session, as its administrator');
    b.noProblems(admin);

    // The midwife names her line manager, then books: the place is held for the manager's approval.
    const midwife = await b.newPage();
    await signIn(midwife, url(), 'midwife@beacon.example', b.svc!.password);
    await clickAndWait(midwife, midwife.locator('.nhsuk-header__navigation-list').getByRole('link', { name: /^Training/ }));
    await checkAccessibility(midwife, 'the catalogue');
    await midwife.goto(url('/learning/my'));
    await midwife.fill('#managerEmail', 'manager@beacon.example');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Save' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('is now named as your line manager');
    await midwife.goto(url(`/learning/sessions/${sessionId}`));
    await checkAccessibility(midwife, 'a session, to book');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Book a place' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('while your line manager approves it');
    await screenshot(midwife, 'learning-booked-awaiting-approval');

    // Five colleagues book (no approval needed for them: the administrator books them) and answer the survey before the session.
    const adminCtx = await ctxOf('training@beacon.example');
    for (const email of colleagues) {
      const booked = await bookPlace(b.db, adminCtx, sessionId, { email });
      bookings.set(email, booked.id);
      await submitEvaluation(b.db, await ctxOf(email), booked.id, 'baseline', { [CONFIDENCE_KEY]: '2' });
    }

    // The manager is told in the menu, and approves.
    const manager = await b.newPage();
    await signIn(manager, url(), 'manager@beacon.example', b.svc!.password);
    const menu = manager.locator('.nhsuk-header__navigation-list').getByRole('link', { name: /^Training 1 training request to approve$/ });
    expect(await menu.count()).toBe(1);
    await manager.goto(url('/learning/approvals'));
    await checkAccessibility(manager, 'approvals');
    await clickAndWait(manager, manager.getByRole('button', { name: /^Approve Priya Shah/ }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('Approved');
    b.noProblems(manager);

    // She answers the survey before the session.
    await midwife.goto(url('/learning/my'));
    await clickAndWait(midwife, midwife.getByRole('link', { name: 'answer the survey before the session' }));
    await checkAccessibility(midwife, 'survey before the session');
    await midwife.check(`input[name=${CONFIDENCE_KEY}][value="2"]`);
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Send my answers' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('Thank you');

    // Three weeks pass: the session took place this morning.
    const began = new Date(Date.now() - 4 * 3_600_000);
    await b.db
      .update(learningSessions)
      .set({ startsAt: began, endsAt: new Date(began.getTime() + 3.5 * 3_600_000), bookingCutoffAt: null, cancellationCutoffAt: null })
      .where(eq(learningSessions.id, sessionId));

    // The trainer marks the register: everyone attended.
    const trainer = await b.newPage();
    await signIn(trainer, url(), 'trainer@beacon.example', b.svc!.password);
    await trainer.goto(url(`/learning/sessions/${sessionId}/register`));
    await checkAccessibility(trainer, 'the register');
    await trainer.check('input[name=everyone][value=attended]');
    await clickAndWait(trainer, trainer.getByRole('button', { name: 'Save the register' }));
    expect(await text(trainer, '.nhsuk-notification-banner')).toContain('6 marked');
    await screenshot(trainer, 'learning-register');
    b.noProblems(trainer);

    // The midwife answers the end-of-session evaluation; it unlocks her certificate.
    await midwife.goto(url('/learning/my'));
    await clickAndWait(midwife, midwife.getByRole('link', { name: /end of the session|at the end/i }).first());
    await checkAccessibility(midwife, 'end-of-session evaluation');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Send my answers' }));
    expect(await text(midwife, '.nhsuk-error-summary')).toContain('There is a problem');
    await checkAccessibility(midwife, 'end-of-session evaluation, with errors');
    await midwife.check('input[name=session_rating][value="5"]');
    await midwife.check(`input[name=${CONFIDENCE_KEY}][value="4"]`);
    await midwife.fill('#will_change', 'Check what I am told against what I see, and ask other agencies');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Send my answers' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('your certificate is ready');
    const certificate = midwife.getByRole('link', { name: 'Download the certificate (PDF)' });
    const pdf = await midwife.request.get(url((await certificate.getAttribute('href'))!));
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await checkAccessibility(midwife, 'your training, with the certificate');
    await screenshot(midwife, 'learning-my-training-certificate');

    // The colleagues answer too (five, so the stage's figures are shown).
    for (const [email, id] of bookings) {
      await submitEvaluation(b.db, await ctxOf(email), id, 'immediate', { session_rating: '4', [CONFIDENCE_KEY]: '4', will_change: 'Ask more questions' });
    }

    // Nine weeks on, the scheduled job sends the follow-up (an email through the outbox and a notice).
    const nineWeeksOn = new Date(Date.now() + 9 * 7 * 86_400_000);
    const tick = await learningTick(b.db, nineWeeksOn);
    expect(tick.followUps).toBe(6);
    const emails = await b.db.select({ payload: jobs.payload }).from(jobs).where(eq(jobs.type, 'learning.email'));
    expect(emails.some((j) => JSON.stringify(j.payload).includes('follow_up'))).toBe(true);
    for (const [email, id] of bookings)
      await submitEvaluation(b.db, await ctxOf(email), id, 'follow_up', {
        considering_dc: 'I test what I am told',
        [CONFIDENCE_KEY]: '3',
        used_in_practice: '0',
      });
    await midwife.goto(url('/learning/my'));
    await clickAndWait(midwife, midwife.getByRole('link', { name: /follow-up/i }).first());
    await checkAccessibility(midwife, 'follow-up survey');
    await midwife.fill('#considering_dc', 'I compare what parents tell me with what the health visitor has seen');
    await midwife.check(`input[name=${CONFIDENCE_KEY}][value="3"]`);
    await midwife.check('input[name=used_in_practice][value="0"]');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Send my answers' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('Thank you');
    b.noProblems(midwife);

    // The results: confidence before (2), at the end (4) and weeks later (3), as a chart and the same figures in a table.
    await admin.goto(url(`/learning/courses/${courseId}/results`));
    await checkAccessibility(admin, 'results');
    await screenshot(admin, 'learning-results');
    const means = await admin
      .locator('table')
      .first()
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from((tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children, (c) => (c.textContent ?? '').trim()).join(' '),
        ),
      );
    expect(means[0]).toMatch(/^Before the session 6 6 100% 2$/);
    expect(means[1]).toMatch(/^At the end of the session 6 6 100% 4$/);
    expect(means[2]).toMatch(/^Follow-up, weeks later 6 6 100% 3$/);
    expect(await admin.locator('.beacon-chart svg').count()).toBe(1);

    // The training team reads what people said they would change, and tags the answers with themes.
    await clickAndWait(admin, admin.locator('main a[href$="question=immediate.will_change"]'));
    await checkAccessibility(admin, 'free-text answers');
    const first = admin.locator('main ol > li').first();
    await first.getByRole('textbox').fill('Checks with other agencies, tests what she is told');
    await clickAndWait(admin, first.getByRole('button', { name: 'Save the themes' }));
    expect(await text(admin, '.nhsuk-notification-banner')).toContain('The themes have been saved');
    expect(await admin.locator('main ol > li').first().getByRole('textbox').inputValue()).toBe('Checks with other agencies, Tests what she is told');
    await checkAccessibility(admin, 'free-text answers, tagged');
    await screenshot(admin, 'learning-answers-themes');
    b.noProblems(admin);
    // One journey through six people and a dozen pages, each checked with axe: minutes on a busy two-core machine.
  }, 300_000);
});
