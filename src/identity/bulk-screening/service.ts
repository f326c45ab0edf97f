import { and, desc, eq, gte, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import { systemContext, type RequestContext } from '../../platform/context';
import { authorize, can } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { decrypt, encrypt } from '../../platform/crypto';
import { enqueue } from '../../platform/jobs/queue';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors';
import { isUuid } from '../../directory/service';
import type { RegisterIndex } from '../register-index';
import { matchesToCsv, readScreeningCsv, validateRows, type ScreeningMatch, type ScreeningProblem } from '../screening';
import { rowToQuery } from '../matching/screen';
import { minimumOf, passesThinGate } from '../minimum-search';
import { notifySecurity } from '../../platform/notify/security';
import { users } from '../../platform/auth/schema';
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
export const ROW_NOT_ENOUGH =
  'not enough to screen safely: give a whole last name with a date of birth or full postcode, a whole first name with a date of birth, an NHS number or an identifier (initials are not enough)';

const seal = (key: Buffer, runId: string, part: 'input' | 'result', data: Buffer) => encrypt(key, data, `screening:${runId}:${part}`);
const unseal = (key: Buffer, runId: string, part: 'input' | 'result', blob: Buffer) => decrypt(key, blob, `screening:${runId}:${part}`);

/**
 * Accept an uploaded list and queue its screening. A file that is not a usable CSV (no id column,
 * broken quoting, too big) is refused at once, with nothing stored; row problems are reported later
 * with their line numbers and do not stop the other rows.
 */
export interface ScreeningBudget {
  /** Rows one person may screen in a rolling 24 hours without approval. */
  rowsPerPerson: number;
  /** Rows one organisation may screen in a rolling 24 hours without approval. */
  rowsPerOrganisation: number;
}
export const DEFAULT_SCREENING_BUDGET: ScreeningBudget = { rowsPerPerson: 2000, rowsPerOrganisation: 10000 };

/** Rows screened (or waiting to be) in the last day, by this person and by their organisation. */
async function rowsInLastDay(db: Db, userId: string, organisationId: string, now: Date): Promise<{ person: number; organisation: number }> {
  const since = new Date(now.getTime() - 24 * 3_600_000);
  const [r] = await db
    .select({
      person: sql<number>`coalesce(sum(${screeningRuns.totalRows}) filter (where ${screeningRuns.userId} = ${userId}), 0)::int`,
      organisation: sql<number>`coalesce(sum(${screeningRuns.totalRows}), 0)::int`,
    })
    .from(screeningRuns)
    .where(and(eq(screeningRuns.organisationId, organisationId), gte(screeningRuns.createdAt, since), ne(screeningRuns.status, 'refused')));
  return { person: Number(r?.person ?? 0), organisation: Number(r?.organisation ?? 0) };
}

/**
 * Accept an uploaded list and queue its screening. A file that is not a usable CSV (no id column,
 * broken quoting, too big) is refused at once, with nothing stored; row problems are reported later
 * with their line numbers and do not stop the other rows. A list that would take the person or their
 * organisation over the day's budget waits for a designated professional of the organisation to
 * approve it (and the security contact is told): a whole register is not fished out one list at a time.
 */
export async function startScreening(
  db: Db,
  ctx: RequestContext,
  key: Buffer,
  upload: { fileName: string | null; data: Buffer },
  budget: ScreeningBudget = DEFAULT_SCREENING_BUDGET,
  now = new Date(),
): Promise<string> {
  authorize(ctx.actor, 'alert.screen');
  if (upload.data.length === 0) throw new ValidationError({ file: 'Select a CSV file of people to screen' });
  if (upload.data.length > MAX_UPLOAD_BYTES) throw new ValidationError({ file: 'The file must be smaller than 20 MB: split the list into smaller files' });
  const text = upload.data.toString('utf8');
  const read = readScreeningCsv(text);
  if (read.problems.length) throw new ValidationError({ file: `The file cannot be screened: line ${read.problems[0]!.line}: ${read.problems[0]!.message}` });
  if (read.rows.length === 0) throw new ValidationError({ file: 'The file has a header row but no people in it' });
  const actor = ctx.actor;
  const used = await rowsInLastDay(db, actor.userId, actor.organisationId, now);
  const overBudget = used.person + read.rows.length > budget.rowsPerPerson || used.organisation + read.rows.length > budget.rowsPerOrganisation;
  return db.transaction(async (tx) => {
    const [run] = await tx
      .insert(screeningRuns)
      .values({
        userId: actor.userId,
        organisationId: actor.organisationId,
        fileName: upload.fileName?.slice(0, 200) ?? null,
        totalRows: read.rows.length,
        status: overBudget ? 'awaiting_approval' : 'queued',
        createdAt: now,
      })
      .returning({ id: screeningRuns.id });
    await tx
      .update(screeningRuns)
      .set({ inputEnc: seal(key, run!.id, 'input', upload.data) })
      .where(eq(screeningRuns.id, run!.id));
    await recordAudit(tx, ctx, {
      action: 'alert.screen.start',
      verb: 'E',
      entityType: 'ScreeningRun',
      entityId: run!.id,
      detail: { rows: read.rows.length, overBudget, usedToday: used },
    });
    if (overBudget) {
      await notifySecurity(
        tx,
        ctx,
        {
          kind: 'screening_over_budget',
          summary: `${actor.displayName} uploaded a screening list of ${read.rows.length.toLocaleString('en-GB')} people, over the day's budget (${budget.rowsPerPerson.toLocaleString('en-GB')} a person, ${budget.rowsPerOrganisation.toLocaleString('en-GB')} an organisation). It waits for a designated professional to approve it.`,
          detail: { runId: run!.id, rows: read.rows.length, usedToday: used },
        },
        now,
      );
    } else {
      await enqueue(tx, SCREENING_JOB, { runId: run!.id }, { idempotencyKey: `screening:${run!.id}` });
    }
    return run!.id;
  });
}

/** Lists over the budget waiting for this designated professional's organisation to approve them (no personal data). */
export async function screeningsAwaitingApproval(db: Db, ctx: RequestContext) {
  const actor = ctx.actor;
  if (!actor || !can(actor, 'alert.screen_approve', { organisationId: actor.organisationId })) return [];
  return db
    .select({
      id: screeningRuns.id,
      fileName: screeningRuns.fileName,
      totalRows: screeningRuns.totalRows,
      createdAt: screeningRuns.createdAt,
      by: users.displayName,
    })
    .from(screeningRuns)
    .innerJoin(users, eq(users.id, screeningRuns.userId))
    .where(and(eq(screeningRuns.organisationId, actor.organisationId), eq(screeningRuns.status, 'awaiting_approval')))
    .orderBy(desc(screeningRuns.createdAt))
    .limit(50);
}

/**
 * A designated professional of the same organisation approves (it is queued) or refuses (it is never
 * screened and its list is deleted) a list over the budget. Never their own list.
 */
export async function decideScreening(db: Db, ctx: RequestContext, runId: string, decision: unknown, now = new Date()): Promise<void> {
  const [run] = isUuid(runId) ? await db.select().from(screeningRuns).where(eq(screeningRuns.id, runId)) : [];
  if (!run) throw new NotFoundError('Screening');
  authorize(ctx.actor, 'alert.screen_approve', { organisationId: run.organisationId });
  if (decision !== 'approve' && decision !== 'refuse') throw new ValidationError({ decision: 'Choose whether to approve or refuse the list' });
  if (run.userId === ctx.actor.userId) throw new ValidationError({ decision: 'Someone else must approve a list you uploaded' });
  if (run.status !== 'awaiting_approval') throw new ValidationError({ decision: 'This list is not waiting for approval' });
  await db.transaction(async (tx) => {
    const approved = decision === 'approve';
    await tx
      .update(screeningRuns)
      .set({
        status: approved ? 'queued' : 'refused',
        decidedByUserId: ctx.actor!.userId,
        decidedAt: now,
        ...(approved ? {} : { inputEnc: null, purgedAt: now, finishedAt: now }),
      })
      .where(eq(screeningRuns.id, runId));
    if (approved) await enqueue(tx, SCREENING_JOB, { runId }, { idempotencyKey: `screening:${runId}` });
    await recordAudit(tx, ctx, {
      action: approved ? 'alert.screen.approve' : 'alert.screen.refuse',
      verb: 'U',
      entityType: 'ScreeningRun',
      entityId: runId,
      detail: { rows: run.totalRows },
    });
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
  const checked = validateRows(read.rows);
  const problems = [...checked.problems];
  // Each row must be enough to search safely on its own, as at the point of care (../minimum-search).
  const valid: typeof checked.valid = [];
  const thin = new Map<string, boolean>();
  for (const v of checked.valid) {
    const m = minimumOf(rowToQuery(v.row));
    if (!m.ok) problems.push({ line: v.line, field: 'row', message: ROW_NOT_ENOUGH, severity: 'error' });
    else {
      valid.push(v);
      thin.set(v.row.id, m.thin);
    }
  }
  problems.sort((a, b) => a.line - b.line);
  const matches: ScreeningMatch[] = [];
  const matchedAlerts = new Map<string, string>();
  for (let i = 0; i < valid.length; i += CHUNK) {
    for (const v of valid.slice(i, i + CHUNK)) {
      const found = index.search(rowToQuery(v.row), TOP).filter((c) => passesThinGate(thin.get(v.row.id) ?? true, c.explanation));
      found.forEach((c, rank) => {
        matches.push({ inputId: v.row.id, rank: rank + 1, referenceId: c.reference, probability: c.probability, band: c.band });
        matchedAlerts.set(c.alertId, c.reference);
      });
    }
    // Progress counts every row of the file, including the ones with problems, so it reaches the total.
    const done = Math.min(read.rows.length, Math.round(((i + CHUNK) / Math.max(1, valid.length)) * read.rows.length));
    await db.update(screeningRuns).set({ processedRows: done }).where(eq(screeningRuns.id, runId));
  }
  const matchedPeople = new Set(matches.map((m) => m.inputId)).size;
  const [runner] = await db.select({ name: users.displayName }).from(users).where(eq(users.id, run.userId));
  await db.transaction(async (tx) => {
    await tx
      .update(screeningRuns)
      .set({
        status: 'done',
        processedRows: read.rows.length,
        matchedPeople,
        problems,
        resultEnc: seal(key, runId, 'result', Buffer.from(JSON.stringify(matches))),
        finishedAt: new Date(),
      })
      .where(eq(screeningRuns.id, runId));
    await recordAudit(tx, systemContext('screening'), {
      action: 'alert.screen',
      verb: 'E',
      entityType: 'ScreeningRun',
      entityId: runId,
      detail: { rows: read.rows.length, screened: valid.length, matchedPeople, matches: matches.length },
    });
    // Each alert a list matched hears of it in its access history, against the person who ran the list.
    for (const [alertId, reference] of matchedAlerts) {
      await recordAudit(tx, systemContext('screening'), {
        action: 'alert.screen.match',
        verb: 'R',
        entityType: 'Alert',
        entityId: alertId,
        reason: `matched a person in a screening list run by ${runner?.name ?? 'someone'}`,
        detail: { runId, reference },
        actorUserId: run.userId,
        actorName: runner?.name ?? null,
      });
    }
  });
}

/** When the job gives up: the person sees that it failed, not a run that never finishes. */
export async function failScreening(db: Db, runId: string, message: string): Promise<void> {
  await db
    .update(screeningRuns)
    .set({ status: 'failed', error: message.slice(0, 500), finishedAt: new Date() })
    .where(eq(screeningRuns.id, runId));
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
  if (matches)
    await recordAuditNow(db, ctx, {
      action: 'alert.screen.view',
      verb: 'R',
      entityType: 'ScreeningRun',
      entityId: run.id,
      detail: { matches: matches.length },
    });
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
    .select({
      id: screeningRuns.id,
      fileName: screeningRuns.fileName,
      status: screeningRuns.status,
      totalRows: screeningRuns.totalRows,
      matchedPeople: screeningRuns.matchedPeople,
      createdAt: screeningRuns.createdAt,
      purgedAt: screeningRuns.purgedAt,
    })
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
