import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { ValidationError } from '../platform/errors';
import { formErrors } from '../platform/http/forms';
import { dischargeOverrideReport } from './discharge-overrides';

const Counts = { decisions: z.int(), overrides: z.int(), unreviewed: z.int().meta({ description: 'Overrides not yet reviewed by a safeguarding lead' }) };
export const DischargeOverrideReport = api.schema(
  'DischargeOverrideReport',
  z.object({
    period: z.object({ from: z.iso.date(), to: z.iso.date() }),
    totals: z.object({ ...Counts, overrideRate: z.int().nullable().meta({ description: 'Overrides as a whole percentage of decisions' }) }),
    byOrganisation: z.array(
      z.object({ organisation: z.string().meta({ description: 'The lead organisation of the case' }), ...Counts, overrideRate: z.int().nullable() }),
    ),
    byBlocker: z.array(z.object({ code: z.enum(['dpm_not_decided', 'dpm_not_held', 'toxicology_pending']), label: z.string(), overrides: z.int() })),
    byMonth: z.array(z.object({ month: z.string().meta({ description: 'YYYY-MM' }), label: z.string(), ...Counts })),
    unreviewed: z.array(
      z.object({
        decisionId: z.uuid(),
        caseId: z.uuid(),
        reference: z.string(),
        leadOrganisation: z.string(),
        decidedAt: z.iso.datetime(),
        flaggedAt: z.iso.datetime().nullable(),
        daysWaiting: z.int(),
        blockers: z.array(z.string()),
      }),
    ),
  }),
  'Discharge decisions and overrides of the discharge gate in a period: counts only, and the case references of overrides awaiting review.',
);

/** A date from the query: `name=YYYY-MM-DD`, or the page's day, month and year boxes (`name.day` …). */
function dateOf(r: Record<string, unknown>, name: string): string | null {
  const part = (k: string) => (typeof r[`${name}.${k}`] === 'string' ? (r[`${name}.${k}`] as string).trim() : '');
  const [d, m, y] = [part('day'), part('month'), part('year')];
  if (d || m || y) return /^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y) ? `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}` : 'not a date';
  return typeof r[name] === 'string' && r[name] ? (r[name] as string).slice(0, 20) : null;
}
const queryOf = (q: unknown) => {
  const r = (q ?? {}) as Record<string, unknown>;
  return { from: dateOf(r, 'from'), to: dateOf(r, 'to') };
};
const partsOf = (iso: string | null) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  return m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1] } : { day: '', month: '', year: '' };
};

/** The boxes as typed, to show them again with the error. */
const rawParts = (q: unknown, name: string) => {
  const r = (q ?? {}) as Record<string, unknown>;
  const v = (k: string) => (typeof r[`${name}.${k}`] === 'string' ? (r[`${name}.${k}`] as string).slice(0, 10) : '');
  return r[`${name}.day`] !== undefined || r[`${name}.month`] !== undefined || r[`${name}.year`] !== undefined
    ? { day: v('day'), month: v('month'), year: v('year') }
    : partsOf(typeof r[name] === 'string' ? (r[name] as string) : null);
};

/** The discharge override assurance report: a page with a period filter, and the same as JSON. */
export const dischargeOverrideRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get('/assurance/discharge-overrides', { config: { permission: 'case.report' } }, async (req, reply) => {
      const period = queryOf(req.query);
      try {
        const report = await dischargeOverrideReport(db, req.ctx, period);
        return reply.page('assurance/views/discharge-overrides.njk', {
          title: 'Discharge gate overrides',
          report,
          from: partsOf(report.period.from),
          to: partsOf(report.period.to),
          columnClass: 'nhsuk-grid-column-full',
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return reply.code(400).page('assurance/views/discharge-overrides.njk', {
          title: 'Discharge gate overrides',
          report: null,
          from: rawParts(req.query, 'from'),
          to: rawParts(req.query, 'to'),
          errors: formErrors(err.fieldErrors, (f) => `${f}-day`),
          columnClass: 'nhsuk-grid-column-full',
        });
      }
    });

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/assurance/discharge-overrides',
        operationId: 'getDischargeOverrideReport',
        summary: 'Discharge decisions and gate overrides in a period (counts, no personal data)',
        tags: ['Assurance'],
        query: { from: 'First day, YYYY-MM-DD (default: 364 days before `to`)', to: 'Last day, YYYY-MM-DD (default: today)' },
        responses: { 200: { description: 'The report', schema: DischargeOverrideReport } },
      },
      async (req) => {
        const r = await dischargeOverrideReport(db, req.ctx, queryOf(req.query));
        return {
          ...r,
          unreviewed: r.unreviewed.map((u) => ({ ...u, decidedAt: u.decidedAt.toISOString(), flaggedAt: u.flaggedAt ? u.flaggedAt.toISOString() : null })),
        };
      },
    );
  };
