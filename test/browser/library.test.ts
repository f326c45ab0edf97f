import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPeople } from '../../src/demo/seed';
import { DEMO_LEARNING_PEOPLE } from '../../src/demo/directory-data';
import { browserAvailable, checkAccessibility, clickAndWait, screenshot, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf } from '../support/browser-session';

/**
 * The library journey in a real browser, each step by the person who takes it: the partnership manager
 * writes a spotlight briefing (with a script in it, which must stay text) and a one-question knowledge check,
 * names the midwife as reviewer and sends it for review; she comments; the manager records the approval and
 * publishes it; the public page shows it to someone signed out; the manager circulates it to the midwife's
 * trust; the midwife reads it, answers the question and confirms; the readership report counts her; a new
 * major version, published, asks her again. axe on every page.
 */
describe.skipIf(!browserAvailable)('the library in a real browser', () => {
  const b = new BrowserSession();
  beforeAll(async () => {
    await b.start();
    await createDemoPeople(b.db, DEMO_LEARNING_PEOPLE, b.svc!.password);
  }, 120_000);
  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'library'));
  const url = (p = '') => b.url(p);
  const text = textOf;

  it('draft → review → approve → publish → public page signed out → circulate → read and acknowledge → readership → a new major version asks again', async () => {
    const manager = await b.newPage();
    await signIn(manager, url(), 'partnership@beacon.example', b.svc!.password);
    await manager.goto(url('/library'));
    await checkAccessibility(manager, 'library');
    await clickAndWait(manager, manager.getByRole('link', { name: 'Write a new document' }));
    await clickAndWait(manager, manager.getByRole('button', { name: 'Start the document' }));
    expect(await text(manager, '.nhsuk-error-summary')).toContain('Choose the kind of document');
    await checkAccessibility(manager, 'new document, with errors');
    await manager.check('input[name=kind][value=briefing]');
    await manager.fill('#title', 'Spotlight briefing: flight');
    await manager.fill('#summary', 'What flight looks like and what to do when a family moves away from services.');
    await manager.check('input[name=sharedWith][value=E06000045]');
    await manager.check('input[name=topics][value=flight]');
    await manager.fill(
      '#body',
      '# Flight\n\nFamilies may **move** to avoid services. <script>document.title="pwned"</script>\n\n- Check where she is registered',
    );
    await clickAndWait(manager, manager.getByRole('button', { name: 'Start the document' }));
    expect(pathOf(manager)).toMatch(/^\/library\/versions\/[0-9a-f-]{36}\/edit$/);
    const versionId = pathOf(manager).split('/')[3]!;
    await checkAccessibility(manager, 'write a draft');
    await manager.fill('#changeSummary', 'First version.');
    await manager.fill('#reviewers', 'midwife@beacon.example');
    await manager.fill('#question1', 'What is flight?');
    await manager.fill('#question1Options', 'Moving to avoid services\nMissing one appointment');
    await manager.fill('#question1Correct', '1');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Save the draft' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('The draft has been saved');
    // The script is shown as text, never run.
    expect(await manager.title()).not.toBe('pwned');
    expect(await manager.locator('.beacon-document script').count()).toBe(0);
    expect(await text(manager, '.beacon-document')).toContain('<script>');
    await checkAccessibility(manager, 'a draft');
    // Publishing before approval is not offered; sending for review is.
    expect(await manager.getByRole('button', { name: /Publish/ }).count()).toBe(0);
    await clickAndWait(manager, manager.getByRole('button', { name: 'Send for review' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('Sent for review');

    // The named reviewer comments.
    const midwife = await b.newPage();
    await signIn(midwife, url(), 'midwife@beacon.example', b.svc!.password);
    await midwife.goto(url(`/library/versions/${versionId}`));
    await checkAccessibility(midwife, 'a version in review, as its reviewer');
    await midwife.fill('#text', 'Add what to do out of hours.');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Add your comment' }));
    expect(await text(midwife, '#comments ~ .beacon-comment')).toContain('Add what to do out of hours.');

    // The manager records the approval (an impossible date first) and publishes.
    await manager.goto(url(`/library/versions/${versionId}`));
    expect(await text(manager, '.beacon-comment')).toContain('out of hours');
    await manager.fill('#group', 'HSCP Policy and Procedures Subgroup');
    await manager.fill('#meeting', 'December meeting');
    await manager.fill('#approvedOn', '2999-01-01');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Record the approval' }));
    expect(await text(manager, '.nhsuk-error-summary')).toContain('today or in the past');
    await checkAccessibility(manager, 'approval, with errors');
    await manager.fill('#approvedOn', new Date().toISOString().slice(0, 10));
    await clickAndWait(manager, manager.getByRole('button', { name: 'Record the approval' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('approval has been recorded');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Publish version 1.0' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('Published');
    const docHref = await manager.getByRole('link', { name: 'Spotlight briefing: flight' }).first().getAttribute('href');
    const documentId = docHref!.split('/').pop()!;

    // Signed out, the public page of Southampton (which shares it) lists it and shows it, the script still text.
    const visitor = await b.newPage();
    await visitor.goto(url('/public'));
    await checkAccessibility(visitor, 'public partnerships');
    await clickAndWait(visitor, visitor.getByRole('link', { name: /Southampton safeguarding partnership/ }));
    await checkAccessibility(visitor, 'public page of a partnership');
    await clickAndWait(visitor, visitor.getByRole('link', { name: 'Spotlight briefing: flight' }));
    expect(pathOf(visitor)).toBe(`/public/E06000045/documents/${documentId}`);
    expect(await text(visitor, '.beacon-document')).toContain('Families may move to avoid services.');
    expect(await visitor.locator('.beacon-document script').count()).toBe(0);
    await checkAccessibility(visitor, 'public document');
    await screenshot(visitor, 'library-public-document');
    const pdf = await visitor.request.get(url(`/public/E06000045/documents/${documentId}.pdf`));
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const feed = await visitor.request.get(url('/public/E06000045/feed.atom'));
    expect(await feed.text()).toContain('Spotlight briefing: flight (version 1.0)');

    // The manager circulates it to the midwife's trust.
    await manager.goto(url(`/library/versions/${versionId}`));
    await clickAndWait(manager, manager.getByRole('link', { name: 'Circulate it to be read' }));
    await checkAccessibility(manager, 'circulate');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Circulate' }));
    expect(await text(manager, '.nhsuk-error-summary')).toContain('Choose who it goes to');
    await manager.getByLabel('University Hospital Southampton NHS Foundation Trust', { exact: true }).check();
    await clickAndWait(manager, manager.getByRole('button', { name: 'Circulate' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toMatch(/Circulated: \d+ people have been asked to read it/);

    // The midwife reads it, must answer the question, and confirms.
    await midwife.goto(url('/library'));
    expect(await text(midwife, '.nhsuk-header')).toContain('Library');
    await clickAndWait(midwife, midwife.getByRole('link', { name: 'Read Spotlight briefing: flight' }));
    await checkAccessibility(midwife, 'a reading task');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Confirm' }));
    expect(await text(midwife, '.nhsuk-error-summary')).toContain('Answer question 1');
    await checkAccessibility(midwife, 'a reading task, with errors');
    await midwife.getByLabel('Moving to avoid services').check();
    await midwife.getByLabel('I have read and understood this').check();
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Confirm' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('You answered 1 of 1 question correctly');

    // The readership report counts her.
    await manager.goto(url(`/library/documents/${documentId}/readership`));
    await checkAccessibility(manager, 'readership');
    await screenshot(manager, 'library-readership');
    const uhsRow = manager.locator('table:has(caption:text("By organisation")) tr', { hasText: 'University Hospital Southampton' });
    expect((await uhsRow.locator('td').allTextContents()).slice(3, 4)).toEqual(['1']);
    expect(await manager.locator('.beacon-chart svg').count()).toBe(1);

    // A new major version asks her again.
    await manager.goto(url(`/library/documents/${documentId}`));
    await manager.check('input[name=change][value=major]');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Start a new version' }));
    const v2 = pathOf(manager).split('/')[3]!;
    await manager.fill('#body', '# Flight\n\nFamilies may move to avoid services. Tell the other area the same day.');
    await manager.fill('#changeSummary', 'Tell the other area the same day.');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Save the draft' }));
    await clickAndWait(manager, manager.getByRole('button', { name: 'Send for review' }));
    await manager.fill('#group', 'HSCP Policy and Procedures Subgroup');
    await manager.fill('#meeting', 'December meeting');
    await clickAndWait(manager, manager.getByRole('button', { name: 'Record the approval' }));
    await clickAndWait(manager, manager.getByRole('button', { name: 'Publish version 2.0' }));
    expect(await text(manager, '.nhsuk-notification-banner')).toContain('Published');
    await clickAndWait(manager, manager.getByRole('link', { name: /What changed since version 1.0/ }));
    const added = (await manager.locator('.beacon-diff ins').allTextContents()).join(' ');
    for (const word of ['Tell', 'area', 'day.']) expect(added).toContain(word);
    expect((await manager.locator('.beacon-diff del').allTextContents()).join(' ')).toContain('Check where she is registered');
    await checkAccessibility(manager, 'what changed');
    await midwife.goto(url('/library'));
    const task = midwife.getByRole('link', { name: 'Read Spotlight briefing: flight' });
    await clickAndWait(midwife, task);
    expect(await text(midwife, '.nhsuk-caption-l')).toContain('version 2.0');
    expect(pathOf(midwife)).toMatch(/^\/library\/reading\//);
    expect(v2).toMatch(/[0-9a-f-]{36}/);
  }, 300_000);
});
