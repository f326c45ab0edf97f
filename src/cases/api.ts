import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { created, DateTime, IsoDay, isoOrNull, jsonBody, pathParam, Uuid } from '../platform/http/api-helpers';
import { CASE_CLASSIFICATIONS } from './protocol';
import { CLOSE_REASONS, EDD_SOURCES, PROFESSIONAL_ROLES } from './model';
import { FACT_FIELDS, FACT_SOURCES, FACT_SUBJECTS } from './demographics';
import {
  addAgency,
  addProfessional,
  changeEdd,
  closeCase,
  endProfessional,
  getCase,
  linkAlert,
  listCases,
  openCase,
  recordCaseBirth,
  reopenCase,
  withdrawAgency,
} from './service';
import { detailsApi } from './details/api';
import { milestonesApi } from './milestones/api';
import { labourApi } from './labour/api';
import { birthPlanApi } from './birth-plan/api';
import { dischargeApi } from './discharge/api';
import { chronologyApi } from './chronology/api';
import { protocolsApi } from './protocols/api';

/** The cases JSON API: the core here; each part of a case registers its own. */
export const caseApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    await app.register(coreApi(deps));
    await app.register(detailsApi(deps));
    await app.register(milestonesApi(deps));
    await app.register(labourApi(deps));
    await app.register(birthPlanApi(deps));
    await app.register(dischargeApi(deps));
    await app.register(chronologyApi(deps));
    await app.register(protocolsApi(deps));
  };

const TAGS = ['Cases'];
const text = z.string().nullish();

export const OpenCaseRequest = api.schema(
  'OpenCaseRequest',
  z.object({
    classification: z.enum(CASE_CLASSIFICATIONS),
    givenName: z.string(),
    familyName: z.string(),
    dateOfBirth: text.meta({ description: 'YYYY-MM-DD' }),
    nhsNumber: text,
    addressLine: text,
    postcode: text,
    source: z.enum(FACT_SOURCES).meta({ description: 'Where these first details came from' }),
    sourceDetail: text.meta({ description: 'Which agency or document (required for other_agency)' }),
    edd: text.meta({ description: 'YYYY-MM-DD; required unless unbooked_in_labour' }),
    eddSource: z.enum(EDD_SOURCES).nullish(),
    geographyId: Uuid.meta({ description: 'The local authority area whose protocol applies' }),
    alertReference: text.meta({ description: 'A high-risk alert the opener may view (not a draft), e.g. BCN-7K3Q9M' }),
    summary: text,
  }),
  'The first details are recorded as facts with the source given. Validation error keys are these field names.',
);
export const CaseCreated = api.schema('CaseCreated', z.object({ id: Uuid, reference: z.string() }));
/** The fields that name a case, first in both the list and the detail. */
const caseHead = {
  id: Uuid,
  reference: z.string(),
  classification: z.enum(CASE_CLASSIFICATIONS),
  status: z.enum(['open', 'closed']),
  displayName: z.string(),
  edd: IsoDay.nullable(),
};
export const CaseListItem = api.schema(
  'CaseListItem',
  z.object({
    ...caseHead,
    bornAt: DateTime.nullable(),
    leadOrganisation: z.string(),
    area: z.string(),
    updatedAt: DateTime,
  }),
);
export const CaseList = api.schema('CaseList', z.object({ cases: z.array(CaseListItem) }));
const Fact = z.object({
  id: Uuid,
  subject: z.enum(FACT_SUBJECTS),
  field: z.enum(FACT_FIELDS),
  value: z.record(z.string(), z.unknown()),
  text: z.string(),
  source: z.enum(FACT_SOURCES),
  sourceDetail: z.string().nullable(),
  sourceDate: IsoDay,
  recordedBy: z.string().nullable(),
  recordedAt: DateTime,
  current: z.boolean(),
  supersededReason: z.string().nullable(),
});
export const CaseFact = api.schema('CaseFact', Fact);
export const CaseDetail = api.schema(
  'CaseDetail',
  z.object({
    ...caseHead,
    eddSource: z.enum(EDD_SOURCES).nullable(),
    bornAt: DateTime.nullable(),
    area: z.string(),
    areaCode: z.string().meta({ description: 'The area’s ONS code (GET /api/directory/geographies)' }),
    areaId: Uuid,
    openedAt: DateTime,
    closedReason: z.string().nullable(),
    openPrompts: z.number().int(),
    agencies: z.array(
      z.object({
        id: Uuid,
        name: z.string(),
        odsCode: z.string(),
        reason: z.string().nullable(),
        addedBy: z.string().nullable(),
        addedByOrganisation: z.string().nullable(),
      }),
    ),
    professionals: z.array(
      z.object({
        id: Uuid,
        role: z.enum(PROFESSIONAL_ROLES),
        name: z.string(),
        organisationName: z.string().nullable(),
        phone: z.string().nullable(),
        email: z.string().nullable(),
        current: z.boolean(),
      }),
    ),
    alerts: z.array(
      z.object({
        id: Uuid,
        reference: z.string(),
        visible: z.boolean().meta({ description: 'Whether you may view the alert; only then is its status given' }),
        status: z.string().nullable(),
        organisationName: z.string().meta({ description: 'The organisation that raised it' }),
        contactMailboxes: z.array(z.string()).meta({ description: "For an alert you may not view: its organisation's safeguarding team to contact" }),
      }),
    ),
    facts: z.array(CaseFact),
    inconsistencies: z.array(
      z.object({
        subject: z.enum(FACT_SUBJECTS),
        field: z.enum(FACT_FIELDS),
        values: z.array(z.object({ text: z.string(), sources: z.array(z.string()), factIds: z.array(Uuid) })),
      }),
    ),
  }),
);
export const ProfessionalRequest = api.schema(
  'ProfessionalRequest',
  z.object({ role: z.enum(PROFESSIONAL_ROLES), name: z.string(), organisationId: Uuid.nullish(), organisationName: text, phone: text, email: text }),
  'Either organisationId (from the directory) or organisationName; a phone or an email. A new person in a role replaces the current one (kept in the history).',
);
export const AgencyRequest = api.schema(
  'AgencyRequest',
  z.object({
    organisationId: Uuid,
    reason: z.string().meta({ description: 'Why the agency is added: its staff see it, and its safeguarding team is emailed' }),
  }),
);
export const WithdrawAgencyRequest = api.schema(
  'WithdrawAgencyRequest',
  z.object({ reason: z.string().meta({ description: 'Why your organisation is not working on the case' }) }),
);
export const LinkAlertRequest = api.schema('LinkAlertRequest', z.object({ alertReference: z.string() }));
export const EddRequest = api.schema('EddRequest', z.object({ edd: IsoDay, eddSource: z.enum(EDD_SOURCES), reason: z.string() }));
export const BirthRequest = api.schema('CaseBirthRequest', z.object({ bornAt: DateTime }));
export const CloseRequest = api.schema('CloseCaseRequest', z.object({ reason: z.enum(CLOSE_REASONS), note: z.string() }));
export const ReopenRequest = api.schema('ReopenCaseRequest', z.object({ reason: z.string() }));
export const Done = api.schema('CaseActionDone', z.object({ ok: z.literal(true) }));

const coreApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases',
        operationId: 'listCases',
        summary: 'Cases your organisation works on (auditors: all)',
        tags: TAGS,
        query: { status: 'open (default), closed or all' },
        responses: { 200: { description: 'The cases, most recently changed first', schema: CaseList } },
      },
      async (req) => {
        const status = (req.query as { status?: string }).status;
        const list = await listCases(db, req.ctx, { status: status === 'closed' || status === 'all' ? status : 'open' });
        return {
          cases: list.map((c) => ({
            id: c.id,
            reference: c.reference,
            classification: c.classification,
            status: c.status,
            displayName: c.displayName,
            edd: c.edd,
            bornAt: isoOrNull(c.bornAt),
            leadOrganisation: c.leadOrganisation,
            area: c.area,
            updatedAt: c.updatedAt.toISOString(),
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases',
        operationId: 'openCase',
        summary: 'Open a case',
        tags: TAGS,
        body: { schema: OpenCaseRequest },
        responses: { 201: { description: 'The case', schema: CaseCreated } },
      },
      created((req) => openCase(db, req.ctx, jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id',
        operationId: 'getCase',
        summary: 'One case: agencies, professionals, alerts, identity details with their sources, inconsistencies',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'The case', schema: CaseDetail } },
      },
      async (req) => {
        const c = await getCase(db, req.ctx, pathParam(req));
        const k = c.kase;
        return {
          id: k.id,
          reference: k.reference,
          classification: k.classification,
          status: k.status,
          displayName: k.displayName,
          edd: k.edd,
          eddSource: k.eddSource,
          bornAt: isoOrNull(k.bornAt),
          area: c.areaName,
          areaCode: c.areaCode,
          areaId: k.geographyId,
          openedAt: k.openedAt.toISOString(),
          closedReason: k.closedReason,
          openPrompts: c.openPromptCount,
          agencies: c.agencies.map((a) => ({
            id: a.id,
            name: a.name,
            odsCode: a.odsCode,
            reason: a.reason,
            addedBy: a.addedByName,
            addedByOrganisation: a.addedByOrganisationName,
          })),
          professionals: c.professionals.map((p) => ({
            id: p.id,
            role: p.role,
            name: p.name,
            organisationName: p.organisationName,
            phone: p.phone,
            email: p.email,
            current: !p.endedAt,
          })),
          alerts: c.alerts.map((a) => ({
            id: a.id,
            reference: a.reference,
            visible: a.visible,
            status: a.status,
            organisationName: a.organisationName,
            contactMailboxes: a.contactMailboxes,
          })),
          facts: c.facts.map((f) => ({
            id: f.id,
            subject: f.subject,
            field: f.field,
            value: f.value as Record<string, unknown>,
            text: f.text,
            source: f.source,
            sourceDetail: f.sourceDetail,
            sourceDate: f.sourceDate,
            recordedBy: f.recordedByName,
            recordedAt: f.recordedAt.toISOString(),
            current: !f.supersededAt,
            supersededReason: f.supersededReason,
          })),
          inconsistencies: c.inconsistencies.map((i) => ({ subject: i.subject, field: i.field, values: i.values })),
        };
      },
    );

    const action = (url: string, operationId: string, summary: string, schema: z.ZodType, run: (req: FastifyRequest) => Promise<unknown>, status = 200) =>
      api.route(
        app,
        {
          method: 'POST',
          url,
          operationId,
          summary,
          tags: TAGS,
          params: { id: 'The case' },
          body: { schema },
          responses: { [status]: { description: 'Done', schema: Done } },
        },
        async (req, reply) => {
          await run(req);
          return reply.code(status).send({ ok: true });
        },
      );

    action(
      '/api/cases/:id/professionals',
      'addCaseProfessional',
      'Add a named professional',
      ProfessionalRequest,
      (req) => addProfessional(db, req.ctx, pathParam(req), jsonBody(req)),
      201,
    );
    action(
      '/api/cases/:id/agencies',
      'addCaseAgency',
      'Add an agency (its staff can then see the case)',
      AgencyRequest,
      (req) => addAgency(db, req.ctx, pathParam(req), String(jsonBody(req).organisationId ?? ''), jsonBody(req).reason),
      201,
    );
    action(
      '/api/cases/:id/withdraw',
      'withdrawFromCase',
      "Take your own organisation off a case it was added to (not the case's lead)",
      WithdrawAgencyRequest,
      (req) => withdrawAgency(db, req.ctx, pathParam(req), jsonBody(req).reason),
    );
    action(
      '/api/cases/:id/alerts',
      'linkCaseAlert',
      'Link a high-risk alert you may view (not a draft)',
      LinkAlertRequest,
      (req) => linkAlert(db, req.ctx, pathParam(req), String(jsonBody(req).alertReference ?? '')),
      201,
    );
    action('/api/cases/:id/edd', 'changeCaseEdd', 'Change the due date, with the reason', EddRequest, (req) =>
      changeEdd(db, req.ctx, pathParam(req), jsonBody(req)),
    );
    action('/api/cases/:id/birth', 'recordCaseBirth', 'Record the time of birth', BirthRequest, (req) =>
      recordCaseBirth(db, req.ctx, pathParam(req), jsonBody(req)),
    );
    action('/api/cases/:id/close', 'closeCase', 'Close the case', CloseRequest, (req) => closeCase(db, req.ctx, pathParam(req), jsonBody(req)));
    action('/api/cases/:id/reopen', 'reopenCase', 'Reopen a closed case', ReopenRequest, (req) =>
      reopenCase(db, req.ctx, pathParam(req), String(jsonBody(req).reason ?? '')),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/professionals/:professionalId/end',
        operationId: 'endCaseProfessional',
        summary: 'A professional is no longer involved (kept in the history)',
        tags: TAGS,
        params: { id: 'The case', professionalId: 'The professional' },
        responses: { 200: { description: 'Done', schema: Done } },
      },
      async (req) => {
        await endProfessional(db, req.ctx, pathParam(req), pathParam(req, 'professionalId'));
        return { ok: true };
      },
    );
  };
