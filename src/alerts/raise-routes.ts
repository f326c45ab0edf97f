/**
 * Raising an alert: the organisation's list, a new draft, the journey one step at a time (saved as it
 * goes), photographs, check your answers and submit.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { documentInForce } from '../library/links';
import { organisationGeographyId } from '../directory/service';
import type { AppDeps } from '../platform/http/deps';
import { ValidationError } from '../platform/errors';
import { PHOTOGRAPH_DEFAULTS } from '../platform/files/photographs';
import { createDraft, saveDraft, submit } from './service';
import { listOrganisationAlerts } from './lists';
import { addPhotograph } from './photographs';
import { ALERT_STATUS_LABELS, type AlertStatus } from './lifecycle';
import { alertContentSchema } from './model';
import {
  applyStep,
  type FormBody,
  formAction,
  idFor,
  isStepSlug,
  type ListPath,
  nextStep,
  previousStep,
  removeRow,
  STEPS,
  type StepSlug,
  stepBySlug,
  stepLinkFor,
  stepProblems,
  contentProblems,
} from './form';
import { summarise } from './summary';
import { formView } from './form-view';

import { type Detail, problemCount, gestationToday, one, q, idParam, pageErrors, registerPhotoUploads, routeSupport } from './route-support';

export const alertRaiseRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const { config } = deps;
    const { lookups, caption, returnComments, editable, reviewHint } = routeSupport(deps);
    await registerPhotoUploads(app);

    // ── My organisation's alerts, raising one ───────────────────────────────────────────────────────

    app.get('/alerts', { config: { permission: 'alert.list' } }, async (req, reply) => {
      const rows = await listOrganisationAlerts(db, req.ctx);
      return reply.page('alerts/views/alerts.njk', {
        title: "Your organisation's alerts",
        alerts: rows.map((a) => ({ ...a, statusLabel: ALERT_STATUS_LABELS[a.status as AlertStatus] ?? a.status, gestation: gestationToday(a.edd) })),
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    /** The high-risk alert SOP in force for the person's area (the library), which these pages follow. */
    const sopFor = async (req: FastifyRequest) => {
      const geographyId = req.ctx.actor ? await organisationGeographyId(db, req.ctx.actor.organisationId) : null;
      return documentInForce(db, geographyId, ['sop'], 'high_risk_alerts');
    };

    app.get('/alerts/new', { config: { permission: 'alert.raise' } }, async (req, reply) => {
      return reply.page('alerts/views/start.njk', {
        sop: await sopFor(req),
        title: 'Raise a high-risk alert',
        reviewWeeks: config.alerts.reviewWeeksAfterEdd,
        back: { href: '/alerts' },
      });
    });

    app.post('/alerts', async (req, reply) => {
      const { id } = await createDraft(db, req.ctx, {});
      return reply.redirect(`/alerts/${id}/steps/${STEPS[0]!.slug}`);
    });

    // ── The journey, one step at a time ─────────────────────────────────────────────────────────────

    async function renderStep(
      req: FastifyRequest,
      reply: FastifyReply,
      detail: Detail,
      slug: StepSlug,
      opts: {
        status?: number;
        content?: unknown;
        errors?: Record<string, string>;
        addRowTo?: ListPath | null;
        returnTo?: string | null;
        banner?: string | null;
      } = {},
    ) {
      const step = stepBySlug(slug);
      const content = opts.content ?? detail.content;
      const fieldErrors = opts.errors ?? {};
      const prev = previousStep(slug);
      const next = nextStep(slug);
      const returnTo = opts.returnTo === 'check' ? 'check' : null;
      const base = `/alerts/${detail.alert.id}`;
      return reply.code(opts.status ?? 200).page(slug === 'photographs' ? 'alerts/views/photographs.njk' : 'alerts/views/step.njk', {
        sop: await sopFor(req),
        title: step.title,
        caption: caption(detail),
        alert: detail.alert,
        step,
        stepNumber: STEPS.indexOf(step) + 1,
        // The steps and then Check your answers, as the list beside them shows.
        stepCount: STEPS.length + 1,
        steps: STEPS.map((s) => ({ slug: s.slug, title: s.title, href: `${base}/steps/${s.slug}`, current: s.slug === slug })),
        f: formView(content, await lookups(req), { errors: fieldErrors, addRowTo: opts.addRowTo ?? null }),
        errors: pageErrors(fieldErrors, (p) => idFor(p, content)),
        photos: detail.photos,
        noPhotographReason: (content as { noPhotographReason?: unknown }).noPhotographReason ?? '',
        maxPhotoMb: PHOTOGRAPH_DEFAULTS.maxBytes / 1024 / 1024,
        returnComments: returnComments(detail),
        returnTo,
        reviewHint: reviewHint(content),
        nextHref: returnTo === 'check' || !next ? `${base}/check` : `${base}/steps/${next.slug}`,
        back: { href: returnTo === 'check' ? `${base}/check` : prev ? `${base}/steps/${prev.slug}` : base },
        banner: opts.banner ?? null,
        columnClass: 'nhsuk-grid-column-full',
      });
    }

    app.get('/alerts/:id/steps/:step', async (req, reply) => {
      const { step } = req.params as { step: string };
      if (!isStepSlug(step)) return reply.callNotFound();
      const detail = await editable(req, reply, 'raising the alert (editing the draft)');
      if (!detail) return reply;
      const query = q(req);
      const add = query.add;
      return renderStep(req, reply, detail, step, {
        errors: query.check === '1' ? stepProblems(step, detail.content) : {},
        addRowTo: add && (stepBySlug(step).lists as readonly string[]).includes(add) ? (add as ListPath) : null,
        returnTo: query.return ?? null,
        banner: query.added === '1' ? 'Photograph added' : null,
      });
    });

    app.post('/alerts/:id/steps/:step', async (req, reply) => {
      const { step } = req.params as { step: string };
      if (!isStepSlug(step)) return reply.callNotFound();
      const detail = await editable(req, reply, 'raising the alert (editing the draft)');
      if (!detail) return reply;
      let body = (req.body ?? {}) as FormBody;
      const action = formAction(body);
      if (action.type === 'remove') body = removeRow(body, action.list, action.index);
      const content = applyStep(step, detail.content, body);
      const returnTo = one(body.return) === 'check' ? 'check' : null;
      try {
        await saveDraft(db, req.ctx, detail.alert.id, content);
      } catch (err) {
        // Too long to save, for example: say so on the step, keeping what was typed.
        if (!(err instanceof ValidationError)) throw err;
        return renderStep(req, reply, detail, step, { status: 400, content, errors: err.fieldErrors, returnTo });
      }
      const here = `/alerts/${detail.alert.id}/steps/${step}`;
      const keep = returnTo ? 'return=check' : '';
      switch (action.type) {
        case 'add': {
          const rows =
            (action.list.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], content) as unknown[] | undefined)?.length ?? 0;
          return reply.redirect(`${here}?add=${encodeURIComponent(action.list)}${keep ? `&${keep}` : ''}#${action.list.replace(/\./g, '-')}-row-${rows}`);
        }
        case 'remove':
          return reply.redirect(`${here}${keep ? `?${keep}` : ''}#${action.list.replace(/\./g, '-')}`);
        case 'save':
          return reply.redirect(`/alerts/${detail.alert.id}?done=saved`);
        case 'continue': {
          const problems = stepProblems(step, content);
          if (Object.keys(problems).length) return renderStep(req, reply, detail, step, { status: 400, content, errors: problems, returnTo });
          const next = nextStep(step);
          return reply.redirect(returnTo || !next ? `/alerts/${detail.alert.id}/check` : `/alerts/${detail.alert.id}/steps/${next.slug}`);
        }
      }
    });

    app.post('/alerts/:id/photos', async (req, reply) => {
      const detail = await editable(req, reply, 'adding a photograph');
      if (!detail) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const photo = body.photo;
      const captionText = one(body.caption).trim() || null;
      try {
        if (!Buffer.isBuffer(photo) || photo.length === 0) throw new ValidationError({ photo: 'Select a photograph to upload' });
        await addPhotograph(db, req.ctx, config.encryptionKey, detail.alert.id, photo, captionText);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderStep(req, reply, detail, 'photographs', {
          status: 400,
          errors: err.fieldErrors,
          content: detail.content,
          returnTo: one(body.return) || null,
        });
      }
      return reply.redirect(`/alerts/${detail.alert.id}/steps/photographs?added=1${one(body.return) === 'check' ? '&return=check' : ''}`);
    });

    // ── Check your answers, submit ──────────────────────────────────────────────────────────────────

    async function renderCheck(req: FastifyRequest, reply: FastifyReply, detail: Detail, status = 200, submitErrors: Record<string, string> | null = null) {
      const problems = contentProblems(detail.content);
      const base = `/alerts/${detail.alert.id}`;
      const errors = submitErrors
        ? {
            list: Object.entries(submitErrors).map(([path, text]) => ({
              text,
              href: path === 'form' ? '#submit' : (stepLinkFor(detail.alert.id, path, detail.content) ?? '#submit'),
            })),
            fields: {},
          }
        : null;
      return reply.code(status).page('alerts/views/check.njk', {
        sop: await sopFor(req),
        title: 'Check your answers before submitting the alert',
        caption: caption(detail),
        stepCount: STEPS.length + 1,
        alert: detail.alert,
        // Shown as it will be stored when it is valid (postcodes in capitals, NHS numbers as digits); as typed until then.
        sections: summarise(
          problemCount(problems) ? detail.content : (alertContentSchema(new Date()).safeParse(detail.content).data ?? detail.content),
          await lookups(req),
          problems,
        ).map((s) => ({ ...s, href: `${base}/steps/${s.step.slug}?return=check${s.problems ? '&check=1' : ''}` })),
        photos: detail.photos,
        problemCount: Object.keys(problems).length,
        returnComments: returnComments(detail),
        canSubmit: detail.allowed.includes('submit'),
        errors,
        back: { href: `${base}/steps/${STEPS[STEPS.length - 1]!.slug}` },
      });
    }

    app.get('/alerts/:id/check', async (req, reply) => {
      const detail = await editable(req, reply, 'checking the draft before submitting it');
      if (!detail) return reply;
      return renderCheck(req, reply, detail);
    });

    app.post('/alerts/:id/submit', async (req, reply) => {
      const id = idParam(req);
      try {
        await submit(db, req.ctx, id);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const detail = await editable(req, reply, 'checking the draft before submitting it');
        if (!detail) return reply;
        return renderCheck(req, reply, detail, 400, err.fieldErrors);
      }
      return reply.redirect(`/alerts/${id}?done=submitted`);
    });
  };
