import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, openTestDatabase, type TestDatabase } from '../../test/support/db';
import { activeAlert, alertAbout, approveAlert, contextFor, RAISER, submittedAlert, waitFor } from '../../test/support/point-of-care';
import { parseAlertContent } from '../alerts/model';
import { alerts } from '../alerts/schema';
import { cancel, standDown, updateAlert } from '../alerts/service';
import { seedDemo } from '../demo/seed';
import { openDatabase, type Database } from '../platform/db/engine';
import { alertIdentities, detailsToQuery, MAX_IDENTITIES_PER_ALERT, RegisterIndex } from './register-index';

const NOW = new Date();

describe('alertIdentities (pure)', () => {
  const content = parseAlertContent(
    alertAbout({
      given: 'Marisol',
      family: 'Quennell',
      dob: '1998-07-05',
      falseDobs: ['1997-05-07'],
      nhs: '9434765919',
      postcode: 'SO16 6YD',
      previousPostcode: 'PO6 3LY',
      otherNames: [
        { kind: 'alias', given: 'Mari' },
        { kind: 'maiden', family: 'Ashdown' },
      ],
    }),
    NOW,
  );

  it('makes every name × date of birth × NHS number, each with all postcodes and the due date', () => {
    const ids = alertIdentities('a1', content);
    expect(ids).toHaveLength(3 * 2 * 1);
    const pairs = ids.map(({ identity: i }) => `${i.givenNames.join(' ')} ${i.familyNames.join(' ')} ${i.dateOfBirth}`);
    // A name given in part takes the rest from her main name.
    expect(pairs).toEqual(
      expect.arrayContaining(['Marisol Quennell 1998-07-05', 'Marisol Quennell 1997-05-07', 'Mari Quennell 1998-07-05', 'Marisol Ashdown 1997-05-07']),
    );
    for (const { identity } of ids) {
      expect(identity.subjectId).toBe('a1');
      expect(identity.nhsNumber).toBe('9434765919');
      expect(identity.postcodes).toEqual(['SO16 6YD', 'PO6 3LY']);
      expect(identity.edd).toBe(content.pregnancy.edd);
    }
    expect(new Set(ids.map((i) => i.identity.id)).size).toBe(ids.length);
  });

  it('labels where each identity came from without quoting any value', () => {
    const labels = alertIdentities('a1', content).map((i) => i.info.label);
    expect(labels).toContain('her name on the alert');
    expect(labels).toContain('an alias on the alert, with a date of birth known to be false');
    expect(labels).toContain('a maiden name on the alert');
    for (const l of labels) expect(l).not.toMatch(/Marisol|Quennell|1998|SO16/);
  });

  it('adds presentation details as unverified identities, labelled with where and when', () => {
    const ids = alertIdentities('a1', content, [
      {
        id: 'p1',
        details: { givenName: 'Mary', familyName: 'Smith', otherNames: ['Maz Jones'], dateOfBirth: '1998-05-07', postcode: 'BH7 7DW' },
        placeName: 'Royal Bournemouth Hospital emergency department',
        presentedAt: new Date('2026-03-03T10:00:00Z'),
      },
    ]);
    const v = ids.find((i) => i.identity.id === 'a1#p:p1')!;
    expect(v.identity).toMatchObject({ givenNames: ['Mary', 'Maz'], familyNames: ['Smith', 'Jones'], dateOfBirth: '1998-05-07', postcodes: ['BH7 7DW'] });
    expect(v.info).toMatchObject({
      source: 'presentation',
      label: 'details given at Royal Bournemouth Hospital emergency department on 3 March 2026, unverified',
    });
  });

  it('bounds the identities of an alert with very many names, dates and numbers, keeping every value searchable', () => {
    const many = structuredClone(content);
    many.subject.otherNames = Array.from({ length: 20 }, (_, i) => ({ kind: 'alias' as const, name: { given: `Alias${i}`, family: `Name${i}` } }));
    many.subject.datesOfBirth = Array.from({ length: 10 }, (_, i) => ({ value: `199${i}-01-0${(i % 9) + 1}`, knownFalse: i > 0 }));
    many.subject.nhsNumbers = ['9434765919', '9434765870', '9434765889'].map((value) => ({ value, verification: 'unverified' as const }));
    const ids = alertIdentities('a1', many);
    expect(ids.length).toBeLessThanOrEqual(MAX_IDENTITIES_PER_ALERT);
    expect(new Set(ids.map((i) => i.identity.nhsNumber))).toEqual(new Set(['9434765919', '9434765870', '9434765889']));
    expect(new Set(ids.map((i) => i.identity.dateOfBirth)).size).toBe(10);
    expect(new Set(ids.map((i) => i.identity.givenNames[0])).size).toBe(21);
  });

  it('survives content with parts missing (never throws)', () => {
    expect(alertIdentities('a1', {} as never)).toEqual([]);
    const noDob = structuredClone(content);
    noDob.subject.datesOfBirth = [];
    noDob.subject.nhsNumbers = [];
    const ids = alertIdentities('a1', noDob);
    expect(ids).toHaveLength(3);
    expect(ids[0]!.identity.dateOfBirth).toBeUndefined();
  });
});

describe(`the register index on ${onPostgres() ? 'PostgreSQL' : 'PGlite'}`, () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    await seedDemo(tdb.db, 'correct horse battery staple 42');
  });
  afterAll(async () => {
    await tdb?.close();
  });
  const db = () => tdb.db;
  const q = (given: string, family: string, dob: string, postcode?: string) =>
    detailsToQuery({ givenName: given, familyName: family, dateOfBirth: dob, postcode: postcode ?? null });

  it('build indexes active alerts only, with their references', async () => {
    const active = await activeAlert(db(), { given: 'Orla', family: 'Brannigan', dob: '1996-02-11', postcode: 'SO16 6YD' });
    const pending = await submittedAlert(db(), { given: 'Tamsin', family: 'Achterberg', dob: '1994-09-03' });
    const idx = new RegisterIndex({ listen: false, reconcileMs: 0 });
    expect(idx.ready).toBe(false);
    expect(() => idx.search(q('Orla', 'Brannigan', '1996-02-11'))).toThrow(/not built/);
    const built = await idx.build(db());
    expect(built.alerts).toBeGreaterThanOrEqual(1);
    const [hit] = idx.search(q('Orla', 'Brannigan', '1996-02-11'));
    expect(hit).toMatchObject({ alertId: active.id, reference: active.reference, band: 'strong', matchedThrough: 'her name on the alert' });
    expect(idx.search(q('Tamsin', 'Achterberg', '1994-09-03')).map((c) => c.alertId)).not.toContain(pending.id);
    expect(idx.has(pending.id)).toBe(false);

    // Approved: refresh adds it. Updated: refresh replaces its identities. Stood down: refresh removes it.
    await approveAlert(db(), pending.id);
    expect(await idx.refresh(db(), pending.id)).toBe('added');
    expect(idx.search(q('Tamsin', 'Achterberg', '1994-09-03'))[0]?.alertId).toBe(pending.id);
    const raiser = await contextFor(db(), RAISER);
    const renamed = parseAlertContent(
      alertAbout({ given: 'Tamsin', family: 'Achterberg', dob: '1994-09-03', otherNames: [{ kind: 'alias', given: 'Tammy', family: 'Vries' }] }),
      new Date(),
    );
    await updateAlert(db(), raiser, pending.id, renamed, 'She has been using another name');
    expect(await idx.refresh(db(), pending.id)).toBe('updated');
    expect(idx.search(q('Tammy', 'Vries', '1994-09-03'))[0]).toMatchObject({ alertId: pending.id, matchedThrough: 'an alias on the alert' });
    await standDown(db(), raiser, pending.id, 'found_safe', 'Found and safe');
    expect(await idx.refresh(db(), pending.id)).toBe('removed');
    expect(idx.search(q('Tamsin', 'Achterberg', '1994-09-03')).map((c) => c.alertId)).not.toContain(pending.id);
    expect(await idx.refresh(db(), pending.id)).toBe('unchanged');
  });

  it('reconciliation finds what it missed: new, changed and closed alerts', async () => {
    const idx = new RegisterIndex({ listen: false, reconcileMs: 0 });
    await idx.build(db());
    const before = idx.alertCount;
    const a = await activeAlert(db(), { given: 'Ysolde', family: 'Penhaligon', dob: '1999-12-01' });
    const b = await activeAlert(db(), { given: 'Briony', family: 'Kettlewell', dob: '2001-04-22' });
    expect(idx.search(q('Ysolde', 'Penhaligon', '1999-12-01'))).toEqual([]);
    expect(await idx.reconcile(db())).toEqual({ added: 2, updated: 0, removed: 0 });
    expect(idx.alertCount).toBe(before + 2);
    expect(idx.search(q('Ysolde', 'Penhaligon', '1999-12-01'))[0]?.alertId).toBe(a.id);
    // Nothing changed: nothing reloaded.
    expect(await idx.reconcile(db())).toEqual({ added: 0, updated: 0, removed: 0 });
    await cancel(db(), await contextFor(db(), RAISER), b.id, 'Raised in error');
    const raiser = await contextFor(db(), RAISER);
    await updateAlert(db(), raiser, a.id, parseAlertContent(alertAbout({ given: 'Ysolde', family: 'Trevithick', dob: '1999-12-01' }), new Date()), 'Married');
    expect(await idx.reconcile(db())).toEqual({ added: 0, updated: 1, removed: 1 });
    expect(idx.search(q('Ysolde', 'Trevithick', '1999-12-01'))[0]?.alertId).toBe(a.id);
    expect(idx.search(q('Briony', 'Kettlewell', '2001-04-22')).map((c) => c.alertId)).not.toContain(b.id);
  });

  it('LISTEN: an alert approved in another transaction is found within a second, with no call to refresh', async () => {
    const idx = new RegisterIndex({ reconcileMs: 0 });
    await idx.start(db());
    try {
      expect(idx.health()).toMatchObject({ ready: true, listening: true, stale: false });
      const a = await submittedAlert(db(), { given: 'Caoimhe', family: 'Dunleavy', dob: '1997-03-08', postcode: 'PO6 3LY' });
      const approvedAt = Date.now();
      await approveAlert(db(), a.id);
      const found = await waitFor(() => idx.search(q('Caoimhe', 'Dunleavy', '1997-03-08'))[0]?.alertId === a.id, 2000);
      expect(found.value).toBe(true);
      expect(Date.now() - approvedAt).toBeLessThan(1000);
      // Stood down: gone just as fast.
      await standDown(db(), await contextFor(db(), RAISER), a.id, 'found_safe', null);
      const gone = await waitFor(() => !idx.has(a.id), 2000);
      expect(gone.value).toBe(true);
    } finally {
      await idx.stop();
    }
    expect(idx.health().listening).toBe(false);
  });

  it('the periodic reconciliation runs on its own when not listening, and health says when it is stale', async () => {
    const idx = new RegisterIndex({ listen: false, reconcileMs: 100 });
    await idx.start(db());
    try {
      expect(idx.health()).toMatchObject({ ready: true, listening: false, stale: false });
      const a = await activeAlert(db(), { given: 'Perpetua', family: 'Oyelaran', dob: '1995-06-30' });
      const found = await waitFor(() => idx.has(a.id), 3000);
      expect(found.value).toBe(true);
      expect(idx.health(Date.now() + 10_000).stale).toBe(true);
    } finally {
      await idx.stop();
    }
  });

  it('a trigger notifies on status and version changes only', async () => {
    const a = await activeAlert(db(), { given: 'Henrietta', family: 'Zabłocka', dob: '1993-08-19' });
    const idx = new RegisterIndex({ reconcileMs: 0 });
    await idx.start(db());
    try {
      const before = idx.changesApplied;
      // A change that is neither status nor version (updated_at) sends nothing.
      await db().update(alerts).set({ updatedAt: new Date() }).where(eq(alerts.id, a.id));
      await new Promise((r) => setTimeout(r, 300));
      expect(idx.changesApplied).toBe(before);
    } finally {
      await idx.stop();
    }
  });
});

/**
 * Two processes on one PostgreSQL database, as in production: each has its own connection pool and
 * its own index. An alert approved through one is found through the other within a second.
 * (src/identity/point-of-care/routes.test.ts does the same with a second real server process.)
 */
const twoTitle = `two register indexes on one PostgreSQL database (separate connections)${onPostgres() ? '' : ' (skipped: PGlite is embedded in one process, so nothing else can share it; set TEST_DATABASE_URL)'}`;
describe.skipIf(!onPostgres())(twoTitle, () => {
  let tdb: TestDatabase;
  let other: Database;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    await seedDemo(tdb.db, 'correct horse battery staple 42');
    other = await openDatabase({ databaseUrl: tdb.url! });
  });
  afterAll(async () => {
    await other?.close();
    await tdb?.close();
  });

  it('an alert approved through one is found through the other within a second', async () => {
    const mine = new RegisterIndex({ reconcileMs: 0 });
    const theirs = new RegisterIndex({ reconcileMs: 0 });
    await Promise.all([mine.start(tdb.db), theirs.start(other.db)]);
    try {
      const a = await submittedAlert(tdb.db, { given: 'Lowenna', family: 'Trewartha', dob: '2000-10-10', postcode: 'SO16 6YD' });
      const approvedAt = Date.now();
      await approveAlert(tdb.db, a.id);
      const query = detailsToQuery({ givenName: 'Lowenna', familyName: 'Trewartha', dateOfBirth: '2000-10-10' });
      const found = await waitFor(() => theirs.search(query)[0]?.alertId === a.id, 3000, 5);
      const elapsed = Date.now() - approvedAt;
      expect(found.value).toBe(true);
      expect(elapsed).toBeLessThan(1000);
      console.info(`approved through one connection, found through the other after ${elapsed} ms`);
    } finally {
      await Promise.all([mine.stop(), theirs.stop()]);
    }
  });
});
