/**
 * Tracker pages: the reviews, recording one, a review with its recommendations (responses, actions, the
 * subgroup's quality assurance and the board's sign-off), an action (status, due-date history, evidence),
 * "create an action" (also from an audit criterion below its standard), and the board report (page and PDF).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { formErrors, handleForm } from '../../platform/http/forms';
import { can } from '../../platform/auth/policy';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { londonDate } from '../../platform/dates';
import { inOrganisationsArea, partnershipAreaIds } from '../../directory/service';
import { boardReport, boardReportPdf, recordBoardReport } from './board';
import { addEvidence, evidenceChoices, evidenceFile } from './evidence';
import {
  ACTION_RAG_LABELS,
  ACTION_STATUS_LABELS,
  ACTION_STATUSES,
  EVIDENCE_KIND_LABELS,
  RECOMMENDATION_STAGE_LABELS,
  REVIEW_TYPE_LABELS,
  REVIEW_TYPES,
} from './rules';
import { actionPrefill, addRecommendation, createAction, createReview, qualityAssure, respond, reviseDue, setStatus, signOffRecommendation } from './service';
import { agenciesOf, getAction, getReview, listReviews } from './reading';
import { requireRecommendation, requireResponse } from './access';
import { partnershipsFor } from '../access';
import { trackerUploadRoutes } from './upload-routes';
import { findingPrefill } from '../casefile/service';
import { draftPublishedResponse } from './published-response';

const VIEWS = 'assurance/tracker/views';
const param = (req: FastifyRequest, name = 'id') => (req.params as Record<string, string>)[name]!;
const query = (req: FastifyRequest) => (req.query ?? {}) as Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const pageErrors = (fieldErrors: Record<string, string>) => formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f));
const done = (text: string) => `done=${encodeURIComponent(text)}`;
const BACK = { href: '/assurance/reviews', text: 'Reviews and actions' };
export const RAG_TAGS = {
  complete: 'nhsuk-tag--blue',
  red: 'nhsuk-tag--red',
  amber: 'nhsuk-tag--orange',
  green: 'nhsuk-tag--green',
  withdrawn: 'nhsuk-tag--grey',
};
const LABELS = {
  rag: ACTION_RAG_LABELS,
  ragTags: RAG_TAGS,
  stage: RECOMMENDATION_STAGE_LABELS,
  status: ACTION_STATUS_LABELS,
  reviewType: REVIEW_TYPE_LABELS,
  evidenceKind: EVIDENCE_KIND_LABELS,
};
const options = (list: readonly { id: string; text: string }[], selected: string, empty?: string) => [
  ...(empty !== undefined ? [{ value: '', text: empty }] : []),
  ...list.map((o) => ({ value: o.id, text: o.text, selected: o.id === selected })),
];

export const trackerRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get('/assurance/reviews', { config: { permission: 'tracker.view' } }, async (req, reply) =>
      reply.page(`${VIEWS}/reviews.njk`, {
        title: 'Reviews, recommendations and actions',
        columnClass: 'nhsuk-grid-column-full',
        done: req.banner(),
        reviews: await listReviews(db, req.ctx),
        ...LABELS,
      }),
    );

    // ── Recording a review ──────────────────────────────────────────────────────────────────────────
    async function renderNew(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, fieldErrors?: Record<string, string>) {
      const choices = await partnershipsFor(db, req.ctx, 'tracker.manage');
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page(`${VIEWS}/review-new.njk`, {
        title: 'Record a review',
        back: BACK,
        values: { partnershipId: choices.length === 1 ? choices[0]!.id : '', ...values },
        partnerships: options(
          choices.map((p) => ({ id: p.id, text: p.name })),
          values.partnershipId ?? (choices.length === 1 ? choices[0]!.id : ''),
          choices.length === 1 ? undefined : 'Choose a partnership',
        ),
        types: REVIEW_TYPES.map((t) => ({ value: t, text: REVIEW_TYPE_LABELS[t], checked: values.reviewType === t })),
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/reviews/new', { config: { permission: 'tracker.manage' } }, async (req, reply) => renderNew(req, reply, {}));
    app.post('/assurance/reviews', { config: { permission: 'tracker.manage' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => createReview(db, req.ctx, v),
        next: (r) => `/assurance/reviews/${(r as { id: string }).id}?${done('The review has been recorded: add its recommendations')}`,
        rerender: (v, _e, fe) => renderNew(req, reply, v, fe),
      }),
    );

    // ── A review ────────────────────────────────────────────────────────────────────────────────────
    async function renderReview(
      req: FastifyRequest,
      reply: FastifyReply,
      reviewId: string,
      form: { name: string; values: Record<string, string>; fieldErrors: Record<string, string> } | null,
    ) {
      const view = await getReview(db, req.ctx, reviewId);
      const e = form ? formErrors(form.fieldErrors, (f) => (f === 'form' ? form.name : `${form.name}-${f}`)) : undefined;
      return reply.code(form ? 400 : 200).page(`${VIEWS}/review.njk`, {
        title: view.review.title,
        columnClass: 'nhsuk-grid-column-full',
        back: BACK,
        done: req.banner(),
        ...view,
        responds: Object.fromEntries(view.review.recommendations.flatMap((r) => r.responses.map((x) => [x.id, view.mayRespondFor(x.organisationId)]))),
        agencyChoices: [{ value: 'board', text: 'The board (the partnership)' }, ...view.agencies.map((a) => ({ value: a.id, text: a.name }))],
        form: form ? { ...form, errors: e, inline: e?.fields ?? {} } : null,
        errors: e,
        ...LABELS,
      });
    }
    app.get('/assurance/reviews/:id', async (req, reply) => renderReview(req, reply, param(req), null));
    app.post('/assurance/reviews/:id/recommendations', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => addRecommendation(db, req.ctx, param(req), { text: body.text, addressees: body.addressees }),
        next: (r) =>
          `/assurance/reviews/${param(req)}?${done(`Recommendation ${(r as { number: number }).number} has been added`)}#recommendation-${(r as { number: number }).number}`,
        rerender: (v, _e, fe) => renderReview(req, reply, param(req), { name: 'recommendation', values: v, fieldErrors: fe }),
      }),
    );

    app.post('/assurance/reviews/:id/published-response', async (req, reply) =>
      handleForm(req, reply, {
        act: () => draftPublishedResponse(db, req.ctx, param(req)),
        next: (r) =>
          `/library/versions/${(r as { versionId: string }).versionId}?${done('The published response has been drafted from the tracker: name its reviewers and send it for review; once approved and published it appears on the partnership’s public page')}`,
        rerender: (v, _e, fe) => renderReview(req, reply, param(req), { name: 'published', values: v, fieldErrors: fe }),
      }),
    );

    // Quality assurance and sign-off, from the review page.
    for (const [path, act, message] of [
      ['qa', qualityAssure, 'The subgroup’s quality assurance has been recorded: the recommendation now goes to the board'],
      ['sign-off', signOffRecommendation, 'The board’s sign-off has been recorded: the recommendation is closed'],
    ] as const) {
      app.post(`/assurance/recommendations/:id/${path}`, async (req, reply) => {
        const { review } = await requireRecommendation(db, req.ctx, param(req), 'tracker.view');
        return handleForm(req, reply, {
          act: (v) => act(db, req.ctx, param(req), v),
          next: `/assurance/reviews/${review.id}?${done(message)}`,
          // The form shows its error beside the recommendation it belongs to.
          rerender: (v, _e, fe) => renderReview(req, reply, review.id, { name: `${path}-${param(req)}`, values: v, fieldErrors: fe }),
        });
      });
    }

    // ── An addressee's response ─────────────────────────────────────────────────────────────────────
    async function renderResponse(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> | null, fieldErrors?: Record<string, string>) {
      const id = param(req);
      const { review } = await requireResponse(db, req.ctx, id, 'tracker.respond');
      const view = await getReview(db, req.ctx, review.id);
      const rec = view.review.recommendations.find((r) => r.responses.some((x) => x.id === id))!;
      const response = rec.responses.find((x) => x.id === id)!;
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page(`${VIEWS}/response.njk`, {
        title: `Response from ${response.addressee}`,
        back: { href: `/assurance/reviews/${review.id}#recommendation-${rec.number}`, text: view.review.title },
        review: view.review,
        recommendation: rec,
        response,
        values: values ?? { response: response.response ?? '' },
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/responses/:id', async (req, reply) => renderResponse(req, reply, null));
    app.post('/assurance/responses/:id', async (req, reply) => {
      const { review } = await requireResponse(db, req.ctx, param(req), 'tracker.respond');
      return handleForm(req, reply, {
        act: (v) => respond(db, req.ctx, param(req), v),
        next: `/assurance/reviews/${review.id}?${done('The response has been recorded')}`,
        rerender: (v, _e, fe) => renderResponse(req, reply, v, fe),
      });
    });

    // ── Creating an action (from a recommendation, an audit criterion below its standard, or a case-file finding) ──
    async function renderNewAction(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, fieldErrors?: Record<string, string>) {
      const q = query(req);
      const runId = values.sourceRunId ?? str(q.run);
      const criterion = values.sourceCriterion ?? str(q.criterion);
      const findingId = values.findingId ?? str(q.finding);
      // Pre-filled from an audit criterion below its standard, or from a case-file audit finding's learning.
      const prefill = runId
        ? await actionPrefill(db, req.ctx, runId, criterion)
        : findingId
          ? { ...(await findingPrefill(db, req.ctx, findingId)), findingId, sourceRunId: null, sourceCriterion: null }
          : null;
      // The open recommendations this person may add actions to; from an audit (or a finding), those of its partnership —
      // or, for partnerships audited together, of any of them.
      const within = prefill ? new Set(await partnershipAreaIds(db, prefill.geographyId)) : null;
      const reviews = (await listReviews(db, req.ctx)).filter((r) => !within || within.has(r.geographyId));
      const chosen = values.recommendationId ?? str(q.recommendation);
      const managed = [];
      for (const r of reviews) {
        const inArea = req.ctx.actor ? await inOrganisationsArea(db, req.ctx.actor.organisationId, r.geographyId) : false;
        if (!can(req.ctx.actor, 'tracker.manage', { inActorsArea: inArea })) continue;
        for (const rec of r.recommendations) if (!rec.signedOffAt) managed.push({ review: r, rec });
      }
      const current = managed.find((m) => m.rec.id === chosen);
      if (chosen && !current && !prefill) throw new NotFoundError('Recommendation');
      const geographyId = current?.review.geographyId ?? prefill?.geographyId ?? managed[0]?.review.geographyId;
      const agencies = geographyId ? await agenciesOf(db, geographyId) : [];
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      const v: Record<string, string> = { title: prefill?.title ?? '', detail: prefill?.detail ?? '', ...values };
      return reply.code(fieldErrors ? 400 : 200).page(`${VIEWS}/action-new.njk`, {
        title: 'Create an action',
        back: current
          ? { href: `/assurance/reviews/${current.review.id}#recommendation-${current.rec.number}`, text: current.review.title }
          : prefill?.sourceRunId
            ? { href: `/assurance/audits/${prefill.sourceRunId}`, text: 'The audit' }
            : prefill
              ? { href: '/assurance/case-file-audits', text: 'Case-file audits' }
              : BACK,
        prefill,
        values: v,
        recommendations: [
          ...(current ? [] : [{ value: '', text: 'Choose the recommendation it answers' }]),
          ...managed.map((m) => ({
            value: m.rec.id,
            text: `${m.review.title}: recommendation ${m.rec.number} — ${m.rec.text.slice(0, 90)}${m.rec.text.length > 90 ? '…' : ''}`,
            selected: m.rec.id === (current?.rec.id ?? chosen),
          })),
        ],
        agencies: [{ value: '', text: 'The partnership itself' }, ...agencies.map((a) => ({ value: a.id, text: a.name, selected: a.id === v.organisationId }))],
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/actions/new', { config: { permission: 'tracker.manage' } }, async (req, reply) => renderNewAction(req, reply, {}));
    app.post('/assurance/actions', { config: { permission: 'tracker.manage' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: async (v) => {
          if (!v.recommendationId) throw new ValidationError({ recommendationId: 'Choose the recommendation the action answers' });
          return createAction(db, req.ctx, v.recommendationId, v);
        },
        next: (r) => `/assurance/actions/${(r as { id: string }).id}?${done('The action has been created')}`,
        rerender: (v, _e, fe) => renderNewAction(req, reply, v, fe),
      }),
    );

    // ── An action ───────────────────────────────────────────────────────────────────────────────────
    async function renderAction(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { name: string; values: Record<string, string>; fieldErrors: Record<string, string> } | null,
    ) {
      const view = await getAction(db, req.ctx, param(req));
      const choices = view.may.respond ? await evidenceChoices(db, req.ctx, view.action.id) : null;
      const e = form ? formErrors(form.fieldErrors, (f) => (f === 'form' ? form.name : `${form.name}-${f}`)) : undefined;
      return reply.code(form ? 400 : 200).page(`${VIEWS}/action.njk`, {
        title: view.action.title,
        columnClass: 'nhsuk-grid-column-full',
        back: { href: `/assurance/reviews/${view.review.id}#recommendation-${view.recommendation.number}`, text: view.review.title },
        done: req.banner(),
        ...view,
        choices: choices && {
          course: options(choices.courses, '', 'Choose a course'),
          readership: options(choices.readership, '', 'Choose a document'),
          document: options(choices.documents, '', 'Choose a published version'),
          audit_run: options(choices.runs, '', 'Choose a signed-off audit'),
        },
        statuses: ACTION_STATUSES.map((s) => ({
          value: s,
          text: ACTION_STATUS_LABELS[s],
          checked: (form?.name === 'status' ? form.values.status : view.action.status) === s,
        })),
        form: form ? { ...form, inline: e?.fields ?? {} } : null,
        errors: e,
        today: londonDate(new Date()),
        ...LABELS,
      });
    }
    app.get('/assurance/actions/:id', async (req, reply) => renderAction(req, reply, null));
    for (const [path, act, message] of [
      ['status', setStatus, 'The action’s status has been changed'],
      ['due', reviseDue, 'The due date has been changed; the earlier one is kept in its history'],
      ['evidence', addEvidence, 'The evidence has been added'],
    ] as const) {
      app.post(`/assurance/actions/:id/${path}`, async (req, reply) =>
        handleForm(req, reply, {
          act: (v) => act(db, req.ctx, param(req), v),
          next: `/assurance/actions/${param(req)}?${done(message)}`,
          rerender: (v, _e, fe) => renderAction(req, reply, { name: path === 'evidence' ? `evidence-${v.kind}` : path, values: v, fieldErrors: fe }),
        }),
      );
    }
    await app.register(
      trackerUploadRoutes(deps, (req, reply, values, fieldErrors) => renderAction(req, reply, { name: 'evidence-file', values, fieldErrors })),
    );
    app.get('/assurance/evidence/:id/file', async (req, reply) => {
      const f = await evidenceFile(db, req.ctx, param(req));
      return reply
        .type(f.type)
        .header('content-disposition', `attachment; filename="${f.name.replace(/"/g, '')}"`)
        .send(f.data);
    });

    // ── The board report ────────────────────────────────────────────────────────────────────────────
    async function renderBoard(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const partnershipId = values.partnershipId ?? (str(query(req).partnership) || undefined);
      const report = await boardReport(db, req.ctx, partnershipId);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page(`${VIEWS}/board-report.njk`, {
        title: report.partnership ? `Board report: ${report.partnership.name}` : 'Board report',
        columnClass: 'nhsuk-grid-column-full',
        back: BACK,
        done: req.banner(),
        ...report,
        partnershipOptions: options(
          report.choices.map((p) => ({ id: p.id, text: p.name })),
          report.partnership?.id ?? '',
        ),
        values: { presentedOn: londonDate(new Date()), ...values },
        errors: e,
        inline: e?.fields ?? {},
        ...LABELS,
      });
    }
    app.get('/assurance/board-report', { config: { permission: 'tracker.view' } }, async (req, reply) => renderBoard(req, reply));
    app.get('/assurance/board-report.pdf', { config: { permission: 'tracker.view' } }, async (req, reply) => {
      const report = await boardReport(db, req.ctx, str(query(req).partnership) || undefined);
      if (!report.partnership) throw new NotFoundError('Partnership');
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="board-report-${londonDate(new Date())}.pdf"`)
        .send(await boardReportPdf(report));
    });
    app.post('/assurance/board-report/presented', { config: { permission: 'tracker.manage' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => recordBoardReport(db, req.ctx, v.partnershipId ?? '', v),
        next: (_r) =>
          `/assurance/board-report?partnership=${encodeURIComponent(formValue(req, 'partnershipId'))}&${done('Recorded as presented: the next report counts evidence from that date')}`,
        rerender: (v, _e, fe) => renderBoard(req, reply, v, fe),
      }),
    );
  };

const formValue = (req: FastifyRequest, name: string) => String(((req.body ?? {}) as Record<string, unknown>)[name] ?? '');
