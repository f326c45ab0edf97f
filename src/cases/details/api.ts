import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, IsoDay, isoOrNull, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { ValidationError } from '../../platform/errors';
import { FACT_FIELDS, FACT_SOURCES, FACT_SUBJECTS } from '../demographics';
import { recordFact, supersedeFact } from '../service';
import { caseDetails, type FactEntry } from './service';

const TAGS = ['Case identity details'];

const Entry = z.object({
  id: Uuid,
  subject: z.enum(FACT_SUBJECTS),
  field: z.enum(FACT_FIELDS),
  value: z.record(z.string(), z.unknown()).meta({
    description:
      'As recorded: name {given, family}, date_of_birth {date}, address {line, postcode}, nhs_number {number}, gp_practice {practice, odsCode}, phone {number}',
  }),
  text: z.string().meta({ description: 'The value in one line' }),
  source: z.enum(FACT_SOURCES),
  sourceDetail: z.string().nullable(),
  sourceDate: IsoDay.meta({ description: 'When the source gave it' }),
  recordedBy: z.string().nullable(),
  recordedByOrganisation: z.string().nullable(),
  recordedAt: DateTime,
  current: z.boolean(),
  inconsistent: z.boolean().meta({ description: 'A current value that another current value for the same detail disagrees with' }),
  supersededAt: DateTime.nullable(),
  supersededBy: z.string().nullable(),
  supersededReason: z.string().nullable(),
});
export const CaseFactEntry = api.schema(
  'CaseFactEntry',
  Entry,
  'One identity detail with its provenance. Never overwritten: a different value is another entry.',
);
export const CaseFacts = api.schema(
  'CaseFacts',
  z.object({
    facts: z.array(CaseFactEntry).meta({ description: 'Every detail recorded, newest first, including those no longer current' }),
    inconsistencies: z.array(
      z.object({
        subject: z.enum(FACT_SUBJECTS),
        field: z.enum(FACT_FIELDS),
        label: z.string(),
        values: z.array(z.object({ text: z.string(), sources: z.array(z.string()), factIds: z.array(Uuid) })),
      }),
    ),
    pointOfCareVariants: z
      .array(
        z.object({
          presentationId: Uuid,
          presentedAt: DateTime,
          placeName: z.string(),
          organisationName: z.string(),
          given: z.array(z.object({ field: z.string(), label: z.string(), value: z.string() })),
          differences: z.array(z.object({ field: z.string(), text: z.string() })),
        }),
      )
      .meta({ description: 'What she gave when confirmed at point-of-care checks on a linked alert' }),
  }),
  'Identity details with their sources, where current values disagree, and what she gave at point-of-care checks (audited as case.details.view).',
);
export const FactRequest = api.schema(
  'FactRequest',
  z.object({
    subject: z.enum(FACT_SUBJECTS).optional().meta({ description: 'Default mother' }),
    field: z.enum(FACT_FIELDS),
    value: z.record(z.string(), z.unknown()).meta({ description: 'As CaseFactEntry.value for the field. Errors are reported as `value.<part>`.' }),
    source: z.enum(FACT_SOURCES),
    sourceDetail: z.string().nullish().meta({ description: 'Required for other_agency (which agency) and id_document (which document)' }),
    sourceDate: IsoDay.meta({ description: 'When the source gave it; not in the future' }),
  }),
  'A detail with where it came from. A value that differs from a current one is kept beside it and flagged (inconsistent: true), never overwritten.',
);
export const FactCreated = api.schema('FactCreated', z.object({ id: Uuid, inconsistent: z.boolean() }));
export const SupersedeFactRequest = api.schema(
  'SupersedeFactRequest',
  z.object({ reason: z.string().meta({ description: 'Why it is no longer current, up to 500 characters' }) }),
);

const entryJson = (f: FactEntry) => ({
  id: f.id,
  subject: f.subject,
  field: f.field,
  value: (f.value ?? {}) as Record<string, unknown>,
  text: f.text,
  source: f.source,
  sourceDetail: f.sourceDetail,
  sourceDate: f.sourceDate,
  recordedBy: f.recordedBy,
  recordedByOrganisation: f.recordedByOrganisation,
  recordedAt: f.recordedAt.toISOString(),
  current: f.current,
  inconsistent: f.inconsistent,
  supersededAt: isoOrNull(f.supersededAt),
  supersededBy: f.supersededBy,
  supersededReason: f.supersededReason,
});

/** Identity details as JSON: the same services, rules and audit as the details page. */
export const detailsApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const facts = async (req: FastifyRequest) => {
      const d = await caseDetails(db, req.ctx, pathParam(req));
      return {
        facts: d.history.map(entryJson),
        inconsistencies: d.inconsistencies.map((i) => ({
          subject: i.subject,
          field: i.field,
          label: i.label,
          values: i.values.map((v) => ({ text: v.text, sources: v.sources, factIds: v.facts.map((f) => f.id) })),
        })),
        pointOfCareVariants: d.variants.map((v) => ({
          presentationId: v.id,
          presentedAt: v.presentedAt.toISOString(),
          placeName: v.placeName,
          organisationName: v.organisationName,
          given: v.given,
          differences: v.differences,
        })),
      };
    };

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/facts',
        operationId: 'getCaseFacts',
        summary: 'Identity details with their sources, inconsistencies and point-of-care variants',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'The details', schema: CaseFacts } },
      },
      facts,
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/facts',
        operationId: 'recordCaseFact',
        summary: 'Record an identity detail with its source',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: FactRequest },
        responses: { 201: { description: 'Recorded', schema: FactCreated } },
      },
      created((req) => recordFact(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/facts/:factId/supersede',
        operationId: 'supersedeCaseFact',
        summary: 'Mark an identity detail as no longer current, with the reason (it stays in the history)',
        tags: TAGS,
        params: { id: 'The case', factId: 'The detail' },
        body: { schema: SupersedeFactRequest },
        responses: { 200: { description: 'The detail, no longer current', schema: CaseFactEntry } },
      },
      async (req) => {
        const factId = pathParam(req, 'factId');
        const reason = jsonBody(req).reason;
        if (reason !== undefined && reason !== null && typeof reason !== 'string')
          throw new ValidationError({ reason: 'Enter why this detail is no longer current, as text' });
        await supersedeFact(db, req.ctx, pathParam(req), factId, (reason as string | null | undefined) ?? '');
        const d = await caseDetails(db, req.ctx, pathParam(req));
        return entryJson(d.history.find((f) => f.id === factId)!);
      },
    );
  };
