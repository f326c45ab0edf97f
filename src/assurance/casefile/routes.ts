/**
 * Case-file audit pages: the rounds, templates and themes across rounds; a template (edit a draft, publish,
 * start the next version); starting a round; a round (progress by agency, the grade distribution as a chart and
 * a table, every section, the discussion, findings that become tracker actions, closing); a section (the
 * agency completes it, a second auditor moderates it); an agency's own sections to do.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { formErrors, handleForm } from '../../platform/http/forms';
import { barChartSvg } from '../../platform/charts/svg';
import { CASE_CLASSIFICATIONS, CLASSIFICATION_LABELS } from '../../cases/protocol';
import { partnershipsFor } from '../access';
import { MAX_QUESTIONS } from './model';
import { GRADE_LABELS, GRADES, QUESTION_TYPE_LABELS, QUESTION_TYPES, YES_NO, YES_NO_LABELS } from './rules';
import { addFinding, closeRound, getRound, listRounds, recordDiscussion, startRound, themesAcrossRounds } from './service';
import { createTemplate, getTemplate, listTemplates, newTemplateVersion, publishTemplate, roundChoices, templateForEdit, updateTemplate } from './templates';
import { completeSection, getSection, moderateSection, mySections } from './sections';

const VIEWS = 'assurance/casefile/views';
const BASE = '/assurance/case-file-audits';
const param = (req: FastifyRequest) => (req.params as Record<string, string>).id!;
const done = (text: string) => `done=${encodeURIComponent(text)}`;
const BACK = { href: BASE, text: 'Case-file audits' };
const LABELS = { grades: GRADE_LABELS, yesNo: YES_NO_LABELS, gradeKeys: GRADES, yesNoKeys: YES_NO, questionTypes: QUESTION_TYPE_LABELS };
/** Errors beside the form they belong to: field `x` of form `f` has the id `f-x`; the whole form's, the form itself. */
const errorsFor = (form: string, fieldErrors: Record<string, string>) =>
  formErrors(fieldErrors, (f) => (f === 'form' ? form : `${form}-${f.replace(/\./g, '-')}`));

/** The template form's questions (`q1.text`, `q1.type` … up to the most a template has) as the service takes them. */
function questionsFromForm(v: Record<string, string>) {
  const out = [];
  for (let i = 1; i <= MAX_QUESTIONS; i++) {
    const text = (v[`q${i}.text`] ?? '').trim();
    if (text) out.push({ text, type: v[`q${i}.type`] ?? '' });
  }
  return out;
}
/** Zod's paths (questions.2.text) to the form's fields (q3.text). */
const questionErrors = (fe: Record<string, string>) =>
  Object.fromEntries(Object.entries(fe).map(([k, v]) => [k.replace(/^questions\.(\d+)\.(\w+)$/, (_m, i: string, f: string) => `q${Number(i) + 1}.${f}`), v]));

export const caseFileRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get(BASE, { config: { permission: 'casefile.view' } }, async (req, reply) =>
      reply.page(`${VIEWS}/index.njk`, {
        title: 'Multi-agency case-file audits',
        columnClass: 'nhsuk-grid-column-full',
        done: req.banner(),
        rounds: await listRounds(db, req.ctx),
        templates: await listTemplates(db, req.ctx),
        themes: await themesAcrossRounds(db, req.ctx),
      }),
    );
    app.get(`${BASE}/mine`, { config: { permission: 'casefile.complete' } }, async (req, reply) =>
      reply.page(`${VIEWS}/mine.njk`, { title: 'Case-file audit sections for your agency', sections: await mySections(db, req.ctx) }),
    );

    // ── Templates ───────────────────────────────────────────────────────────────────────────────────
    async function renderTemplateForm(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { id?: string; values: Record<string, string>; fieldErrors?: Record<string, string> },
    ) {
      const e = opts.fieldErrors ? formErrors(questionErrors(opts.fieldErrors)) : undefined;
      const partnerships = opts.id ? [] : await partnershipsFor(db, req.ctx, 'casefile.manage');
      return reply.code(opts.fieldErrors ? 400 : 200).page(`${VIEWS}/template-form.njk`, {
        title: opts.id ? 'Change the template' : 'Write a case-file audit template',
        back: opts.id ? { href: `${BASE}/templates/${opts.id}`, text: 'The template' } : BACK,
        action: opts.id ? `${BASE}/templates/${opts.id}` : `${BASE}/templates`,
        values: opts.values,
        partnerships: partnerships.map((p) => ({ value: p.id, text: p.name, selected: p.id === opts.values.partnershipId })),
        rows: Array.from({ length: MAX_QUESTIONS }, (_, i) => i + 1),
        types: QUESTION_TYPES.map((t) => ({ value: t, text: QUESTION_TYPE_LABELS[t] })),
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get(`${BASE}/templates/new`, { config: { permission: 'casefile.manage' } }, async (req, reply) => renderTemplateForm(req, reply, { values: {} }));
    app.post(`${BASE}/templates`, { config: { permission: 'casefile.manage' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => createTemplate(db, req.ctx, { partnershipId: v.partnershipId, title: v.title, questions: questionsFromForm(v) }),
        next: (r) => `${BASE}/templates/${(r as { id: string }).id}?${done('The template has been saved as a draft: publish it to use it in a round')}`,
        rerender: (v, _e, fe) => renderTemplateForm(req, reply, { values: v, fieldErrors: fe }),
      }),
    );
    app.get(`${BASE}/templates/:id`, async (req, reply) => {
      const view = await getTemplate(db, req.ctx, param(req));
      return reply.page(`${VIEWS}/template.njk`, { title: view.template.title, back: BACK, done: req.banner(), ...view, ...LABELS });
    });
    app.get(`${BASE}/templates/:id/edit`, async (req, reply) => {
      const template = await templateForEdit(db, req.ctx, param(req));
      const values: Record<string, string> = { title: template.title };
      template.questions.forEach((q, i) => {
        values[`q${i + 1}.text`] = q.text;
        values[`q${i + 1}.type`] = q.type;
      });
      return renderTemplateForm(req, reply, { id: template.id, values });
    });
    app.post(`${BASE}/templates/:id`, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => updateTemplate(db, req.ctx, param(req), { title: v.title, questions: questionsFromForm(v) }),
        next: `${BASE}/templates/${param(req)}?${done('The draft has been saved')}`,
        rerender: (v, _e, fe) => renderTemplateForm(req, reply, { id: param(req), values: v, fieldErrors: fe }),
      }),
    );
    app.post(`${BASE}/templates/:id/publish`, async (req, reply) => {
      await publishTemplate(db, req.ctx, param(req));
      return reply.redirect(`${BASE}/templates/${param(req)}?${done('Published: rounds can use this version')}`, 303);
    });
    app.post(`${BASE}/templates/:id/new-version`, async (req, reply) => {
      const { id } = await newTemplateVersion(db, req.ctx, param(req));
      return reply.redirect(`${BASE}/templates/${id}/edit`, 303);
    });

    // ── Starting a round ────────────────────────────────────────────────────────────────────────────
    async function renderStart(
      req: FastifyRequest,
      reply: FastifyReply,
      values: Record<string, string>,
      body: Record<string, unknown>,
      fieldErrors?: Record<string, string>,
    ) {
      const partnerships = await partnershipsFor(db, req.ctx, 'casefile.manage');
      const templates = await roundChoices(db, req.ctx);
      const chosen = new Set(([] as unknown[]).concat(body.classifications ?? []).map(String));
      const e = fieldErrors ? formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f)) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page(`${VIEWS}/round-new.njk`, {
        title: 'Start a case-file audit round',
        back: BACK,
        values: { sampleSize: '8', status: 'all', ...values },
        partnerships: partnerships.map((p) => ({ value: p.id, text: p.name, selected: p.id === values.partnershipId })),
        templates: [
          { value: '', text: 'Choose a published template' },
          ...templates.map((t) => ({ value: t.id, text: `${t.title} (version ${t.version})`, selected: t.id === values.templateId })),
        ],
        classifications: CASE_CLASSIFICATIONS.map((c) => ({ value: c, text: CLASSIFICATION_LABELS[c], checked: chosen.has(c) })),
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get(`${BASE}/rounds/new`, { config: { permission: 'casefile.manage' } }, async (req, reply) => renderStart(req, reply, {}, {}));
    app.post(`${BASE}/rounds`, { config: { permission: 'casefile.manage' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: (v, body) => startRound(db, req.ctx, { ...v, classifications: body.classifications }),
        next: (r) => {
          const x = r as { id: string; sampled: number; candidates: number };
          return `${BASE}/rounds/${x.id}?${done(`The round has started: ${x.sampled} of ${x.candidates} cases sampled, and each agency working on them has a section to complete`)}`;
        },
        rerender: (v, _e, fe) => renderStart(req, reply, v, (req.body ?? {}) as Record<string, unknown>, fe),
      }),
    );

    // ── A round ─────────────────────────────────────────────────────────────────────────────────────
    async function renderRound(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { name: string; values: Record<string, string>; fieldErrors: Record<string, string> } | null,
    ) {
      const view = await getRound(db, req.ctx, param(req));
      const chart = await barChartSvg(
        view.distribution.map((d) => ({ label: GRADE_LABELS[d.grade], value: d.count })),
        {
          title: 'Grades given, all agencies',
          description:
            'Bar chart of how many graded answers ended at each grade (the agreed grade where moderation changed it). The same figures are in the table.',
          xTitle: 'Graded answers',
        },
      );
      const e = form ? errorsFor(form.name, form.fieldErrors) : undefined;
      return reply.code(form ? 400 : 200).page(`${VIEWS}/round.njk`, {
        title: view.round.title,
        columnClass: 'nhsuk-grid-column-full',
        back: BACK,
        done: req.banner(),
        ...view,
        chart,
        // A finding's learning can become an action in the tracker, for those who record actions for the partnership.
        actions: (await partnershipsFor(db, req.ctx, 'tracker.manage')).some((p) => p.id === view.round.geographyId),
        form: form ? { ...form, inline: e?.fields ?? {} } : null,
        errors: e,
        classificationLabels: CLASSIFICATION_LABELS,
        ...LABELS,
      });
    }
    app.get(`${BASE}/rounds/:id`, async (req, reply) => renderRound(req, reply, null));
    for (const [path, act, message] of [
      ['discussion', recordDiscussion, 'The joint discussion has been recorded'],
      ['findings', addFinding, 'The finding has been added: it can become an action in the tracker'],
    ] as const) {
      app.post(`${BASE}/rounds/:id/${path}`, async (req, reply) =>
        handleForm(req, reply, {
          act: (v) => act(db, req.ctx, param(req), v),
          next: `${BASE}/rounds/${param(req)}?${done(message)}#${path}`,
          rerender: (v, _e, fe) => renderRound(req, reply, { name: path, values: v, fieldErrors: fe }),
        }),
      );
    }
    app.post(`${BASE}/rounds/:id/close`, async (req, reply) =>
      handleForm(req, reply, {
        act: () => closeRound(db, req.ctx, param(req)),
        next: `${BASE}/rounds/${param(req)}?${done('The round is closed')}`,
        rerender: (v, _e, fe) => renderRound(req, reply, { name: 'close', values: v, fieldErrors: fe }),
      }),
    );

    // ── A section ───────────────────────────────────────────────────────────────────────────────────
    async function renderSection(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { name: string; values: Record<string, string>; fieldErrors: Record<string, string> } | null,
    ) {
      const view = await getSection(db, req.ctx, param(req));
      const e = form ? errorsFor(form.name, form.fieldErrors) : undefined;
      return reply.code(form ? 400 : 200).page(`${VIEWS}/section.njk`, {
        title: `${view.section.caseReference}: ${view.organisationName}`,
        back: { href: `${BASE}/rounds/${view.round.id}`, text: view.round.title },
        done: req.banner(),
        ...view,
        values: form?.values ?? null,
        form: form ? { ...form, inline: e?.fields ?? {} } : null,
        errors: e,
        ...LABELS,
      });
    }
    app.get(`${BASE}/sections/:id`, async (req, reply) => renderSection(req, reply, null));
    app.post(`${BASE}/sections/:id`, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => completeSection(db, req.ctx, param(req), v),
        next: `${BASE}/sections/${param(req)}?${done('Your agency’s section has been saved as complete: a second auditor will moderate it')}`,
        rerender: (v, _e, fe) => renderSection(req, reply, { name: 'answers', values: v, fieldErrors: fe }),
      }),
    );
    app.post(`${BASE}/sections/:id/moderate`, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => moderateSection(db, req.ctx, param(req), v),
        next: `${BASE}/sections/${param(req)}?${done('The moderation has been recorded')}`,
        rerender: (v, _e, fe) => renderSection(req, reply, { name: 'moderation', values: v, fieldErrors: fe }),
      }),
    );
  };
