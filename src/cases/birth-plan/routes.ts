import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { formatDue } from '../milestones/format';
import { currentProfessional } from '../service';
import { dateTimeFromParts, handleCaseForm, partsAsTyped, renderCasePage } from '../http';
import {
  ADDITIONAL_RECIPIENT_KINDS,
  BABY_MAY_LEAVE,
  BABY_MAY_LEAVE_LABELS,
  type BirthPlanContent,
  RECIPIENT_KIND_LABELS,
  SEND_METHOD_LABELS,
  SEND_METHODS,
} from './model';
import { birthPlanOfCase, type DistributionView, getDistribution, recordSent, saveBirthPlan } from './service';

type Errors = Parameters<Parameters<typeof handleCaseForm>[2]['rerender']>[1];

/** Rows offered on the form without JavaScript; blank ones are ignored. */
const PARTNER_ROWS = 4;
const EXCLUDED_ROWS = 4;
const RECIPIENT_ROWS = 3;

/** Put `value` at a dotted path (`content.birthPartners.0.name`), making lists for numeric steps. */
function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const parts = path.split('.');
  let at: Record<string, unknown> | unknown[] = target;
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    const key: string | number = /^\d+$/.test(p) ? Number(p) : p;
    const container = at as Record<string | number, unknown>;
    if (last) container[key] = value;
    else {
      container[key] ??= /^\d+$/.test(parts[i + 1] as string) ? [] : {};
      at = container[key] as Record<string, unknown>;
    }
  });
}

/** The form's fields as the service's input. */
export function birthPlanInput(values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k.startsWith('content.') || k.startsWith('additionalRecipients.')) setPath(out, k, v);
  }
  const content = (out.content ?? {}) as Record<string, unknown>;
  // Sparse lists from the form (a row of blanks the browser left out) become dense, keeping positions.
  for (const list of ['birthPartners', 'excludedPeople'])
    if (Array.isArray(content[list])) content[list] = Array.from(content[list] as unknown[], (x) => x ?? {});
  if (Array.isArray(out.additionalRecipients)) out.additionalRecipients = Array.from(out.additionalRecipients as unknown[], (x) => x ?? {});
  return {
    ...out,
    content,
    agreedAt: dateTimeFromParts(values, 'agreedAt'),
    agreedAtMeeting: values.agreedAtMeeting,
    changeReason: values.changeReason,
    namedMidwifeName: values.namedMidwifeName,
    parentsName: values.parentsName,
  };
}

/** A saved plan as the form's values (dotted names). */
function valuesOf(content: BirthPlanContent | null): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        walk(x, `${path}.${i}`);
      });
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    else if (v !== null && v !== undefined) out[path] = String(v);
  };
  if (content) walk(content, 'content');
  return out;
}

const DISTRIBUTION_TAGS: Record<DistributionView['state'], { text: string; classes: string }> = {
  sent: { text: 'Sent', classes: 'nhsuk-tag--green' },
  sent_late: { text: 'Sent late', classes: 'nhsuk-tag--orange' },
  overdue: { text: 'Overdue', classes: 'nhsuk-tag--red' },
  due: { text: 'To send', classes: 'nhsuk-tag--yellow' },
  superseded: { text: 'Replaced by a newer version', classes: 'nhsuk-tag--grey' },
};

function summaryRows(content: BirthPlanContent) {
  const lines = (xs: string[]) => (xs.length ? xs : ['None recorded']);
  return [
    { key: 'Birth partners', lines: lines(content.birthPartners.map((p) => `${p.name} (${p.relationship})`)) },
    {
      key: 'People excluded from the unit',
      lines: lines(
        content.excludedPeople.map(
          (p) => `${p.name}${p.relationship ? ` (${p.relationship})` : ''}: ${p.reason}${p.description ? `. Description: ${p.description}` : ''}`,
        ),
      ),
    },
    { key: 'Notify in hours', lines: [`${content.notifyInHours.name}, ${content.notifyInHours.role}`, content.notifyInHours.phone] },
    { key: 'Notify out of hours', lines: [content.notifyOutOfHours.name, content.notifyOutOfHours.phone] },
    {
      key: 'May the baby leave the unit?',
      lines: [BABY_MAY_LEAVE_LABELS[content.babyMayLeaveUnit], ...(content.onlyWith ? [`Only with: ${content.onlyWith}`] : [])],
    },
    { key: 'If the baby is born early', lines: [content.contingencyPreterm] },
    { key: 'If the family goes missing', lines: [content.contingencyMissing] },
    ...(content.otherArrangements ? [{ key: 'Other arrangements', lines: [content.otherArrangements] }] : []),
  ];
}

/** What the birth plan's pages share: their place in the case frame and how reading them is audited. */
const PAGE = { section: 'birth-plan', title: 'Birth plan', audit: 'case.birth_plan.view' } as const;

export const birthPlanRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    app.get('/cases/:id/birth-plan', async (req, reply) => {
      const { id } = req.params as { id: string };
      return renderCasePage(db, req, reply, {
        caseId: id,
        ...PAGE,
        template: 'cases/birth-plan/views/birth-plan.njk',
        data: async (header) => {
          const plan = await birthPlanOfCase(db, header.kase);
          return {
            current: plan.current ? { ...plan.current, rows: summaryRows(plan.current.content) } : null,
            history: plan.history,
            distribution: plan.distribution.map((d) => ({
              ...d,
              due: formatDue(d.dueAt),
              tag: DISTRIBUTION_TAGS[d.state],
              href: `/cases/${id}/birth-plan/distributions/${d.id}`,
            })),
            deadlines: plan.deadlines,
          };
        },
      });
    });

    const showEdit = async (
      req: FastifyRequest,
      reply: FastifyReply,
      extra: { status?: number; errors?: Errors; fields?: Record<string, string>; values?: Record<string, string> } = {},
    ) => {
      const { id } = req.params as { id: string };
      return renderCasePage(db, req, reply, {
        caseId: id,
        ...PAGE,
        template: 'cases/birth-plan/views/edit.njk',
        ...(extra.status ? { status: extra.status } : {}),
        data: async (header) => {
          const plan = await birthPlanOfCase(db, header.kase);
          const content = plan.current?.content ?? null;
          const midwife = await currentProfessional(db, id, 'midwife');
          const values = extra.values ?? valuesOf(content);
          const rows = (n: number, have: number) => Array.from({ length: Math.max(n, have + 1) }, (_, i) => i);
          return {
            version: plan.current?.version ?? 0,
            values,
            fields: extra.fields ?? {},
            errors: extra.errors,
            agreedAtParts: partsAsTyped(extra.values, 'agreedAt'),
            partnerRows: rows(PARTNER_ROWS, content?.birthPartners.length ?? 0),
            excludedRows: rows(EXCLUDED_ROWS, content?.excludedPeople.length ?? 0),
            recipientRows: rows(RECIPIENT_ROWS, 0),
            leaveItems: BABY_MAY_LEAVE.map((v) => ({ value: v, text: BABY_MAY_LEAVE_LABELS[v] })),
            recipientKinds: ADDITIONAL_RECIPIENT_KINDS.map((v) => ({ value: v, text: RECIPIENT_KIND_LABELS[v] })),
            midwifeName: midwife?.name ?? null,
            deadlines: plan.deadlines,
            back: { href: `/cases/${id}/birth-plan`, text: 'Back to the birth plan' },
          };
        },
      });
    };

    app.get('/cases/:id/birth-plan/edit', async (req, reply) => showEdit(req, reply));
    app.post('/cases/:id/birth-plan/edit', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleCaseForm(req, reply, {
        act: async (v) => saveBirthPlan(db, req.ctx, id, birthPlanInput(v)),
        next: (r) =>
          `/cases/${id}/birth-plan?done=${encodeURIComponent(`Birth plan version ${(r as { version: number }).version} saved. Record each sending below.`)}`,
        rerender: (values, errors, fields) => showEdit(req, reply, { status: 400, errors, fields, values }),
        idFor: (f) => (f === 'agreedAt' ? 'agreedAt-day' : f.replace(/\./g, '-')),
      });
    });

    const showSent = async (
      req: FastifyRequest,
      reply: FastifyReply,
      extra: { status?: number; errors?: Errors; fields?: Record<string, string>; values?: Record<string, string> } = {},
    ) => {
      const { id, distributionId } = req.params as { id: string; distributionId: string };
      return renderCasePage(db, req, reply, {
        caseId: id,
        ...PAGE,
        template: 'cases/birth-plan/views/sent.njk',
        ...(extra.status ? { status: extra.status } : {}),
        data: async () => {
          const d = await getDistribution(db, id, distributionId);
          const values = extra.values ?? {};
          return {
            d,
            due: formatDue(d.dueAt),
            values,
            fields: extra.fields ?? {},
            errors: extra.errors,
            sentAtParts: partsAsTyped(extra.values, 'sentAt'),
            methods: SEND_METHODS.map((m) => ({ value: m, text: SEND_METHOD_LABELS[m], checked: values.method === m })),
            back: { href: `/cases/${id}/birth-plan`, text: 'Back to the birth plan' },
          };
        },
      });
    };

    app.get('/cases/:id/birth-plan/distributions/:distributionId', async (req, reply) => showSent(req, reply));
    app.post('/cases/:id/birth-plan/distributions/:distributionId', async (req, reply) => {
      const { id, distributionId } = req.params as { id: string; distributionId: string };
      return handleCaseForm(req, reply, {
        act: async (v) => recordSent(db, req.ctx, id, distributionId, { sentAt: dateTimeFromParts(v, 'sentAt'), method: v.method || undefined }),
        next: `/cases/${id}/birth-plan?done=${encodeURIComponent('Sending recorded')}`,
        rerender: (values, errors, fields) => showSent(req, reply, { status: 400, errors, fields, values }),
        idFor: (f) => (f === 'sentAt' ? 'sentAt-day' : f),
      });
    });
  };
