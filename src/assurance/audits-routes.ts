/**
 * Audit pages (the SOP and the protocol audits): the runs, starting one, a run's report (figures against each standard, a chart beside the
 * same figures as a table, sign-off), one criterion's drill-down (trend, breakdown, the records not met), two
 * runs compared, the CSV, and the partnership's criteria with their versions.
 */
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { formErrors, handleForm } from '../platform/http/forms';
import type { Action } from '../platform/auth/policy';
import { lineChartSvg } from '../platform/charts/svg';
import { auditPdf, reportChart } from './audit-pdf';
import { ValidationError } from '../platform/errors';
import { compareRuns, criteriaFor, getRun, listRuns, reportCsvRows, runCriterion, saveCriteria, signOffRun, startChoices, startRun } from './audits';
import { partnershipsFor } from './access';
import { formatMinutes, periodEnded, RAG_LABELS } from './audit-rules';
import { AUDIT_KIND_LABELS, type AuditKind, CRITERIA_SETS, CRITERION, type CriterionSetting, standardText } from './criteria';

const param = (req: FastifyRequest, name = 'id') => (req.params as Record<string, string>)[name]!;
const pageErrors = (fieldErrors: Record<string, string>) => formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f));
const done = (text: string) => `done=${encodeURIComponent(text)}`;
const BACK = { href: '/assurance/audits', text: 'Audits' };
const RAG_TAGS = { green: 'nhsuk-tag--green', amber: 'nhsuk-tag--orange', red: 'nhsuk-tag--red', none: 'nhsuk-tag--grey' };

/** The kind of audit a criteria page or form is about (`?kind=` or the form's `kind`); anything else is the SOP's. */
const kindOf = (v: unknown): AuditKind => (v === 'protocol' ? 'protocol' : 'sop');

/** The criteria form's fields: `<key>.enabled`, `<key>.target`, `<key>.threshold` (minutes). */
function criteriaFromForm(kind: AuditKind, v: Record<string, string>, body: Record<string, unknown>) {
  const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? Number.NaN : Number(s.trim()));
  return {
    changeReason: v.changeReason ?? '',
    criteria: CRITERIA_SETS[kind].map((c) => ({
      key: c.key,
      enabled: body[`${c.key}.enabled`] !== undefined,
      target: num(v[`${c.key}.target`]),
      thresholdMinutes: c.defaultThresholdMinutes === undefined ? null : num(v[`${c.key}.threshold`]),
    })),
  };
}

/** Zod's paths (criteria.3.target) to the form's fields (nhs_number.target). */
function criteriaErrors(kind: AuditKind, fieldErrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, msg] of Object.entries(fieldErrors)) {
    const m = /^criteria\.(\d+)\.(target|thresholdMinutes)$/.exec(k);
    const c = m ? CRITERIA_SETS[kind][Number(m[1])] : undefined;
    if (m && c) out[`${c.key}.${m[2] === 'target' ? 'target' : 'threshold'}`] = msg;
    else out[k === 'criteria' ? 'form' : k] = msg;
  }
  return out;
}

export const auditRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    /** Whether to offer a button: the same rule the service applies when it is pressed. */
    const mayFor = async (req: FastifyRequest, action: Action, geographyId: string) =>
      (await partnershipsFor(db, req.ctx, action, { together: true })).some((p) => p.id === geographyId);

    app.get('/assurance/audits', { config: { permission: 'assurance.view' } }, async (req, reply) => {
      const runs = await listRuns(db, req.ctx);
      return reply.page('assurance/views/audits.njk', {
        title: 'SOP and protocol audits',
        columnClass: 'nhsuk-grid-column-full',
        done: req.banner(),
        runs,
        partnerships: await partnershipsFor(db, req.ctx, 'assurance.view', { together: true }),
        ragTags: RAG_TAGS,
      });
    });

    // ── Starting a run ──────────────────────────────────────────────────────────────────────────────
    async function renderStart(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, fieldErrors?: Record<string, string>) {
      const choices = await startChoices(db, req.ctx);
      const own = choices.filter((c) => !c.together);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('assurance/views/audit-start.njk', {
        title: 'Start an audit',
        back: BACK,
        // Someone of one partnership starts with it chosen (its ICB area's partnerships together are the other choice).
        values: { kind: 'sop', partnershipId: own.length === 1 ? own[0]!.id : '', months: '6', baseline: 'yes', ...values },
        kindLabels: AUDIT_KIND_LABELS,
        choices,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/audits/new', { config: { permission: 'assurance.run' } }, async (req, reply) => renderStart(req, reply, {}));
    app.post('/assurance/audits', { config: { permission: 'assurance.run' } }, async (req, reply) =>
      handleForm(req, reply, {
        act: (v) =>
          startRun(db, req.ctx, {
            kind: v.kind || 'sop',
            partnershipId: v.partnershipId ?? '',
            from: v.from,
            months: v.months,
            baseline: v.baseline !== 'no',
            title: v.title,
          }),
        next: (r) =>
          `/assurance/audits/${(r as { id: string }).id}?${done('The audit has started: its figures are computed from the records each time you open it, until it is signed off')}`,
        rerender: (v, _e, fe) => renderStart(req, reply, v, fe),
      }),
    );

    // ── A run ───────────────────────────────────────────────────────────────────────────────────────
    async function renderRun(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const view = await getRun(db, req.ctx, param(req));
      const { report, run } = view;
      const chart = await reportChart(view);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      const ended = periodEnded(run.periodTo, new Date());
      return reply.code(fieldErrors ? 400 : 200).page('assurance/views/audit-run.njk', {
        title: report.title,
        columnClass: 'nhsuk-grid-column-full',
        back: BACK,
        done: req.banner(),
        ...view,
        chart,
        ragLabels: RAG_LABELS,
        ragTags: RAG_TAGS,
        mediansText: Object.fromEntries(report.criteria.map((c) => [c.key, c.figures.medianMinutes === null ? null : formatMinutes(c.figures.medianMinutes)])),
        signs: run.status === 'draft' && ended && (await mayFor(req, 'assurance.signoff', run.geographyId)),
        // A criterion below its standard offers "create an action" in the review tracker, to those who record actions.
        actions: await mayFor(req, 'tracker.manage', run.geographyId),
        ended,
        values,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/audits/:id', async (req, reply) => renderRun(req, reply));
    app.post('/assurance/audits/:id/sign-off', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => signOffRun(db, req.ctx, param(req), v),
        next: `/assurance/audits/${param(req)}?${done('The audit has been signed off: its figures are frozen and will not change')}`,
        rerender: (v, _e, fe) => renderRun(req, reply, v, fe),
      }),
    );
    app.get('/assurance/audits/:id/report.csv', async (req, reply) => {
      const { report } = await getRun(db, req.ctx, param(req));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sop-audit-${report.period.from}.csv"`)
        .send(stringify(reportCsvRows(report)));
    });

    app.get('/assurance/audits/:id/report.pdf', async (req, reply) => {
      const view = await getRun(db, req.ctx, param(req));
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="sop-audit-${view.report.period.from}.pdf"`)
        .send(await auditPdf(view));
    });

    app.get('/assurance/audits/:id/criteria/:key', async (req, reply) => {
      const view = await runCriterion(db, req.ctx, param(req), param(req, 'key'));
      const f = view.criterion.figures;
      const trend = await lineChartSvg(
        [
          ...f.byMonth.filter((m) => m.pct !== null).map((m) => ({ date: `${m.month}-01`, value: m.pct!, series: m.inBaseline ? 'Baseline' : 'Audit period' })),
          ...f.byMonth.map((m) => ({ date: `${m.month}-01`, value: view.criterion.target, series: 'Standard' })),
        ],
        {
          title: `${view.criterion.title}, month by month`,
          description: `Line chart of the percentage meeting "${view.criterion.title}" each month, against the standard of ${view.criterion.target}%. The same figures are in the table.`,
          yTitle: 'Percentage meeting it',
          monthly: true,
        },
      );
      return reply.page('assurance/views/audit-criterion.njk', {
        title: view.criterion.title,
        columnClass: 'nhsuk-grid-column-full',
        back: { href: `/assurance/audits/${view.run.id}`, text: view.report.title },
        ...view,
        trend,
        failing: f.failing.slice(0, 500),
        ragLabels: RAG_LABELS,
        ragTags: RAG_TAGS,
        median: f.medianMinutes === null ? null : formatMinutes(f.medianMinutes),
        actions: (f.rag === 'red' || f.rag === 'amber') && (await mayFor(req, 'tracker.manage', view.run.geographyId)),
      });
    });

    app.get('/assurance/audits/compare', { config: { permission: 'assurance.view' } }, async (req, reply) => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      const runs = await listRuns(db, req.ctx);
      const a = typeof q.a === 'string' ? q.a : '';
      const b = typeof q.b === 'string' ? q.b : '';
      const page = { title: 'Compare two audits', columnClass: 'nhsuk-grid-column-full', back: BACK, runs, a, b, ragLabels: RAG_LABELS, ragTags: RAG_TAGS };
      if (!a && !b) return reply.page('assurance/views/audit-compare.njk', { ...page, compared: null });
      try {
        if (!a || !b) throw new ValidationError({ [a ? 'b' : 'a']: 'Choose two audits to compare' });
        return reply.page('assurance/views/audit-compare.njk', { ...page, compared: await compareRuns(db, req.ctx, a, b) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const e = pageErrors(err.fieldErrors);
        return reply.code(400).page('assurance/views/audit-compare.njk', { ...page, compared: null, errors: e, inline: e.fields });
      }
    });

    // ── Criteria ────────────────────────────────────────────────────────────────────────────────────
    async function renderCriteria(req: FastifyRequest, reply: FastifyReply, values?: Record<string, string>, fieldErrors?: Record<string, string>) {
      const q = (req.query ?? {}) as Record<string, unknown>;
      const c = await criteriaFor(db, req.ctx, param(req), kindOf(values?.kind ?? q.kind));
      const settings = c.current.settings;
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      const v =
        values ??
        Object.fromEntries(
          settings.flatMap((s: CriterionSetting) => [
            [`${s.key}.target`, String(s.target)],
            [`${s.key}.threshold`, s.thresholdMinutes === null ? '' : String(s.thresholdMinutes)],
            ...(s.enabled ? [[`${s.key}.enabled`, 'yes']] : []),
          ]),
        );
      return reply.code(fieldErrors ? 400 : 200).page('assurance/views/audit-criteria.njk', {
        title: `${c.kind === 'sop' ? 'Alert SOP' : 'Protocol'} audit criteria: ${c.partnership.name}`,
        columnClass: 'nhsuk-grid-column-full',
        back: BACK,
        done: req.banner(),
        ...c,
        rows: settings.map((s) => ({ ...s, definition: CRITERION[s.key], standard: standardText(s) })),
        edits: await mayFor(req, 'assurance.configure', c.partnership.id),
        values: v,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/assurance/criteria/:id', async (req, reply) => renderCriteria(req, reply));
    app.post('/assurance/criteria/:id', async (req, reply) =>
      handleForm(req, reply, {
        act: async (v, body) => {
          try {
            return await saveCriteria(db, req.ctx, param(req), criteriaFromForm(kindOf(v.kind), v, body), kindOf(v.kind));
          } catch (err) {
            if (err instanceof ValidationError) throw new ValidationError(criteriaErrors(kindOf(v.kind), err.fieldErrors));
            throw err;
          }
        },
        next: (r) =>
          `/assurance/criteria/${param(req)}?${done(`Version ${(r as { version: number }).version} of the criteria is in force: audits started from now use it`)}`,
        rerender: (v, _e, fe) => renderCriteria(req, reply, v, fe),
      }),
    );
  };
