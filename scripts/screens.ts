/**
 * `npm run screens`: look at the whole product in a minute before a release.
 *
 * Starts Beacon on a fresh embedded database with the demo data (as a first `npm start` would), signs in
 * as every demo role in Debian's Chromium, and saves a full-page screenshot of each page the role's menu
 * offers, of the first record in each list, and of a point-of-care check that finds a demo alert, into
 * screens/<person>/ (not committed). Every page is also checked with axe and its status noted; the run
 * ends with a list of what needs a look (any non-2xx answer, any accessibility violation) and exits 1 if
 * there is any. `-- --url http://… --password …` screens a service that is already running instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config';
import { DEMO_USERS } from '../src/demo/directory-data';
import { SHOWCASE } from '../src/demo/alerts';
import { ROLE_LABELS, type Role } from '../src/platform/context';
import { startService } from '../src/server';
import { launchBrowser, signIn, submitCheckForm } from '../test/support/browser';

const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screens');

interface Shot {
  role: string;
  name: string;
  url: string;
  status: number;
  violations: string[];
}

/** Pages each role reaches from a hub page rather than the menu; `first` also opens the first record listed. */
const EXTRA_PAGES: Partial<Record<Role, { href: string; first?: boolean }[]>> = {
  system_admin: [{ href: '/api-clients', first: true }, { href: '/api-clients/new' }, { href: '/webhooks' }, { href: '/webhooks/new' }],
  unit_coordinator: [{ href: '/webhooks' }, { href: '/webhooks/new' }],
  safeguarding_practitioner: [{ href: '/learning/my' }, { href: '/public', first: false }, { href: '/public/E06000045', first: true }],
  social_worker: [{ href: '/library', first: false }],
  designated_professional: [{ href: '/library/outstanding' }, { href: '/library/reviews', first: true }],
  training_admin: [
    { href: '/learning/my' },
    { href: '/learning/surveys', first: true },
    { href: '/learning/results', first: true },
    { href: '/learning/needs', first: true },
    { href: '/learning/needs/rounds/new' },
    { href: '/learning/needs/coverage' },
    { href: '/learning/needs/headcounts' },
    { href: '/learning/needs/matrix' },
  ],
  partnership_manager: [
    { href: '/learning/results', first: true },
    { href: '/learning/needs', first: true },
    { href: '/learning/needs/coverage' },
    { href: '/learning/needs/matrix' },
    { href: '/library/new' },
    { href: '/library/reviews', first: true },
    { href: '/assurance/reviews/new' },
    { href: '/assurance/board-report' },
  ],
  subgroup_chair: [{ href: '/assurance/board-report' }],
  board_member: [{ href: '/assurance/reviews', first: true }],
  agency_lead: [{ href: '/assurance/board-report' }],
};

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'home';

async function main() {
  let url = argOf('--url');
  let password = argOf('--password');
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-screens-'));
    const config = loadConfig({ ...process.env, BEACON_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', BEACON_DEMO_DATA: 'true', DATABASE_URL: '' });
    console.log(`Starting Beacon with the demo data in ${dataDir} …`);
    const service = await startService(config);
    url = service.url;
    stop = async () => {
      await service.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    password = /password: (\S+)/.exec(fs.readFileSync(path.join(dataDir, 'demo-sign-ins.txt'), 'utf8'))?.[1];
  }
  if (!password) throw new Error('No demo password: give --password with --url');
  fs.rmSync(OUT, { recursive: true, force: true });
  const browser = await launchBrowser();
  const shots: Shot[] = [];
  try {
    for (const user of DEMO_USERS) {
      const role = ROLE_LABELS[user.role];
      const who = `${role} (${user.email})`;
      const dir = path.join(OUT, slug(user.email.split('@')[0]!));
      fs.mkdirSync(dir, { recursive: true });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      let status = 0;
      page.on('response', (r) => {
        if (r.request().isNavigationRequest() && r.request().frame() === page.mainFrame()) status = r.status();
      });
      const take = async (name: string) => {
        await page.waitForLoadState('load');
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
        await page.screenshot({ path: path.join(dir, `${String(shots.filter((s) => s.role === who).length + 1).padStart(2, '0')}-${slug(name)}.png`), fullPage: true });
        shots.push({ role: who, name, url: new URL(page.url()).pathname, status, violations: axe.violations.map((v) => `${v.id} (${v.nodes.length})`) });
      };
      await signIn(page, url, user.email, password);
      await take('home');
      const menu = await page.locator('.nhsuk-header__navigation-list a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href') ?? '', text: (a.firstChild?.textContent ?? '').trim() })));
      for (const item of menu.filter((m) => m.href !== '/')) {
        await page.goto(`${url}${item.href}`);
        await take(item.text);
        // The first record in a list: its own page is what people spend their time on.
        const first = page.locator('main table a, main .nhsuk-card a.nhsuk-card__link, main ul.beacon-list a').first();
        if ((await first.count()) > 0) {
          const href = await first.getAttribute('href');
          if (href?.startsWith('/')) {
            await page.goto(`${url}${href}`);
            await take(`${item.text} first record`);
          }
        }
      }
      // Pages reached from a hub rather than the menu (the training pages a role works in).
      for (const extra of EXTRA_PAGES[user.role] ?? []) {
        await page.goto(`${url}${extra.href}`);
        await take(extra.href.replace(/^\//, ''));
        if (extra.first) {
          const first = page.locator('main table a').first();
          const href = (await first.count()) > 0 ? await first.getAttribute('href') : null;
          if (href?.startsWith('/')) {
            await page.goto(`${url}${href}`);
            await take(`${extra.href.replace(/^\//, '')} first record`);
          }
        }
      }
      if (user.role === 'auditor') {
        // The SOP audit: the signed-off run, its first criterion's drill-down, and the two demo runs compared.
        await page.goto(`${url}/assurance/audits`);
        const runs = await page.locator('main table a[href^="/assurance/audits/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
        if (runs.length) {
          await page.goto(`${url}${runs[runs.length - 1]}`);
          await take('SOP audit signed off');
          const criterion = page.locator('main table a[href*="/criteria/"]').first();
          if ((await criterion.count()) > 0) {
            await page.goto(`${url}${await criterion.getAttribute('href')}`);
            await take('SOP audit criterion');
          }
          if (runs.length > 1) {
            const ids = runs.map((r) => r.split('/').pop());
            await page.goto(`${url}/assurance/audits/compare?a=${ids[ids.length - 1]}&b=${ids[0]}`);
            await take('SOP audits compared');
          }
        }
        await page.goto(`${url}/assurance/audits`);
        const criteria = page.locator('main a[href^="/assurance/criteria/"]', { hasText: 'Southampton SOP audit criteria' }).first();
        if ((await criteria.count()) > 0) {
          await page.goto(`${url}${await criteria.getAttribute('href')}`);
          await take('SOP audit criteria');
        }
      }
      if (user.role === 'partnership_manager' || user.role === 'agency_lead') {
        // The review tracker: the demo review and its actions (an overdue one, one with linked evidence).
        await page.goto(`${url}/assurance/reviews`);
        const reviewLink = page.locator('main h2 a[href^="/assurance/reviews/"]').first();
        if ((await reviewLink.count()) > 0) {
          await page.goto(`${url}${await reviewLink.getAttribute('href')}`);
          await take('review');
          const actions = await page.locator('main table a[href^="/assurance/actions/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
          for (const [i, href] of actions.slice(0, 6).entries()) {
            await page.goto(`${url}${href}`);
            await take(`action ${i + 1}`);
          }
        }
      }
      if (user.role === 'point_of_care') {
        await page.goto(`${url}/check`);
        await submitCheckForm(page, SHOWCASE[0]!.search);
        await take('check results (strong match)');
      }
      await context.close();
      console.log(`  ${who}: ${shots.filter((s) => s.role === who).length} pages`);
    }
  } finally {
    await browser.close();
    await stop?.();
  }
  const problems = shots.filter((s) => s.status >= 400 || s.violations.length);
  console.log(`\n${shots.length} screenshots in ${path.relative(process.cwd(), OUT)}/, one folder per person.`);
  if (problems.length) {
    console.log('Look at these:');
    for (const p of problems) console.log(`  ${p.role} · ${p.name} (${p.url}): ${p.status >= 400 ? `answered ${p.status}` : ''}${p.violations.length ? ` axe: ${p.violations.join(', ')}` : ''}`);
    process.exitCode = 1;
  } else {
    console.log('Every page answered 2xx with no accessibility violation found by axe. Now look at them.');
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
