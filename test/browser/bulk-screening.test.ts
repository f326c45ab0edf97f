import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/server';
import { contextFor, raiseActiveAlert, SUBJECT, validAlertContent } from '../support/alerts';
import { browserAvailable, checkAccessibility, launchBrowser, screenshot, signIn } from '../support/browser';
import { startTestService, type TestService } from '../support/server';

/** Bulk screening in real Chromium: upload, progress, results, with axe on each state. */
describe.skipIf(!browserAvailable)('bulk screening in a real browser', () => {
  let svc: TestService | undefined;
  let browser: Browser | undefined;
  let reference = '';

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startTestService(), launchBrowser()]);
    const db = svc.service.database.db;
    reference = (await raiseActiveAlert(db, await contextFor(db, 'midwife@beacon.example'), await contextFor(db, 'designated@beacon.example'), validAlertContent())).reference;
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('the safeguarding midwife screens a list: errors, progress, results; axe finds nothing', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, svc!.url, 'midwife@beacon.example', svc!.password);
    await page.goto(`${svc!.url}/screening`);
    await checkAccessibility(page, 'screening upload');

    await page.getByRole('button', { name: 'Screen the list' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.nhsuk-error-summary').textContent()).toContain('Select a CSV file of people to screen');
    await checkAccessibility(page, 'screening upload with errors');
    await screenshot(page, 'screening-upload-errors');

    const csv = ['id,given_name,family_name,date_of_birth', `b1,${SUBJECT.given},${SUBJECT.family},${SUBJECT.dateOfBirth}`, 'b2,Alice,Nobody,1985-03-03', 'b3,Bad,Row,1990-02-31'].join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'bookings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Screen the list' }).click();
    await page.waitForURL(/\/screening\/[0-9a-f-]{36}$/);
    expect(await page.locator('h1').textContent()).toContain('Screening in progress');
    await checkAccessibility(page, 'screening in progress');

    // The test service runs without a worker; run the queued screening job here (same key as the service).
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
    await createWorker(svc!.service.database, loadConfig({ NODE_ENV: 'test', BEACON_DATA_DIR: '/tmp/beacon-screening-browser' }), silent).drain();
    await page.goto(page.url());
    await page.waitForSelector('h1:has-text("Screening results")', { timeout: 10_000 });
    expect(await page.locator('main').textContent()).toContain(reference);
    await checkAccessibility(page, 'screening results');
    await screenshot(page, 'screening-results');
    await context.close();
  });
});
