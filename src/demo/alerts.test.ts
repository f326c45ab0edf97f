import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextForEmail } from '../people/service';
import { verifyAuditChain } from '../platform/audit/service';
import { RegisterIndex } from '../identity/register-index';
import { checkForAlert } from '../identity/point-of-care/service';
import { listPresentations } from '../identity/point-of-care/presentations';
import { approvalQueue, listOrganisationAlerts, unitInbox } from '../alerts/lists';
import { seedDemo } from './seed';
import { type DemoAlertsSummary, SHOWCASE, seedDemoAlerts } from './alerts';

/** The demo register a first start adds is written through the services: it must keep working as they change. */
const KEY = Buffer.alloc(32, 7);
const PASSWORD = 'correct horse battery staple 42';
let tdb: TestDatabase;
let summary: DemoAlertsSummary;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, PASSWORD);
  summary = await seedDemoAlerts(tdb.db, { password: PASSWORD, key: KEY, count: 60 });
}, 120_000);
afterAll(async () => tdb?.close());

const ctx = (email: string) => contextForEmail(tdb.db, email, 'demo-alerts-test');

describe('the demo register', () => {
  it('has alerts in every state a first start should show, all through the services', async () => {
    expect(summary.active).toBeGreaterThan(40);
    expect(summary.awaitingApproval + summary.drafts).toBeGreaterThan(0);
    expect(summary.deliveries).toBeGreaterThan(summary.active);
    expect(summary.acknowledged).toBeGreaterThan(0);
    expect(summary.presentations).toBeGreaterThan(0);
    expect((await verifyAuditChain(tdb.db)).ok).toBe(true);
  });

  it('gives each role something real on first sign-in', async () => {
    const designated = await ctx('designated@beacon.example');
    expect((await approvalQueue(tdb.db, designated)).length).toBe(summary.awaitingApproval);
    const midwife = await ctx('midwife@beacon.example');
    expect((await listOrganisationAlerts(tdb.db, midwife)).length).toBeGreaterThan(3);
    const presentations = await listPresentations(tdb.db, midwife);
    expect(presentations.filter((p) => !p.seenAt).length).toBeGreaterThan(0);
    for (const email of ['coordinator.pah@beacon.example', 'coordinator.qah@beacon.example']) {
      const inbox = await unitInbox(tdb.db, await ctx(email));
      expect(
        inbox.items.some((d) => d.acknowledgedAt),
        email,
      ).toBe(true);
      expect(
        inbox.items.some((d) => !d.acknowledgedAt),
        email,
      ).toBe(true);
    }
    // The colleagues who raised the other trusts' alerts can sign in with the demo password too.
    expect((await listOrganisationAlerts(tdb.db, await ctx('midwife.portsmouth@beacon.example'))).length).toBeGreaterThan(0);
  });

  it.each(SHOWCASE.map((s) => [s.says, s] as const))('the README search where %s finds her as a strong match', async (_says, s) => {
    const index = new RegisterIndex({ listen: false, reconcileMs: 0 });
    await index.build(tdb.db);
    const nurse = await ctx('ed.nurse@beacon.example');
    const result = await checkForAlert(tdb.db, nurse, index, KEY, s.search);
    expect(result.candidates[0]?.band).toBe('strong');
    expect(result.candidates.filter((c) => c.band === 'strong')).toHaveLength(1);
  });
});
