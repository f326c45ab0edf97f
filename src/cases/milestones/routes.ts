import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { NotFoundError } from '../../platform/errors';
import { formatDate, formatDateTime } from '../../platform/http/views';
import type { CaseRow } from '../access';
import { dateTimeFromParts, handleCaseForm, partsAsTyped, renderCasePage } from '../http';
import type { MilestoneStatus } from '../protocol';
import {
  completeMilestone,
  markNotApplicable,
  milestonesOfCase,
  type MilestoneRowView,
  moveToCurrentProtocol,
  overdueAcrossCases,
  undoMilestone,
} from './service';

type Params = { id: string; key: string };
type Errors = Parameters<Parameters<typeof handleCaseForm>[2]['rerender']>[1];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The tag that says where a milestone stands, and the line under it. */
export function stateOf(s: Pick<MilestoneStatus, 'state' | 'overdueDays' | 'completedAt' | 'notApplicableReason' | 'waitingFor'>) {
  switch (s.state) {
    case 'overdue':
      return { text: s.overdueDays ? `${plural(s.overdueDays, 'day', 'days')} overdue` : 'Overdue', classes: 'nhsuk-tag--red', detail: null };
    case 'due_soon':
      return { text: 'Due soon', classes: 'nhsuk-tag--yellow', detail: null };
    case 'upcoming':
      return { text: 'Upcoming', classes: 'nhsuk-tag--white', detail: null };
    case 'waiting':
      return { text: 'Waiting', classes: 'nhsuk-tag--white', detail: null };
    case 'done':
      return { text: 'Done', classes: 'nhsuk-tag--green', detail: s.completedAt ? formatDateTime(s.completedAt) : null };
    case 'done_late':
      return {
        text: 'Done late',
        classes: 'nhsuk-tag--orange',
        detail: s.completedAt ? `${formatDateTime(s.completedAt)}, ${plural(s.overdueDays, 'day', 'days')} late` : null,
      };
    case 'not_applicable':
      return { text: 'Not applicable', classes: 'nhsuk-tag--grey', detail: s.notApplicableReason };
  }
}

/** When it is due, in words: a date, a window, or what it is waiting for. */
export function dueText(m: MilestoneRowView): string {
  const at = (d: Date) => (m.dueIsTime ? formatDateTime(d) : formatDate(d));
  if (m.state === 'waiting') return `Waiting for ${m.waitingFor}`;
  if (!m.dueAt) return 'Not applicable';
  if (m.notBefore) return `From ${formatDate(m.notBefore)} to ${at(m.dueAt)}`;
  return `By ${at(m.dueAt)}`;
}

function milestoneRows(caseId: string, list: readonly MilestoneRowView[]) {
  return list.map((m) => ({
    key: m.key,
    label: m.label,
    guidance: m.guidance ?? null,
    timing: m.timing,
    due: dueText(m),
    state: stateOf(m),
    recorded: !!m.record,
    recordedBy: m.record?.recordedByName ?? null,
    note: m.record?.note ?? null,
    completedByLabel: m.completedByLabel,
    /** Where the automatic record comes from, for "Recorded automatically from the …". */
    autoFrom: m.completedBy ? (m.completedBy.startsWith('birth_plan') ? 'birth plan' : 'discharge page') : null,
    href: `/cases/${caseId}/milestones/${m.key}`,
  }));
}

export const milestonesRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    const showMilestones = async (
      req: FastifyRequest,
      reply: FastifyReply,
      extra: { status?: number; errors?: Errors; values?: Record<string, string> } = {},
    ) => {
      const { id } = req.params as { id: string };
      return renderCasePage(db, req, reply, {
        caseId: id,
        section: 'milestones',
        template: 'cases/milestones/views/milestones.njk',
        title: 'Milestones',
        audit: 'case.milestones.view',
        ...(extra.status ? { status: extra.status } : {}),
        data: async (header) => {
          const view = await milestonesOfCase(db, header.kase);
          return {
            protocol: view.protocol,
            newer: view.newer,
            rows: milestoneRows(id, view.milestones),
            overdueCount: view.milestones.filter((m) => m.state === 'overdue').length,
            orphans: view.orphans,
            errors: extra.errors,
            values: extra.values ?? {},
          };
        },
      });
    };

    app.get('/cases/:id/milestones', async (req, reply) => showMilestones(req, reply));

    app.post('/cases/:id/milestones/move', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleCaseForm(req, reply, {
        act: async (v) => moveToCurrentProtocol(db, req.ctx, id, v.reason),
        next: (r) => {
          const moved = r as { from: number; to: number };
          return `/cases/${id}/milestones?done=${encodeURIComponent(`This case now follows protocol version ${moved.to} (it followed version ${moved.from})`)}`;
        },
        rerender: (values, errors) => showMilestones(req, reply, { status: 400, errors, values }),
        idFor: (f) => (f === 'reason' ? 'move-reason' : f),
      });
    });

    /** One milestone: record it done or not applicable, or undo what is recorded. */
    const showMilestone = async (
      req: FastifyRequest,
      reply: FastifyReply,
      extra: { status?: number; errors?: Errors; fields?: Record<string, string>; values?: Record<string, string>; form?: string } = {},
    ) => {
      const { id, key } = req.params as Params;
      return renderCasePage(db, req, reply, {
        caseId: id,
        section: 'milestones',
        template: 'cases/milestones/views/milestone.njk',
        title: 'Milestones',
        audit: 'case.milestones.view',
        ...(extra.status ? { status: extra.status } : {}),
        data: async (header) => {
          const view = await milestonesOfCase(db, header.kase as CaseRow);
          const m = view.milestones.find((x) => x.key === key);
          if (!m) throw new NotFoundError('Milestone');
          const [row] = milestoneRows(id, [m]);
          const values = extra.values ?? {};
          return {
            milestone: row,
            record: m.record,
            completedAtParts: partsAsTyped(extra.values, 'completedAt'),
            errors: extra.errors,
            fields: extra.fields ?? {},
            values,
            form: extra.form ?? null,
            back: { href: `/cases/${id}/milestones`, text: 'Back to milestones' },
          };
        },
      });
    };

    app.get('/cases/:id/milestones/:key', async (req, reply) => showMilestone(req, reply));

    const post = (
      url: string,
      form: string,
      act: (req: FastifyRequest, v: Record<string, string>) => Promise<unknown>,
      banner: string,
      idFor: (f: string) => string,
    ) =>
      app.post(url, async (req, reply) => {
        const { id } = req.params as Params;
        return handleCaseForm(req, reply, {
          act: (v) => act(req, v),
          next: `/cases/${id}/milestones?done=${encodeURIComponent(banner)}`,
          rerender: (values, errors, fields) => showMilestone(req, reply, { status: 400, errors, fields, values, form }),
          idFor,
        });
      });

    post(
      '/cases/:id/milestones/:key/done',
      'done',
      (req, v) => {
        const { id, key } = req.params as Params;
        return completeMilestone(db, req.ctx, id, key, { completedAt: dateTimeFromParts(v, 'completedAt'), note: v.note });
      },
      'Milestone recorded as done',
      (f) => (f === 'completedAt' ? 'completedAt-day' : f),
    );
    post(
      '/cases/:id/milestones/:key/not-applicable',
      'not-applicable',
      (req, v) => {
        const { id, key } = req.params as Params;
        return markNotApplicable(db, req.ctx, id, key, v.naReason);
      },
      'Milestone recorded as not applicable',
      (f) => (f === 'reason' ? 'naReason' : f),
    );
    post(
      '/cases/:id/milestones/:key/undo',
      'undo',
      (req, v) => {
        const { id, key } = req.params as Params;
        return undoMilestone(db, req.ctx, id, key, v.undoReason);
      },
      'Milestone record undone',
      (f) => (f === 'reason' ? 'undoReason' : f),
    );

    app.get('/cases/overdue', async (req, reply) => {
      const rows = await overdueAcrossCases(db, req.ctx);
      return reply.page('cases/milestones/views/overdue.njk', {
        title: 'Overdue milestones',
        rows: rows.map((r) => ({ ...r, due: formatDateTime(r.dueAt), dueDate: formatDate(r.dueAt), href: `/cases/${r.caseId}/milestones` })),
        back: { href: '/cases', text: 'Cases' },
      });
    });
  };
