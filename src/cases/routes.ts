import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../platform/http/deps';
import type { Db } from '../platform/db/engine';
import type { formErrors } from '../platform/http/forms';
import { dateFromParts, datePartsOf } from '../alerts/form';
import { listGeographies, listOrganisations } from '../directory/service';
import { organisations } from '../directory/schema';
import { formatDate } from '../platform/dates';
import { FACT_FIELD_LABELS, FACT_SOURCE_LABELS, FACT_SOURCES, type FactField, type FactSource } from './demographics';
import { CASE_CLASSIFICATIONS, CLASSIFICATION_LABELS } from './protocol';
import { CLOSE_REASON_LABELS, CLOSE_REASONS, EDD_SOURCE_LABELS, EDD_SOURCES, PROFESSIONAL_ROLE_LABELS, PROFESSIONAL_ROLES } from './model';
import {
  addAgency,
  addProfessional,
  caseDetailOf,
  withdrawAgency,
  changeEdd,
  closeCase,
  endProfessional,
  linkAlert,
  listCases,
  openCase,
  recordCaseBirth,
  reopenCase,
} from './service';
import { atAGlance } from './glance';
import { dateTimeFromParts, handleCaseForm, partsOfInstant, renderCasePage } from './http';
import { detailsRoutes } from './details/routes';
import { milestonesRoutes } from './milestones/routes';
import { labourRoutes } from './labour/routes';
import { birthPlanRoutes } from './birth-plan/routes';
import { dischargeRoutes } from './discharge/routes';
import { chronologyRoutes } from './chronology/routes';
import { protocolsRoutes } from './protocols/routes';

/** Case pages: the core (list, open, summary) here; each part of a case registers its own. */
export const caseRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    await app.register(coreRoutes(deps));
    await app.register(detailsRoutes(deps));
    await app.register(milestonesRoutes(deps));
    await app.register(labourRoutes(deps));
    await app.register(birthPlanRoutes(deps));
    await app.register(dischargeRoutes(deps));
    await app.register(chronologyRoutes(deps));
    await app.register(protocolsRoutes(deps));
  };

const idParam = (req: FastifyRequest) => (req.params as { id: string }).id;
const options = <T extends string>(values: readonly T[], labels: Record<T, string>, selected?: string) =>
  values.map((v) => ({ value: v, text: labels[v], selected: v === selected, checked: v === selected }));

async function areaChoices(db: Db, selected?: string) {
  const areas = (await listGeographies(db)).filter((g) => g.level === 'local_authority').sort((a, b) => a.name.localeCompare(b.name));
  return [{ value: '', text: 'Choose an area' }, ...areas.map((g) => ({ value: g.id, text: g.name, selected: g.id === selected }))];
}

/** The actor's organisation's own local authority area, as the default for a new case. */
async function ownArea(db: Db, organisationId: string): Promise<string | undefined> {
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, organisationId));
  const areas = (await listGeographies(db)).filter((g) => g.level === 'local_authority');
  return areas.find((g) => g.id === org?.geographyId)?.id;
}

const coreRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get('/cases', { config: { permission: 'case.list' } }, async (req, reply) => {
      const status = (req.query as { status?: string }).status;
      const which = status === 'closed' || status === 'all' ? status : 'open';
      const list = await listCases(db, req.ctx, { status: which });
      return reply.page('cases/views/cases.njk', {
        title: 'Cases',
        columnClass: 'nhsuk-grid-column-full',
        which,
        done: req.banner(),
        cases: list.map((c) => ({
          ...c,
          classificationLabel: CLASSIFICATION_LABELS[c.classification as keyof typeof CLASSIFICATION_LABELS] ?? c.classification,
          edd: c.edd ? formatDate(c.edd) : null,
        })),
      });
    });

    async function renderOpen(_req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, status = 200, errors?: ReturnType<typeof formErrors>) {
      return reply.code(status).page('cases/views/open.njk', {
        title: 'Open a case',
        back: { href: '/cases', text: 'Cases' },
        values,
        errors,
        classifications: options(CASE_CLASSIFICATIONS, CLASSIFICATION_LABELS, values.classification),
        sources: options(
          FACT_SOURCES.filter((s) => s !== 'point_of_care'),
          FACT_SOURCE_LABELS,
          values.source,
        ),
        eddSources: [{ value: '', text: 'Choose' }, ...options(EDD_SOURCES, EDD_SOURCE_LABELS, values.eddSource)],
        areas: await areaChoices(db, values.geographyId),
        dobParts:
          values['dateOfBirth.day'] !== undefined
            ? { day: values['dateOfBirth.day'], month: values['dateOfBirth.month'], year: values['dateOfBirth.year'] }
            : datePartsOf(''),
        eddParts: values['edd.day'] !== undefined ? { day: values['edd.day'], month: values['edd.month'], year: values['edd.year'] } : datePartsOf(''),
      });
    }

    app.get('/cases/new', { config: { permission: 'case.open' } }, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      return renderOpen(req, reply, {
        classification: q.classification ?? '',
        source: 'self_reported',
        geographyId: (await ownArea(db, req.ctx.actor!.organisationId)) ?? '',
        alertReference: q.alert ?? '',
      });
    });

    app.post('/cases/new', async (req, reply) =>
      handleCaseForm(req, reply, {
        act: (v) =>
          openCase(db, req.ctx, {
            ...v,
            dateOfBirth: dateFromParts(v['dateOfBirth.day'] ?? '', v['dateOfBirth.month'] ?? '', v['dateOfBirth.year'] ?? ''),
            edd: dateFromParts(v['edd.day'] ?? '', v['edd.month'] ?? '', v['edd.year'] ?? ''),
            eddSource: v.eddSource || null,
          }),
        next: (r) => `/cases/${(r as { id: string }).id}?done=${encodeURIComponent('The case has been opened')}`,
        idFor: (f) => ({ dateOfBirth: 'dateOfBirth-day', edd: 'edd-day' })[f] ?? f,
        rerender: (values, errors) => renderOpen(req, reply, values, 400, errors),
      }),
    );

    app.get('/cases/:id', async (req, reply) =>
      renderCasePage(db, req, reply, {
        caseId: idParam(req),
        section: 'summary',
        template: 'cases/views/summary.njk',
        title: 'Summary',
        audit: 'case.view',
        data: async (header) => {
          const { kase } = header;
          const detail = await caseDetailOf(db, req.ctx, kase);
          return {
            agencies: detail.agencies,
            canWithdraw:
              !!req.ctx.actor &&
              req.ctx.actor.organisationId !== kase.leadOrganisationId &&
              detail.agencies.some((a) => a.id === req.ctx.actor?.organisationId),
            professionals: detail.professionals.filter((p) => !p.endedAt),
            pastProfessionals: detail.professionals.filter((p) => p.endedAt),
            alerts: detail.alerts,
            // A link is offered only to those the policy lets through it (an ED nurse may update a case, not raise an alert).
            facts: detail.facts
              .filter((f) => !f.supersededAt && f.subject === 'mother')
              .map((f) => ({
                ...f,
                fieldLabel: FACT_FIELD_LABELS[f.field as FactField],
                sourceLabel: FACT_SOURCE_LABELS[f.source as FactSource],
                sourceDate: formatDate(f.sourceDate),
              })),
            inconsistencies: detail.inconsistencies,
            eddSourceLabel: kase.eddSource ? (EDD_SOURCE_LABELS[kase.eddSource as keyof typeof EDD_SOURCE_LABELS] ?? kase.eddSource) : null,
            openedAt: kase.openedAt,
            glance: await atAGlance(db, req.ctx, kase),
          };
        },
      }),
    );

    // ── Small forms on the summary: each is a page of its own (works without JavaScript) ──────────────

    type FormKind = 'professional' | 'agency' | 'withdraw' | 'alert' | 'edd' | 'birth' | 'close' | 'reopen';
    const FORM_TITLES: Record<FormKind, string> = {
      professional: 'Add a named professional',
      agency: 'Add an agency to this case',
      withdraw: 'Take your organisation off this case',
      alert: 'Link a high-risk alert',
      edd: 'Change the due date',
      birth: 'Record the birth',
      close: 'Close this case',
      reopen: 'Reopen this case',
    };
    const FORM_PATHS: Record<string, FormKind> = {
      professionals: 'professional',
      agencies: 'agency',
      withdraw: 'withdraw',
      alerts: 'alert',
      edd: 'edd',
      birth: 'birth',
      close: 'close',
      reopen: 'reopen',
    };
    const DONE: Record<FormKind, string> = {
      professional: 'The professional has been added',
      agency: 'The agency has been added: its staff can now see this case, and their safeguarding team has been told',
      withdraw: 'Your organisation is no longer working on this case',
      alert: 'The alert has been linked',
      edd: 'The due date has been changed',
      birth: 'The birth has been recorded',
      close: 'The case has been closed',
      reopen: 'The case has been reopened',
    };

    async function renderForm(
      req: FastifyRequest,
      reply: FastifyReply,
      kind: FormKind,
      values: Record<string, string>,
      status = 200,
      errors?: ReturnType<typeof formErrors>,
    ) {
      const caseId = idParam(req);
      return renderCasePage(db, req, reply, {
        caseId,
        section: 'summary',
        template: 'cases/views/case-form.njk',
        title: FORM_TITLES[kind],
        audit: 'case.view',
        status,
        data: async () => ({
          kind,
          values,
          errors,
          formAction: `/cases/${caseId}/${Object.keys(FORM_PATHS).find((k) => FORM_PATHS[k] === kind)}`,
          roles: options(PROFESSIONAL_ROLES, PROFESSIONAL_ROLE_LABELS, values.role),
          organisations:
            kind === 'agency' || kind === 'professional'
              ? [
                  { value: '', text: kind === 'agency' ? 'Choose an organisation' : 'Not listed (type the name below)' },
                  ...(await listOrganisations(db, req.ctx))
                    .filter((o) => o.active)
                    .map((o) => ({ value: o.id, text: `${o.name} (${o.odsCode})`, selected: o.id === values.organisationId })),
                ]
              : [],
          eddSources: [{ value: '', text: 'Choose' }, ...options(EDD_SOURCES, EDD_SOURCE_LABELS, values.eddSource)],
          closeReasons: options(CLOSE_REASONS, CLOSE_REASON_LABELS, values.reason),
          eddParts:
            values['edd.day'] !== undefined ? { day: values['edd.day'], month: values['edd.month'], year: values['edd.year'] } : datePartsOf(values.edd ?? ''),
          bornParts:
            values['bornAt.day'] !== undefined
              ? { day: values['bornAt.day'] ?? '', month: values['bornAt.month'] ?? '', year: values['bornAt.year'] ?? '', time: values['bornAt.time'] ?? '' }
              : partsOfInstant(null),
        }),
      });
    }

    app.get('/cases/:id/:form', async (req, reply) => {
      const kind = FORM_PATHS[(req.params as { form: string }).form];
      if (!kind) return reply.callNotFound();
      return renderForm(req, reply, kind, {});
    });

    app.post('/cases/:id/:form', async (req, reply) => {
      const kind = FORM_PATHS[(req.params as { form: string }).form];
      if (!kind) return reply.callNotFound();
      const caseId = idParam(req);
      return handleCaseForm(req, reply, {
        act: async (v) => {
          switch (kind) {
            case 'professional':
              return addProfessional(db, req.ctx, caseId, v);
            case 'agency':
              return addAgency(db, req.ctx, caseId, v.organisationId ?? '', v.reason);
            case 'withdraw':
              return withdrawAgency(db, req.ctx, caseId, v.reason);
            case 'alert':
              return linkAlert(db, req.ctx, caseId, v.alertReference ?? '');
            case 'edd':
              return changeEdd(db, req.ctx, caseId, { ...v, edd: dateFromParts(v['edd.day'] ?? '', v['edd.month'] ?? '', v['edd.year'] ?? '') });
            case 'birth':
              return recordCaseBirth(db, req.ctx, caseId, { bornAt: dateTimeFromParts(v, 'bornAt') || undefined });
            case 'close':
              return closeCase(db, req.ctx, caseId, v);
            case 'reopen':
              return reopenCase(db, req.ctx, caseId, v.reason ?? '');
          }
        },
        // After leaving, the case is no longer theirs to see: back to their list of cases.
        next: kind === 'withdraw' ? `/cases?done=${encodeURIComponent(DONE[kind])}` : `/cases/${caseId}?done=${encodeURIComponent(DONE[kind])}`,
        idFor: (f) => ({ edd: 'edd-day', bornAt: 'bornAt-day' })[f] ?? f,
        rerender: (values, errors) => renderForm(req, reply, kind, values, 400, errors),
      });
    });

    app.post('/cases/:id/professionals/:professionalId/end', async (req, reply) => {
      const { id, professionalId } = req.params as { id: string; professionalId: string };
      await endProfessional(db, req.ctx, id, professionalId);
      return reply.redirect(`/cases/${id}?done=${encodeURIComponent('The professional is no longer shown as current')}`, 303);
    });
  };
