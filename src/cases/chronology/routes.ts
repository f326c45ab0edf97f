import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { scopeFor } from '../../platform/auth/policy';
import { ValidationError } from '../../platform/errors';
import { formErrors } from '../../platform/http/forms';
import { formatDate, formatDateTime } from '../../platform/http/views';
import type { Db } from '../../platform/db/engine';
import { guidanceFor } from '../../library/links';
import { listCatalogue } from '../../learning/catalogue';
import { dateTimeFromParts, handleCaseForm, renderCasePage } from '../http';
import { CHRONOLOGY_KIND_LABELS, INDICATOR_LABELS, INDICATOR_OF, INDICATORS, type Indicator, PRACTITIONER_KINDS } from '../patterns';
import {
  answerPrompt,
  applyChronologyFilter,
  type ChronologyItem,
  loadChronology,
  loadPrompts,
  parseChronologyFilter,
  PROMPT_RESPONSE_KINDS,
  PROMPT_RESPONSE_LABELS,
  recordObservation,
  unansweredPrompts,
} from './service';

const TEMPLATE = 'cases/chronology/views/chronology.njk';

const INDICATOR_HINTS: Record<Indicator, string> = {
  closure: 'Possible signs of closure (shutting professionals out)',
  flight: 'Possible signs of flight (moving out of reach)',
  disguised_compliance: 'Possible signs of disguised compliance (apparent cooperation)',
};
const TAG_CLASSES: Record<Indicator, string> = { closure: 'nhsuk-tag--orange', flight: 'nhsuk-tag--red', disguised_compliance: 'nhsuk-tag--purple' };

/** The kinds a practitioner may record, grouped by the warning sign each may be. */
const KIND_GROUPS = [
  ...INDICATORS.map((indicator) => ({ label: INDICATOR_HINTS[indicator], kinds: PRACTITIONER_KINDS.filter((k) => INDICATOR_OF[k] === indicator) })),
  { label: 'Other entries', kinds: PRACTITIONER_KINDS.filter((k) => !INDICATOR_OF[k]) },
].map((g) => ({ label: g.label, options: g.kinds.map((k) => ({ value: k, text: CHRONOLOGY_KIND_LABELS[k] })) }));

const whenText = (at: Date, timeKnown: boolean) => (timeKnown ? formatDateTime(at) : formatDate(at));

const itemView = (i: ChronologyItem) => ({
  ...i,
  when: whenText(i.at, i.timeKnown),
  tagClass: i.indicator ? TAG_CLASSES[i.indicator] : null,
  // System entries are written as part of a change someone made (a detail recorded, a prompt answered).
  sourceLabel: i.source === 'alert' ? `From alert ${i.alertReference ?? ''}`.trim() : i.source === 'system' ? 'Automatic entry' : 'Practitioner entry',
});

/** The occurredAt value the service expects: a date alone when no time was typed, else the instant. */
function occurredAtFrom(values: Record<string, string>): string {
  const d = (values['occurredAt.day'] ?? '').trim();
  const m = (values['occurredAt.month'] ?? '').trim();
  const y = (values['occurredAt.year'] ?? '').trim();
  const t = (values['occurredAt.time'] ?? '').trim();
  if (!t && d && m && y && [d, m, y].every((p) => /^\d+$/.test(p))) return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return dateTimeFromParts(values, 'occurredAt');
}

type Form = { kind: 'record' } | { kind: 'answer'; promptId: string };

/**
 * The guidance each pattern prompt points to, by the signs its entries show (closure, flight, disguised
 * compliance): the current spotlight briefing from the library for the case's area, and the training
 * course on it with the next session (the learning catalogue). One lookup per sign, not per prompt.
 */
async function promptGuidance(
  db: Db,
  req: FastifyRequest,
  geographyId: string | null,
  prompts: readonly { id: string; events: readonly { kind: string }[] }[],
) {
  const signsOf = (p: (typeof prompts)[number]) => [
    ...new Set(p.events.map((e) => INDICATOR_OF[e.kind as keyof typeof INDICATOR_OF]).filter((x): x is Indicator => !!x)),
  ];
  const signs = [...new Set(prompts.flatMap(signsOf))];
  const out = new Map<string, { label: string; briefing: { href: string; text: string } | null; course: { href: string; text: string } | null }[]>();
  if (!signs.length) return out;
  const briefings = await guidanceFor(db, geographyId, signs);
  const courses = new Map<Indicator, { href: string; text: string } | null>();
  for (const sign of signs) {
    const entries = await listCatalogue(db, req.ctx, { topic: sign });
    const best = entries.find((e) => e.sessions.length) ?? entries[0];
    courses.set(sign, best ? { href: `/learning/courses/${best.course.id}`, text: best.course.title } : null);
  }
  for (const p of prompts)
    out.set(
      p.id,
      signsOf(p).map((sign) => {
        const b = briefings.get(sign);
        return {
          label: INDICATOR_LABELS[sign],
          briefing: b ? { href: b.href, text: `${b.title} (version ${b.version})` } : null,
          course: courses.get(sign) ?? null,
        };
      }),
    );
  return out;
}

export const chronologyRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

    async function page(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: {
        status?: number;
        form?: Form;
        values?: Record<string, string>;
        errors?: ReturnType<typeof formErrors>;
        fieldErrors?: Record<string, string>;
      } = {},
    ) {
      const caseId = idOf(req);
      const q = req.query as Record<string, string | string[] | undefined>;
      const requested = { indicator: typeof q.indicator === 'string' ? q.indicator : null, kinds: q.kind ?? null };
      // A filter that is not one of ours shows every entry, with the problem beside the filter.
      let filter: ReturnType<typeof parseChronologyFilter> = { kinds: [], indicator: null };
      let filterError: string | null = null;
      try {
        filter = parseChronologyFilter(requested);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        filterError = Object.values(err.fieldErrors)[0] ?? 'Choose a filter from the list';
      }
      const errors = opts.errors ?? (filterError ? formErrors({ indicator: filterError }) : undefined);
      const values = opts.values ?? {};
      return renderCasePage(db, req, reply, {
        caseId,
        section: 'chronology',
        template: TEMPLATE,
        title: 'Chronology',
        audit: 'case.chronology.view',
        status: opts.status ?? (filterError ? 400 : 200),
        data: async (header) => {
          const [all, prompts] = await Promise.all([loadChronology(db, req.ctx, header.kase), loadPrompts(db, header.kase.id)]);
          const guidance = await promptGuidance(db, req, header.kase.geographyId, prompts);
          const items = applyChronologyFilter(all, filter).map(itemView);
          const answering = opts.form?.kind === 'answer' ? opts.form.promptId : null;
          return {
            errors,
            inline: opts.fieldErrors ?? {},
            formKind: opts.form?.kind ?? null,
            answering,
            values: opts.form?.kind === 'record' ? values : {},
            answerValues: answering ? values : {},
            occurredAtParts:
              opts.form?.kind === 'record'
                ? {
                    day: values['occurredAt.day'] ?? '',
                    month: values['occurredAt.month'] ?? '',
                    year: values['occurredAt.year'] ?? '',
                    time: values['occurredAt.time'] ?? '',
                  }
                : { day: '', month: '', year: '', time: '' },
            kindGroups: KIND_GROUPS,
            responseItems: PROMPT_RESPONSE_KINDS.map((k) => ({ value: k, text: PROMPT_RESPONSE_LABELS[k] })),
            openPrompts: prompts
              .filter((p) => !p.answered)
              .map((p) => ({
                ...p,
                guidance: guidance.get(p.id) ?? [],
                raisedText: formatDateTime(p.raisedAt),
                events: p.events.map((e) => ({ ...e, when: whenText(e.at, e.timeKnown) })),
              })),
            answeredPrompts: prompts
              .filter((p) => p.answered)
              .map((p) => ({
                ...p,
                guidance: guidance.get(p.id) ?? [],
                raisedText: formatDateTime(p.raisedAt),
                respondedText: formatDateTime(p.respondedAt),
                events: p.events.map((e) => ({ ...e, when: whenText(e.at, e.timeKnown) })),
              })),
            items,
            totalItems: all.length,
            filter: {
              indicator: filterError ? (requested.indicator ?? '') : (filter.indicator ?? ''),
              indicatorLabel: filter.indicator ? INDICATOR_LABELS[filter.indicator] : null,
              kinds: filter.kinds,
              kindLabels: filter.kinds.map((k) => CHRONOLOGY_KIND_LABELS[k]),
            },
            filterError,
            indicatorItems: [{ value: '', text: 'Every entry' }, ...INDICATORS.map((i) => ({ value: i, text: INDICATOR_LABELS[i] }))],
          };
        },
      });
    }

    app.get('/cases/:id/chronology', async (req, reply) => page(req, reply));

    app.post('/cases/:id/chronology', async (req, reply) => {
      const caseId = idOf(req);
      return handleCaseForm(req, reply, {
        act: (values) =>
          recordObservation(db, req.ctx, caseId, {
            kind: values.kind ?? '',
            occurredAt: occurredAtFrom(values),
            summary: values.summary ?? '',
            professional: values.professional ?? '',
            agency: values.agency ?? '',
          }),
        next: (result) => {
          const raised = (result as { promptsRaised: number }).promptsRaised;
          const banner = raised ? 'Entry recorded. It completes a pattern: a prompt has been raised and needs a response' : 'Entry recorded in the chronology';
          return `/cases/${caseId}/chronology?done=${encodeURIComponent(banner)}${raised ? '#prompts' : '#timeline'}`;
        },
        idFor: (f) => (f === 'occurredAt' ? 'occurredAt-day' : f),
        rerender: (values, errors, fieldErrors) => page(req, reply, { status: 400, form: { kind: 'record' }, values, errors, fieldErrors }),
      });
    });

    app.post('/cases/:id/prompts/:promptId/answer', async (req, reply) => {
      const caseId = idOf(req);
      const promptId = (req.params as { promptId: string }).promptId;
      return handleCaseForm(req, reply, {
        act: (values) => answerPrompt(db, req.ctx, caseId, promptId, { responseKind: values.responseKind || undefined, response: values.response ?? '' }),
        next: `/cases/${caseId}/chronology?done=${encodeURIComponent('Your response to the prompt has been recorded')}#prompts`,
        idFor: (f) => `${f}-${promptId}`,
        rerender: (values, errors, fieldErrors) => page(req, reply, { status: 400, form: { kind: 'answer', promptId }, values, errors, fieldErrors }),
      });
    });

    app.get('/cases/prompts', { config: { permission: 'case.list' } }, async (req, reply) => {
      const list = await unansweredPrompts(db, req.ctx);
      return reply.page('cases/chronology/views/prompts.njk', {
        title: 'Pattern prompts waiting for a response',
        prompts: list.map((p) => ({ ...p, raisedText: formatDateTime(p.raisedAt) })),
        everyCase: scopeFor(req.ctx.actor, 'case.view').kind === 'all',
      });
    });
  };
