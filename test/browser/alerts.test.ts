import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/server';
import { addDays, formatDate, londonDate } from '../../src/alerts/pregnancy';
import { browserAvailable, checkAccessibility, clickAndWait, launchBrowser, screenshot, signIn } from '../support/browser';
import { startTestService, type TestService } from '../support/server';

const EXPECTED_CONSOLE_ERRORS = [/Failed to load resource: the server responded with a status of (400|401|403|404)/];

/**
 * The alert register in real headless Chromium against the running service, as the issue says it will
 * be checked: a safeguarding midwife raises an alert with a photograph step by step, a designated
 * professional in another organisation approves it, coordinators of two units in scope acknowledge it,
 * the midwife checks the grid, updates the alert and stands it down. Every kind of page is checked with
 * axe, and screenshots go to screenshots/alert-*.png.
 */
describe.skipIf(!browserAvailable)('alerts in a real browser', () => {
  let svc: TestService | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();
  let mailDir = '';
  let current: Page | undefined;

  // Shared between steps.
  let midwife: Page;
  let alertUrl = '';
  let reference = '';
  const today = londonDate(new Date());
  const edd = addDays(today, 70);

  beforeAll(async () => {
    const [s, b] = await Promise.allSettled([startTestService(), launchBrowser()]);
    if (s.status === 'fulfilled') svc = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-alert-mail-'));
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await svc?.stop();
    if (mailDir) fs.rmSync(mailDir, { recursive: true, force: true });
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && current && !current.isClosed()) {
      await screenshot(current, `failed-alert-${ctx.task.name.slice(0, 40)}`).catch(() => undefined);
    }
  });

  const url = (p = '') => `${svc!.url}${p}`;

  /** The service runs without its worker in tests: run the jobs (fan-out, emails) now. */
  async function runWorker() {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DATA_DIR: mailDir, BEACON_WORKER: 'false' });
    await createWorker(svc!.service.database, config, pino({ level: 'silent' })).drain();
  }

  async function newPage(opts: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    current = page;
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('pageerror', (err) => seen.push(`script error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || EXPECTED_CONSOLE_ERRORS.some((re) => re.test(msg.text()))) return;
      if (!seen.includes(`console: ${msg.text()}`)) seen.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.request().resourceType() !== 'document' && res.status() >= 400) seen.push(`${res.status()} for ${res.url()}`);
    });
    return page;
  }

  async function signedIn(email: string, opts: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(opts);
    await signIn(page, url(), email, svc!.password);
    return page;
  }

  const noProblems = (page: Page) => expect(problems.get(page) ?? [], 'script errors, CSP violations or missing assets').toEqual([]);
  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const texts = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  const errorSummary = (page: Page) => texts(page, '.nhsuk-error-summary__list a');
  const h1 = (page: Page) => text(page, 'h1');
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const link = (page: Page, name: string) => page.getByRole('link', { name, exact: true });
  const saveAndContinue = (page: Page) => clickAndWait(page, button(page, 'Save and continue'));

  async function errorLinksLand(page: Page) {
    const hrefs = await page.locator('.nhsuk-error-summary__list a').evaluateAll((as) => as.map((a) => a.getAttribute('href') as string));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(await page.locator(href).count(), `error summary link ${href} has a target`).toBe(1);
  }

  async function fillDate(page: Page, id: string, iso: string) {
    const [y, m, d] = iso.split('-');
    await page.locator(`#${id}-day`).fill(String(Number(d)));
    await page.locator(`#${id}-month`).fill(String(Number(m)));
    await page.locator(`#${id}-year`).fill(y!);
  }

  it('a safeguarding midwife starts an alert; a step with errors explains each one', async () => {
    midwife = await signedIn('midwife@beacon.example');
    expect(await texts(midwife, '.nhsuk-card__heading')).toEqual(expect.arrayContaining(['Raise an alert', "Your organisation's alerts"]));
    await clickAndWait(midwife, link(midwife, 'Raise an alert'));
    expect(await h1(midwife)).toBe('Raise a high-risk alert');
    await checkAccessibility(midwife, 'raise an alert (start)');
    await clickAndWait(midwife, button(midwife, 'Start now'));
    expect(pathOf(midwife)).toMatch(/^\/alerts\/[0-9a-f-]{36}\/steps\/name$/);
    alertUrl = url(pathOf(midwife).replace(/\/steps\/name$/, ''));
    reference = (await text(midwife, '.nhsuk-caption-l')).replace(/^Alert (BCN-\w+).*$/, '$1');
    expect(reference).toMatch(/^BCN-[0-9A-Z]{6}$/);

    await saveAndContinue(midwife);
    expect(await midwife.title()).toMatch(/^Error: Her name/);
    expect(await errorSummary(midwife)).toEqual(['Enter her first name', 'Enter her last name']);
    await errorLinksLand(midwife);
    await checkAccessibility(midwife, 'journey step with errors');
    await screenshot(midwife, 'alert-step-with-errors');

    await midwife.locator('#subject-name-given').fill('Kerry');
    await midwife.locator('#subject-name-family').fill('Marsh');
    await midwife.locator('#subject-otherNames-0-name-given').fill('Kez');
    await clickAndWait(midwife, button(midwife, 'Add another name'));
    await midwife.locator('#subject-otherNames-1-kind').selectOption('maiden');
    await midwife.locator('#subject-otherNames-1-name-family').fill('Doyle');
    await saveAndContinue(midwife);
    expect(await h1(midwife)).toBe('Date of birth and NHS number');
    noProblems(midwife);
  });

  it('she enters identifiers, contact details and a description, saving at each step', async () => {
    current = midwife;
    // A wrong check digit is caught on the step, with the date of birth kept as typed.
    await fillDate(midwife, 'subject-datesOfBirth-0-value', '1998-03-27');
    await midwife.locator('#subject-nhsNumbers-0-value').fill('943 476 5910');
    await saveAndContinue(midwife);
    expect(await errorSummary(midwife)).toEqual(['The NHS number 943 476 5910 is not valid: check the last digit']);
    expect(await midwife.locator('#subject-datesOfBirth-0-value-year').inputValue()).toBe('1998');
    await midwife.locator('#subject-nhsNumbers-0-value').fill('943 476 5919');
    await midwife.locator('#subject-nhsNumbers-0-verification').selectOption('pds_trace');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('Addresses and telephone numbers');
    await midwife.locator('#subject-addresses-0-address').fill('12 Example Road\nSouthampton');
    await midwife.locator('#subject-addresses-0-postcode').fill('so16 6yd');
    await midwife.locator('#subject-phones-0-number').fill('07700 900123');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('What she looks like');
    await midwife.locator('#subject-physicalDescription').fill('Tall, short red hair, tattoo of a swallow on the left wrist.');
    await saveAndContinue(midwife);
    expect(await h1(midwife)).toBe('Photographs');
    noProblems(midwife);
  });

  it('she uploads a photograph, and a file that is not one is refused', async () => {
    current = midwife;
    await midwife.locator('input[type=file][name=photo]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photograph') });
    await clickAndWait(midwife, button(midwife, 'Upload photograph'));
    expect(await errorSummary(midwife)).toEqual(['The photograph must be a JPG or PNG']);
    await errorLinksLand(midwife);

    const photo = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#8a4b2d' } })
      .png()
      .toBuffer();
    await midwife.locator('input[type=file][name=photo]').setInputFiles({ name: 'kerry.png', mimeType: 'image/png', buffer: photo });
    await midwife.locator('#caption').fill('Taken at a home visit, March');
    await clickAndWait(midwife, button(midwife, 'Upload photograph'));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('Photograph added');
    const img = midwife.locator('.beacon-photos img');
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await checkAccessibility(midwife, 'photographs step');
    await screenshot(midwife, 'alert-photographs');
    await clickAndWait(midwife, button(midwife, 'Continue'));
    expect(await h1(midwife)).toBe('Associated people');
    noProblems(midwife);
  });

  it('she records the partner, the pregnancy, the risk and the action on presentation', async () => {
    current = midwife;
    await midwife.locator('#associatedPeople-0-relationship').fill('Partner');
    await midwife.locator('#associatedPeople-0-name-given').fill('Dean');
    await midwife.locator('#associatedPeople-0-name-family').fill('Marsh');
    await midwife.locator('#associatedPeople-0-notesOnRisk').fill('Has threatened staff before.');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('The pregnancy');
    await fillDate(midwife, 'pregnancy-edd', edd);
    await midwife.getByLabel('Not booked', { exact: true }).check();
    await midwife.getByLabel('Concealed pregnancy', { exact: true }).check();
    await midwife.getByLabel('Child protection plan shown on CP-IS', { exact: true }).check();
    await fillDate(midwife, 'pregnancy-cpis-checkedAt', today);
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('Why the alert is needed');
    await midwife.getByLabel('Likely to evade child protection processes', { exact: true }).check();
    await midwife.getByRole('checkbox', { name: 'Risk to staff', exact: true }).check();
    await midwife.locator('#risk-reason').fill('Previous baby removed at birth. She has left two areas before an assessment could be made.');
    await midwife.locator('#risk-riskToStaff').fill('Partner has threatened midwives.');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('What staff must do if she presents');
    await midwife.locator('#risk-actionOnPresentation').fill('Do not discharge the baby before speaking to the on-call social worker.');
    await midwife.locator('#risk-inHoursContact-name').fill("Southampton children's resource service");
    await midwife.locator('#risk-inHoursContact-phone').fill('023 8083 3336');
    await midwife.locator('#risk-outOfHoursContact-name').fill('Southampton emergency duty team');
    await midwife.locator('#risk-outOfHoursContact-phone').fill('023 8023 3344');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('Lawful basis for sharing');
    await midwife.locator('#lawfulBasis').check();
    await saveAndContinue(midwife);
    noProblems(midwife);
  });

  it('she chooses the distribution with a reason, checks her answers and submits', async () => {
    current = midwife;
    expect(await h1(midwife)).toBe('Who should receive the alert');
    await midwife.getByLabel('ICB area (county)', { exact: true }).check();
    // The usual unit types are already chosen; this alert goes to maternity units only.
    for (const t of ['Emergency department', 'Birth centre', 'Ambulance control room']) await midwife.getByLabel(t, { exact: true }).uncheck();
    await saveAndContinue(midwife);
    expect(await errorSummary(midwife)).toEqual(['Enter why the alert needs to go this widely']);
    await midwife.locator('#distribution-scopeReason').fill('She has family in Portsmouth and on the Isle of Wight.');
    await saveAndContinue(midwife);

    // The next step asks only what the chosen scope needs: which ICB area.
    expect(await h1(midwife)).toBe('Where to send it');
    expect(await midwife.locator('#distribution-regionCode').count()).toBe(0);
    await saveAndContinue(midwife);
    expect(await errorSummary(midwife)).toEqual(['Select the ICB area (county) to send the alert to']);
    await errorLinksLand(midwife);
    await midwife.locator('#distribution-icbCode').selectOption('QRL');
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('Review date');
    expect(await text(midwife, '#reviewDate-hint')).toContain(formatDate(addDays(edd, 42)));
    await saveAndContinue(midwife);

    expect(await h1(midwife)).toBe('Check your answers before submitting the alert');
    const summary = await text(midwife, 'main');
    expect(summary).toContain('Kerry Marsh');
    expect(summary).toContain('943 476 5919 – Verified by a national demographic (PDS) trace');
    expect(summary).toContain('SO16 6YD');
    expect(summary).toContain('1 added');
    expect(await midwife.locator('.beacon-check-heading .nhsuk-tag').count()).toBe(0);
    await checkAccessibility(midwife, 'check your answers');
    await screenshot(midwife, 'alert-check-answers');

    // Change an answer and come back here.
    await clickAndWait(midwife, midwife.locator('a[href*="/steps/description"]').first());
    await midwife.locator('#subject-physicalDescription').fill('Tall, short red hair.');
    await saveAndContinue(midwife);
    expect(await h1(midwife)).toBe('Check your answers before submitting the alert');
    expect(await text(midwife, 'main')).toContain('Tall, short red hair.');

    await clickAndWait(midwife, button(midwife, 'Submit for approval'));
    expect(midwife.url()).toMatch(new RegExp(`^${alertUrl}\\?done=submitted&ds=`));
    expect(await text(midwife, 'h1 .nhsuk-tag')).toBe('Waiting for approval');
    await checkAccessibility(midwife, 'alert page (submitted)');
    noProblems(midwife);
  });

  it('a designated professional in another organisation approves it from the queue', async () => {
    const designated = await signedIn('designated@beacon.example');
    await clickAndWait(designated, designated.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Approvals' }));
    expect(await h1(designated)).toBe('Alerts to approve');
    await checkAccessibility(designated, 'approvals');
    await screenshot(designated, 'alert-approvals');
    await clickAndWait(designated, link(designated, reference));
    expect(await text(designated, '.nhsuk-card--warning')).toContain('Do not discharge the baby before speaking to the on-call social worker.');
    await clickAndWait(designated, button(designated, 'Approve and send'));
    expect(await h1(designated)).toBe('Approve and send this alert');
    await checkAccessibility(designated, 'approve');
    await clickAndWait(designated, button(designated, 'Approve and send'));
    expect(await text(designated, '.nhsuk-notification-banner')).toContain('approved');
    expect(await text(designated, 'h1 .nhsuk-tag')).toBe('Active');
    noProblems(designated);
  });

  it('the worker sends it; the Princess Anne coordinator acknowledges it from the inbox', async () => {
    await runWorker();
    const mail = fs.readdirSync(path.join(mailDir, 'mail'));
    expect(mail.length).toBeGreaterThanOrEqual(5);
    const pah = await signedIn('coordinator.pah@beacon.example');
    await clickAndWait(pah, pah.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Inbox' }));
    expect(await h1(pah)).toBe("Your unit's alert inbox");
    expect(await text(pah, '.beacon-inbox')).toContain(reference);
    await checkAccessibility(pah, 'inbox');
    await screenshot(pah, 'alert-inbox');
    // Not acknowledged unread: the inbox offers the alert to read first, and the button comes after.
    expect(await pah.getByRole('button', { name: `Acknowledge ${reference} version 1` }).count()).toBe(0);
    await clickAndWait(pah, pah.getByRole('button', { name: `Read alert ${reference}` }));
    expect(new URL(pah.url()).pathname).toMatch(/^\/alerts\//);
    await clickAndWait(pah, pah.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Inbox' }));
    expect(await text(pah, '.beacon-inbox')).toContain('You have read version 1');
    await pah.getByLabel('Note (optional)').fill('Loaded onto the maternity system; night team briefed');
    await clickAndWait(pah, button(pah, `Acknowledge ${reference} version 1`));
    expect(await text(pah, '.nhsuk-notification-banner')).toContain(`Acknowledged ${reference} version 1`);
    expect(await text(pah, 'main')).toContain('Nothing is waiting');
    noProblems(pah);
  });

  it('the Queen Alexandra coordinator reads it and acknowledges it from the alert page', async () => {
    const qah = await signedIn('coordinator.qah@beacon.example');
    await qah.goto(alertUrl);
    expect(await text(qah, '.nhsuk-card--warning')).toContain('Do not discharge the baby');
    // A recipient sees the alert but not who else has viewed it, and cannot change it.
    expect(await qah.locator('#access').count()).toBe(0);
    expect(await qah.getByRole('button', { name: 'Update the alert' }).count()).toBe(0);
    await checkAccessibility(qah, 'alert page (recipient)');
    await screenshot(qah, 'alert-page-recipient');
    await clickAndWait(qah, button(qah, 'Acknowledge version 1'));
    expect(await text(qah, '.nhsuk-notification-banner')).toContain('Acknowledged');
    noProblems(qah);
  });

  it('the midwife sees the live grid: who has acknowledged, who has not and since when', async () => {
    current = midwife;
    await midwife.goto(alertUrl);
    expect(await text(midwife, 'h1 .nhsuk-tag')).toBe('Active');
    expect(await text(midwife, '#gestation')).toMatch(/Gestation today: \d+ weeks and \d days? \(\d+\+\d\)/);
    const rows = await texts(midwife, '.beacon-grid tbody tr');
    const row = (unit: string) => rows.find((r) => r.includes(unit)) ?? '';
    expect(row('Princess Anne Hospital maternity unit')).toMatch(/Acknowledged\s*by Tom Hughes/);
    expect(row('Princess Anne Hospital maternity unit')).toContain('night team briefed');
    expect(row('Queen Alexandra Hospital maternity unit')).toMatch(/Acknowledged\s*by Grace Okafor/);
    expect(row('Basingstoke maternity unit')).toMatch(/Not acknowledged\s*since \d+ \w+ \d{4} at \d\d:\d\d/);
    expect(rows.some((r) => r.includes('emergency department'))).toBe(false);
    expect(await text(midwife, '#distribution + p')).toMatch(/^2 of \d+ units have acknowledged version 1\.$/);
    // Owner's view: who has viewed it, and the photograph.
    expect(await text(midwife, '#access ~ table')).toContain('Grace Okafor'); // outside the raising team (Portsmouth)
    await expect
      .poll(() => midwife.locator('#photographs + ul img').evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    await checkAccessibility(midwife, 'alert page (active, owner)');
    await screenshot(midwife, 'alert-page-active');
    noProblems(midwife);
  });

  it('she updates it: a reason is required, and the change is shown as a difference', async () => {
    current = midwife;
    await clickAndWait(midwife, button(midwife, 'Update the alert'));
    expect(await h1(midwife)).toBe(`Update alert ${reference}`);
    await midwife.locator('#risk-actionOnPresentation').fill('Call the police on 999, then the on-call social worker. Do not discharge the baby.');
    await clickAndWait(midwife, button(midwife, 'Update the alert'));
    expect(await errorSummary(midwife)).toEqual(['Enter the reason for this update.']);
    await errorLinksLand(midwife);
    await checkAccessibility(midwife, 'update with errors');
    await screenshot(midwife, 'alert-update-with-errors');
    await midwife.locator('#reason').fill('Police now involved');
    await clickAndWait(midwife, button(midwife, 'Update the alert'));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('updated');
    expect(await text(midwife, '.nhsuk-caption-l')).toContain('version 2');
    const diff = await text(midwife, '.beacon-diff');
    expect(diff).toContain('Action on presentation');
    expect(diff).toContain('Call the police on 999');
    expect(await text(midwife, '.beacon-version')).toContain('Reason: Police now involved');
    await runWorker();
    noProblems(midwife);
  });

  it('she stands it down; every recipient is sent the stand-down', async () => {
    current = midwife;
    await midwife.goto(alertUrl);
    await clickAndWait(midwife, button(midwife, 'Stand down'));
    await clickAndWait(midwife, button(midwife, 'Stand down the alert'));
    expect(await errorSummary(midwife)).toEqual(['Select the outcome.']);
    await checkAccessibility(midwife, 'stand down with errors');
    await midwife.getByLabel('Baby delivered and safe', { exact: true }).check();
    await midwife.locator('#details').fill('Born at Princess Anne; discharged with a plan');
    await clickAndWait(midwife, button(midwife, 'Stand down the alert'));
    expect(await text(midwife, 'h1 .nhsuk-tag')).toBe('Stood down');
    expect(await midwife.locator('.nhsuk-card--warning').count()).toBe(0);
    await runWorker();
    await midwife.reload();
    const rows = await texts(midwife, '.beacon-grid tbody tr');
    expect(rows.every((r) => r.includes('3 (alert stood down)') && r.includes('Not acknowledged'))).toBe(true);
    const history = await midwife.locator('#history + table tbody tr td:nth-child(2) > span:last-child').evaluateAll((els) =>
      els.map((e) =>
        [...e.childNodes]
          .map((n) => n.textContent)
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    );
    expect(history).toEqual([
      'Started as a draft',
      'Submitted for approval',
      expect.stringMatching(/^Approved and sent/),
      'Updated Police now involved',
      'Stood down Baby delivered and safe: Born at Princess Anne; discharged with a plan',
    ]);
    await checkAccessibility(midwife, 'alert page (stood down)');
    await screenshot(midwife, 'alert-page-stood-down');
    await clickAndWait(midwife, midwife.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Alerts' }));
    expect(await text(midwife, 'tbody')).toContain(reference);
    await checkAccessibility(midwife, "organisation's alerts");
    await screenshot(midwife, 'alert-list');
    noProblems(midwife);
  });

  it('works without JavaScript: Enter saves and continues, and rows are added with a button', async () => {
    const page = await signedIn('midwife@beacon.example', { javaScriptEnabled: false });
    await page.goto(url('/alerts/new'));
    await clickAndWait(page, button(page, 'Start now'));
    await page.locator('#subject-name-given').fill('Amy');
    await page.locator('#subject-name-family').fill('Stone');
    await page.locator('#subject-otherNames-0-name-given').fill('Ames');
    await clickAndWait(page, button(page, 'Add another name'));
    expect(await page.locator('#subject-otherNames-1-name-given').count()).toBe(1);
    await clickAndWait(page, page.getByRole('button', { name: 'Remove name 1' }));
    expect(await page.locator('#subject-otherNames-0-name-given').inputValue()).toBe('');
    await page.locator('#subject-name-family').press('Enter');
    await page.waitForLoadState('load');
    expect(await h1(page)).toBe('Date of birth and NHS number');
    // Named units: chosen one row at a time, with a button for another.
    await page.goto(page.url().replace(/identity$/, 'distribution'));
    await page.getByLabel('Named units', { exact: true }).check();
    await page.locator('#distribution-scopeReason').fill('Only the units she is known to attend.');
    await saveAndContinue(page);
    expect(await h1(page)).toBe('Where to send it');
    await page
      .locator('#distribution-unitIds-0')
      .selectOption({ label: 'Princess Anne Hospital maternity unit – University Hospital Southampton NHS Foundation Trust' });
    await clickAndWait(page, button(page, 'Add another unit'));
    await page
      .locator('#distribution-unitIds-1')
      .selectOption({ label: 'Queen Alexandra Hospital maternity unit – Portsmouth Hospitals University NHS Trust' });
    await screenshot(page, 'alert-recipients-no-js');
    await saveAndContinue(page);
    expect(await h1(page)).toBe('Review date');
    noProblems(page);
  });
});
