import { and, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startTestApp, type TestApp } from '../../test/support/app';
import { SHOWCASE, seedDemoAlerts } from '../demo/alerts';
import { auditEvents } from '../platform/audit/schema';
import { contextForEmail } from '../people/service';
import { approvalQueue, listOrganisationAlerts } from './lists';

/** Lists show what people recognise (her name, due date and gestation) to those who may see the alerts, and the read is recorded. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDemoAlerts(t.database.db, { password: DEMO_PASSWORD, key: t.config.encryptionKey, count: 20 });
}, 120_000);
afterAll(async () => t?.close());

const lastSeq = async () => (await t.database.db.select({ seq: auditEvents.seq }).from(auditEvents)).reduce((m, r) => Math.max(m, r.seq), 0);

describe('alert lists', () => {
  it('the organisation’s alerts name each woman, with her due date and gestation today; the list read is audited', async () => {
    const midwife = await contextForEmail(t.database.db, 'midwife@beacon.example', 'lists-test');
    const before = await lastSeq();
    const list = await listOrganisationAlerts(t.database.db, midwife);
    expect(list.map((a) => a.name)).toEqual(expect.arrayContaining(SHOWCASE.map((s) => `${s.woman.given} ${s.woman.family}`)));
    const [read] = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(gt(auditEvents.seq, before), eq(auditEvents.action, 'alert.list')));
    expect(read).toMatchObject({ actorUserId: midwife.actor.userId, detail: { count: list.length } });
    const page = (await (await t.browser().signedInAs('midwife@beacon.example')).get('/alerts')).body;
    expect(page).toContain('Rebecca Thornbury');
    expect(page).toMatch(/\d+\+\d weeks today/);
  });

  it('the approval queue names each woman for the approver, and another organisation’s staff never see the names', async () => {
    const queue = await approvalQueue(t.database.db, await contextForEmail(t.database.db, 'designated@beacon.example', 'lists-test'));
    expect(queue.length).toBeGreaterThan(0);
    const page = (await (await t.browser().signedInAs('designated@beacon.example')).get('/alerts/approvals')).body;
    for (const a of queue) expect(page).toContain(a.name);
    const nurse = await t.browser().signedInAs('ed.nurse@beacon.example');
    expect((await nurse.get('/alerts')).status).toBe(403);
    expect((await nurse.get('/alerts/approvals')).body).not.toContain(queue[0]!.name);
  });
});

describe('who has viewed it', () => {
  it('people outside the team that raised and approved it are listed apart from the team, one row a person', async () => {
    const midwife = await contextForEmail(t.database.db, 'midwife@beacon.example', 'lists-test');
    const ours = (await listOrganisationAlerts(t.database.db, midwife)).filter((a) => a.status === 'active');
    const b = await t.browser().signedInAs('midwife@beacon.example');
    let checked = 0;
    for (const a of ours) {
      const page = (await b.get(`/alerts/${a.id}`)).body;
      const outside = page.slice(page.indexOf('Outside the team that raised and approved it'), page.indexOf('The team that raised and approved it ('));
      if (!outside.includes('Grace Okafor')) continue; // the Queen Alexandra coordinator (Portsmouth) read this one
      // The Princess Anne coordinator is in the midwife's own trust: the team, not outside it.
      expect(outside).not.toContain('Tom Hughes');
      expect(outside).not.toContain('Priya Shah');
      expect(outside.match(/Grace Okafor/g)).toHaveLength(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
