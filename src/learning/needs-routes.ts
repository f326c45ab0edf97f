/**
 * Learning needs analysis pages: review rounds (start, record each course's finding, sign off), workforce
 * coverage with gaps, imported headcounts, and the courses × topics matrix.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { formErrors, handleForm } from '../platform/http/forms';
import { ROLE_LABELS } from '../platform/context';
import { ValidationError } from '../platform/errors';
import { barChartSvg } from '../platform/charts/svg';
import {
  courseTopicMatrix,
  createRound,
  getRound,
  importedHeadcounts,
  importHeadcounts,
  listRounds,
  recordFinding,
  signOffRound,
  workforceCoverage,
} from './needs';
import { COVERAGE, COVERAGE_LABELS, type Coverage, SEED_BRIEF } from './needs-model';
import { TOPIC_LABELS, TOPICS, type Topic } from './model';

const param = (req: FastifyRequest, name = 'id') => (req.params as Record<string, string>)[name]!;
const pageErrors = (fieldErrors: Record<string, string>) => formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f));
const done = (text: string) => `done=${encodeURIComponent(text)}`;
const topicItems = (selected: string) => TOPICS.map((t) => ({ value: t, text: TOPIC_LABELS[t], selected: t === selected }));

export const learningNeedsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get('/learning/needs', { config: { permission: 'learning.needs' } }, async (req, reply) =>
      reply.page('learning/views/needs.njk', {
        title: 'Learning needs analysis',
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/learning', text: 'Training' },
        done: req.banner(),
        rounds: await listRounds(db, req.ctx),
        topicLabels: TOPIC_LABELS,
      }),
    );

    // ── Review rounds ────────────────────────────────────────────────────────────────────────────────

    async function renderRoundForm(reply: FastifyReply, values: Record<string, string>, fieldErrors?: Record<string, string>) {
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/needs-round-form.njk', {
        title: 'Start a review round',
        back: { href: '/learning/needs', text: 'Learning needs analysis' },
        values,
        topics: topicItems(values.topic ?? ''),
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/needs/rounds/new', { config: { permission: 'learning.manage' } }, async (_req, reply) =>
      renderRoundForm(reply, {
        title: 'Disguised compliance across the training offer',
        topic: 'disguised_compliance',
        brief: SEED_BRIEF,
        ownerEmail: '',
        dueOn: '',
      }),
    );
    app.post('/learning/needs/rounds', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => createRound(db, req.ctx, v),
        next: (r) => `/learning/needs/rounds/${(r as { id: string }).id}?${done('The review round has started: every course of the partnership is in it')}`,
        rerender: (v, _e, fe) => renderRoundForm(reply, v, fe),
      }),
    );

    async function renderRound(req: FastifyRequest, reply: FastifyReply, fieldErrors?: Record<string, string>) {
      const view = await getRound(db, req.ctx, param(req));
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/needs-round.njk', {
        title: view.round.title,
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/learning/needs', text: 'Learning needs analysis' },
        done: req.banner(),
        ...view,
        topicLabel: TOPIC_LABELS[view.round.topic as Topic] ?? view.round.topic,
        coverageLabels: COVERAGE_LABELS,
        errors: e,
      });
    }
    app.get('/learning/needs/rounds/:id', async (req, reply) => renderRound(req, reply));
    app.post('/learning/needs/rounds/:id/sign-off', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => signOffRound(db, req.ctx, param(req), v),
        next: `/learning/needs/rounds/${param(req)}?${done('The review round has been signed off')}`,
        rerender: (_v, _e, fe) => renderRound(req, reply, fe),
      }),
    );

    async function renderFinding(req: FastifyRequest, reply: FastifyReply, values?: Record<string, string>, fieldErrors?: Record<string, string>) {
      const view = await getRound(db, req.ctx, param(req));
      const item = view.items.find((i) => i.courseId === param(req, 'courseId'));
      if (!item || !view.reviews) return reply.callNotFound();
      const v = values ?? { coverage: item.coverage ?? '', evidence: item.evidence ?? '', action: item.action ?? '' };
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/needs-finding.njk', {
        title: item.courseTitle,
        back: { href: `/learning/needs/rounds/${view.round.id}`, text: view.round.title },
        round: view.round,
        item,
        topicLabel: TOPIC_LABELS[view.round.topic as Topic] ?? view.round.topic,
        coverageItems: COVERAGE.map((c) => ({ value: c, text: COVERAGE_LABELS[c], checked: v.coverage === c })),
        values: v,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/needs/rounds/:id/courses/:courseId', async (req, reply) => renderFinding(req, reply));
    app.post('/learning/needs/rounds/:id/courses/:courseId', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => recordFinding(db, req.ctx, param(req), param(req, 'courseId'), v),
        next: `/learning/needs/rounds/${param(req)}?${done('The finding has been recorded')}`,
        rerender: (v, _e, fe) => renderFinding(req, reply, v, fe),
      }),
    );

    // ── Workforce coverage and headcounts ────────────────────────────────────────────────────────────

    app.get('/learning/needs/coverage', { config: { permission: 'learning.needs' } }, async (req, reply) => {
      const raw = req.query as Record<string, string | undefined>;
      const query = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
      let report: Awaited<ReturnType<typeof workforceCoverage>>;
      let e: ReturnType<typeof pageErrors> | undefined;
      try {
        report = await workforceCoverage(db, req.ctx, query);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        e = pageErrors(error.fieldErrors);
        report = await workforceCoverage(db, req.ctx, {});
      }
      const shown = report.rows.filter((r) => r.percent !== null);
      const chart = shown.length
        ? await barChartSvg(
            shown.map((r) => ({ label: `${r.odsCode} · ${ROLE_LABELS[r.role as keyof typeof ROLE_LABELS] ?? r.role}`, value: r.percent! })),
            {
              title: `Per cent trained in ${TOPIC_LABELS[report.query.topic].toLowerCase()} in the last ${report.query.years} years`,
              description: `Per cent of each organisation and role who completed training covering ${TOPIC_LABELS[report.query.topic].toLowerCase()}, against a target of ${report.query.target}%. The same figures are in the table below.`,
              domain: [0, 100],
              xTitle: 'Per cent of headcount trained',
            },
          )
        : null;
      return reply.code(e ? 400 : 200).page('learning/views/needs-coverage.njk', {
        title: 'Workforce coverage',
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/learning/needs', text: 'Learning needs analysis' },
        r: report,
        chart,
        values: { topic: raw.topic ?? report.query.topic, years: raw.years ?? String(report.query.years), target: raw.target ?? String(report.query.target) },
        topics: topicItems(raw.topic ?? report.query.topic),
        topicLabel: TOPIC_LABELS[report.query.topic],
        roleLabels: ROLE_LABELS,
        errors: e,
        inline: e?.fields ?? {},
      });
    });

    async function renderHeadcounts(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/needs-headcounts.njk', {
        title: 'Headcounts by organisation and role',
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/learning/needs/coverage', text: 'Workforce coverage' },
        done: req.banner(),
        rows: await importedHeadcounts(db, req.ctx),
        roleLabels: ROLE_LABELS,
        values,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/needs/headcounts', { config: { permission: 'learning.manage' } }, async (req, reply) => renderHeadcounts(req, reply));
    app.post('/learning/needs/headcounts', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => importHeadcounts(db, req.ctx, v.headcounts ?? ''),
        next: (r) => `/learning/needs/headcounts?${done(`${(r as { imported: number }).imported} headcounts imported`)}`,
        rerender: (v, _e, fe) => renderHeadcounts(req, reply, v, fe),
      }),
    );

    app.get('/learning/needs/matrix', { config: { permission: 'learning.needs' } }, async (req, reply) => {
      const m = await courseTopicMatrix(db, req.ctx);
      return reply.page('learning/views/needs-matrix.njk', {
        title: 'Courses and the topics they cover',
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/learning/needs', text: 'Learning needs analysis' },
        m,
        topicLabels: TOPIC_LABELS,
        coverageLabels: COVERAGE_LABELS as Record<Coverage, string>,
      });
    });
  };
