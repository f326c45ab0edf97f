/**
 * Evidence that an action worked. A link to one of Beacon's own records is read through that record's own
 * service as the person adding it (so nobody can attach what they may not see), and what it showed then is
 * kept in words beside the link; a file is kept as uploaded. Adding evidence is `tracker.respond` on the action.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { mayAtAll } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { formatDate, londonDate } from '../../platform/dates';
import { isUuid } from '../../directory/service';
import { courseEvidence, courseEvidenceChoices } from '../../learning/evidence';
import { libraryEvidenceChoices, readershipEvidence, versionEvidence } from '../../library/evidence';
import { getRun, listRuns } from '../audits';
import { RAG_LABELS } from '../audit-rules';
import { requireAction, requireReview } from './access';
import { evidenceLinkSchema, fileNoteSchema, LIMITS } from './model';
import { trackerActions, trackerEvidence, trackerRecommendations } from './schema';
import type { EvidenceKind } from './rules';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

/** What this person could link to an action: the records each capability lets them read. */
export async function evidenceChoices(db: Db, ctx: RequestContext, actionId: string) {
  await requireAction(db, ctx, actionId, 'tracker.respond');
  const library = await libraryEvidenceChoices(db, ctx);
  const runs = mayAtAll(ctx.actor, 'assurance.view') || ctx.system ? (await listRuns(db, ctx)).filter((r) => r.status === 'frozen') : [];
  return {
    courses: (await courseEvidenceChoices(db, ctx)).map((c) => ({ id: c.id, text: c.title })),
    documents: library.versions.map((v) => ({ id: v.versionId, text: v.text })),
    readership: library.readership.map((d) => ({ id: d.id, text: d.text })),
    runs: runs.map((r) => ({ id: r.id, text: `${r.title} (signed off ${r.frozenAt ? formatDate(londonDate(r.frozenAt)) : ''})` })),
  };
}

/** A frozen audit as evidence: its title, who signed it off and its RAG counts, with its hash. */
async function runEvidence(db: Db, ctx: RequestContext, runId: string) {
  const { run, report, verified } = await getRun(db, ctx, runId);
  if (run.status !== 'frozen') throw new ValidationError({ targetId: 'Only a signed-off (frozen) audit can be evidence: its figures will not change' });
  const rag = (['green', 'amber', 'red', 'none'] as const)
    .filter((k) => report.rag[k])
    .map((k) => `${report.rag[k]} ${RAG_LABELS[k].toLowerCase()}`)
    .join(', ');
  return {
    label: `Audit: ${report.title}`,
    summary: `Signed off by ${run.frozenByName ?? 'the partnership'}${run.frozenAt ? ` on ${formatDate(londonDate(run.frozenAt))}` : ''}. Criteria: ${rag || 'none measured'}. Snapshot SHA-256 ${run.snapshotHash?.slice(0, 16)}…${verified === false ? ' (DOES NOT VERIFY)' : ''}`,
    href: `/assurance/audits/${run.id}`,
  };
}

const FACTS: Record<Exclude<EvidenceKind, 'file'>, (db: Db, ctx: RequestContext, id: string) => Promise<{ label: string; summary: string; href: string }>> = {
  course: courseEvidence,
  readership: readershipEvidence,
  document: versionEvidence,
  audit_run: runEvidence,
};

async function openAction(tx: Db, ctx: RequestContext, actionId: string) {
  const found = await requireAction(tx, ctx, actionId, 'tracker.respond', { lock: true });
  if (found.recommendation.signedOffAt) throw new ConflictError('The board has signed this recommendation off: its actions are closed.');
  if (found.action.status === 'withdrawn') throw new ConflictError('This action was withdrawn: reopen it before adding evidence.');
  return found;
}

type EvidenceValues = Omit<typeof trackerEvidence.$inferInsert, 'actionId' | 'addedByUserId' | 'addedByName' | 'addedAt'>;

/** Store a piece of evidence for an open action (a not-started action is under way from then), audited. */
async function storeEvidence(
  tx: Db,
  ctx: RequestContext,
  action: { id: string; status: string },
  values: EvidenceValues,
  now: Date,
  audit: { action: string; detail: Record<string, unknown> },
): Promise<{ id: string }> {
  const [row] = await tx
    .insert(trackerEvidence)
    .values({ ...values, actionId: action.id, addedByUserId: ctx.actor?.userId ?? null, addedByName: actorName(ctx), addedAt: now })
    .returning({ id: trackerEvidence.id });
  if (action.status === 'not_started') await tx.update(trackerActions).set({ status: 'in_progress' }).where(eq(trackerActions.id, action.id));
  await recordAudit(tx, ctx, {
    action: audit.action,
    verb: 'C',
    entityType: 'TrackerEvidence',
    entityId: row!.id,
    detail: { actionId: action.id, ...audit.detail },
  });
  return { id: row!.id };
}

/** Link one of Beacon's records as evidence; what it shows now is kept with the link. */
export async function addEvidence(db: Db, ctx: RequestContext, actionId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const { action } = await openAction(tx, ctx, actionId);
    const input = parseInput(evidenceLinkSchema, raw);
    const facts = await FACTS[input.kind](tx, ctx, input.targetId).catch((err) => {
      if (err instanceof NotFoundError) throw new ValidationError({ targetId: 'That record was not found, or is not one you can see' });
      throw err;
    });
    return storeEvidence(tx, ctx, action, { kind: input.kind, targetId: input.targetId, label: facts.label, summary: facts.summary, note: input.note }, now, {
      action: 'tracker.evidence.add',
      detail: { kind: input.kind, targetId: input.targetId },
    });
  });
}

const FILE_TYPES: { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  // Office documents (docx, xlsx, pptx) are zip files.
  { type: 'application/zip', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) },
];

/** Upload a file as evidence (a PDF, an image or an Office document, up to 10 MB), with what it shows. */
export async function addFileEvidence(
  db: Db,
  ctx: RequestContext,
  actionId: string,
  file: { filename: string; data: Buffer } | null,
  raw: unknown,
  now = new Date(),
): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const { action } = await openAction(tx, ctx, actionId);
    const input = parseInput(fileNoteSchema, raw);
    if (!file || !file.data.length) throw new ValidationError({ file: 'Choose a file to upload' });
    if (file.data.length > LIMITS.fileBytes) throw new ValidationError({ file: 'The file must be 10 MB or smaller' });
    const type = FILE_TYPES.find((t) => t.test(file.data));
    if (!type) throw new ValidationError({ file: 'The file must be a PDF, a PNG or JPEG image, or a Word, Excel or PowerPoint document' });
    const name = (file.filename || 'evidence').replace(/[^\w .()-]/g, '_').slice(0, 120);
    return storeEvidence(
      tx,
      ctx,
      action,
      {
        kind: 'file',
        label: `File: ${name}`,
        summary: `${Math.max(1, Math.round(file.data.length / 1024))} KB, uploaded by ${actorName(ctx)}.`,
        note: input.note,
        fileName: name,
        contentType: type.type === 'application/zip' ? 'application/octet-stream' : type.type,
        file: file.data,
      },
      now,
      { action: 'tracker.evidence.upload', detail: { bytes: file.data.length, type: type.type } },
    );
  });
}

/** An uploaded file, for anyone who may read the action's review. The download is audited. */
export async function evidenceFile(db: Db, ctx: RequestContext, evidenceId: string): Promise<{ name: string; type: string; data: Buffer }> {
  const [row] = isUuid(evidenceId) ? await db.select().from(trackerEvidence).where(eq(trackerEvidence.id, evidenceId)) : [];
  if (!row || row.kind !== 'file' || !row.file) throw new NotFoundError('Evidence file');
  const [action] = await db.select({ recommendationId: trackerActions.recommendationId }).from(trackerActions).where(eq(trackerActions.id, row.actionId));
  const [rec] = await db
    .select({ reviewId: trackerRecommendations.reviewId })
    .from(trackerRecommendations)
    .where(eq(trackerRecommendations.id, action!.recommendationId));
  await requireReview(db, ctx, rec!.reviewId, 'tracker.view');
  await recordAuditNow(db, ctx, {
    action: 'tracker.evidence.download',
    verb: 'R',
    entityType: 'TrackerEvidence',
    entityId: row.id,
    detail: { actionId: row.actionId },
  });
  return { name: row.fileName ?? 'evidence', type: row.contentType ?? 'application/octet-stream', data: row.file };
}
