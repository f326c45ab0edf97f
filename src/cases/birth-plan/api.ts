import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, jsonBody, noContent, pathParam, Uuid } from '../../platform/http/api-helpers';
import { ADDITIONAL_RECIPIENT_KINDS, BABY_MAY_LEAVE, RECIPIENT_KINDS, SEND_METHODS } from './model';
import { getBirthPlan, recordSent, saveBirthPlan } from './service';

const Content = z.object({
  birthPartners: z.array(z.object({ name: z.string(), relationship: z.string() })),
  excludedPeople: z.array(z.object({ name: z.string(), relationship: z.string().nullish(), reason: z.string(), description: z.string().nullish() })),
  notifyInHours: z.object({ name: z.string(), role: z.string(), phone: z.string() }),
  notifyOutOfHours: z.object({ name: z.string(), phone: z.string() }),
  babyMayLeaveUnit: z.enum(BABY_MAY_LEAVE),
  onlyWith: z.string().nullish().meta({ description: 'Required when babyMayLeaveUnit is `only_with`' }),
  contingencyPreterm: z.string(),
  contingencyMissing: z.string(),
  otherArrangements: z.string().nullish(),
});

export const BirthPlanContent = api.schema('BirthPlanContent', Content, 'The structured birth plan. Rows with every field blank are ignored.');
export const SaveBirthPlanRequest = api.schema(
  'SaveBirthPlanRequest',
  z.object({
    content: BirthPlanContent,
    agreedAt: z.string().meta({ description: 'ISO date-time it was agreed: not in the future, within the last year, not before the version it replaces' }),
    agreedAtMeeting: z.string().nullish(),
    changeReason: z.string().nullish().meta({ description: 'Required from version 2' }),
    namedMidwifeName: z.string().nullish().meta({ description: 'Defaults to the case’s current named midwife' }),
    parentsName: z.string(),
    additionalRecipients: z.array(z.object({ recipient: z.enum(ADDITIONAL_RECIPIENT_KINDS), name: z.string() })).nullish(),
  }),
  'A new version of the birth plan and whom it goes to. Due times come from the protocol, counted from agreedAt.',
);
export const RecordSentRequest = api.schema(
  'RecordSentRequest',
  z.object({ sentAt: z.string().meta({ description: 'ISO date-time: not in the future, not before the plan was agreed' }), method: z.enum(SEND_METHODS) }),
);

const Distribution = z.object({
  id: Uuid,
  version: z.int(),
  recipient: z.enum(RECIPIENT_KINDS),
  recipientName: z.string(),
  dueAt: DateTime,
  sentAt: DateTime.nullable(),
  method: z.enum(SEND_METHODS).nullable(),
  sentByName: z.string().nullable(),
  state: z.enum(['sent', 'sent_late', 'overdue', 'due', 'superseded']),
});
export const BirthPlan = api.schema(
  'BirthPlan',
  z.object({
    caseId: Uuid,
    reference: z.string(),
    versions: z.array(
      z.object({
        version: z.int(),
        content: BirthPlanContent,
        agreedAt: DateTime,
        agreedAtMeeting: z.string().nullable(),
        changeReason: z.string().nullable(),
        changed: z.array(z.string()).meta({ description: 'Parts of the plan that differ from the version before' }),
        createdByName: z.string().nullable(),
        createdAt: DateTime,
      }),
    ),
    distribution: z.array(Distribution),
  }),
  'Every version of the birth plan (newest first) and its distribution.',
);
export const SavedBirthPlan = api.schema('SavedBirthPlan', z.object({ version: z.int() }));

const TAGS = ['Birth plan'];

export const birthPlanApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/birth-plan',
        operationId: 'getBirthPlan',
        summary: 'The birth plan of a case, its versions and distribution',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'The birth plan', schema: BirthPlan } },
      },
      async (req) => {
        const p = await getBirthPlan(db, req.ctx, pathParam(req));
        return {
          caseId: p.kase.id,
          reference: p.kase.reference,
          versions: p.history.map((v) => ({
            version: v.version,
            content: v.content,
            agreedAt: v.agreedAt.toISOString(),
            agreedAtMeeting: v.agreedAtMeeting,
            changeReason: v.changeReason,
            changed: v.changed,
            createdByName: v.createdByName,
            createdAt: v.createdAt.toISOString(),
          })),
          distribution: p.distribution.map((d) => ({
            id: d.id,
            version: d.version,
            recipient: d.recipient,
            recipientName: d.recipientName,
            dueAt: d.dueAt.toISOString(),
            sentAt: d.sentAt?.toISOString() ?? null,
            method: d.method,
            sentByName: d.sentByName,
            state: d.state,
          })),
        };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/birth-plan',
        operationId: 'saveBirthPlan',
        summary: 'Save a new version of the birth plan',
        description: 'The first version completes the protocol milestone for agreeing the plan, at agreedAt.',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: SaveBirthPlanRequest },
        responses: { 201: { description: 'The version saved', schema: SavedBirthPlan } },
      },
      created((req) => saveBirthPlan(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/birth-plan/distributions/:distributionId/sent',
        operationId: 'recordBirthPlanSent',
        summary: 'Record that the birth plan was sent to one of its recipients',
        description: 'For the first version, sending to the named midwife or the parents completes the matching protocol milestone at sentAt.',
        tags: TAGS,
        params: { id: 'The case', distributionId: 'The distribution row' },
        body: { schema: RecordSentRequest },
        responses: { 204: { description: 'Recorded' } },
      },
      noContent((req) => recordSent(db, req.ctx, pathParam(req), pathParam(req, 'distributionId'), jsonBody(req))),
    );
  };
