/**
 * Escalation pages: the list, raising one (standalone or from a case), one escalation with its stage
 * history and the actions on it, the partnership view, and a case's escalations inside the case frame.
 * The services decide and record; these pages only translate forms and show answers.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { authorizeContext, can, type Scope, scopeFor } from '../platform/auth/policy';
import { ValidationError } from '../platform/errors';
import { formErrors, formValues, handleForm } from '../platform/http/forms';
import { requireCase } from '../cases/access';
import { handleCaseForm, renderCasePage } from '../cases/http';
import { describeDeadline } from '../platform/working-days';
import { ESCALATION_STATUS_LABELS, ESCALATION_SUBJECT_LABELS, ESCALATION_SUBJECTS, type EscalationStage, type EscalationStatus } from './stages';
import { LIST_FILTERS, type ListFilter, STAGE_OUTCOME_LABELS, type StageOutcome } from './model';
import { escalate, raiseEscalation, recordAgreedActions, referToPartnership, resolve, withdraw } from './service';
import { escalationsForCase, getEscalation, listEscalations, organisationChoices, stageTableFor } from './reading';
import { partnershipReport, reportAreas, type EscalationReport } from './report';

/** The tag colour for each status (and for "overdue"). */
export const STATUS_TAG_CLASSES: Record<EscalationStatus | 'overdue', string> = {
  open: 'nhsuk-tag--blue',
  resolved: 'nhsuk-tag--green',
  referred_to_partnership: 'nhsuk-tag--purple',
  withdrawn: 'nhsuk-tag--grey',
  overdue: 'nhsuk-tag--red',
};

const ACTIONS = ['agreed-actions', 'escalate', 'resolve', 'refer', 'withdraw'] as const;
type ActionForm = (typeof ACTIONS)[number];

const DONE: Record<ActionForm, string> = {
  'agreed-actions': 'The agreed actions have been recorded',
  escalate: 'The escalation has moved to the next stage',
  resolve: 'The escalation has been recorded as resolved',
  refer: 'The escalation has been referred to the safeguarding partnership',
  withdraw: 'The escalation has been withdrawn',
};

/** Whose escalations a list shows, in words, from the same policy scope the list is read with. */
function scopeText(scope: Scope, organisationName: string): string {
  if (scope.kind === 'all') return 'every agency';
  if (scope.kind === 'some' && scope.conditions.includes('involved')) return `${organisationName} (raised by it, raised with it, or on its cases)`;
  return 'your partnership area';
}

const q = (req: FastifyRequest) => req.query as Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[v.length - 1] ?? '') : (v ?? ''));
const idParam = (req: FastifyRequest) => (req.params as { id: string }).id;
const pageErrors = (fieldErrors: Record<string, string>, idOf: (field: string) => string = (f) => f) =>
  formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : idOf(f)));

const stageChoice = (s: EscalationStage) => ({ value: String(s.stage), text: `Stage ${s.stage}: ${s.label}`, hint: `${s.who}, ${describeDeadline(s.due)}` });
const subjectItems = (checked: string) => ESCALATION_SUBJECTS.map((s) => ({ value: s, text: ESCALATION_SUBJECT_LABELS[s], checked: s === checked }));

/** An ISO date from the date input's parts (name.day, name.month, name.year); '' when all are empty. */
function isoFromParts(query: Record<string, string | string[] | undefined>, name: string): string {
  const d = one(query[`${name}.day`]).trim();
  const m = one(query[`${name}.month`]).trim();
  const y = one(query[`${name}.year`]).trim();
  if (!d && !m && !y) return '';
  return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

const partsOf = (iso: string) => {
  const [year = '', month = '', day = ''] = iso.split('-');
  return { day: day.replace(/^0/, ''), month: month.replace(/^0/, ''), year };
};

export const escalationRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    // ── The list ─────────────────────────────────────────────────────────────────────────────────────

    app.get('/escalations', { config: { permission: 'escalation.list' } }, async (req, reply) => {
      const wanted = one(q(req).status);
      const status: ListFilter = (LIST_FILTERS as readonly string[]).includes(wanted) ? (wanted as ListFilter) : 'open';
      const list = await listEscalations(db, req.ctx, { status });
      const actor = req.ctx.actor!;
      return reply.page('escalations/views/list.njk', {
        title: 'Escalations',
        status,
        filters: LIST_FILTERS.map((f) => ({
          value: f,
          text: { open: 'Open', closed: 'Closed', all: 'All' }[f],
          href: `/escalations?status=${f}`,
          current: f === status,
        })),
        escalations: list,
        tagClasses: STATUS_TAG_CLASSES,
        scopeText: scopeText(scopeFor(actor, 'escalation.view'), actor.organisationName),
      });
    });

    // ── Raising ──────────────────────────────────────────────────────────────────────────────────────

    async function renderNew(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, fieldErrors?: Record<string, string>) {
      // The form only for those who may send it (the service refuses the rest anyway).
      authorizeContext(req.ctx, 'escalation.raise');
      const caseId = values.caseId || '';
      const kase = caseId ? await requireCase(db, req.ctx, caseId, 'case.update') : null;
      const table = await stageTableFor(db, req.ctx, kase?.id ?? null);
      const orgs = await organisationChoices(db, req.ctx, { excludeOwn: true });
      const startStage = values.startStage || '1';
      return reply.code(fieldErrors ? 400 : 200).page('escalations/views/new.njk', {
        title: 'Raise an escalation',
        back: kase ? { href: `/cases/${kase.id}/escalations`, text: 'Back to the case' } : { href: '/escalations', text: 'Back to escalations' },
        kase: kase ? { id: kase.id, reference: kase.reference } : null,
        values,
        errors: fieldErrors ? pageErrors(fieldErrors) : undefined,
        inline: fieldErrors ? pageErrors(fieldErrors).fields : {},
        subjects: subjectItems(values.subject ?? ''),
        organisations: [
          { value: '', text: 'Choose an agency' },
          ...orgs.map((o) => ({ value: o.id, text: o.name, selected: o.id === values.raisedWithOrganisationId })),
        ],
        stages: table.map((s) => ({ ...stageChoice(s), checked: String(s.stage) === startStage })),
        firstStage: table[0],
        urgentOpen: startStage !== '1' || !!values.startReason,
      });
    }

    app.get('/escalations/new', { config: { permission: 'escalation.raise' } }, async (req, reply) => renderNew(req, reply, { caseId: one(q(req).caseId) }));

    app.post('/escalations/new', async (req, reply) => {
      const caseId = formValues(req.body).caseId;
      return handleForm(req, reply, {
        act: (values) => raiseEscalation(db, req.ctx, values),
        next: (raised) => {
          const { id, reference } = raised as { id: string; reference: string };
          const done = encodeURIComponent(
            `Escalation ${reference} raised. Beacon is emailing the other agency's safeguarding team; speak to the person you raised it with too`,
          );
          return caseId ? `/cases/${caseId}/escalations?done=${done}` : `/escalations/${id}?done=${done}`;
        },
        rerender: (values, _errors, fieldErrors) => renderNew(req, reply, values, fieldErrors),
      });
    });

    // ── The partnership view ─────────────────────────────────────────────────────────────────────────

    app.get('/escalations/report', { config: { permission: 'escalation.report' } }, async (req, reply) => {
      const query = q(req);
      const from = isoFromParts(query, 'from');
      const to = isoFromParts(query, 'to');
      const geographyId = one(query.geographyId);
      const areas = await reportAreas(db, req.ctx);
      let report: EscalationReport | null = null;
      let fieldErrors: Record<string, string> | undefined;
      try {
        report = await partnershipReport(db, req.ctx, { from, to, geographyId });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        fieldErrors = err.fieldErrors;
      }
      const shownFrom = report?.period.from ?? from;
      const shownTo = report?.period.to ?? to;
      return reply.code(fieldErrors ? 400 : 200).page('escalations/views/report.njk', {
        title: 'Escalations: partnership view',
        columnClass: 'nhsuk-grid-column-full',
        report,
        tables: report
          ? {
              open: report.open.byStage.map((s) => ({ text: `Stage ${s.stage}: ${s.label}`, count: s.count })),
              highest: report.highestStage.map((s) => ({ text: `Stage ${s.stage}: ${s.label}`, count: s.count })),
              themes: report.themes.map((t) => ({ text: t.label, count: t.count })),
            }
          : null,
        errors: fieldErrors ? pageErrors(fieldErrors, (f) => (f === 'geographyId' ? 'geographyId' : `${f}-day`)) : undefined,
        inline: fieldErrors ? pageErrors(fieldErrors).fields : {},
        fromParts: fieldErrors ? { day: one(query['from.day']), month: one(query['from.month']), year: one(query['from.year']) } : partsOf(shownFrom),
        toParts: fieldErrors ? { day: one(query['to.day']), month: one(query['to.month']), year: one(query['to.year']) } : partsOf(shownTo),
        areas: [
          { value: '', text: scopeFor(req.ctx.actor, 'escalation.report').kind === 'all' ? 'All areas' : 'Your whole area' },
          ...areas.map((a) => ({ value: a.id, text: a.name, selected: a.id === geographyId })),
        ],
      });
    });

    // ── One escalation ───────────────────────────────────────────────────────────────────────────────

    async function renderEscalation(
      req: FastifyRequest,
      reply: FastifyReply,
      failed?: { form: ActionForm; values: Record<string, string>; fieldErrors: Record<string, string> },
    ) {
      const v = await getEscalation(db, req.ctx, idParam(req));
      const orgs = v.canAct ? await organisationChoices(db, req.ctx) : [];
      const values = failed?.values ?? {};
      const mine = (form: ActionForm) => (failed?.form === form ? pageErrors(failed.fieldErrors).fields : {});
      const banner = req.banner();
      const ownerOrg = values.ownerOrganisationId || v.escalation.raisedWithOrganisationId;
      return reply.code(failed ? 400 : 200).page('escalations/views/escalation.njk', {
        title: `Escalation ${v.escalation.reference}`,
        back: v.case ? { href: `/cases/${v.case.id}/escalations`, text: 'Back to the case' } : { href: '/escalations', text: 'Back to escalations' },
        done: failed ? null : banner || null,
        ...v,
        tagClasses: STATUS_TAG_CLASSES,
        currentOwnerOrganisation: v.stages.find((s) => s.id === v.current?.id)?.ownerOrganisationName ?? null,
        stageRows: v.stages.map((s) => ({ ...s, outcomeLabel: s.outcome ? (STAGE_OUTCOME_LABELS[s.outcome as StageOutcome] ?? s.outcome) : null })),
        stageTable: v.table.map((s) => ({ ...s, dueText: describeDeadline(s.due) })),
        errors: failed ? pageErrors(failed.fieldErrors, (f) => `${failed.form}-${f}`) : undefined,
        failedForm: failed?.form ?? null,
        values,
        inline: Object.fromEntries(ACTIONS.map((a) => [a, mine(a)])),
        higherStageItems: v.higherStages.map((s) => ({ ...stageChoice(s), checked: String(s.stage) === values.toStage })),
        escalateReasonHint:
          v.higherStages.length > 1
            ? `Needed if you skip a stage (going from stage ${v.escalation.stage} straight to stage ${v.escalation.stage + 2} or higher): say what the urgent risk is. Otherwise optional.`
            : 'Optional: for example, why this stage has not resolved it.',
        lastStage: v.table[v.table.length - 1]?.stage ?? 0,
        organisations: orgs.map((o) => ({ value: o.id, text: o.name, selected: o.id === ownerOrg })),
        agreedActionsValue: failed?.form === 'agreed-actions' ? values.agreedActions : (v.current?.agreedActions ?? ''),
        statusLabels: ESCALATION_STATUS_LABELS,
      });
    }

    app.get('/escalations/:id', async (req, reply) => renderEscalation(req, reply));

    const act: Record<ActionForm, (req: FastifyRequest, values: Record<string, string>) => Promise<unknown>> = {
      'agreed-actions': (req, values) => recordAgreedActions(db, req.ctx, idParam(req), values),
      escalate: (req, values) => escalate(db, req.ctx, idParam(req), values),
      resolve: (req, values) => resolve(db, req.ctx, idParam(req), values),
      refer: (req, values) => referToPartnership(db, req.ctx, idParam(req), values),
      withdraw: (req, values) => withdraw(db, req.ctx, idParam(req), values),
    };
    for (const form of ACTIONS) {
      app.post(`/escalations/:id/${form}`, async (req, reply) =>
        handleCaseForm(req, reply, {
          act: (values) => act[form](req, values),
          next: `/escalations/${idParam(req)}?done=${encodeURIComponent(DONE[form])}`,
          rerender: async (values, _errors, fieldErrors) => renderEscalation(req, reply, { form, values, fieldErrors }),
        }),
      );
    }

    // ── A case's escalations (inside the case frame) ─────────────────────────────────────────────────

    app.get('/cases/:id/escalations', async (req, reply) => {
      const caseId = idParam(req);
      return renderCasePage(db, req, reply, {
        caseId,
        section: 'escalations',
        template: 'escalations/views/case.njk',
        title: 'Escalations',
        audit: 'case.escalations.view',
        data: async (header) => ({
          escalations: await escalationsForCase(db, req.ctx, caseId),
          tagClasses: STATUS_TAG_CLASSES,
          canRaise: header.canUpdate && !!req.ctx.actor && can(req.ctx.actor, 'escalation.raise'),
        }),
      });
    });
  };
