import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { approve, createDraft, submit } from '../../src/alerts/service';
import { addPhotograph } from '../../src/alerts/photographs';
import { registerIndexFor } from '../../src/identity/register-index';
import { NOT_ENOUGH } from '../../src/identity/point-of-care/details';
import { createWorker } from '../../src/server';
import { browserAvailable, checkAccessibility, clickAndWait, launchBrowser, screenshot, signIn } from '../support/browser';
import { alertAbout, APPROVER, CLINICIAN, contextFor, RAISER, waitFor } from '../support/point-of-care';
import { startTestService, type TestService } from '../support/server';

const EXPECTED_CONSOLE_ERRORS = [/Failed to load resource: the server responded with a status of (400|401|403|404)/];
const WOMAN = {
  given: 'Marisol',
  family: 'Quennell',
  dob: '1998-07-05',
  nhs: '9434765919',
  postcode: 'SO16 6YD',
  otherNames: [{ kind: 'maiden' as const, family: 'Ashdown' }],
  action: 'Keep the baby on the ward. Phone the duty social worker before any discharge.',
};

/**
 * The point-of-care journey in real headless Chromium against the real service: a nurse in an
 * emergency department checks a woman who gives a new surname and her date of birth with day and
 * month swapped, reveals the match with a reason, sees what to do, records that it is her; the
 * originating midwife then finds the presentation waiting (in-app) and an email without personal
 * data. Every page is checked with axe; screenshots go to screenshots/.
 */
describe.skipIf(!browserAvailable)('point-of-care check in a real browser', () => {
  let svc: TestService | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();
  let alert: { id: string; reference: string };
  let mailDir = '';
  let current: Page | undefined;

  beforeAll(async () => {
    const [s, b] = await Promise.allSettled([startTestService(), launchBrowser()]);
    if (s.status === 'fulfilled') svc = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    // An active alert with a photograph, raised by the midwife and approved by the designated nurse.
    const db = svc!.service.database.db;
    const key = loadConfig({ NODE_ENV: 'test' }).encryptionKey;
    const raiser = await contextFor(db, RAISER);
    const draft = await createDraft(db, raiser, alertAbout(WOMAN));
    const photo = await sharp({ create: { width: 240, height: 300, channels: 3, background: { r: 180, g: 120, b: 110 } } })
      .png()
      .toBuffer();
    await addPhotograph(db, raiser, key, draft.id, photo, 'Taken at booking, 2025');
    await submit(db, raiser, draft.id);
    await approve(db, await contextFor(db, APPROVER), draft.id, { reviewWeeksAfterEdd: 6 });
    alert = draft;
    // The running service's register index hears of the approval by itself (LISTEN/NOTIFY).
    expect((await waitFor(() => registerIndexFor(svc!.service.database).has(alert.id), 3000)).value).toBe(true);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await svc?.stop();
    if (mailDir) fs.rmSync(mailDir, { recursive: true, force: true });
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && current && !current.isClosed())
      await screenshot(current, `failed-poc-${ctx.task.name.slice(0, 40)}`).catch(() => undefined);
  });

  const url = (p = '') => `${svc!.url}${p}`;
  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const texts = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  const noProblems = (page: Page) => expect(problems.get(page) ?? [], 'script errors, CSP violations or missing assets').toEqual([]);

  async function newPage(): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    current = page;
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('pageerror', (err) => seen.push(`script error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.some((re) => re.test(msg.text()))) seen.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.request().resourceType() !== 'document' && res.status() >= 400) seen.push(`${res.status()} for ${res.url()}`);
    });
    return page;
  }

  async function fillCheck(page: Page, d: { given?: string; family?: string; day?: string; month?: string; year?: string; postcode?: string }) {
    if (d.given !== undefined) await page.getByLabel('First name').fill(d.given);
    if (d.family !== undefined) await page.getByLabel('Last name', { exact: true }).fill(d.family);
    const dob = page.getByRole('group', { name: 'Date of birth' });
    if (d.day !== undefined) await dob.getByLabel('Day').fill(d.day);
    if (d.month !== undefined) await dob.getByLabel('Month').fill(d.month);
    if (d.year !== undefined) await dob.getByLabel('Year').fill(d.year);
    if (d.postcode !== undefined) await page.getByLabel('Postcode').fill(d.postcode);
  }

  let nurse: Page;

  it('the nurse finds the check from home, and too little is refused with the minimum needed', async () => {
    nurse = await newPage();
    await signIn(nurse, url(), CLINICIAN, svc!.password);
    expect(await texts(nurse, '.nhsuk-card__heading')).toContain('Check for an alert');
    await clickAndWait(nurse, nurse.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Check for an alert' }));
    expect(pathOf(nurse)).toBe('/check');
    expect(await text(nurse, 'h1')).toBe('Check for an alert');
    await checkAccessibility(nurse, 'check form');
    await screenshot(nurse, 'check-form');

    await fillCheck(nurse, { given: 'Marisol' });
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Check for an alert' }));
    expect(await nurse.title()).toMatch(/^Error: Check for an alert/);
    expect(await texts(nurse, '.nhsuk-error-summary__list a')).toEqual([NOT_ENOUGH]);
    for (const href of await nurse.locator('.nhsuk-error-summary__list a').evaluateAll((as) => as.map((a) => a.getAttribute('href') as string))) {
      expect(await nurse.locator(href).count(), href).toBe(1);
    }
    expect(await nurse.getByLabel('First name').inputValue()).toBe('Marisol');
    await checkAccessibility(nurse, 'check form with errors');
    await screenshot(nurse, 'check-form-errors');
    noProblems(nurse);
  });

  it('someone with no alert: "No alert found", with what was searched', async () => {
    const page = await newPage();
    await signIn(page, url(), CLINICIAN, svc!.password);
    await page.goto(url('/check'));
    await fillCheck(page, { given: 'Gwendolyn', family: 'Fairweather', day: '30', month: '1', year: '1988' });
    await clickAndWait(page, page.getByRole('button', { name: 'Check for an alert' }));
    expect(await text(page, 'h1')).toBe('No alert found');
    // Neutral, never a green "success" panel, and the caveat is in the same box as the answer.
    expect(await page.locator('.nhsuk-panel').count()).toBe(0);
    expect(await text(page, '.beacon-no-match')).toContain('This does not mean there are no concerns');
    expect(await text(page, '.nhsuk-summary-list')).toContain('30 January 1988');
    await checkAccessibility(page, 'no alert found');
    await screenshot(page, 'check-no-alert');
    noProblems(page);
  });

  it('she gives a new surname and her date of birth with day and month swapped: a strong match, shown with minimal detail', async () => {
    current = nurse;
    await fillCheck(nurse, { given: 'Marisol', family: 'Brightwater', day: '7', month: '5', year: '1998', postcode: 'so16 6yd' });
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Check for an alert' }));
    expect(pathOf(nurse)).toMatch(/^\/check\/searches\//);
    // A strong match is the loudest thing on the page: the heading says so, in an urgent card.
    expect(await text(nurse, 'h1')).toBe('Strong match — look at this alert now');
    const card = nurse.locator('#candidate-1');
    expect(await card.getAttribute('class')).toContain('nhsuk-card--care--urgent');
    expect(await text(nurse, '#candidate-1 h2')).toBe(`Urgent: Strong match: alert ${alert.reference}`);
    // In the form's words, with plain strength words; the numbers only behind "The numbers behind this".
    const comparison = (await card.locator('ul.nhsuk-list').textContent()) ?? '';
    expect(comparison).toContain('Date of birth: day and month swapped — agrees');
    expect(comparison).toContain('First name: same — agrees strongly');
    expect(comparison).not.toMatch(/forename|surname|\+\d/);
    expect(await card.locator('details').getAttribute('open')).toBeNull();
    await card.getByText('The numbers behind this').click();
    expect(await card.locator('details table').textContent()).toMatch(/Date of birth\s*\+\d/);
    // Nothing recorded on the alert is on the page yet.
    const body = (await nurse.locator('main').textContent()) ?? '';
    for (const secret of ['Quennell', 'Ashdown', WOMAN.action, '943 476 5919']) expect(body).not.toContain(secret);
    expect(await nurse.locator('img').count()).toBe(0);
    await checkAccessibility(nurse, 'check results');
    await screenshot(nurse, 'check-results');

    // Revealing needs a reason; "another reason" needs words.
    await clickAndWait(nurse, nurse.getByRole('button', { name: `See alert ${alert.reference}` }));
    expect(await texts(nurse, '.nhsuk-error-summary__list a')).toEqual(['Select why you need to see this alert']);
    await checkAccessibility(nurse, 'check results with errors');
    noProblems(nurse);
  });

  it('reveals the alert with a reason: the action on presentation first, then contacts, photograph and identifiers', async () => {
    current = nurse;
    await nurse.getByLabel('She is here now / presenting').check();
    await clickAndWait(nurse, nurse.getByRole('button', { name: `See alert ${alert.reference}` }));
    expect(pathOf(nurse)).toMatch(/^\/check\/reveals\//);
    expect(await text(nurse, 'h1')).toBe('Marisol Quennell');
    const callout = nurse.locator('.nhsuk-card--warning').first();
    expect(await callout.locator('h2').textContent()).toContain('What to do now she has presented');
    expect(await callout.textContent()).toContain(WOMAN.action);
    // The callout comes before everything else that identifies her.
    const order = await nurse.locator('main h2').allTextContents();
    expect(order[0]).toContain('What to do now she has presented');
    expect(await text(nurse, 'main')).toContain('023 8083 3336');
    expect(await text(nurse, 'main')).toContain('943 476 5919');
    expect(await text(nurse, 'main')).toContain('Ashdown (maiden name)');
    const img = nurse.locator('figure img');
    expect(await img.count()).toBe(1);
    const loadedWidth = await img.evaluate((el) => {
      const i = el as unknown as { complete: boolean; naturalWidth: number };
      return i.complete ? i.naturalWidth : 0;
    });
    expect(loadedWidth, 'the photograph loads').toBeGreaterThan(0);
    await checkAccessibility(nurse, 'revealed alert');
    await screenshot(nurse, 'check-revealed');
    noProblems(nurse);
  });

  it('records that it is her: a presentation, and the action shown again', async () => {
    current = nurse;
    await nurse.getByLabel('Yes, she is the woman in this alert').check();
    await nurse.getByLabel('If she is: where is she? (optional)').fill('Majors, bay 4');
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Record outcome' }));
    expect(await text(nurse, 'h1')).toBe('Presentation recorded');
    expect(await text(nurse, '.nhsuk-card--warning')).toContain(WOMAN.action);
    await checkAccessibility(nurse, 'presentation recorded');
    await screenshot(nurse, 'check-presentation-recorded');
    noProblems(nurse);
  });

  it('the originator is told: an email without personal data, and the presentation waiting in Beacon', async () => {
    // Run the worker once, as the service's own would, with mail written to files.
    mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-poc-mail-'));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DATA_DIR: mailDir, BEACON_PUBLIC_URL: svc!.url });
    await createWorker(svc!.service.database, config, pino({ level: 'silent' })).drain();
    const mails = fs.readdirSync(config.mail.dir).map((f) => fs.readFileSync(path.join(config.mail.dir, f), 'utf8'));
    const urgent = mails.filter((m) => m.includes('has presented'));
    expect(urgent.map((m) => /^To: (.+)$/m.exec(m)?.[1]).sort()).toEqual([
      'designated@beacon.example',
      'midwife@beacon.example',
      'uhs.safeguarding@beacon.example',
    ]);
    // Random ids in links and headers may contain any digits: look for details in the rest.
    const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    for (const m of urgent)
      for (const secret of ['Marisol', 'Quennell', 'Brightwater', '1998', 'SO16', 'Majors', 'Queen Alexandra'])
        expect(m.replace(UUID, 'ID')).not.toContain(secret);

    const midwife = await newPage();
    await signIn(midwife, url(), RAISER, svc!.password);
    await clickAndWait(midwife, midwife.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Presentations' }));
    expect(await text(midwife, 'h1')).toBe('Presentations');
    const row = midwife.locator('tbody tr').first();
    expect(await row.textContent()).toContain(alert.reference);
    expect(await row.textContent()).toContain('Queen Alexandra Hospital emergency department');
    expect(await row.textContent()).toContain('New');
    expect(await row.textContent()).toContain('Differ from the alert');
    await checkAccessibility(midwife, 'presentations');
    await screenshot(midwife, 'presentations');

    await clickAndWait(midwife, row.getByRole('link'));
    expect(await text(midwife, 'h1')).toBe('She presented at Queen Alexandra Hospital emergency department');
    const page = await text(midwife, 'main');
    expect(page).toContain('Majors, bay 4');
    expect(page).toContain('Last name: not one recorded on the alert');
    expect(page).toContain('Date of birth: not one recorded on the alert (day and month swapped)');
    expect(page).toContain('Brightwater');
    await checkAccessibility(midwife, 'presentation');
    await screenshot(midwife, 'presentation');
    await clickAndWait(midwife, midwife.getByRole('button', { name: 'Mark as seen' }));
    expect(await text(midwife, '.nhsuk-notification-banner')).toContain('Marked as seen');
    await checkAccessibility(midwife, 'presentation seen');
    noProblems(midwife);
  });

  it('next time, the details she gave find her strongly, through what she gave', async () => {
    current = nurse;
    await nurse.goto(url('/check'));
    await fillCheck(nurse, { given: 'Marisol', family: 'Brightwater', day: '7', month: '5', year: '1998' });
    await clickAndWait(nurse, nurse.getByRole('button', { name: 'Check for an alert' }));
    expect(await text(nurse, '#candidate-1 h2')).toBe(`Urgent: Strong match: alert ${alert.reference}`);
    expect(await text(nurse, '#candidate-1')).toMatch(
      /Matched through details given at Queen Alexandra Hospital emergency department on \d+ \w+ \d{4}, unverified/,
    );
    // Phone width: the results reflow and still pass.
    await nurse.setViewportSize({ width: 390, height: 844 });
    await checkAccessibility(nurse, 'check results (phone)');
    await screenshot(nurse, 'check-results-phone');
    noProblems(nurse);
  });
});
