import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCases } from '../../src/demo/cases';
import { createDemoPeople } from '../../src/demo/seed';
import { CONCEALED_PREGNANCY_QUESTIONS } from '../../src/demo/casefile';
import { browserAvailable, checkAccessibility, clickAndWait, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf } from '../support/browser-session';

/**
 * A multi-agency case-file audit in a real browser: the partnership manager publishes a template and starts a
 * round (a bad sample size first); the trust's named midwife finds her agency's section under "Audit sections"
 * and completes it (an unanswered question first); the designated nurse moderates with one grade different
 * (the agreed grade and reason needed first); the manager sees progress and grades, records a finding, and
 * turns it into a tracker action. axe on every page.
 */
describe.skipIf(!browserAvailable)('a case-file audit in a real browser', () => {
  const b = new BrowserSession();
  beforeAll(async () => {
    await b.start();
    await seedDemoCases(b.db);
    await createDemoPeople(
      b.db,
      [{ email: 'named.midwife@beacon.example', displayName: 'Kemi Adebayo', jobTitle: 'Named midwife', role: 'designated_professional', odsCode: 'RHM' }],
      b.svc!.password,
    );
  }, 180_000);
  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'case-file-audit'));
  const url = (p = '') => b.url(p);

  it('template → round → an agency completes its section → a second auditor moderates → finding → action', async () => {
    const pm = await b.newPage();
    await signIn(pm, url(), 'partnership@beacon.example', b.svc!.password);
    await clickAndWait(pm, pm.getByRole('link', { name: 'Case-file audits', exact: true }).first());
    await checkAccessibility(pm, 'case-file audits');
    await clickAndWait(pm, pm.getByRole('button', { name: 'Write a template' }));
    await pm.fill('#title', 'Concealed pregnancy case-file audit');
    for (const [i, q] of CONCEALED_PREGNANCY_QUESTIONS.slice(0, 4).entries()) {
      await pm.fill(`#q${i + 1}-text`, q.text);
      await pm.selectOption(`#q${i + 1}-type`, q.type);
    }
    await checkAccessibility(pm, 'a template form');
    await clickAndWait(pm, pm.getByRole('button', { name: 'Save the draft' }));
    await clickAndWait(pm, pm.getByRole('button', { name: 'Publish this version' }));
    expect(await textOf(pm, 'main')).toContain('Version 1 · Published');
    await checkAccessibility(pm, 'a published template');

    await pm.goto(url('/assurance/case-file-audits/rounds/new'));
    await pm.fill('#title', 'Concealed pregnancy, test round');
    await pm.fill('#theme', 'Concealed pregnancy');
    await pm.selectOption('#templateId', { label: 'Concealed pregnancy case-file audit (version 1)' });
    await pm.fill('#sampleSize', '60');
    await clickAndWait(pm, pm.getByRole('button', { name: 'Start the round' }));
    expect(await textOf(pm, '.nhsuk-error-summary')).toContain('Sample from 1 to 50 cases');
    await checkAccessibility(pm, 'start a round, with errors');
    await pm.fill('#sampleSize', '5');
    await pm.fill('#seed', '77');
    await clickAndWait(pm, pm.getByRole('button', { name: 'Start the round' }));
    const roundPath = pathOf(pm);
    expect(await textOf(pm, '.nhsuk-notification-banner')).toContain('cases sampled');
    expect(await textOf(pm, 'main')).toContain('drawn with seed 77');
    await checkAccessibility(pm, 'a round');

    // The trust's named midwife completes her agency's section.
    const named = await b.newPage();
    await signIn(named, url(), 'named.midwife@beacon.example', b.svc!.password);
    await clickAndWait(named, named.getByRole('link', { name: 'Audit sections for your agency' }));
    await checkAccessibility(named, 'audit sections to do');
    await clickAndWait(named, named.locator('main table a').first());
    await named.check('input[name="a.q1"][value=good]');
    await clickAndWait(named, named.getByRole('button', { name: 'Save as complete' }));
    expect(await textOf(named, '.nhsuk-error-summary')).toContain('Choose a grade for');
    await checkAccessibility(named, 'a section, with errors');
    await named.check('input[name="a.q1"][value=good]');
    await named.check('input[name="a.q2"][value=requires_improvement]');
    await named.check('input[name="a.q3"][value=yes]');
    await named.check('input[name="a.q4"][value=no]');
    await clickAndWait(named, named.getByRole('button', { name: 'Save as complete' }));
    expect(await textOf(named, '.nhsuk-notification-banner')).toContain('a second auditor will moderate it');
    const sectionPath = pathOf(named);

    // The designated nurse moderates: one grade differs.
    const designated = await b.newPage();
    await signIn(designated, url(), 'designated@beacon.example', b.svc!.password);
    await designated.goto(url(sectionPath));
    await designated.check('input[name="m.q1"][value=good]');
    await designated.check('input[name="m.q2"][value=inadequate]');
    await clickAndWait(designated, designated.getByRole('button', { name: 'Record the moderation' }));
    expect(await textOf(designated, '.nhsuk-error-summary')).toContain('The grades differ on');
    await checkAccessibility(designated, 'moderation, with errors');
    await designated.check('input[name="m.q1"][value=good]');
    await designated.check('input[name="m.q2"][value=inadequate]');
    await designated.selectOption('#moderation-agreed-q2', 'requires_improvement');
    await designated.fill('#moderation-reason-q2', 'Checked against the GP record, but a day late');
    await clickAndWait(designated, designated.getByRole('button', { name: 'Record the moderation' }));
    expect(await textOf(designated, 'main table')).toContain('Differs');
    await checkAccessibility(designated, 'a moderated section');

    // The manager: progress, grades, a finding, and an action from it.
    await pm.goto(url(roundPath));
    expect(await textOf(pm, 'main')).toContain('1 grade differed');
    await pm.fill('#findings-theme', 'Demographic details checked at booking');
    await pm.fill('#findings-learning', 'Check the details she gives against the GP record at booking.');
    await clickAndWait(pm, pm.getByRole('button', { name: 'Add the finding' }));
    expect(await textOf(pm, '#findings ~ .nhsuk-card')).toContain('Demographic details checked at booking');
    await clickAndWait(pm, pm.getByRole('link', { name: /Create an action/ }).first());
    expect(await pm.inputValue('#title')).toBe('Learning: Demographic details checked at booking');
    await checkAccessibility(pm, 'an action from a finding');
  }, 240_000);
});
