import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startTestApp, type TestApp } from '../../test/support/app';
import { approvalQueue, unitInbox } from '../alerts/lists';
import { seedDemoAlerts } from '../demo/alerts';
import { seedDemoCases } from '../demo/cases';
import { listPresentations, markPresentationSeen } from '../identity/point-of-care/presentations';
import { contextForEmail } from '../people/service';

/** The counts beside the menu items and the urgent banner, on the demo data, for the people they are for. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDemoAlerts(t.database.db, { password: DEMO_PASSWORD, key: t.config.encryptionKey, count: 24 });
  await seedDemoCases(t.database.db);
}, 120_000);
afterAll(async () => t?.close());

const ctx = (email: string) => contextForEmail(t.database.db, email, 'attention-test');

/** The count shown beside a menu item, or null when there is none. */
function countBeside(html: string, href: string): number | null {
  const m = new RegExp(`<a[^>]*href="${href}"[^>]*>[^<]*<span class="beacon-count"[^>]*>(\\d+)`).exec(html);
  return m ? Number(m[1]) : null;
}
const urgentBanner = (html: string) => /<div class="beacon-urgent"[\s\S]*?<\/div>\s*<\/div>/.exec(html)?.[0] ?? null;

describe('what needs me, on every page', () => {
  it('the approver sees how many alerts wait for approval: the same alerts the approval queue lists', async () => {
    const queue = await approvalQueue(t.database.db, await ctx('designated@beacon.example'));
    expect(queue.length).toBeGreaterThan(0);
    const b = await t.browser().signedInAs('designated@beacon.example');
    for (const path of ['/', '/cases', '/alerts']) expect(countBeside((await b.get(path)).body, '/alerts/approvals'), path).toBe(queue.length);
  });

  it('a unit coordinator sees how many deliveries to the unit are not acknowledged; others see no such count', async () => {
    const inbox = await unitInbox(t.database.db, await ctx('coordinator.pah@beacon.example'));
    const waiting = inbox.items.filter((d) => !d.acknowledgedAt).length;
    expect(waiting).toBeGreaterThan(0);
    const b = await t.browser().signedInAs('coordinator.pah@beacon.example');
    expect(countBeside((await b.get('/')).body, '/inbox')).toBe(waiting);
    const nurse = await t.browser().signedInAs('ed.nurse@beacon.example');
    const page = (await nurse.get('/')).body;
    expect(page).not.toContain('beacon-count');
    expect(urgentBanner(page)).toBeNull();
  });

  it('the social worker sees the escalation raised with their council', async () => {
    const b = await t.browser().signedInAs('social.worker@beacon.example');
    expect(countBeside((await b.get('/')).body, '/escalations')).toBe(1);
  });

  it('while a presentation of her team’s alert is unseen, every page says so urgently; once seen, the banner goes', async () => {
    const midwife = await ctx('midwife@beacon.example');
    const unseen = (await listPresentations(t.database.db, midwife)).filter((p) => !p.seenAt);
    expect(unseen.length).toBeGreaterThan(0);
    const b = await t.browser().signedInAs('midwife@beacon.example');
    for (const path of ['/', '/cases', '/alerts', '/account']) {
      const page = (await b.get(path)).body;
      expect(urgentBanner(page), path).toMatch(/Urgent:.*(has presented|have not been seen)/s);
      expect(urgentBanner(page), path).toContain('href="/presentations"');
      expect(countBeside(page, '/presentations'), path).toBe(unseen.length);
    }
    for (const p of unseen) await markPresentationSeen(t.database.db, midwife, p.id);
    const after = (await b.get('/')).body;
    expect(urgentBanner(after)).toBeNull();
    expect(countBeside(after, '/presentations')).toBeNull();
  });
});
