/**
 * Checkpoints of the audit chain's head, kept outside the database. The hash chain shows a row that was
 * altered or removed from the middle; removing the newest rows leaves a shorter chain that is still
 * whole. A checkpoint (the head's sequence number and hash, written on a schedule to a file beside the
 * data) lets `beacon audit verify` see that: the row the checkpoint names must still be there, with the
 * same hash. Copy the file elsewhere (or ship it to a log store) for the strongest guarantee.
 */
import fs from 'node:fs';
import path from 'node:path';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/engine';
import { auditEvents } from './schema';

export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';
export const AUDIT_CHECKPOINT_JOB = 'audit.checkpoint';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
}

/** Append the current head to the checkpoint file (nothing when the log is empty or unchanged). */
export async function writeCheckpoint(db: Db, dir: string, now = new Date()): Promise<Checkpoint | null> {
  const [head] = await db.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  if (!head) return null;
  const last = latestCheckpoint(dir);
  if (last && last.seq === head.seq && last.hash === head.hash) return last;
  const cp: Checkpoint = { seq: head.seq, hash: head.hash, at: now.toISOString() };
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, CHECKPOINT_FILE), `${JSON.stringify(cp)}\n`);
  return cp;
}

export function latestCheckpoint(dir: string): Checkpoint | null {
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8');
  } catch {
    return null;
  }
  const lines = text.trim().split('\n').filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const cp = JSON.parse(lines[i]!) as Checkpoint;
      if (Number.isSafeInteger(cp.seq) && typeof cp.hash === 'string') return cp;
    } catch {
      /* a torn last line: use the one before */
    }
  }
  return null;
}

/** Null when the chain still holds the latest checkpoint's row unchanged; otherwise what is wrong. */
export async function checkAgainstCheckpoint(db: Db, dir: string): Promise<{ checkpoint: Checkpoint | null; problem: string | null }> {
  const cp = latestCheckpoint(dir);
  if (!cp) return { checkpoint: null, problem: null };
  const [row] = await db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, cp.seq));
  if (!row)
    return { checkpoint: cp, problem: `event ${cp.seq}, recorded in the checkpoint of ${cp.at}, is no longer in the log: the newest events were removed` };
  if (row.hash !== cp.hash)
    return { checkpoint: cp, problem: `event ${cp.seq} no longer has the hash recorded in the checkpoint of ${cp.at}: the log was rewritten` };
  return { checkpoint: cp, problem: null };
}
