import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { CHRONOLOGY_KINDS, INDICATORS, PRACTITIONER_KINDS } from '../patterns';
import {
  answerPrompt,
  caseChronology,
  type ChronologyItem,
  PROMPT_RESPONSE_KINDS,
  type PromptView,
  promptsForCase,
  recordObservation,
  unansweredPrompts,
} from './service';

const TAGS = ['Case chronology'];

const Entry = z.object({
  id: z.string().meta({ description: 'The entry; entries read from a linked alert are prefixed alert-event:, presentation: or reveal:' }),
  at: DateTime,
  timeKnown: z.boolean().meta({ description: 'False when only the date was recorded' }),
  kind: z.enum(CHRONOLOGY_KINDS),
  label: z.string(),
  indicator: z.enum(INDICATORS).nullable().meta({ description: 'The warning sign this kind of entry may be' }),
  summary: z.string(),
  recordedBy: z.string().nullable(),
  recordedByOrganisation: z.string().nullable(),
  source: z.enum(['practitioner', 'system', 'alert']),
  professional: z.string().nullable(),
  agency: z.string().nullable(),
  alertReference: z.string().nullable(),
});
export const CaseChronology = api.schema(
  'CaseChronology',
  z.object({ entries: z.array(Entry) }),
  'The case timeline, newest first: what the case recorded, and what happened to its linked alerts (read from the alert register, not copied).',
);
export const ObservationRequest = api.schema(
  'ObservationRequest',
  z.object({
    kind: z.enum(PRACTITIONER_KINDS).meta({ description: 'What happened. Kinds Beacon records itself (prompt_raised, alert_linked …) are refused.' }),
    occurredAt: z.string().meta({ description: 'YYYY-MM-DD when the time is not known, or an ISO date-time. Not in the future, not more than 2 years ago.' }),
    summary: z.string().meta({ description: 'What happened, up to 2,000 characters' }),
    professional: z.string().nullish().meta({ description: 'The professional involved' }),
    agency: z.string().nullish().meta({ description: 'The agency involved' }),
  }),
  'A chronology entry recorded by a practitioner. The pattern rules run at once: `promptsRaised` says whether it completed a pattern.',
);
export const ObservationCreated = api.schema('ObservationCreated', z.object({ id: Uuid, promptsRaised: z.int() }));

const Prompt = z.object({
  id: Uuid,
  ruleKey: z.string(),
  ruleLabel: z.string(),
  prompt: z.string(),
  raisedAt: DateTime,
  answered: z.boolean(),
  responseKind: z.enum(PROMPT_RESPONSE_KINDS).nullable(),
  response: z.string().nullable(),
  respondedBy: z.string().nullable(),
  respondedAt: DateTime.nullable(),
  entries: z
    .array(z.object({ id: Uuid, at: DateTime, kind: z.enum(CHRONOLOGY_KINDS), label: z.string(), summary: z.string() }))
    .meta({ description: 'The chronology entries that made up the pattern, oldest first' }),
});
export const CasePrompt = api.schema('CasePrompt', Prompt, 'A pattern prompt. It informs judgement and decides nothing; a practitioner answers it once.');
export const CasePrompts = api.schema(
  'CasePrompts',
  z.object({ prompts: z.array(CasePrompt) }),
  'Unanswered prompts first (oldest first), then answered ones (newest first).',
);
export const PromptAnswerRequest = api.schema(
  'PromptAnswerRequest',
  z.object({
    responseKind: z.enum(PROMPT_RESPONSE_KINDS),
    response: z.string().meta({ description: 'What you considered and decided: at least 10 characters, up to 2,000' }),
  }),
  'An answer to an unanswered prompt. A prompt is answered once: a second answer is refused (400, field `form`).',
);
export const UnansweredPromptList = api.schema(
  'UnansweredPromptList',
  z.object({
    prompts: z.array(
      z.object({ id: Uuid, caseId: Uuid, reference: z.string(), displayName: z.string(), ruleLabel: z.string(), prompt: z.string(), raisedAt: DateTime }),
    ),
  }),
  'Unanswered prompts on the open cases your organisation works on (auditors: every case), longest waiting first.',
);

const entryJson = (i: ChronologyItem) => ({
  id: i.id,
  at: i.at.toISOString(),
  timeKnown: i.timeKnown,
  kind: i.kind,
  label: i.label,
  indicator: i.indicator,
  summary: i.summary,
  recordedBy: i.recordedBy,
  recordedByOrganisation: i.recordedByOrganisation,
  source: i.source,
  professional: i.professional,
  agency: i.agency,
  alertReference: i.alertReference,
});

const promptJson = (p: PromptView) => ({
  id: p.id,
  ruleKey: p.ruleKey,
  ruleLabel: p.ruleLabel,
  prompt: p.prompt,
  raisedAt: p.raisedAt.toISOString(),
  answered: p.answered,
  responseKind: p.responseKind,
  response: p.response,
  respondedBy: p.respondedBy,
  respondedAt: p.respondedAt?.toISOString() ?? null,
  entries: p.events.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, label: e.label, summary: e.summary })),
});

/** The chronology and its prompts as JSON: the same services, rules and audit as the pages. */
export const chronologyApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/prompts',
        operationId: 'listUnansweredPrompts',
        summary: 'Pattern prompts waiting for a response, across your organisation’s cases',
        tags: TAGS,
        responses: { 200: { description: 'The prompts', schema: UnansweredPromptList } },
      },
      async (req) => ({ prompts: (await unansweredPrompts(db, req.ctx)).map((p) => ({ ...p, raisedAt: p.raisedAt.toISOString() })) }),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/chronology',
        operationId: 'getCaseChronology',
        summary: 'The case timeline, newest first (audited)',
        tags: TAGS,
        params: { id: 'The case' },
        query: {
          indicator: 'closure, flight or disguised_compliance: only entries that may be that sign',
          kind: 'Only these kinds of entry, separated by commas',
        },
        responses: { 200: { description: 'The timeline', schema: CaseChronology } },
      },
      async (req) => {
        const q = req.query as Record<string, string | string[] | undefined>;
        const entries = await caseChronology(db, req.ctx, pathParam(req), {
          indicator: typeof q.indicator === 'string' ? q.indicator : null,
          kinds: q.kind ?? null,
        });
        return { entries: entries.map(entryJson) };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/chronology',
        operationId: 'recordChronologyEntry',
        summary: 'Record what happened (a missed appointment, a no-access visit, a change of address …)',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: ObservationRequest },
        responses: { 201: { description: 'Recorded', schema: ObservationCreated } },
      },
      created((req) => recordObservation(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/prompts',
        operationId: 'getCasePrompts',
        summary: 'The case’s pattern prompts, with the entries behind each (audited)',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'The prompts', schema: CasePrompts } },
      },
      async (req) => ({ prompts: (await promptsForCase(db, req.ctx, pathParam(req))).map(promptJson) }),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/prompts/:promptId/answer',
        operationId: 'answerCasePrompt',
        summary: 'Answer a pattern prompt with what you considered and decided',
        tags: TAGS,
        params: { id: 'The case', promptId: 'The prompt' },
        body: { schema: PromptAnswerRequest },
        responses: { 200: { description: 'The answered prompt', schema: CasePrompt } },
      },
      async (req) => {
        const promptId = pathParam(req, 'promptId');
        await answerPrompt(db, req.ctx, pathParam(req), promptId, jsonBody(req));
        const prompts = await promptsForCase(db, req.ctx, pathParam(req));
        return promptJson(prompts.find((p) => p.id === promptId)!);
      },
    );
  };
