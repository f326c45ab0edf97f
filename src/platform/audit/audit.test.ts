import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, count, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, openTestDatabase, type TestDatabase } from '../../../test/support/db';
import type { Actor, RequestContext } from '../context';
import type { Db } from '../db/engine';
import { auditHash, canonicalJson, GENESIS_HASH, type HashedAuditFields } from './hash';
import { auditEvents } from './schema';
import { recordAudit, recordAuditNow, recordAuditWith, verifyAuditChain } from './service';
import { CHECKPOINT_FILE, checkAgainstCheckpoint, latestCheckpoint, writeCheckpoint } from './checkpoint';

const actor: Actor = {
  userId: randomUUID(),
  displayName: 'Audit Tester',
  membershipId: randomUUID(),
  organisationId: randomUUID(),
  organisationName: 'Test organisation',
  role: 'system_admin',
  unitId: null,
};
const ctx: RequestContext = { actor, ip: '192.0.2.10', correlationId: 'audit-test' };

let tdb: TestDatabase;
let db: Db;

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
});
afterAll(async () => {
  await tdb?.close();
});

const auditCount = async () => (await db.select({ n: count() }).from(auditEvents))[0]!.n;
const allRows = () => db.select().from(auditEvents).orderBy(asc(auditEvents.seq));

/**
 * Run statements with triggers disabled, as only a superuser can: the way a tamperer with direct
 * database access would. PGlite's one connection is the superuser; on PostgreSQL the test connects as
 * the (superuser) owner rather than through the service's pool, which runs as beacon_app.
 */
async function tamper(...statements: [string, unknown[]?][]): Promise<void> {
  if (!tdb.url) {
    await tdb.query('SET session_replication_role = replica');
    try {
      for (const [s, p] of statements) await tdb.query(s, p);
    } finally {
      await tdb.query('RESET session_replication_role');
    }
    return;
  }
  const su = new pg.Client({ connectionString: tdb.url });
  await su.connect();
  try {
    await su.query('SET session_replication_role = replica');
    for (const [s, p] of statements) await su.query(s, p);
  } finally {
    await su.end();
  }
}

/** Write a few events and return the rows as they now stand. */
async function writeEvents(n: number, label: string) {
  for (let i = 0; i < n; i++) {
    await recordAuditNow(db, ctx, {
      action: `test.${label}`,
      verb: 'U',
      entityType: 'Thing',
      entityId: `${label}-${i}`,
      detail: { i, label, nested: { b: 2, a: [1, { y: 'x', x: 'y' }] } },
    });
  }
  return allRows();
}

/** The messages of an error and its causes (drizzle wraps driver errors). */
async function failure(p: PromiseLike<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const parts: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
    return parts.join(' | ');
  }
  throw new Error('expected the query to fail');
}

type Row = typeof auditEvents.$inferSelect;
/** Put a row back exactly as it was (INSERT is allowed; the trigger only refuses UPDATE and DELETE). */
async function restore(row: Row) {
  await tamper(['DELETE FROM audit_events WHERE seq = $1', [row.seq]]);
  await db.insert(auditEvents).values(row);
}

describe('audit chain', () => {
  it('chains events: seq counts up from 1, each prev_hash is the previous hash, and the chain verifies', async () => {
    const rows = await writeEvents(5, 'chain');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    for (const r of rows) expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    // The actor and context are recorded.
    expect(rows[0]).toMatchObject({
      actorUserId: actor.userId,
      actorName: 'Audit Tester',
      actorRole: 'system_admin',
      actorOrganisationId: actor.organisationId,
      ip: '192.0.2.10',
      correlationId: 'audit-test',
      outcome: 'success',
      verb: 'U',
    });
    expect(rows[2]!.detail).toEqual({ i: 2, label: 'chain', nested: { b: 2, a: [1, { y: 'x', x: 'y' }] } });

    const result = await verifyAuditChain(db);
    expect(result).toEqual({ ok: true, checked: 5, head: { seq: 5, hash: rows[4]!.hash } });
  });

  it('verifies across batch boundaries', async () => {
    await writeEvents(3, 'batch');
    const n = await auditCount();
    const result = await verifyAuditChain(db, 2);
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(n);
    expect(result.head!.seq).toBe(n);
  });

  it('records the system as actor when there is no person', async () => {
    await recordAuditNow(db, { actor: null, ip: null, correlationId: 'job-1', system: 'worker' }, { action: 'test.system', verb: 'E' });
    const [last] = await db.select().from(auditEvents).orderBy(asc(auditEvents.seq)).where(eq(auditEvents.action, 'test.system'));
    expect(last).toMatchObject({ actorUserId: null, actorName: 'system:worker', actorRole: null, ip: null });
  });

  it('detects an altered row and reports its seq', async () => {
    const rows = await writeEvents(3, 'alter');
    const victim = rows[rows.length - 2]!;
    await tamper(['UPDATE audit_events SET action = $1 WHERE seq = $2', ['test.innocent', victim.seq]]);
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken!.seq).toBe(victim.seq);
      expect(result.broken!.problem).toMatch(/altered/);
      expect(result.checked).toBe(victim.seq - 1);
      expect(result.head!.seq).toBe(victim.seq - 1);
    } finally {
      await restore(victim);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('detects altered detail jsonb', async () => {
    const rows = await allRows();
    const victim = rows.find((r) => r.action === 'test.chain' && (r.detail as { i: number }).i === 3)!;
    await tamper([`UPDATE audit_events SET detail = jsonb_set(detail, '{nested,b}', '3') WHERE seq = $1`, [victim.seq]]);
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken).toEqual({ seq: victim.seq, problem: expect.stringMatching(/altered/) });
    } finally {
      await restore(victim);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('detects a row whose hash was recomputed after editing: the next row no longer follows it', async () => {
    const rows = await allRows();
    const victim = rows[1]!;
    const forged: HashedAuditFields = { ...victim, recordedAt: victim.recordedAt.toISOString(), actorName: 'Someone Else' };
    await tamper(['UPDATE audit_events SET actor_name = $1, hash = $2 WHERE seq = $3', ['Someone Else', auditHash(forged), victim.seq]]);
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken!.seq).toBe(victim.seq + 1);
      expect(result.broken!.problem).toMatch(/does not follow/);
    } finally {
      await restore(victim);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('reports a deleted middle row as missing', async () => {
    const rows = await allRows();
    const victim = rows[3]!;
    await tamper(['DELETE FROM audit_events WHERE seq = $1', [victim.seq]]);
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken!.seq).toBe(victim.seq);
      expect(result.broken!.problem).toBe(`row ${victim.seq} is missing (next row found is ${victim.seq + 1})`);
    } finally {
      await db.insert(auditEvents).values(victim);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('reports the first broken seq when several rows were changed', async () => {
    const rows = await allRows();
    const early = rows[2]!;
    const late = rows[6]!;
    await tamper(
      ['UPDATE audit_events SET reason = $1 WHERE seq = $2', ['edited', late.seq]],
      ['UPDATE audit_events SET ip = $1 WHERE seq = $2', ['198.51.100.1', early.seq]],
    );
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken!.seq).toBe(early.seq);
    } finally {
      await restore(early);
      await restore(late);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('the head row shows that the newest events were removed, which a chain alone cannot', async () => {
    await writeEvents(2, 'newest');
    const rows = await allRows();
    const last = rows[rows.length - 1]!;
    const before = rows[rows.length - 2]!;
    await tamper(['DELETE FROM audit_events WHERE seq >= $1', [before.seq]]);
    try {
      const result = await verifyAuditChain(db);
      expect(result.ok).toBe(false);
      expect(result.broken).toEqual({
        seq: before.seq,
        problem: `rows ${before.seq} to ${last.seq} are missing: the head of the chain says the newest event is ${last.seq}`,
      });
    } finally {
      await db.insert(auditEvents).values([before, last]);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('the database computes the same hash as auditHash, for any text (accents, emoji, quotes, line breaks, big numbers)', async () => {
    const awkward = ["Zoë O'Brien-Łukasiewicz", 'Siân 👶🏽 "quoted" \\ back\\slash', 'line\nbreak\ttab \u2028 sep', 'ｆｕｌｌ　ｗｉｄｔｈ', '\u202Eevil', ''];
    for (const [i, text] of awkward.entries()) {
      await recordAuditNow(
        db,
        { ...ctx, correlationId: text || 'empty' },
        {
          action: 'test.awkward',
          verb: 'U',
          reason: text,
          entityId: text,
          detail: { text, n: [0, -1, 1.5, 2 ** 53 - 1, 1e21, 1e-7], nested: { [text || 'empty']: [null, true, false, { z: text }] }, i },
        },
      );
    }
    const rows = (await allRows()).filter((r) => r.action === 'test.awkward');
    expect(rows).toHaveLength(awkward.length);
    for (const r of rows) {
      const { hash, recordedAt, ...rest } = r;
      expect(auditHash({ ...rest, recordedAt: recordedAt.toISOString() })).toBe(hash);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('detects a row inserted out of band with a forged link', async () => {
    const rows = await allRows();
    const last = rows[rows.length - 1]!;
    // Correct seq and prev_hash but a made-up hash.
    await db.insert(auditEvents).values({ ...last, seq: last.seq + 1, prevHash: last.hash, hash: 'f'.repeat(64), action: 'test.forged' });
    const result = await verifyAuditChain(db);
    expect(result.ok).toBe(false);
    expect(result.broken!.seq).toBe(last.seq + 1);
    await tamper(['DELETE FROM audit_events WHERE seq = $1', [last.seq + 1]]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});

describe('append-only', () => {
  it('refuses UPDATE and DELETE through the service connection', async () => {
    const before = await allRows();
    const expected = onPostgres() ? /permission denied/ : /append-only: (UPDATE|DELETE) refused/;
    expect(await failure(db.update(auditEvents).set({ action: 'test.rewritten' }).where(eq(auditEvents.seq, 1)))).toMatch(expected);
    expect(await failure(db.delete(auditEvents).where(eq(auditEvents.seq, 1)))).toMatch(expected);
    await expect(tdb.query('DELETE FROM audit_events')).rejects.toThrow(expected);
    await expect(tdb.query('TRUNCATE audit_events')).rejects.toThrow(onPostgres() ? /permission denied/ : /append-only: TRUNCATE refused/);
    expect(await allRows()).toEqual(before);
  });

  it('the trigger refuses UPDATE, DELETE and TRUNCATE even for the owner (triggers enabled)', async () => {
    const before = await auditCount();
    const attempts = ['UPDATE audit_events SET action = action', 'DELETE FROM audit_events WHERE seq = 1', 'TRUNCATE audit_events'];
    if (!tdb.url) {
      for (const s of attempts) await expect(tdb.query(s)).rejects.toThrow(/audit_events is append-only/);
    } else {
      const owner = new pg.Client({ connectionString: tdb.url });
      await owner.connect();
      try {
        const [me] = (await owner.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows;
        expect(me.rolsuper).toBe(true);
        for (const s of attempts) await expect(owner.query(s)).rejects.toThrow(/audit_events is append-only/);
      } finally {
        await owner.end();
      }
    }
    expect(await auditCount()).toBe(before);
  });

  it.runIf(onPostgres())('on PostgreSQL the service runs as beacon_app, which holds no UPDATE or DELETE on audit_events', async () => {
    const [row] = await tdb.query<{ u: string; ins: boolean; upd: boolean; del: boolean; trunc: boolean }>(
      `SELECT current_user AS u,
              has_table_privilege('audit_events', 'INSERT') AS ins,
              has_table_privilege('audit_events', 'UPDATE') AS upd,
              has_table_privilege('audit_events', 'DELETE') AS del,
              has_table_privilege('audit_events', 'TRUNCATE') AS trunc`,
    );
    expect(row).toEqual({ u: 'beacon_app', ins: true, upd: false, del: false, trunc: false });
    // The head only moves on: beacon_app may update it, never add or remove it.
    const [head] = await tdb.query<{ ins: boolean; upd: boolean; del: boolean; trunc: boolean }>(
      `SELECT has_table_privilege('audit_head', 'INSERT') AS ins,
              has_table_privilege('audit_head', 'UPDATE') AS upd,
              has_table_privilege('audit_head', 'DELETE') AS del,
              has_table_privilege('audit_head', 'TRUNCATE') AS trunc`,
    );
    expect(head).toEqual({ ins: false, upd: true, del: false, trunc: false });
  });

  it('the head of the chain cannot be deleted, on either engine', async () => {
    expect(await failure(tdb.query('DELETE FROM audit_head'))).toMatch(onPostgres() ? /permission denied/ : /audit_head cannot be removed: DELETE refused/);
    expect(await failure(tdb.query('TRUNCATE audit_head'))).toMatch(onPostgres() ? /permission denied/ : /audit_head cannot be removed: TRUNCATE refused/);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});

describe('appending', () => {
  it('concurrent appends (20 transactions at once) keep one unbroken chain', async () => {
    const before = await auditCount();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction((tx) => recordAudit(tx, { ...ctx, correlationId: `concurrent-${i}` }, { action: 'test.concurrent', verb: 'C', entityId: String(i) })),
      ),
    );
    const rows = await allRows();
    expect(rows).toHaveLength(before + 20);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: before + 20 }, (_, i) => i + 1));
    const concurrent = rows.filter((r) => r.action === 'test.concurrent');
    expect(new Set(concurrent.map((r) => r.entityId)).size).toBe(20);
    const result = await verifyAuditChain(db);
    expect(result).toMatchObject({ ok: true, checked: before + 20 });
  });

  it('recordAuditWith makes the change and records it in one statement: both or neither', async () => {
    const table = `audit_with_${randomUUID().slice(0, 8)}`;
    // Created as the owner (on PostgreSQL the service's role may not create tables).
    await tamper(
      [`CREATE TABLE ${table} (id int PRIMARY KEY, note text NOT NULL)`],
      ...(onPostgres() ? [[`GRANT SELECT, INSERT ON ${table} TO beacon_app`] as [string]] : []),
    );
    try {
      const before = await auditCount();
      await recordAuditWith(db, ctx, { action: 'test.with', verb: 'C', entityId: '1' }, sql`INSERT INTO ${sql.raw(table)} (id, note) VALUES (1, ${'first'})`);
      expect(await tdb.query(`SELECT id, note FROM ${table}`)).toEqual([{ id: 1, note: 'first' }]);
      expect(await auditCount()).toBe(before + 1);
      // The change fails (the same id again): no event is recorded, and the chain does not move.
      await expect(
        recordAuditWith(db, ctx, { action: 'test.with', verb: 'C', entityId: '1' }, sql`INSERT INTO ${sql.raw(table)} (id, note) VALUES (1, ${'again'})`),
      ).rejects.toThrow();
      expect(await auditCount()).toBe(before + 1);
      expect(await tdb.query(`SELECT id, note FROM ${table}`)).toEqual([{ id: 1, note: 'first' }]);
      // Many at once keep one chain.
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          recordAuditWith(
            db,
            { ...ctx, correlationId: `with-${i}` },
            { action: 'test.with', verb: 'C', entityId: String(i + 2) },
            sql`INSERT INTO ${sql.raw(table)} (id, note) VALUES (${i + 2}, ${'many'})`,
          ),
        ),
      );
      expect(await auditCount()).toBe(before + 13);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await tamper([`DROP TABLE ${table}`]);
    }
  });

  it('an event recorded in a transaction that rolls back leaves no row', async () => {
    const before = await auditCount();
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, ctx, { action: 'test.rolled-back', verb: 'C' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await auditCount()).toBe(before);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.action, 'test.rolled-back'))).toEqual([]);
    // The next event takes the next seq: no gap was left.
    await recordAuditNow(db, ctx, { action: 'test.after-rollback', verb: 'C' });
    const rows = await allRows();
    expect(rows[rows.length - 1]!.seq).toBe(before + 1);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});

describe('hash', () => {
  const fields: HashedAuditFields = {
    seq: 1,
    recordedAt: '2025-01-01T00:00:00.000Z',
    verb: 'C',
    action: 'x',
    outcome: 'success',
    actorUserId: null,
    actorName: null,
    actorOrganisationId: null,
    actorRole: null,
    entityType: null,
    entityId: null,
    reason: null,
    ip: null,
    correlationId: null,
    detail: { b: 1, a: { d: 2, c: 3 } },
    prevHash: GENESIS_HASH,
  };

  it('does not depend on object key order (jsonb reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { z: 1, y: 2 }] } })).toBe('{"a":{"c":[3,{"y":2,"z":1}],"d":2},"b":1}');
    expect(auditHash(fields)).toBe(auditHash({ ...fields, detail: { a: { c: 3, d: 2 }, b: 1 } }));
  });

  it('changes when any covered field or the previous hash changes', () => {
    const h = auditHash(fields);
    expect(auditHash({ ...fields, action: 'y' })).not.toBe(h);
    expect(auditHash({ ...fields, detail: { b: 2, a: { d: 2, c: 3 } } })).not.toBe(h);
    expect(auditHash({ ...fields, prevHash: 'a'.repeat(64) })).not.toBe(h);
    expect(auditHash({ ...fields, actorName: '' })).not.toBe(h); // '' is not null
    expect(auditHash({ ...fields, detail: undefined })).toBe(auditHash({ ...fields, detail: null }));
  });
});

describe('checkpoints of the head, kept outside the database', () => {
  it('show that the newest events were removed, even by someone who also moved the head back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-audit-cp-'));
    try {
      await writeEvents(3, 'checkpointed');
      const cp = await writeCheckpoint(db, dir);
      expect(cp).not.toBeNull();
      expect(latestCheckpoint(dir)).toEqual(cp);
      // Unchanged head: no new line.
      await writeCheckpoint(db, dir);
      expect(fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8').trim().split('\n')).toHaveLength(1);
      expect((await checkAgainstCheckpoint(db, dir)).problem).toBeNull();

      // Truncate the newest two rows and rewind the head to match, as someone with the database's superuser could.
      const [kept] = await db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.seq, cp!.seq - 2));
      await tamper(
        [`DELETE FROM audit_events WHERE seq > $1`, [cp!.seq - 2]],
        ['UPDATE audit_head SET seq = $1, prev_hash = $2, hash = $3', [kept!.seq, kept!.prevHash, kept!.hash]],
      );
      expect((await verifyAuditChain(db)).ok).toBe(true); // the chain and its head agree: only the checkpoint knows
      const after = await checkAgainstCheckpoint(db, dir);
      expect(after.problem).toMatch(/no longer in the log: the newest events were removed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
