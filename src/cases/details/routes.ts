import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { NotFoundError } from '../../platform/errors';
import type { formErrors } from '../../platform/http/forms';
import { formatDate, formatDateTime } from '../../platform/http/views';
import { handleCaseForm, renderCasePage } from '../http';
import { recordFact, supersedeFact } from '../service';
import { FACT_FIELD_LABELS, FACT_FIELDS, FACT_SOURCE_LABELS, FACT_SOURCES, FACT_SUBJECT_LABELS, type FactField, type FactSource } from '../demographics';
import { type CaseDetails, loadDetails, loadFact } from './service';

/** The inputs each detail has on the form (`<field>.<part>`), as the value the service expects. */
const VALUE_PARTS: Record<FactField, readonly string[]> = {
  name: ['given', 'family'],
  date_of_birth: ['date'],
  address: ['line', 'postcode'],
  nhs_number: ['number'],
  gp_practice: ['practice', 'odsCode'],
  phone: ['number'],
};

const SOURCE_TAGS: Record<FactSource, string> = {
  pds_verified: 'nhsuk-tag--green',
  id_document: 'nhsuk-tag--blue',
  other_agency: 'nhsuk-tag--purple',
  point_of_care: 'nhsuk-tag--yellow',
  self_reported: 'nhsuk-tag--grey',
};

const SOURCE_HINTS: Partial<Record<FactSource, string>> = {
  pds_verified: 'Checked against the national demographic service (PDS, through the Spine)',
  id_document: 'Say which document below, like passport or driving licence',
  other_agency: 'Say which agency below',
};

/** A date from the NHS date input (name.day, name.month, name.year): '' when empty, 'invalid' when not digits. */
function dateFromParts(values: Record<string, string>, name: string): string {
  const d = (values[`${name}.day`] ?? '').trim();
  const m = (values[`${name}.month`] ?? '').trim();
  const y = (values[`${name}.year`] ?? '').trim();
  if (!d && !m && !y) return '';
  if (![d, m, y].every((p) => /^\d+$/.test(p))) return 'invalid';
  return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

const isField = (f: string | undefined): f is FactField => (FACT_FIELDS as readonly string[]).includes(f ?? '');

/** The fact as the service expects it, from the form: only the chosen detail's inputs count. */
function factFromForm(values: Record<string, string>) {
  const field = values.field;
  let value: Record<string, string | undefined> = {};
  if (field === 'date_of_birth') value = { date: dateFromParts(values, 'date_of_birth') || undefined };
  else if (isField(field)) value = Object.fromEntries(VALUE_PARTS[field].map((p) => [p, values[`${field}.${p}`] ?? '']));
  return {
    subject: values.subject || undefined,
    field: field || undefined,
    value,
    source: values.source || undefined,
    sourceDetail: values.sourceDetail ?? '',
    sourceDate: dateFromParts(values, 'sourceDate') || undefined,
  };
}

/** Where the error summary links for each problem the service names. */
function idForFactError(field: string | undefined) {
  return (path: string) => {
    if (path === 'sourceDate') return 'sourceDate-day';
    if (path.startsWith('value.') && isField(field)) return field === 'date_of_birth' ? 'date_of_birth-day' : `${field}-${path.slice(6)}`;
    return path;
  };
}

const factLine = (f: CaseDetails['history'][number]) => ({
  ...f,
  sourceTag: SOURCE_TAGS[f.source] ?? 'nhsuk-tag--grey',
  sourceDateText: formatDate(f.sourceDate),
  recordedAtText: formatDateTime(f.recordedAt),
  supersededAtText: f.supersededAt ? formatDateTime(f.supersededAt) : null,
});

export const detailsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

    async function page(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { status?: number; values?: Record<string, string>; errors?: ReturnType<typeof formErrors>; fieldErrors?: Record<string, string> } = {},
    ) {
      const values = form.values ?? {};
      const fieldErrors = form.fieldErrors ?? {};
      // Problems with the value are shown beside the chosen detail's own inputs.
      const valueErrors = Object.fromEntries(
        Object.entries(fieldErrors)
          .filter(([k]) => k.startsWith('value.'))
          .map(([k, v]) => [`${values.field}.${k.slice(6)}`, { text: v }]),
      );
      return renderCasePage(db, req, reply, {
        caseId: idOf(req),
        section: 'details',
        template: 'cases/details/views/details.njk',
        title: 'Identity details',
        audit: 'case.details.view',
        status: form.status,
        data: async (header) => {
          const d = await loadDetails(db, req.ctx, header.kase);
          const babyAllowed = !!header.kase.bornAt || d.subjects.includes('baby');
          return {
            errors: form.errors,
            inline: Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k, { text: v }])),
            valueErrors,
            values,
            dobParts: { day: values['date_of_birth.day'] ?? '', month: values['date_of_birth.month'] ?? '', year: values['date_of_birth.year'] ?? '' },
            sourceDateParts: { day: values['sourceDate.day'] ?? '', month: values['sourceDate.month'] ?? '', year: values['sourceDate.year'] ?? '' },
            babyAllowed,
            subjectItems: (['mother', 'baby'] as const).map((s) => ({ value: s, text: FACT_SUBJECT_LABELS[s] })),
            fieldLabels: FACT_FIELD_LABELS,
            sourceItems: FACT_SOURCES.map((s) => ({ value: s, text: FACT_SOURCE_LABELS[s], hint: SOURCE_HINTS[s] ? { text: SOURCE_HINTS[s] } : undefined })),
            current: d.current.map((s) => ({ ...s, fields: s.fields.map((f) => ({ ...f, values: f.values.map(factLine) })) })),
            inconsistencies: d.inconsistencies.map((i) => ({ ...i, values: i.values.map((v) => ({ ...v, facts: v.facts.map(factLine) })) })),
            history: d.history.map(factLine),
            variants: d.variants.map((v) => ({ ...v, presentedAtText: formatDateTime(v.presentedAt) })),
          };
        },
      });
    }

    app.get('/cases/:id/details', async (req, reply) => page(req, reply));

    app.post('/cases/:id/details', async (req, reply) => {
      const caseId = idOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      return handleCaseForm(req, reply, {
        act: (values) => recordFact(db, req.ctx, caseId, factFromForm(values)),
        next: (result) => {
          const banner = (result as { inconsistent: boolean }).inconsistent
            ? 'Detail recorded. It does not match what another source gave: both are kept and shown under “Details that do not match” until one is marked as no longer current'
            : 'Detail recorded with its source';
          return `/cases/${caseId}/details?done=${encodeURIComponent(banner)}`;
        },
        idFor: idForFactError(typeof body.field === 'string' ? body.field : undefined),
        rerender: (values, errors, fieldErrors) => page(req, reply, { status: 400, values, errors, fieldErrors }),
      });
    });

    async function supersedePage(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { status?: number; values?: Record<string, string>; errors?: ReturnType<typeof formErrors>; fieldErrors?: Record<string, string> } = {},
    ) {
      const factId = (req.params as { factId: string }).factId;
      return renderCasePage(db, req, reply, {
        caseId: idOf(req),
        section: 'details',
        template: 'cases/details/views/supersede.njk',
        title: 'Mark a detail as no longer current',
        audit: 'case.details.view',
        status: form.status,
        data: async (header) => {
          const fact = await loadFact(db, header.kase, factId);
          if (!fact) throw new NotFoundError('Detail');
          return {
            fact: factLine(fact),
            errors: form.errors,
            inline: Object.fromEntries(Object.entries(form.fieldErrors ?? {}).map(([k, v]) => [k, { text: v }])),
            values: form.values ?? {},
          };
        },
      });
    }

    app.get('/cases/:id/details/facts/:factId/supersede', async (req, reply) => supersedePage(req, reply));

    app.post('/cases/:id/details/facts/:factId/supersede', async (req, reply) => {
      const caseId = idOf(req);
      const factId = (req.params as { factId: string }).factId;
      return handleCaseForm(req, reply, {
        act: (values) => supersedeFact(db, req.ctx, caseId, factId, values.reason ?? ''),
        next: `/cases/${caseId}/details?done=${encodeURIComponent('The detail has been marked as no longer current. It stays in the history with your reason')}`,
        rerender: (values, errors, fieldErrors) => supersedePage(req, reply, { status: 400, values, errors, fieldErrors }),
      });
    });
  };
