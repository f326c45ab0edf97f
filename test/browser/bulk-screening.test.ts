import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createUser } from '../../src/people/service';
import { systemContext } from '../../src/platform/context';
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
    [svc, browser] = await Promise.all([
      startTestService({ env: { SCREENING_ROWS_PER_PERSON_PER_DAY: '5', SCREENING_ROWS_PER_ORGANISATION_PER_DAY: '50' } }),
      launchBrowser(),
    ]);
    const db = svc.service.database.db;
    // A designated professional in the midwife's own trust: the one who may approve her large lists.
    const midwife = await contextFor(db, 'midwife@beacon.example');
    await createUser(
      db,
      systemContext('test'),
      {
        email: 'designated.uhs@beacon.example',
        displayName: 'Dana Whitfield',
        jobTitle: 'Named nurse for safeguarding',
        organisationId: midwife.actor.organisationId,
        role: 'designated_professional',
      },
      { password: svc.password },
    );
    reference = (
      await raiseActiveAlert(db, await contextFor(db, 'midwife@beacon.example'), await contextFor(db, 'designated@beacon.example'), validAlertContent())
    ).reference;
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

    const csv = [
      'id,given_name,family_name,date_of_birth',
      `b1,${SUBJECT.given},${SUBJECT.family},${SUBJECT.dateOfBirth}`,
      'b2,Alice,Nobody,1985-03-03',
      'b3,Bad,Row,1990-02-31',
    ].join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'bookings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Screen the list' }).click();
    await page.waitForURL(/\/screening\/[0-9a-f-]{36}$/);
    expect(await page.locator('h1').textContent()).toContain('Screening in progress');
    await checkAccessibility(page, 'screening in progress');

    // The test service runs without a worker; run the queued screening job here (same key as the service).
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
    await createWorker(svc!.service.database, loadConfig({ NODE_ENV: 'test', BEACON_DATA_DIR: '/tmp/beacon-screening-browser' }), silent).drain();
    // The progress page reloads itself every two seconds until the results are in (no goto here: a reload
    // already under way would abort it on a busy machine).
    await page.waitForSelector('h1:has-text("Screening results")', { timeout: 20_000 });
    expect(await page.locator('main').textContent()).toContain(reference);
    await checkAccessibility(page, 'screening results');
    await screenshot(page, 'screening-results');
    await context.close();
  });

  it('a list over the budget waits; a designated professional of the same trust approves it; axe finds nothing', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, svc!.url, 'midwife@beacon.example', svc!.password);
    await page.goto(`${svc!.url}/screening`);
    const rows = Array.from({ length: 8 }, (_, i) => `w${i},Person${i},Test,1990-01-0${i + 1}`);
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'clinic.csv', mimeType: 'text/csv', buffer: Buffer.from(['id,given_name,family_name,date_of_birth', ...rows].join('\n')) });
    await page.getByRole('button', { name: 'Screen the list' }).click();
    await page.waitForURL(/\/screening\/[0-9a-f-]{36}$/);
    const runUrl = page.url();
    expect(await page.locator('main').textContent()).toContain('A designated professional in your organisation has to approve it');
    await checkAccessibility(page, 'screening awaiting approval');
    await screenshot(page, 'screening-awaiting-approval');
    await context.close();

    const approverContext = await browser!.newContext();
    const approver = await approverContext.newPage();
    await signIn(approver, svc!.url, 'designated.uhs@beacon.example', svc!.password);
    await approver.goto(`${svc!.url}/screening`);
    expect(await approver.getByRole('button', { name: /Approve this list/ }).count()).toBe(1);
    expect(await approver.locator('main').textContent()).toContain('8');
    await checkAccessibility(approver, 'screening approval list');
    await screenshot(approver, 'screening-approval-list');
    await approver.getByRole('button', { name: /Approve this list/ }).click();
    await approver.waitForLoadState();
    expect(await approver.locator('main').textContent()).not.toContain('Approve this list');
    await approverContext.close();

    // Approved: queued for the worker, then screened like any other list (the uploader sees the results).
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
    await createWorker(svc!.service.database, loadConfig({ NODE_ENV: 'test', BEACON_DATA_DIR: '/tmp/beacon-screening-browser' }), silent).drain();
    const again = await browser!.newContext();
    const uploader = await again.newPage();
    await signIn(uploader, svc!.url, 'midwife@beacon.example', svc!.password);
    await uploader.goto(runUrl);
    await uploader.waitForSelector('h1:has-text("Screening results")', { timeout: 10_000 });
    await again.close();
  });
});
