import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { browserAvailable, checkAccessibility, clickAndWait, launchBrowser, screenshot, signIn } from '../support/browser';
import { startTestService, type TestService } from '../support/server';

const EXPECTED_CONSOLE_ERRORS = [
  // Chromium logs the status of an error page itself (400, 401, 403) as a console error: expected here.
  /Failed to load resource: the server responded with a status of (400|401|403|404)/,
];

/**
 * The foundation pages in real headless Chromium against the real running service (HTTP, CSP,
 * cookies, CSRF, sessions, database): sign-in, home, directory, users, permissions, sign-out, and the
 * same journeys with JavaScript turned off. Every page is checked with axe (WCAG 2.2 AA rules).
 * Screenshots go to screenshots/ for people to look at.
 */
describe.skipIf(!browserAvailable)('foundation pages in a real browser', () => {
  let svc: TestService | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  /** Script errors, console errors and failed asset requests, per page: there should be none. */
  const problems = new Map<Page, string[]>();

  // Shared between steps: the admin's page, and the set-up link the admin created.
  let admin: Page;
  let setupLink = '';
  const newUser = { name: 'Sam Whitfield', email: 'sam.whitfield@beacon.example', password: 'five random words for sam' };

  beforeAll(async () => {
    const [s, b] = await Promise.allSettled([startTestService(), launchBrowser()]);
    if (s.status === 'fulfilled') svc = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    expect(svc!.engine).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await svc?.stop();
  });

  // On failure, keep a picture of the page the step was on.
  let current: Page | undefined;
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && current && !current.isClosed()) {
      await screenshot(current, `failed-${ctx.task.name.slice(0, 40)}`).catch(() => undefined);
    }
  });

  const url = (p = '') => `${svc!.url}${p}`;

  async function newPage(opts: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
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

  const noProblems = (page: Page) => expect(problems.get(page) ?? [], 'script errors, CSP violations or missing assets').toEqual([]);
  const path = (page: Page) => new URL(page.url()).pathname;
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const texts = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  const navLinks = (page: Page) => texts(page, '.nhsuk-header__navigation-list a');
  const errorSummary = (page: Page) => texts(page, '.nhsuk-error-summary__list a');

  /** Every link in the error summary must lead to an element on the page (else it does nothing). */
  async function errorLinksLand(page: Page) {
    const hrefs = await page.locator('.nhsuk-error-summary__list a').evaluateAll((as) => as.map((a) => a.getAttribute('href') as string));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(await page.locator(href).count(), `error summary link ${href} has a target`).toBe(1);
  }

  it('sends a visitor to a sign-in page that passes axe', async () => {
    const page = await newPage();
    await page.goto(url('/'));
    expect(path(page)).toBe('/sign-in');
    expect(await text(page, 'h1')).toBe('Sign in to Beacon');
    expect(await page.title()).toBe('Sign in to Beacon – Beacon');
    // Nothing that needs a session is offered before signing in.
    expect(await navLinks(page)).toEqual([]);
    await checkAccessibility(page, 'sign-in');
    await screenshot(page, 'sign-in');

    // Empty: both fields say what to do, and the summary links to each.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in', exact: true }));
    expect(await errorSummary(page)).toEqual(['Enter your email address', 'Enter your password']);
    await errorLinksLand(page);

    // Wrong password: NHS error summary, inline message on the email field, the email kept, not the password.
    await page.getByLabel('Email address').fill('admin@beacon.example');
    await page.getByLabel('Password', { exact: true }).fill('not-the-right-password');
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in', exact: true }));
    expect(path(page)).toBe('/sign-in');
    expect(await page.title()).toBe('Error: Sign in to Beacon – Beacon');
    expect(await text(page, '.nhsuk-error-summary__heading')).toBe('There is a problem');
    expect(await errorSummary(page)).toEqual([expect.stringMatching(/^Enter a correct email address and password\./)]);
    expect(await text(page, '#email-error')).toContain('Enter a correct email address and password');
    expect(await page.getByLabel('Email address').inputValue()).toBe('admin@beacon.example');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await errorLinksLand(page);
    // The NHS.UK frontend moves focus to the summary so screen readers announce it.
    expect(await page.locator('.nhsuk-error-summary').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await checkAccessibility(page, 'sign-in with errors');
    await screenshot(page, 'sign-in-with-errors');
    noProblems(page);
  });

  it('signs the administrator in to a home page with only the links their role may use', async () => {
    admin = await newPage();
    await signIn(admin, url(), 'admin@beacon.example', svc!.password);
    expect(path(admin)).toBe('/');
    expect(await text(admin, 'h1')).toBe('Beacon');
    expect(await text(admin, '.beacon-role-bar')).toBe('Acting as System administrator for NHS Hampshire and Isle of Wight Integrated Care Board');
    expect(await navLinks(admin)).toEqual(['Home', 'Training', 'Library', 'Organisations', 'Users', 'Audit log']);
    expect(await texts(admin, '.nhsuk-card__heading')).toEqual(['Protocols', 'Organisations and units', 'Users and roles', 'Audit log']);
    // Every link offered works for this role.
    const hrefs = await admin
      .locator('.nhsuk-header__navigation-list a, .nhsuk-card__link')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href') as string));
    for (const href of new Set(hrefs)) expect((await admin.request.get(url(href))).status(), href).toBe(200);
    await checkAccessibility(admin, 'home (administrator)');
    await screenshot(admin, 'home');
    noProblems(admin);
  });

  it('shows the organisations list and an organisation page', async () => {
    current = admin;
    await clickAndWait(admin, admin.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Organisations' }));
    expect(await text(admin, 'h1')).toBe('Organisations');
    await checkAccessibility(admin, 'organisations');
    await screenshot(admin, 'organisations');

    await admin.getByLabel('Name or ODS code').fill('Southampton');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Search' }));
    expect(await texts(admin, 'tbody a')).toContain('University Hospital Southampton NHS Foundation Trust');
    expect(await texts(admin, 'tbody a')).not.toContain('Portsmouth Hospitals University NHS Trust');

    await clickAndWait(admin, admin.getByRole('link', { name: 'University Hospital Southampton NHS Foundation Trust' }));
    expect(await text(admin, 'h1')).toBe('University Hospital Southampton NHS Foundation Trust');
    expect(await text(admin, '.nhsuk-summary-list')).toContain('RHM');
    expect(await texts(admin, 'tbody strong')).toContain('Princess Anne Hospital maternity unit');
    await checkAccessibility(admin, 'organisation');
    await screenshot(admin, 'organisation');
    // The same page on a phone: it must reflow (WCAG 1.4.10) and still pass.
    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      await checkAccessibility(admin, 'organisation (phone width)');
      await screenshot(admin, 'organisation-phone');
    } finally {
      await admin.setViewportSize({ width: 1280, height: 800 });
    }
    noProblems(admin);
  });

  it('shows the users page', async () => {
    current = admin;
    await clickAndWait(admin, admin.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Users' }));
    expect(await text(admin, 'h1')).toBe('Users');
    expect(await text(admin, 'table')).toContain('ed.nurse@beacon.example');
    await checkAccessibility(admin, 'users');
    await screenshot(admin, 'users');
    noProblems(admin);
  });

  it('shows the audit log and the account page', async () => {
    current = admin;
    await clickAndWait(admin, admin.locator('.nhsuk-header__navigation-list').getByRole('link', { name: 'Audit log' }));
    expect(await text(admin, 'h1')).toBe('Audit log');
    expect(await texts(admin, 'tbody td:nth-child(4)')).toContain('user.sign-in');
    await checkAccessibility(admin, 'audit log');
    await clickAndWait(admin, admin.getByRole('link', { name: 'Your account' }));
    expect(await text(admin, 'h1')).toBe('Your account');
    await checkAccessibility(admin, 'your account');
    noProblems(admin);
  });

  it('lets the administrator add a user, showing errors first, then the set-up link', async () => {
    current = admin;
    await admin.goto(url('/users'));
    await clickAndWait(admin, admin.getByRole('link', { name: 'Add a user' }));
    expect(await text(admin, 'h1')).toBe('Add a user');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Add user' }));
    expect(await admin.title()).toMatch(/^Error: /);
    const errors = await errorSummary(admin);
    expect(errors).toEqual(expect.arrayContaining(['Enter their full name', 'Select an organisation', 'Select a role']));
    expect(errors.some((e) => e.startsWith('Enter an email address'))).toBe(true);
    await errorLinksLand(admin);
    await checkAccessibility(admin, 'add user with errors');
    await screenshot(admin, 'add-user-with-errors');

    await admin.getByLabel('Full name').fill(newUser.name);
    await admin.getByLabel('Work email address').fill(newUser.email);
    await admin.getByLabel('Job title (optional)').fill('Safeguarding midwife');
    await admin.getByLabel('Organisation').selectOption({ label: 'University Hospital Southampton NHS Foundation Trust (RHM)' });
    await admin.getByLabel('Safeguarding practitioner').check();
    await clickAndWait(admin, admin.getByRole('button', { name: 'Add user' }));
    expect(await text(admin, 'h1.nhsuk-panel__heading')).toBe('User added');
    setupLink = await text(admin, 'main .beacon-mono');
    expect(setupLink).toMatch(new RegExp(`^${url('/account/setup/')}[\\w-]{20,}$`));
    await checkAccessibility(admin, 'user added');
    await screenshot(admin, 'user-added');
    noProblems(admin);
  });

  it('refuses the users page to a point-of-care clinician, with an accessible 403 page', async () => {
    const page = await newPage();
    await signIn(page, url(), 'ed.nurse@beacon.example', svc!.password);
    expect(path(page)).toBe('/');
    expect(await navLinks(page)).toEqual(['Home', 'Check for an alert', 'Cases', 'Escalations', 'Training', 'Library', 'Organisations']);
    expect(await texts(page, '.nhsuk-card__heading')).toEqual([
      'Check for an alert',
      'Open a case',
      'Cases',
      'Pattern prompts',
      'Escalations',
      'Protocols',
      'Organisations and units',
    ]);
    await checkAccessibility(page, 'home (point of care)');

    const res = await page.goto(url('/users'));
    expect(res?.status()).toBe(403);
    expect(await text(page, 'h1')).toBe('You do not have permission to see this page');
    expect(await page.getByRole('link', { name: 'Go to the Beacon home page' }).count()).toBe(1);
    await checkAccessibility(page, '403');
    await screenshot(page, '403');

    // Signing out returns to sign-in, and the session is gone.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    expect(path(page)).toBe('/sign-in');
    expect(await text(page, '.nhsuk-inset-text')).toContain('You have signed out.');
    await checkAccessibility(page, 'signed out');
    await page.goto(url('/organisations'));
    expect(page.url()).toBe(url('/sign-in?next=%2Forganisations'));
    noProblems(page);
  });

  it('works with JavaScript turned off: set a password, sign in, search, sign out', async () => {
    expect(setupLink, 'the add-user step made a set-up link').not.toBe('');
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(setupLink);
    expect(await text(page, 'h1')).toBe('Create your password');

    // A POST form round trip without scripts: errors, then success.
    await page.getByLabel('New password', { exact: true }).fill(newUser.password);
    await page.getByLabel('Confirm your new password').fill('something else entirely');
    await clickAndWait(page, page.getByRole('button', { name: 'Create password' }));
    expect((await errorSummary(page)).length).toBe(1);
    await page.getByLabel('New password', { exact: true }).fill(newUser.password);
    await page.getByLabel('Confirm your new password').fill(newUser.password);
    await clickAndWait(page, page.getByRole('button', { name: 'Create password' }));
    expect(path(page)).toBe('/sign-in');

    await signIn(page, url(), newUser.email, newUser.password);
    expect(path(page)).toBe('/');
    expect(await text(page, 'h1')).toBe('Beacon');
    expect(await text(page, '.beacon-role-bar')).toContain('Safeguarding practitioner');

    await page.goto(url('/organisations'));
    await page.getByLabel('Name or ODS code').fill('Portsmouth');
    await clickAndWait(page, page.getByRole('button', { name: 'Search' }));
    expect(page.url()).toContain('q=Portsmouth');
    expect(await texts(page, 'tbody a')).toContain('Portsmouth Hospitals University NHS Trust');

    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    expect(path(page)).toBe('/sign-in');
    noProblems(page);
  });
});
