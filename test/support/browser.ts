import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

/** Debian's Chromium. Browser tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const flag = (v: string | undefined) => !!v && !['0', 'false', 'no'].includes(v.toLowerCase());

/** In CI (or with BEACON_REQUIRE_BROWSER=1) a missing browser is a failure, never a skip. */
export const browserRequired = flag(process.env.CI) || process.env.BEACON_REQUIRE_BROWSER === '1';
export const chromiumInstalled = fs.existsSync(CHROMIUM_PATH);
/**
 * Whether browser tests should run: Chromium is installed, or it is required (then launchBrowser
 * fails with a clear message). Use as `describe.skipIf(!browserAvailable)`.
 */
export const browserAvailable = chromiumInstalled || browserRequired;

export const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumInstalled) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}, and it is not there. ` +
        'Install it with: apt-get install -y chromium fonts-liberation' +
        (browserRequired ? ' (CI or BEACON_REQUIRE_BROWSER=1 is set, so this is a failure, not a skip).' : '.'),
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Sign in through the real form. When the person has several roles, the choose-role page is answered
 * with `role` (a visible label, e.g. "System administrator") or else the first role. Throws with the
 * page's error summary if sign-in did not succeed.
 */
export async function signIn(page: Page, url: string, email: string, password: string, role?: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickAndWait(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  const where = new URL(page.url());
  if (where.pathname === '/sign-in') {
    const problem =
      (await page
        .locator('.nhsuk-error-summary')
        .textContent()
        .catch(() => null)) ?? '(no error shown)';
    throw new Error(`Sign-in as ${email} failed: ${problem.replace(/\s+/g, ' ').trim()}`);
  }
  if (where.pathname === '/choose-role') {
    const choice = role ? page.getByLabel(role, { exact: false }) : page.locator('input[name="membershipId"]').first();
    await choice.check();
    await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
  }
}

/**
 * Click something that loads a new page (a link, or a form's button) and wait until that page has
 * loaded, whether the answer was a redirect or a page of errors at the same address.
 */
export async function clickAndWait(page: Page, target: Locator): Promise<void> {
  // Settled into a value at once, so a failed click never leaves a rejection unhandled.
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 15_000 }).then(
    () => null,
    (err: Error) => err,
  );
  await target.click({ timeout: 15_000 });
  const failed = await navigated;
  if (failed) throw failed;
  await page.waitForLoadState('load');
}

/**
 * A page that refreshes itself (the screening progress page reloads every two seconds) can navigate while axe
 * runs on a busy machine; the page after the reload is the same page, so run axe again on it (three tries).
 */
async function analyseSettled(page: Page) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    } catch (error) {
      if (attempt >= 3 || !/Execution context was destroyed|navigation/i.test(String(error))) throw error;
      await page.waitForLoadState('load');
    }
  }
}

/**
 * Run axe (WCAG 2.0, 2.1 and 2.2 A/AA rules) on the page as it is now and fail on any violation,
 * listing each rule, its help text and the elements concerned.
 */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  const results = await analyseSettled(page);
  if (results.violations.length === 0) return;
  const report = results.violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`)
        .join('\n');
      return `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
  const message = `Accessibility violations on "${name}" (${page.url()}):\n${report}`;
  console.error(message);
  throw new Error(message);
}

/** Save a full-page PNG to screenshots/<name>.png (gitignored) for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Fill the point-of-care check form with a search as the API takes it (givenName, familyName,
 * dateOfBirth as YYYY-MM-DD, postcode) and submit it: the demo's example searches, typed as a nurse would.
 */
export async function submitCheckForm(page: Page, search: Record<string, string>): Promise<void> {
  if (search.givenName) await page.getByLabel('First name').fill(search.givenName);
  if (search.familyName) await page.getByLabel('Last name', { exact: true }).fill(search.familyName);
  if (search.dateOfBirth) {
    const [y, m, d] = search.dateOfBirth.split('-');
    const dob = page.getByRole('group', { name: 'Date of birth' });
    await dob.getByLabel('Day').fill(d ?? '');
    await dob.getByLabel('Month').fill(m ?? '');
    await dob.getByLabel('Year').fill(y ?? '');
  }
  if (search.postcode) await page.getByLabel('Postcode').fill(search.postcode);
  await clickAndWait(page, page.getByRole('button', { name: 'Check for an alert' }));
}
