/**
 * The one rule for pages and links (page-permissions.ts), against the real application: every menu item
 * and home card leads to a page that declares its action; a link is offered to exactly the people the
 * permissions matrix (test/http/route-access.ts) lets through that page; and the declaration is the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { contextFor } from '../../../test/support/alerts';
import { PEOPLE, type Person, ROUTE_ACCESS } from '../../../test/http/route-access';
import { MODULES } from '../../modules';
import { HOME_CARD_LINKS } from '../../home/routes';
import type { Actor } from '../context';
import { and, eq } from 'drizzle-orm';
import { auditEvents } from '../audit/schema';

let t: TestApp;
let actors: Record<Person, Actor>;

beforeAll(async () => {
  t = await startTestApp({ BEACON_DATA_DIR: '/tmp/beacon-page-permissions-test' });
  actors = Object.fromEntries(
    await Promise.all(Object.entries(PEOPLE).map(async ([who, email]) => [who, (await contextFor(t.database.db, email)).actor])),
  ) as Record<Person, Actor>;
}, 60_000);
afterAll(async () => t?.close());

const declared = () => Object.keys(ROUTE_ACCESS).filter((k) => k.startsWith('GET ') && t.app.pagePermissions.permissionOf(k.slice(4)) !== null);

describe('one rule for a page and the links to it', () => {
  it('every menu item leads to a page that declares the same action the item is shown by', () => {
    const items = MODULES.flatMap((m) => m.navigation ?? []).filter((i) => i.href !== '/');
    expect(items.length).toBeGreaterThan(8);
    for (const item of items) expect(t.app.pagePermissions.permissionOf(item.href), item.href).toBe(item.permission);
  });

  it('every home page card leads to a page that declares its action', () => {
    for (const href of HOME_CARD_LINKS) expect(t.app.pagePermissions.permissionOf(href), href).not.toBeNull();
  });

  it('a link is shown to exactly the people the permissions matrix lets through the page', () => {
    const pages = declared();
    expect(pages.length).toBeGreaterThanOrEqual(20);
    const disagreements: string[] = [];
    for (const key of pages) {
      const access = ROUTE_ACCESS[key]!;
      const allowed = new Set(access === '*' ? Object.keys(PEOPLE) : access.split(' ').filter(Boolean));
      for (const who of Object.keys(PEOPLE) as Person[]) {
        const shown = t.app.pagePermissions.may(actors[who], key.slice(4));
        if (shown !== allowed.has(who))
          disagreements.push(`${key}: ${who} ${shown ? 'shown the link' : 'not shown the link'}, matrix says ${allowed.has(who) ? 'allowed' : 'refused'}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('the declaration is the gate: a person it refuses gets 403 and the refusal is audited', async () => {
    const b = await t.browser().signedInAs(PEOPLE.midwife);
    const res = await b.get('/alerts/approvals');
    expect(res.status).toBe(403);
    const denied = await t.database.db
      .select({ detail: auditEvents.detail })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'access.denied'), eq(auditEvents.actorUserId, actors.midwife.userId)));
    expect(denied.map((d) => (d.detail as { attempted?: string }).attempted)).toContain('alert.approve');
    const designated = await t.browser().signedInAs(PEOPLE.designated);
    expect((await designated.get('/alerts/approvals')).status).toBe(200);
  });

  it('the more specific page wins (/alerts/new over /alerts/:id), and a query string does not matter', () => {
    expect(t.app.pagePermissions.permissionOf('/alerts/new?caseId=1')).toBe('alert.raise');
    expect(t.app.pagePermissions.permissionOf('/alerts')).toBe('alert.list');
    expect(t.app.pagePermissions.may(actors.ed, '/alerts/new')).toBe(false);
    expect(t.app.pagePermissions.may(actors.midwife, '/alerts/new')).toBe(true);
    expect(t.app.pagePermissions.may(null, '/cases')).toBe(false);
  });
});
