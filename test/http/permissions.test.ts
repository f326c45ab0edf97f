import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/demo/directory-data';
import { ROLES } from '../../src/platform/context';
import { organisations, units } from '../../src/directory/schema';
import { startTestApp, type Browser, type TestApp } from '../support/app';

/**
 * Which pages each demo person may open. Written out in full so that a change to the access policy
 * must be made here too. 200 = shown, 403 = refused (and audited).
 */
type Page =
  | 'GET /users'
  | 'GET /users/new'
  | 'GET /organisations/new'
  | 'GET /organisations/:id/edit'
  | 'GET /audit'
  | 'POST /audit/verify'
  | 'GET /units/PAH/edit'
  | 'GET /units/QAH/edit';
const PAGES: Page[] = [
  'GET /users',
  'GET /users/new',
  'GET /organisations/new',
  'GET /organisations/:id/edit',
  'GET /audit',
  'POST /audit/verify',
  'GET /units/PAH/edit',
  'GET /units/QAH/edit',
];

const EXPECTED: Record<string, Record<Page, 200 | 403>> = {
  // system_admin
  'admin@beacon.example': {
    'GET /users': 200,
    'GET /users/new': 200,
    'GET /organisations/new': 200,
    'GET /organisations/:id/edit': 200,
    'GET /audit': 200,
    'POST /audit/verify': 200,
    'GET /units/PAH/edit': 200,
    'GET /units/QAH/edit': 200,
  },
  // safeguarding_practitioner
  'midwife@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // designated_professional
  'designated@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // unit_coordinator for the Princess Anne Hospital maternity unit: their own unit only
  'coordinator.pah@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 200,
    'GET /units/QAH/edit': 403,
  },
  // unit_coordinator for the Queen Alexandra Hospital maternity unit: their own unit only
  'coordinator.qah@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 200,
  },
  // point_of_care
  'ed.nurse@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // social_worker
  'social.worker@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // partnership_manager
  'partnership@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // auditor: reads people and the audit log, changes nothing
  'auditor@beacon.example': {
    'GET /users': 200,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 200,
    'POST /audit/verify': 200,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // training_admin: runs the partnership's training, nothing else
  'training@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // subgroup_chair
  'lig.chair@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // board_member
  'board@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
  // agency_lead
  'agency.lead@beacon.example': {
    'GET /users': 403,
    'GET /users/new': 403,
    'GET /organisations/new': 403,
    'GET /organisations/:id/edit': 403,
    'GET /audit': 403,
    'POST /audit/verify': 403,
    'GET /units/PAH/edit': 403,
    'GET /units/QAH/edit': 403,
  },
};

let t: TestApp;
let ids: { rhm: string; pah: string; qah: string };

beforeAll(async () => {
  t = await startTestApp();
  const db = t.database.db;
  const [rhm] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHM'));
  const [pah] = await db.select({ id: units.id }).from(units).where(eq(units.name, 'Princess Anne Hospital maternity unit'));
  const [qah] = await db.select({ id: units.id }).from(units).where(eq(units.name, 'Queen Alexandra Hospital maternity unit'));
  ids = { rhm: rhm!.id, pah: pah!.id, qah: qah!.id };
});
afterAll(async () => {
  await t?.close();
});

async function open(b: Browser, page: Page) {
  const [method, pattern] = page.split(' ') as ['GET' | 'POST', string];
  const url = pattern.replace(':id', ids.rhm).replace('PAH', ids.pah).replace('QAH', ids.qah);
  return method === 'GET' ? b.get(url) : b.post(url);
}

describe('page permissions by role', () => {
  it('the table covers every demo person, every role, and every page', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    for (const [email, row] of Object.entries(EXPECTED)) expect(Object.keys(row).sort(), email).toEqual([...PAGES].sort());
    expect(new Set(DEMO_USERS.map((u) => u.role)).size).toBe(ROLES.length);
  });

  it.each(DEMO_USERS.map((u) => [u.role, u.email] as const))('%s (%s)', async (_role, email) => {
    const b = await t.browser().signedInAs(email);
    const actual: Record<string, number> = {};
    for (const page of PAGES) {
      const res = await open(b, page);
      actual[page] = res.status;
      if (res.status === 403) expect(res.body, page).toContain('You do not have permission to see this page');
    }
    expect(actual).toEqual(EXPECTED[email]);
  });

  it('every refusal above was written to the audit log as access.denied', async () => {
    const rows = await t.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'access.denied'`);
    const refusals = Object.values(EXPECTED)
      .flatMap((row) => Object.values(row))
      .filter((s) => s === 403).length;
    expect(rows[0]!.n).toBe(refusals);
  });

  it('the navigation offers only what the role may open', async () => {
    const auditor = await t.browser().signedInAs('auditor@beacon.example');
    const home = await auditor.get('/');
    expect(home.body).toContain('href="/users"');
    expect(home.body).toContain('href="/audit"');
    const nurse = await t.browser().signedInAs('ed.nurse@beacon.example');
    const nurseHome = await nurse.get('/');
    expect(nurseHome.body).toContain('href="/organisations"');
    expect(nurseHome.body).not.toContain('href="/users"');
    expect(nurseHome.body).not.toContain('href="/audit"');
  });
});
