import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { SHOWCASE, seedDemoAlerts } from '../../src/demo/alerts';
import { registerIndexFor } from '../../src/identity/register-index';
import { browserAvailable, checkAccessibility, clickAndWait, screenshot, signIn, submitCheckForm } from '../support/browser';
import { BrowserSession, textOf } from '../support/browser-session';

/**
 * The first hour, as the README tells a newcomer to try it: the demo register is there, the ED nurse
 * checks a woman who gives the short form of her first name, and the strong match is the heading of the
 * page. Then the originating midwife, signed in, is told on every page that a woman with her team's
 * alert has presented. Every page is checked with axe.
 */
describe.skipIf(!browserAvailable)('the first hour in a real browser', () => {
  const b = new BrowserSession();

  beforeAll(async () => {
    await b.start();
    const database = b.svc!.service.database;
    await seedDemoAlerts(database.db, { password: b.svc!.password, key: loadConfig({ NODE_ENV: 'test' }).encryptionKey, count: 12 });
    // The running service's index hears of the new alerts by itself; rebuild so the test does not wait on it.
    await registerIndexFor(database).build(database.db);
  }, 120_000);

  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'first-hour'));

  const url = (p = '') => b.url(p);
  const text = textOf;

  it('the ED nurse checks "Becky Thornbury": a strong match, and the heading says so', async () => {
    const page = await b.newPage();
    await signIn(page, url(), 'ed.nurse@beacon.example', b.svc!.password);
    await clickAndWait(page, page.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Check for an alert' }));
    await submitCheckForm(page, SHOWCASE[0]!.search);
    expect(await text(page, 'h1')).toBe('Strong match — look at this alert now');
    expect(await page.locator('#candidate-1').getAttribute('class')).toContain('nhsuk-card--care--urgent');
    expect(await text(page, '#candidate-1 ul.nhsuk-list')).toContain('First name: a known short form or variant of the recorded name — agrees');
    expect(await text(page, 'main')).toMatch(/Checked against 1\d active alerts/);
    await checkAccessibility(page, 'first hour: strong match');
    await screenshot(page, 'first-hour-strong-match');
    b.noProblems(page);
  });

  it('the midwife whose team raised the alerts of women who presented is told on every page until she looks', async () => {
    const page = await b.newPage();
    await signIn(page, url(), 'midwife@beacon.example', b.svc!.password);
    for (const p of ['/', '/alerts', '/cases']) {
      await page.goto(url(p));
      expect(await text(page, '.beacon-urgent'), p).toMatch(/^Urgent:/);
    }
    // The menu item carries the count, and says what it counts to a screen reader.
    const menu = page.locator('.nhsuk-header__navigation-list').getByRole('link', { name: /^Presentations \d+ not seen yet$/ });
    expect(await menu.count()).toBe(1);
    await checkAccessibility(page, 'first hour: urgent banner');
    await screenshot(page, 'first-hour-urgent-banner');
    b.noProblems(page);
  });
});
