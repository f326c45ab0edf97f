import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import type { Db } from '../../platform/db/engine';
import { NotFoundError } from '../../platform/errors';
import { type CaseHeader, dateTimeFromParts, formsPage, handleCaseForm, partsAsTyped } from '../http';
import { type ChecklistItem, checklistItem, itemsNeedingNotes } from './checklist';
import { checklistOf, recordChecklistItem } from './service';

const TEMPLATE = 'cases/labour/views/labour.njk';
const TITLE = 'Unbooked in labour';

/** The form that failed, so only it shows the values as typed and the errors. */
interface Active {
  item: string;
  values: Record<string, string>;
  fields: Record<string, { text: string }>;
}

async function pageData(db: Db, req: FastifyRequest, header: CaseHeader, active: Active | null) {
  const state = await checklistOf(db, req.ctx, header.kase);
  const notes = new Map(itemsNeedingNotes().map((n) => [n.item, n.answers]));
  return {
    applies: state.applies,
    canRecord: state.canRecord,
    outstandingCount: state.outstanding.length,
    complete: state.complete,
    items: state.items.map((s) => {
      const mine = active?.item === s.item.key ? active : null;
      const item: ChecklistItem = s.item;
      return {
        key: item.key,
        label: item.label,
        hint: item.hint,
        link: item.link ?? (item.caseLink ? { href: `/cases/${header.kase.id}${item.caseLink.path}`, text: item.caseLink.text } : null),
        current: s.current,
        earlier: s.earlier,
        outstanding: s.outstanding,
        noteAnswers: (notes.get(item.key as never) ?? []).map((v) => item.answers.find((a) => a.value === v)!.label),
        answerItems: item.answers.map((a) => ({
          value: a.value,
          text: a.label,
          hint: a.hint ? { text: a.hint } : undefined,
          checked: mine?.values.answer === a.value,
        })),
        active: mine,
        doneAtParts: partsAsTyped(mine?.values, `${item.key}-doneAt`),
      };
    }),
  };
}

/** The unbooked-in-labour checklist page and its one form per item. */
export const labourRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    const render = formsPage<Active>(db, {
      section: 'labour',
      template: TEMPLATE,
      title: TITLE,
      audit: 'case.labour.view',
      data: (req, header, active) => pageData(db, req, header, active),
    });

    app.get('/cases/:id/labour', async (req, reply) => render(req, reply, (req.params as { id: string }).id));

    app.post('/cases/:id/labour/:item', async (req, reply) => {
      const { id, item } = req.params as { id: string; item: string };
      const def = checklistItem(item);
      if (!def) throw new NotFoundError('Checklist item');
      return handleCaseForm(req, reply, {
        act: (values) =>
          recordChecklistItem(db, req.ctx, id, {
            item,
            answer: values.answer ?? '',
            note: values.note ?? '',
            doneAt: dateTimeFromParts(values, `${item}-doneAt`),
          }),
        next: () => `/cases/${id}/labour?done=${encodeURIComponent(`${def.label}: answer recorded`)}#item-${item}`,
        idFor: (field) => (field === 'item' ? `item-${item}` : `${item}-${field}`),
        rerender: async (values, errors) => render(req, reply, id, { item, values, fields: errors.fields }, errors),
      });
    });
  };
