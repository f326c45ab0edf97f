import { describe, expect, it } from 'vitest';
import type { Actor, RequestContext } from '../context';
import type { Db } from '../db/engine';
import { type NavEntry, navigationFor } from './navigation';

const actor = {
  userId: 'u',
  displayName: 'A',
  membershipId: 'm',
  organisationId: 'o',
  organisationName: 'O',
  role: 'safeguarding_practitioner',
  unitId: null,
} as Actor;
const ctx: RequestContext = { actor, ip: null, correlationId: 't' };
const db = {} as Db;

const entries: NavEntry[] = [
  { href: '/alerts', text: 'Alerts', order: 20, permission: 'home.view' },
  { href: '/', text: 'Home', order: 0, permission: 'home.view' },
  { href: '/alerts/approvals', text: 'Approvals', order: 30, permission: 'home.view', attention: async () => 2, attentionText: (n) => `${n} waiting` },
  { href: '/secret', text: 'Secret', order: 5, permission: 'audit.verify', attention: async () => 9 },
  {
    href: '/presentations',
    text: 'Presentations',
    order: 50,
    permission: 'home.view',
    attention: async () => 1,
    urgent: true,
    urgentText: () => 'She has presented.',
  },
  { href: '/inbox', text: 'Inbox', order: 40, permission: 'home.view', attention: async () => 0, urgent: true },
];

describe('navigationFor', () => {
  it('orders the items the person may see, marks the longest matching one current, and counts what needs them', async () => {
    const nav = await navigationFor(db, ctx, entries, '/alerts/approvals/123');
    expect(nav.items.map((i) => i.href)).toEqual(['/', '/alerts', '/alerts/approvals', '/inbox', '/presentations']);
    expect(nav.items.filter((i) => i.current).map((i) => i.href)).toEqual(['/alerts/approvals']);
    expect(nav.items.find((i) => i.href === '/alerts/approvals')).toMatchObject({ count: 2, countText: '2 waiting' });
    expect(nav.items.find((i) => i.href === '/inbox')).toMatchObject({ count: 0, countText: null });
    // Urgent only while its count is above nought; never for an item the person cannot see.
    expect(nav.urgent).toEqual([{ text: 'She has presented.', href: '/presentations', linkText: 'See presentations' }]);
  });

  it('a count that fails is left out and reported, and the page still gets its menu', async () => {
    const failures: unknown[] = [];
    const broken: NavEntry[] = [
      ...entries.slice(0, 2),
      { href: '/x', text: 'X', order: 60, permission: 'home.view', attention: async () => Promise.reject(new Error('down')), urgent: true },
    ];
    const nav = await navigationFor(db, ctx, broken, '/', (e) => failures.push(e));
    expect(nav.items.map((i) => [i.href, i.count])).toEqual([
      ['/', 0],
      ['/alerts', 0],
      ['/x', 0],
    ]);
    expect(nav.urgent).toEqual([]);
    expect(failures).toHaveLength(1);
  });

  it('someone signed out gets no menu and no counts are asked for', async () => {
    let asked = 0;
    const counted: NavEntry[] = [{ href: '/', text: 'Home', order: 0, permission: 'home.view', attention: async () => ++asked }];
    expect(await navigationFor(db, { actor: null, ip: null, correlationId: 't' }, counted, '/')).toEqual({ items: [], urgent: [] });
    expect(await navigationFor(db, null, counted, '/')).toEqual({ items: [], urgent: [] });
    expect(asked).toBe(0);
  });
});
