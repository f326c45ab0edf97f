import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { ValidationError } from '../../platform/errors';
import { formValues } from '../../platform/http/forms';
import { CLASSIFICATION_LABELS, MILESTONE_SOURCE_LABELS, type ProtocolDefinition } from '../protocol';
import type { ConfigKind } from '../protocol-config';
import type { PatternRule } from '../patterns';
import type { EscalationStage } from '../../escalations/stages';
import { describePatternRule, describeProtocol, describeStages } from './describe';
import {
  DEADLINE_UNIT_LABELS,
  DEADLINE_UNITS,
  definitionOfForm,
  EXTRA_ROWS,
  EXTRA_STAGE_ROWS,
  formFieldFor,
  formFromBody,
  formOf,
  type ProtocolForm,
  RULE_TYPE_LABELS,
  RULE_TYPES,
  type StageFormRow,
  stageFieldFor,
  stageFormFromBody,
  stageFormOf,
  stagesOfForm,
} from './form';
import {
  configurationToEdit,
  DefinitionError,
  type DefinitionProblem,
  protocolDetail,
  protocolOverview,
  saveProtocolVersion,
  validateDefinition,
} from './service';

type Params = { kind: string; geographyCode: string };

/** A definition in words, for the view page and the preview. */
export function readable(kind: ConfigKind, definition: unknown) {
  switch (kind) {
    case 'case_milestones': {
      const def = definition as ProtocolDefinition;
      return { name: def.name, description: def.description ?? null, lateBookingWeeks: def.lateBookingWeeks, milestones: describeProtocol(def) };
    }
    case 'escalation_stages':
      return { stages: describeStages(definition as EscalationStage[]) };
    case 'pattern_rules':
      return { rules: (definition as PatternRule[]).map(describePatternRule) };
  }
}

const editHref = (slug: string, code: string) => `/protocols/${slug}/${encodeURIComponent(code)}/edit`;

/** Kinds with a structured form; the others (and these, on request) are edited as JSON. */
const STRUCTURED: readonly ConfigKind[] = ['case_milestones', 'escalation_stages'];

export const protocolsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    app.get('/protocols', { config: { permission: 'protocol.view' } }, async (req, reply) => {
      const kinds = await protocolOverview(db, req.ctx);
      return reply.page('cases/protocols/views/overview.njk', { title: 'Protocol configuration', kinds });
    });

    app.get('/protocols/:kind/:geographyCode', async (req, reply) => {
      const { kind, geographyCode } = req.params as Params;
      const q = (req.query ?? {}) as { version?: string; done?: string };
      const version = q.version && /^\d{1,6}$/.test(q.version) ? Number(q.version) : undefined;
      const d = await protocolDetail(db, req.ctx, kind, geographyCode, version);
      return reply.page('cases/protocols/views/protocol.njk', {
        title: `${d.label}: ${d.geography.name}`,
        d,
        view: readable(d.kind, d.shown.definition),
        definitionJson: JSON.stringify(d.shown.definition, null, 2),
        done: typeof q.done === 'string' ? q.done : null,
        editHref: editHref(d.slug, d.geography.code),
        back: { href: '/protocols', text: 'Protocol configuration' },
      });
    });

    /**
     * The edit page. Milestones and escalation stages get a structured form (`?as=json` for the JSON text
     * instead); pattern rules are edited as JSON. Every kind can be previewed in words before saving.
     */
    const showEdit = async (
      req: FastifyRequest,
      reply: FastifyReply,
      extra: {
        status?: number;
        form?: ProtocolForm;
        stageRows?: StageFormRow[];
        json?: string;
        changeReason?: string;
        libraryVersionId?: string;
        problems?: { text: string; href: string }[];
        fields?: Record<string, string>;
        preview?: unknown;
      } = {},
    ) => {
      const { kind: slug, geographyCode } = req.params as Params;
      const asJson = ((req.query ?? {}) as { as?: string }).as === 'json' || (req.body as { format?: string } | undefined)?.format === 'json';
      const c = await configurationToEdit(db, req.ctx, slug, geographyCode);
      const structured = STRUCTURED.includes(c.kind) && !asJson;
      const form = structured && c.kind === 'case_milestones' ? (extra.form ?? formOf(c.inForce.definition as ProtocolDefinition)) : undefined;
      const stageRows = structured && c.kind === 'escalation_stages' ? (extra.stageRows ?? stageFormOf(c.inForce.definition as EscalationStage[])) : undefined;
      const fields = extra.fields ?? {};
      return reply.code(extra.status ?? 200).page('cases/protocols/views/edit.njk', {
        title: `Edit ${c.label.toLowerCase()}: ${c.geography.name}`,
        c,
        structured,
        form,
        rows: form?.rows.map((r, i) => ({ ...r, i })),
        stageRows: stageRows?.map((r, i) => ({ ...r, i })),
        json: extra.json ?? JSON.stringify(c.inForce.definition, null, 2),
        changeReason: extra.changeReason ?? '',
        implementsItems: [
          { value: '', text: 'None recorded' },
          ...c.implementable.map((v) => ({
            value: v.versionId,
            text: `${v.title}, version ${v.version}`,
            selected: (extra.libraryVersionId ?? c.inForce.libraryVersionId) === v.versionId,
          })),
        ],
        fields,
        errors: extra.problems?.length
          ? { list: extra.problems, fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { text: v }])) }
          : undefined,
        preview: extra.preview ?? null,
        choices: {
          ruleTypes: RULE_TYPES.map((v) => ({ value: v, text: RULE_TYPE_LABELS[v] })),
          units: DEADLINE_UNITS.map((v) => ({ value: v, text: DEADLINE_UNIT_LABELS[v] })),
          classifications: Object.entries(CLASSIFICATION_LABELS).map(([value, text]) => ({ value, text })),
          sources: Object.entries(MILESTONE_SOURCE_LABELS).map(([value, text]) => ({ value, text })),
        },
        extraRows: c.kind === 'escalation_stages' ? EXTRA_STAGE_ROWS : EXTRA_ROWS,
        viewHref: `/protocols/${c.slug}/${encodeURIComponent(c.geography.code)}`,
        action: editHref(c.slug, c.geography.code),
        back: { href: `/protocols/${c.slug}/${encodeURIComponent(c.geography.code)}`, text: 'Back to the protocol' },
      });
    };

    app.get('/protocols/:kind/:geographyCode/edit', async (req, reply) => showEdit(req, reply));

    app.post('/protocols/:kind/:geographyCode/edit', async (req, reply) => {
      const { kind: slug, geographyCode } = req.params as Params;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = formValues(body);
      const c = await configurationToEdit(db, req.ctx, slug, geographyCode);
      const structured = STRUCTURED.includes(c.kind) && values.format !== 'json';
      const changeReason = values.changeReason ?? '';
      const libraryVersionId = values.libraryVersionId ?? '';

      let definition: unknown;
      let form: ProtocolForm | undefined;
      let stageRows: StageFormRow[] | undefined;
      let rowOf: number[] = [];
      if (structured && c.kind === 'case_milestones') {
        form = formFromBody(body);
        ({ definition, rowOf } = definitionOfForm(form));
      } else if (structured) {
        stageRows = stageFormFromBody(body);
        ({ definition, rowOf } = stagesOfForm(stageRows));
      } else {
        try {
          definition = JSON.parse(values.definition ?? '');
        } catch (err) {
          const text = `The definition is not valid JSON: ${(err as Error).message}`;
          return showEdit(req, reply, {
            status: 400,
            json: values.definition ?? '',
            changeReason,
            problems: [{ text, href: '#definition' }],
            fields: { definition: text },
          });
        }
      }
      const kept = { ...(form ? { form } : {}), ...(stageRows ? { stageRows } : {}), libraryVersionId };

      /** Problems as the page shows them: on the structured form's fields, or listed with their paths in words. */
      const show = (problems: DefinitionProblem[], otherFields: Record<string, string>) => {
        const fields: Record<string, string> = {};
        const list: { text: string; href: string }[] = [];
        for (const p of problems) {
          if (structured) {
            const field = c.kind === 'case_milestones' ? formFieldFor(p.path, rowOf) : stageFieldFor(p.path, rowOf);
            const row = /^[ms]\.(\d+)\./.exec(field)?.[1];
            const what = c.kind === 'case_milestones' ? 'Milestone' : 'Stage';
            const text = row !== undefined ? `${what} ${Number(row) + 1}: ${p.message}` : p.message;
            if (!(field in fields)) fields[field] = p.message;
            list.push({ text, href: `#${field.replace(/\./g, '-')}` });
          } else {
            list.push({ text: `${p.where}: ${p.message}`, href: '#definition' });
            fields.definition ??= 'The definition has problems: see the list at the top of the page';
          }
        }
        for (const [k, v] of Object.entries(otherFields)) {
          fields[k] = v;
          list.push({ text: v, href: `#${k}` });
        }
        return showEdit(req, reply, { status: 400, ...kept, json: values.definition ?? '', changeReason, problems: list, fields });
      };

      if (values.action === 'preview') {
        const checked = validateDefinition(c.kind, definition);
        if (!checked.ok) return show(checked.problems, {});
        return showEdit(req, reply, { ...kept, json: values.definition ?? '', changeReason, preview: readable(c.kind, checked.value) });
      }

      try {
        const saved = await saveProtocolVersion(db, req.ctx, slug, geographyCode, { definition, changeReason, libraryVersionId });
        const note = c.kind === 'case_milestones' ? ' Open cases keep the version they use until someone moves them.' : '';
        return reply.redirect(
          `/protocols/${c.slug}/${encodeURIComponent(c.geography.code)}?done=${encodeURIComponent(`Version ${saved.version} saved and now in force.${note}`)}`,
          303,
        );
      } catch (err) {
        if (err instanceof DefinitionError) {
          const { changeReason: reasonError, libraryVersionId: implementsError } = err.fieldErrors;
          return show(err.problems, {
            ...(reasonError ? { changeReason: reasonError } : {}),
            ...(implementsError ? { libraryVersionId: implementsError } : {}),
          });
        }
        if (err instanceof ValidationError) return show([], err.fieldErrors);
        throw err;
      }
    });
  };
