import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoAssurance } from '../../src/demo/assurance';
import { createDemoPeople } from '../../src/demo/seed';
import { addMonths } from '../../src/assurance/audit-rules';
import { addDays, londonDate } from '../../src/platform/dates';
import { browserAvailable, checkAccessibility, clickAndWait, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf } from '../support/browser-session';

/**
 * The loop from audit to board, in a real browser, as Southampton's partnership: the manager records a
 * review and a recommendation (an empty form first), opens the signed-off SOP audit, a red criterion and
 * "Create an action" (pre-filled from the criterion), audits the last complete month again and signs it off,
 * adds that frozen re-audit as the action's evidence (completing it without evidence is refused first) and
 * completes it; the subgroup's chair quality-assures the recommendation, a board member signs it off, and
 * the board report shows it signed off with the evidence. axe on every page.
 */
describe.skipIf(!browserAvailable)('the review tracker in a real browser', () => {
  const b = new BrowserSession();
  beforeAll(async () => {
    await b.start();
    await seedDemoAssurance(b.db, { password: b.svc!.password, count: 40 });
    // Southampton's subgroup chair and a board member (the demo's are Hampshire's).
    await createDemoPeople(
      b.db,
      [
        { email: 'chair.soton@beacon.example', displayName: 'Sam Chair', jobTitle: 'Chair, Case Review Group', role: 'subgroup_chair', odsCode: '852' },
        { email: 'board.soton@beacon.example', displayName: 'Bea Board', jobTitle: 'Board member', role: 'board_member', odsCode: '852' },
      ],
      b.svc!.password,
    );
  }, 180_000);
  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'assurance-tracker'));
  const url = (p = '') => b.url(p);

  it('red criterion → action → frozen re-audit as evidence → QA → board sign-off → board report', async () => {
    const page = await b.newPage();
    await signIn(page, url(), 'partnership.southampton@beacon.example', b.svc!.password);

    // The review and its recommendation.
    await clickAndWait(page, page.getByRole('link', { name: 'Reviews and actions', exact: true }).first());
    await checkAccessibility(page, 'reviews');
    await clickAndWait(page, page.getByRole('button', { name: 'Record a review' }));
    await clickAndWait(page, page.getByRole('button', { name: 'Record the review' }));
    expect(await textOf(page, '.nhsuk-error-summary')).toContain('Choose the type of review');
    await checkAccessibility(page, 'record a review, with errors');
    await page.fill('#title', 'Rapid review: Baby S');
    await page.check('input[name=reviewType][value=rapid_review]');
    await page.fill('#subgroup', 'Case Review Group');
    await clickAndWait(page, page.getByRole('button', { name: 'Record the review' }));
    const reviewPath = pathOf(page);
    expect(reviewPath).toMatch(/^\/assurance\/reviews\/[0-9a-f-]{36}$/);
    await page.fill('#recommendation-text', 'The partnership should assure itself that every unit acknowledges high-risk alerts in time.');
    await clickAndWait(page, page.getByRole('button', { name: 'Add the recommendation' }));
    expect(await textOf(page, '.nhsuk-error-summary')).toContain('Choose who the recommendation is addressed to');
    await checkAccessibility(page, 'a review, recommendation with errors');
    await page.fill('#recommendation-text', 'The partnership should assure itself that every unit acknowledges high-risk alerts in time.');
    await page.check('input[name=addressees][value=board]');
    await clickAndWait(page, page.getByRole('button', { name: 'Add the recommendation' }));
    expect(await textOf(page, '.nhsuk-notification-banner')).toContain('Recommendation 1 has been added');
    await checkAccessibility(page, 'a review with a recommendation');

    // The signed-off audit, a red criterion, "Create an action".
    await clickAndWait(page, page.getByRole('link', { name: 'Audits', exact: true }).first());
    await clickAndWait(page, page.locator('main table tr', { hasText: 'Signed off' }).locator('a').first());
    const red = page.locator('main table tbody tr', { has: page.locator('.nhsuk-tag--red') }).first();
    expect(await red.count()).toBe(1);
    const criterion = (await red.locator('a').first().textContent())!.trim();
    await clickAndWait(page, red.getByRole('link', { name: /Create an action/ }));
    await checkAccessibility(page, 'create an action from a criterion');
    expect(await page.inputValue('#title')).toBe(`Improve: ${criterion}`);
    expect(await page.inputValue('#detail')).toContain('against a standard of');
    await clickAndWait(page, page.getByRole('button', { name: 'Create the action' }));
    expect(await textOf(page, '.nhsuk-error-summary')).toContain('Choose the recommendation the action answers');
    await checkAccessibility(page, 'create an action, with errors');
    const options = await page
      .locator('#recommendationId option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
    await page.selectOption('#recommendationId', options[0]!);
    await page.fill('#ownerName', 'Grace Whitfield, business manager');
    await page.fill('#dueOn', addDays(londonDate(new Date()), 60));
    await clickAndWait(page, page.getByRole('button', { name: 'Create the action' }));
    expect(pathOf(page)).toMatch(/^\/assurance\/actions\/[0-9a-f-]{36}$/);
    const actionPath = pathOf(page);
    expect(await textOf(page, 'main')).toContain('an audit criterion below its standard');
    await checkAccessibility(page, 'an action');

    // Complete needs evidence.
    await page.check('input[name=status][value=complete]');
    await clickAndWait(page, page.getByRole('button', { name: 'Save the status' }));
    expect(await textOf(page, '.nhsuk-error-summary')).toContain('Add evidence that the action worked before marking it complete');
    await checkAccessibility(page, 'an action, status with errors');

    // Audit the last complete month again and sign it off: the frozen re-audit.
    await page.goto(url('/assurance/audits/new'));
    await page.fill('#from', addMonths(`${londonDate(new Date()).slice(0, 7)}-01`, -1));
    await page.fill('#months', '1');
    await page.fill('#title', 'Re-audit after the action');
    await clickAndWait(page, page.getByRole('button', { name: 'Start the audit' }));
    await page.fill('#note', 'Case Review Group');
    await clickAndWait(page, page.getByRole('button', { name: 'Sign off and freeze' }));
    expect(await textOf(page, 'main')).toContain('Hash verified');

    // The frozen re-audit as evidence; then complete.
    await page.goto(url(actionPath));
    await page.locator('summary', { hasText: 'A signed-off (frozen) audit' }).click();
    const runOption = await page.locator('#evidence-audit_run-targetId option', { hasText: 'Re-audit after the action' }).getAttribute('value');
    await page.selectOption('#evidence-audit_run-targetId', runOption!);
    await clickAndWait(page, page.locator('#evidence-audit_run').getByRole('button', { name: 'Add this evidence' }));
    expect(await textOf(page, '.nhsuk-notification-banner')).toContain('The evidence has been added');
    expect(await textOf(page, 'main')).toContain('Audit: Re-audit after the action');
    expect(await textOf(page, 'main')).toMatch(/Snapshot SHA-256 [0-9a-f]{16}/);
    await page.check('input[name=status][value=complete]');
    await clickAndWait(page, page.getByRole('button', { name: 'Save the status' }));
    expect(await textOf(page, 'main .nhsuk-tag')).toBe('Complete');
    await checkAccessibility(page, 'a completed action with evidence');
    await page.goto(url(reviewPath));
    expect(await textOf(page, '#recommendation-1')).toContain('Ready for the subgroup’s quality assurance');

    // The subgroup's chair quality-assures; a board member signs off.
    const chair = await b.newPage();
    await signIn(chair, url(), 'chair.soton@beacon.example', b.svc!.password);
    await chair.goto(url(reviewPath));
    await checkAccessibility(chair, 'a review, for the subgroup chair');
    const qaForm = chair.locator('form[action$="/qa"]');
    await clickAndWait(chair, qaForm.getByRole('button', { name: 'Record quality assurance' }));
    expect(await textOf(chair, '.nhsuk-error-summary')).toContain('Enter where and when it was agreed');
    await checkAccessibility(chair, 'quality assurance, with errors');
    await chair.locator('form[action$="/qa"] textarea').fill('Case Review Group, this month');
    await clickAndWait(chair, chair.locator('form[action$="/qa"]').getByRole('button', { name: 'Record quality assurance' }));
    expect(await textOf(chair, '.nhsuk-notification-banner')).toContain('now goes to the board');

    const board = await b.newPage();
    await signIn(board, url(), 'board.soton@beacon.example', b.svc!.password);
    await board.goto(url(reviewPath));
    await board.locator('form[action$="/sign-off"] textarea').fill('Partnership board, this month');
    await clickAndWait(board, board.locator('form[action$="/sign-off"]').getByRole('button', { name: 'Record board sign-off' }));
    expect(await textOf(board, '#recommendation-1')).toContain('Signed off by the board');
    await checkAccessibility(board, 'a signed-off recommendation');

    // The board report: signed off, the evidence listed, the PDF.
    await clickAndWait(board, board.getByRole('link', { name: /Board report for/ }));
    expect(await textOf(board, 'main')).toContain('1 signed off by the board');
    expect(await textOf(board, 'main')).toContain('Audit: Re-audit after the action');
    await checkAccessibility(board, 'the board report');
    const pdf = await board.request.get(url(`/assurance/board-report.pdf?partnership=${new URL(board.url()).searchParams.get('partnership')}`));
    expect(pdf.status()).toBe(200);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  }, 240_000);
});
