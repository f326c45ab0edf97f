/**
 * The board report across a partnership's reviews: each recommendation's progress (RAG and stage), every
 * overdue action, and the evidence added since the last report presented to the board; as a page and a PDF.
 * Recording that a report was presented moves "since the last report" on.
 */
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { formatDate, londonDate } from '../../platform/dates';
import { inOrganisationsArea, partnerships } from '../../directory/service';
import { endOfLondonDay } from '../../platform/working-days';
import { authorizePartnership } from '../access';
import { boardReportSchema } from './model';
import { ACTION_RAG_LABELS, type ActionRag, RECOMMENDATION_STAGE_LABELS, REVIEW_TYPE_LABELS, type ReviewType } from './rules';
import { trackerBoardReports, trackerEvidence } from './schema';
import { listReviews } from './reading';
import { partnershipsFor } from '../access';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

/** The board report for one partnership (the first this person may see when none is chosen). Reading it is audited. */
export async function boardReport(db: Db, ctx: RequestContext, partnershipId: string | undefined, now = new Date()) {
  authorizeList(ctx, 'tracker.view');
  const choices = await partnershipsFor(db, ctx, 'tracker.view');
  const partnership = partnershipId ? choices.find((p) => p.id === partnershipId) : choices[0];
  if (!partnership) {
    if (partnershipId) throw new NotFoundError('Partnership');
    return { partnership: null, choices, reviews: [], overdue: [], evidence: [], since: null, reports: [], totals: null, mayRecord: false };
  }
  await authorizePartnership(db, ctx, partnership.id, 'tracker.view');
  const reviews = await listReviews(db, ctx, now, { geographyId: partnership.id });
  const reports = await db
    .select()
    .from(trackerBoardReports)
    .where(eq(trackerBoardReports.geographyId, partnership.id))
    .orderBy(desc(trackerBoardReports.presentedOn), desc(trackerBoardReports.createdAt));
  const since = reports[0]?.presentedOn ?? null;
  const actions = reviews.flatMap((r) => r.recommendations.flatMap((rec) => rec.actions.map((a) => ({ ...a, review: r.title, recommendation: rec.number }))));
  const actionIds = actions.map((a) => a.id);
  const evidence = actionIds.length
    ? await db
        .select({
          id: trackerEvidence.id,
          actionId: trackerEvidence.actionId,
          kind: trackerEvidence.kind,
          label: trackerEvidence.label,
          summary: trackerEvidence.summary,
          addedByName: trackerEvidence.addedByName,
          addedAt: trackerEvidence.addedAt,
        })
        .from(trackerEvidence)
        .where(and(inArray(trackerEvidence.actionId, actionIds), since ? gt(trackerEvidence.addedAt, endOfLondonDay(since)) : undefined))
        .orderBy(desc(trackerEvidence.addedAt))
    : [];
  const byId = new Map(actions.map((a) => [a.id, a]));
  const recs = reviews.flatMap((r) => r.recommendations);
  const count = (rag: ActionRag) => actions.filter((a) => a.rag === rag).length;
  await recordAuditNow(db, ctx, { action: 'tracker.board_report.view', verb: 'R', entityType: 'Geography', entityId: partnership.id, detail: { since } });
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, partnership.id) : true;
  return {
    partnership,
    choices,
    reviews,
    overdue: actions.filter((a) => a.rag === 'red').sort((a, b) => a.currentDueOn.localeCompare(b.currentDueOn)),
    evidence: evidence.map((e) => ({ ...e, action: byId.get(e.actionId)! })),
    since,
    reports,
    totals: {
      recommendations: recs.length,
      signedOff: recs.filter((r) => r.signedOffAt).length,
      actions: actions.filter((a) => a.rag !== 'withdrawn').length,
      complete: count('complete'),
      red: count('red'),
      amber: count('amber'),
      green: count('green'),
    },
    mayRecord: ctx.actor ? can(ctx.actor, 'tracker.manage', { inActorsArea: inArea }) : !!ctx.system,
  };
}

export type BoardReport = Awaited<ReturnType<typeof boardReport>>;

/** Record that the report was presented to the board on a date: the next report counts evidence from then. */
export async function recordBoardReport(db: Db, ctx: RequestContext, partnershipId: string, raw: unknown, now = new Date()): Promise<void> {
  authorizeList(ctx, 'tracker.manage');
  if (!(await partnerships(db)).some((p) => p.id === partnershipId)) throw new NotFoundError('Partnership');
  await authorizePartnership(db, ctx, partnershipId, 'tracker.manage');
  const input = parseInput(boardReportSchema, raw);
  if (input.presentedOn > londonDate(now)) throw new ValidationError({ presentedOn: 'The date must be today or earlier' });
  await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(trackerBoardReports)
      .values({ geographyId: partnershipId, presentedOn: input.presentedOn, createdByName: actorName(ctx), createdAt: now })
      .returning({ id: trackerBoardReports.id });
    await recordAudit(tx, ctx, {
      action: 'tracker.board_report.record',
      verb: 'C',
      entityType: 'BoardReport',
      entityId: row!.id,
      detail: { presentedOn: input.presentedOn },
    });
  });
}

const INK = '#212b32';
const GREY = '#4c6272';
const RAG_COLOURS: Record<ActionRag, string> = { complete: '#005eb8', red: '#d5281b', amber: '#ffb81c', green: '#007f3b', withdrawn: '#768692' };

/** The board report as a PDF for the board's papers: the same sections as the page. */
export async function boardReportPdf(r: BoardReport, now = new Date()): Promise<Buffer> {
  if (!r.partnership || !r.totals) throw new NotFoundError('Partnership');
  const pdf = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Board report: ${r.partnership.name}`, Author: r.partnership.name } });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => pdf.on('end', () => resolve()));
  const heading = (text: string) => pdf.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor(INK).text(text).moveDown(0.2);
  const line = (text: string, colour = INK) => pdf.font('Helvetica').fontSize(10).fillColor(colour).text(text);

  pdf.font('Helvetica').fontSize(10).fillColor(GREY).text(`${r.partnership.name} · Reviews, recommendations and actions`);
  pdf
    .moveDown(0.4)
    .font('Helvetica-Bold')
    .fontSize(18)
    .fillColor(INK)
    .text(`Board report, ${formatDate(londonDate(now))}`);
  const t = r.totals;
  line(
    `${t.recommendations} recommendations, ${t.signedOff} signed off. ${t.actions} actions: ${t.complete} complete, ${t.red} red (overdue), ${t.amber} amber, ${t.green} green. Evidence ${r.since ? `added since the last report (${formatDate(r.since)})` : 'added so far'}: ${r.evidence.length}.`,
    GREY,
  );

  heading('Progress by recommendation');
  for (const review of r.reviews) {
    pdf
      .moveDown(0.3)
      .font('Helvetica-Bold')
      .fontSize(11)
      .fillColor(INK)
      .text(`${review.title} (${REVIEW_TYPE_LABELS[review.reviewType as ReviewType] ?? review.reviewType})`);
    for (const rec of review.recommendations) {
      const y = pdf.y;
      pdf.rect(48, y + 2, 8, 8).fill(RAG_COLOURS[rec.progress.rag]);
      pdf
        .fillColor(INK)
        .font('Helvetica-Bold')
        .fontSize(10)
        .text(`Recommendation ${rec.number}: ${ACTION_RAG_LABELS[rec.progress.rag]} · ${RECOMMENDATION_STAGE_LABELS[rec.progress.stage]}`, 62, y);
      pdf
        .font('Helvetica')
        .fontSize(9)
        .fillColor(GREY)
        .text(`${rec.progress.reason}. ${rec.text.slice(0, 400)}${rec.text.length > 400 ? '…' : ''}`, 62);
      pdf.x = 48;
      pdf.moveDown(0.3);
    }
  }

  heading(`Overdue actions (${r.overdue.length})`);
  if (!r.overdue.length) line('None.', GREY);
  for (const a of r.overdue)
    line(
      `${a.review}, recommendation ${a.recommendation}: ${a.title}. Owner ${a.ownerName}${a.organisationName ? `, ${a.organisationName}` : ''}. Due ${formatDate(a.currentDueOn)}${a.revisions ? ` (revised ${a.revisions} times; first due ${formatDate(a.dueOn)})` : ''}. ${a.ragReason}.`,
    );

  heading(`Evidence ${r.since ? `added since ${formatDate(r.since)}` : 'added'} (${r.evidence.length})`);
  if (!r.evidence.length) line('None.', GREY);
  for (const e of r.evidence) line(`${formatDate(londonDate(e.addedAt))}, ${e.action.title}: ${e.label}. ${e.summary} (added by ${e.addedByName})`);

  pdf.end();
  await done;
  return Buffer.concat(chunks);
}
