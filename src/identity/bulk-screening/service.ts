import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import { systemContext, type RequestContext } from '../../platform/context';
import { authorize } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { decrypt, encrypt } from '../../platform/crypto';
import { enqueue } from '../../platform/jobs/queue';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { isUuid } from '../../directory/service';
import type { RegisterIndex } from '../register-index';
import { matchesToCsv, readScreeningCsv, screen, validateRows, type ScreeningMatch, type ScreeningProblem } from '../screening';
import { screeningRuns } from './schema';

export const SCREENING_JOB = 'screening.run';
export const SCREENING_PURGE_JOB = 'screening.purge';
/** Uploads larger than this are refused: split the list. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Rows screened between progress updates. */
const CHUNK = 500;
/** How long a list and its matches are kept (sealed) for the person who ran it. */
const KEEP_HOURS = 24;
const TOP = 5;

const seal = (key: Buffer, runId: string, part: 'input' | 'result', data: Buffer) => encrypt(key, data, `screening:${runId}:${part}`);
const unseal = (key: Buffer, runId: string, part: 'input' | 'result', blob: Buffer) => decrypt(key, blob, `screening:${runId}:${part}`);

/**
 * Accept an uploaded list and queue its screening. A file that is not a usable CSV (no id column,
 * broken quoting, too big) is refused at once, with nothing stored; row problems are reported later
 * with their line numbers and do not stop the other rows.
 */
export async function startScreening(db: Db, ctx: RequestContext, key: Buffer, upload: { fileName: string | null; data: Buffer }): Promise<string> {
  authorize(ctx.actor, 'alert.screen');
  if (upload.data.length === 0) throw new ValidationError({ file: 'Select a CSV file of people to screen' });
  if (upload.data.length > MAX_UPLOAD_BYTES) throw new ValidationError({ file: 'The file must be smaller than 20 MB: split the list into smaller files' });
  const text = upload.data.toString('utf8');
  const read = readScreeningCsv(text);
  if (read.problems.length) throw new ValidationError({ file: `The file cannot be screened: line ${read.problems[0]!.line}: ${read.problems[0]!.message}` });
  if (read.rows.length === 0) throw new ValidationError({ file: 'The file has a header row but no people in it' });
  const actor = ctx.actor;
  return db.transaction(async (tx) => {
    const [run] = await tx
      .insert(screeningRuns)
      .values({ userId: actor.userId, organisationId: actor.organisationId, fileName: upload.fileName?.slice(0, 200) ?? null, totalRows: read.rows.length })
      .returning({ id: screeningRuns.id });
    await tx.update(screeningRuns).set({ inputEnc: seal(key, run!.id, 'input', upload.data) }).where(eq(screeningRuns.id, run!.id));
    await enqueue(tx, SCREENING_JOB, { runId: run!.id }, { idempotencyKey: `screening:${run!.id}` });
    await recordAudit(tx, ctx, { action: 'alert.screen.start', verb: 'E', entityType: 'ScreeningRun', entityId: run!.id, detail: { rows: read.rows.length } });
    return run!.id;
  });
}

/**
 * The job: screen every valid row against the register, recording progress as it goes. Running it
 * again (after a crash) starts the list again from the top, which gives the same answer.
 */
export async function runScreening(db: Db, key: Buffer, index: RegisterIndex, runId: string): Promise<void> {
  const [run] = await db.select().from(screeningRuns).where(eq(screeningRuns.id, runId));
  if (!run || run.status === 'done' || !run.inputEnc) return;
  await db.update(screeningRuns).set({ status: 'running', processedRows: 0 }).where(eq(screeningRuns.id, runId));
  const read = readScreeningCsv(unseal(key, runId, 'input', run.inputEnc).toString('utf8'));
  const { valid, problems } = validateRows(read.rows);
  const matches: ScreeningMatch[] = [];
  const search = (q: Parameters<RegisterIndex['search']>[0], top: number) => index.search(q, top).map((c) => ({ referenceId: c.reference, probability: c.probability, band: c.band }));
  for (let i = 0; i < valid.length; i += CHUNK) {
    matches.push(...screen(valid.slice(i, i + CHUNK), search, TOP));
    // Progress counts every row of the file, including the ones with problems, so it reaches the total.
    const done = Math.min(read.rows.length, Math.round(((i + CHUNK) / Math.max(1, valid.length)) * read.rows.length));
    await db.update(screeningRuns).set({ processedRows: done }).where(eq(screeningRuns.id, runId));
  }
  const matchedPeople = new Set(matches.map((m) => m.inputId)).size;
  await db.transaction(async (tx) => {
    await tx
      .update(screeningRuns)
      .set({ status: 'done', processedRows: read.rows.length, matchedPeople, problems, resultEnc: seal(key, runId, 'result', Buffer.from(JSON.stringify(matches))), finishedAt: new Date() })
      .where(eq(screeningRuns.id, runId));
    await recordAudit(tx, systemContext('screening'), { action: 'alert.screen', verb: 'E', entityType: 'ScreeningRun', entityId: runId, detail: { rows: read.rows.length, screened: valid.length, matchedPeople, matches: matches.length } });
  });
}

/** When the job gives up: the person sees that it failed, not a run that never finishes. */
export async function failScreening(db: Db, runId: string, message: string): Promise<void> {
  await db.update(screeningRuns).set({ status: 'failed', error: message.slice(0, 500), finishedAt: new Date() }).where(eq(screeningRuns.id, runId));
}

export interface ScreeningView {
  id: string;
  fileName: string | null;
  status: string;
  totalRows: number;
  processedRows: number;
  matchedPeople: number;
  problems: ScreeningProblem[];
  matches: ScreeningMatch[] | null;
  createdAt: Date;
  finishedAt: Date | null;
  purged: boolean;
  error: string | null;
}

/** A run, for the person who started it only; reading its matches is audited. */
export async function getScreening(db: Db, ctx: RequestContext, key: Buffer, id: string): Promise<ScreeningView> {
  authorize(ctx.actor, 'alert.screen');
  const [run] = isUuid(id) ? await db.select().from(screeningRuns).where(eq(screeningRuns.id, id)) : [];
  if (!run) throw new NotFoundError('Screening');
  if (run.userId !== ctx.actor.userId) throw new ForbiddenError('alert.screen', 'Only the person who ran a screening can see its results.');
  const matches = run.resultEnc ? (JSON.parse(unseal(key, run.id, 'result', run.resultEnc).toString('utf8')) as ScreeningMatch[]) : null;
  if (matches) await recordAuditNow(db, ctx, { action: 'alert.screen.view', verb: 'R', entityType: 'ScreeningRun', entityId: run.id, detail: { matches: matches.length } });
  return {
    id: run.id,
    fileName: run.fileName,
    status: run.status,
    totalRows: run.totalRows,
    processedRows: run.processedRows,
    matchedPeople: run.matchedPeople,
    problems: run.problems as ScreeningProblem[],
    matches,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    purged: !!run.purgedAt,
    error: run.error,
  };
}

export const screeningCsv = (view: ScreeningView) => matchesToCsv(view.matches ?? []);

export async function recentScreenings(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'alert.screen');
  return db
    .select({ id: screeningRuns.id, fileName: screeningRuns.fileName, status: screeningRuns.status, totalRows: screeningRuns.totalRows, matchedPeople: screeningRuns.matchedPeople, createdAt: screeningRuns.createdAt, purgedAt: screeningRuns.purgedAt })
    .from(screeningRuns)
    .where(eq(screeningRuns.userId, ctx.actor.userId))
    .orderBy(desc(screeningRuns.createdAt))
    .limit(20);
}

/** The periodic purge: lists and matches older than a day are deleted; counts and problems stay. */
export async function purgeScreenings(db: Db, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - KEEP_HOURS * 3_600_000);
  const purged = await db
    .update(screeningRuns)
    .set({ inputEnc: null, resultEnc: null, purgedAt: now })
    .where(and(lt(screeningRuns.createdAt, before), isNull(screeningRuns.purgedAt)))
    .returning({ id: screeningRuns.id });
  return purged.length;
}
