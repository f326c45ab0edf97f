import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { CHECKLIST_ITEM_KEYS, CHECKLIST_ITEMS, type ChecklistEntry, type ChecklistItemState } from './checklist';
import { checklist, recordChecklistItem } from './service';

const TAGS = ['Cases: unbooked in labour'];

const Entry = z.object({
  id: Uuid,
  answer: z.string(),
  answerLabel: z.string(),
  note: z.string().nullable(),
  doneAt: DateTime,
  recordedByName: z.string(),
  recordedAt: DateTime,
});

export const LabourChecklist = api.schema(
  'LabourChecklist',
  z.object({
    caseId: Uuid,
    applies: z.boolean().meta({ description: 'Whether the case is classified as unbooked in labour (the checklist can be used on any case)' }),
    complete: z.boolean(),
    outstanding: z
      .array(z.enum(CHECKLIST_ITEM_KEYS))
      .meta({ description: 'Items not answered, or answered provisionally (a possible match still being checked, CP-IS unavailable, a message left)' }),
    items: z.array(
      z.object({
        key: z.enum(CHECKLIST_ITEM_KEYS),
        label: z.string(),
        answers: z.array(z.object({ value: z.string(), label: z.string(), needsNote: z.boolean(), provisional: z.boolean() })),
        outstanding: z.boolean(),
        current: Entry.extend({ provisional: z.boolean() }).nullable(),
        earlier: z.array(Entry).meta({ description: 'Answers this one replaced, newest first' }),
      }),
    ),
  }),
  'The unbooked-in-labour checklist on a case: each item’s current answer (the newest), who recorded it and when, and the answers it replaced.',
);

export const ChecklistEntryRequest = api.schema(
  'ChecklistEntryRequest',
  z.object({
    item: z.enum(CHECKLIST_ITEM_KEYS),
    answer: z.string().meta({
      description: `One of the item's answers: ${CHECKLIST_ITEMS.map((i) => `${i.key}: ${i.answers.map((a) => a.value).join(' | ')}`).join('; ')}`,
    }),
    note: z
      .string()
      .nullish()
      .meta({ description: 'Required with csc_referral not_needed, safeguarding_midwife_informed not_known and toxicology_offered not_offered' }),
    doneAt: DateTime.nullish().meta({ description: 'When it was done; now if left out. Not in the future, nor more than a day before the case was opened' }),
  }),
  'Record (or correct) one checklist item. A correction is a new answer: the earlier one is kept.',
);

export const ChecklistEntryCreated = api.schema('ChecklistEntryCreated', z.object({ id: Uuid }));

const entryJson = (e: ChecklistEntry & { answerLabel: string }) => ({
  id: e.id,
  answer: e.answer,
  answerLabel: e.answerLabel,
  note: e.note,
  doneAt: e.doneAt.toISOString(),
  recordedByName: e.recordedByName,
  recordedAt: e.recordedAt.toISOString(),
});

const itemJson = (s: ChecklistItemState) => ({
  key: s.item.key,
  label: s.item.label,
  answers: s.item.answers.map((a) => ({ value: a.value, label: a.label, needsNote: !!a.needsNote, provisional: !!a.provisional })),
  outstanding: s.outstanding,
  current: s.current ? { ...entryJson(s.current), provisional: s.current.provisional } : null,
  earlier: s.earlier.map(entryJson),
});

/** The unbooked-in-labour checklist as JSON: the same service, rules and audit as the page. */
export const labourApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/labour-checklist',
        operationId: 'getLabourChecklist',
        summary: 'The unbooked-in-labour checklist on a case (audited as a view)',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'The checklist', schema: LabourChecklist } },
      },
      async (req) => {
        const c = await checklist(db, req.ctx, pathParam(req));
        return { caseId: c.caseId, applies: c.applies, complete: c.complete, outstanding: c.outstanding, items: c.items.map(itemJson) };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/labour-checklist',
        operationId: 'recordChecklistItem',
        summary: 'Record or correct one checklist item',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: ChecklistEntryRequest },
        responses: { 201: { description: 'Recorded', schema: ChecklistEntryCreated } },
      },
      created((req) => recordChecklistItem(db, req.ctx, pathParam(req), jsonBody(req))),
    );
  };
