import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser, screenshot } from './browser';
import { startTestService, type TestService, type TestServiceOptions } from './server';

/** Console errors a page may log on purpose: the browser reports each 4xx answer to a form it posted. */
const EXPECTED_CONSOLE_ERRORS = [/Failed to load resource: the server responded with a status of (400|401|403|404)/];

/**
 * A real service and a real headless Chromium for one browser test file, with what every such test
 * needs: a fresh page per person that records script errors, CSP violations and missing assets, and a
 * screenshot of the current page when a test fails.
 */
export class BrowserSession {
  svc: TestService | undefined;
  browser: Browser | undefined;
  current: Page | undefined;
  private readonly contexts: BrowserContext[] = [];
  private readonly problems = new Map<Page, string[]>();

  async start(opts: TestServiceOptions = {}): Promise<this> {
    const [s, b] = await Promise.allSettled([startTestService(opts), launchBrowser()]);
    if (s.status === 'fulfilled') this.svc = s.value;
    if (b.status === 'fulfilled') this.browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => undefined);
    await this.browser?.close();
    await this.svc?.stop();
  }

  url(p = ''): string {
    return `${this.svc!.url}${p}`;
  }

  get db() {
    return this.svc!.service.database.db;
  }

  async newPage(): Promise<Page> {
    const context = await this.browser!.newContext({ viewport: { width: 1280, height: 900 } });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    this.current = page;
    const seen: string[] = [];
    this.problems.set(page, seen);
    page.on('pageerror', (err) => seen.push(`script error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.some((re) => re.test(msg.text()))) seen.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.request().resourceType() !== 'document' && res.status() >= 400) seen.push(`${res.status()} for ${res.url()}`);
    });
    return page;
  }

  /** The page loaded no script errors, CSP violations or missing assets. */
  noProblems(page: Page): void {
    expect(this.problems.get(page) ?? [], 'script errors, CSP violations or missing assets').toEqual([]);
  }

  async screenshotOnFailure(ctx: { task: { name: string; result?: { state?: string } } }, prefix: string): Promise<void> {
    if (ctx.task.result?.state === 'fail' && this.current && !this.current.isClosed())
      await screenshot(this.current, `failed-${prefix}-${ctx.task.name.slice(0, 40)}`).catch(() => undefined);
  }
}

export const pathOf = (page: Page) => new URL(page.url()).pathname;
export const textOf = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
export const textsOf = async (page: Page, selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
