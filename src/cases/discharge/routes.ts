import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { ValidationError } from '../../platform/errors';
import { formErrors } from '../../platform/http/forms';
import { type CaseHeader, dateTimeFromParts, formsPage, handleCaseForm, partsAsTyped, partsOfInstant } from '../http';
import { actorName } from '../access';
import {
  COMMON_SUBSTANCES,
  CONSENT_HINTS,
  CONSENT_LABELS,
  CONSENTS,
  DISCHARGE_SUBJECT_LABELS,
  DISCHARGE_SUBJECTS,
  SAMPLE_LABELS,
  SAMPLES,
  SUBJECT_LABELS,
  TOX_RESULT_LABELS,
  TOX_RESULTS,
  TOX_SUBJECTS,
} from './model';
import * as discharge from './service';

const TEMPLATE = 'cases/discharge/views/discharge.njk';
const TITLE = 'Discharge';
/** Attendee rows on the "meeting held" form (blank rows are ignored; the API takes up to 30). */
export const ATTENDEE_ROWS = 6;

/** The forms on the page. Forms about one meeting, test or decision carry its id as the target. */
type FormKey = 'dpm' | 'schedule' | 'held' | 'cancelMeeting' | 'tox' | 'result' | 'told' | 'cancelTest' | 'decision' | 'review';

/** The form that failed: only it shows the values as typed and its errors, and its details are open. */
interface Active {
  form: FormKey;
  target: string | null;
  values: Record<string, string>;
  /** Ticked boxes (substances) as sent. */
  lists: Record<string, string[]>;
  fields: Record<string, { text: string }>;
}

/** Element ids are `<form>[-<target>]-<field>`, so one page can hold many forms with the same field names. */
const prefixOf = (form: FormKey, target: string | null) => (target ? `${form}-${target}` : form);

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);

function radioItems<K extends string>(keys: readonly K[], labels: Record<K, string>, checked: string | undefined, hints: Partial<Record<K, string>> = {}) {
  return keys.map((k) => ({ value: k, text: labels[k], checked: checked === k, ...(hints[k] ? { hint: { text: hints[k] } } : {}) }));
}

async function pageData(db: Db, req: FastifyRequest, header: CaseHeader, active: Active | null) {
  const s = await discharge.dischargeStatusOf(db, req.ctx, header.kase);
  const now = new Date();
  const nowParts = partsOfInstant(now);
  const a = (form: FormKey, target: string | null = null) => (active && active.form === form && active.target === target ? active : null);
  const empty = { values: {} as Record<string, string>, lists: {} as Record<string, string[]>, fields: {} as Record<string, { text: string }> };
  const formOf = (form: FormKey, target: string | null = null) => ({ ...(a(form, target) ?? empty), open: !!a(form, target), prefix: prefixOf(form, target) });
  /** A date-time field's parts: as typed after an error, else the default. */
  const partsOf = (form: FormKey, target: string | null, field: string, fallback: ReturnType<typeof partsOfInstant>) => {
    const f = a(form, target);
    return f ? partsAsTyped(f.values, `${prefixOf(form, target)}-${field}`) : fallback;
  };
  const me = actorName(req.ctx);

  const dpm = formOf('dpm');
  const tox = formOf('tox');
  const decision = formOf('decision');
  const schedule = formOf('schedule');
  return {
    ...s,
    active,
    me,
    dpmForm: {
      ...dpm,
      requiredItems: [
        { value: 'yes', text: 'Yes, a meeting is required', checked: dpm.values.required === 'yes' },
        { value: 'no', text: 'No, a meeting is not required', checked: dpm.values.required === 'no' },
      ],
      decidedByName: dpm.open ? dpm.values.decidedByName : me,
    },
    scheduleForm: { ...schedule, scheduledForParts: partsOf('schedule', null, 'scheduledFor', { day: '', month: '', year: '', time: '' }) },
    meetingForms: Object.fromEntries(
      s.meetings.map((m) => {
        const held = formOf('held', m.id);
        return [
          m.id,
          {
            held: {
              ...held,
              heldAtParts: partsOf('held', m.id, 'heldAt', partsOfInstant(m.scheduledFor.getTime() <= now.getTime() ? m.scheduledFor : null)),
              rows: Array.from({ length: ATTENDEE_ROWS }, (_, i) => ({
                i,
                name: held.values[`attendees.${i}.name`] ?? '',
                role: held.values[`attendees.${i}.role`] ?? '',
                agency: held.values[`attendees.${i}.agency`] ?? '',
                error: held.fields[`attendees.${i}.name`] ?? held.fields[`attendees.${i}.role`] ?? held.fields[`attendees.${i}.agency`] ?? null,
              })),
            },
            cancel: formOf('cancelMeeting', m.id),
          },
        ];
      }),
    ),
    toxForm: {
      ...tox,
      subjectItems: radioItems(TOX_SUBJECTS, SUBJECT_LABELS, tox.values.subject),
      sampleItems: [{ value: '', text: 'Choose the sample' }, ...SAMPLES.map((k) => ({ value: k, text: SAMPLE_LABELS[k], selected: tox.values.sample === k }))],
      consentItems: radioItems(CONSENTS, CONSENT_LABELS, tox.values.consent, CONSENT_HINTS),
      requestedByName: tox.open ? tox.values.requestedByName : me,
      requestedAtParts: partsOf('tox', null, 'requestedAt', nowParts),
    },
    testForms: Object.fromEntries(
      s.tests.map((t) => {
        const result = formOf('result', t.id);
        const ticked = result.lists.substances ?? [];
        return [
          t.id,
          {
            result: {
              ...result,
              resultItems: radioItems(TOX_RESULTS, TOX_RESULT_LABELS, result.values.result),
              substanceItems: COMMON_SUBSTANCES.map((x) => ({ value: x, text: x, checked: ticked.includes(x) })),
              resultedAtParts: partsOf('result', t.id, 'resultedAt', nowParts),
            },
            told: { ...formOf('told', t.id), atParts: partsOf('told', t.id, 'at', nowParts) },
            cancel: formOf('cancelTest', t.id),
          },
        ];
      }),
    ),
    decisionForm: {
      ...decision,
      subjectItems: radioItems(DISCHARGE_SUBJECTS, DISCHARGE_SUBJECT_LABELS, decision.values.subject),
      decidedAtParts: partsOf('decision', null, 'decidedAt', nowParts),
      socialWorkerInformedName: decision.open ? decision.values.socialWorkerInformedName : (s.socialWorker?.name ?? ''),
      socialWorkerInformedAtParts: partsOf('decision', null, 'socialWorkerInformedAt', { day: '', month: '', year: '', time: '' }),
    },
    reviewForms: Object.fromEntries(s.decisions.map((d) => [d.id, formOf('review', d.id)])),
    myUserId: req.ctx.actor?.userId ?? null,
  };
}

/** Attendee rows from the form, blanks dropped; `rowOf[i]` is the form row of the i-th attendee kept. */
function attendeesFrom(values: Record<string, string>) {
  const attendees: { name: string; role: string; agency: string }[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i < ATTENDEE_ROWS; i++) {
    const row = { name: values[`attendees.${i}.name`] ?? '', role: values[`attendees.${i}.role`] ?? '', agency: values[`attendees.${i}.agency`] ?? '' };
    if (!row.name.trim() && !row.role.trim() && !row.agency.trim()) continue;
    attendees.push(row);
    rowOf.push(i);
  }
  return { attendees, rowOf };
}

/** The discharge page: gate status, the meeting, toxicology, the decision and its override, reviews. */
export const dischargeRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    const render = formsPage<Active>(db, {
      section: 'discharge',
      template: TEMPLATE,
      title: TITLE,
      audit: 'case.discharge.view',
      data: (req, header, active) => pageData(db, req, header, active),
    });

    app.get('/cases/:id/discharge', async (req, reply) => render(req, reply, (req.params as { id: string }).id));

    /**
     * One POST route per form: run the service; on success back to the page (at the form's section) with
     * a banner; on bad input the whole page again, 400, with this form's errors and values.
     */
    const post = (
      url: string,
      form: FormKey,
      targetParam: string | null,
      act: (p: {
        ctx: RequestContext;
        id: string;
        target: string;
        prefix: string;
        values: Record<string, string>;
        body: Record<string, unknown>;
      }) => Promise<unknown>,
      done: string | ((result: unknown, values: Record<string, string>) => string),
      anchor: string,
    ) =>
      app.post(url, async (req, reply) => {
        const params = req.params as Record<string, string>;
        const id = params.id!;
        const target = targetParam ? params[targetParam]! : null;
        const prefix = prefixOf(form, target);
        const idFor = (f: string) => (f === 'form' ? `${prefix}-form` : `${prefix}-${f.replace(/\./g, '-')}`);
        let sent: Record<string, string> = {};
        return handleCaseForm(req, reply, {
          act: (values, body) => {
            sent = values;
            return act({ ctx: req.ctx, id, target: target ?? '', prefix, values, body });
          },
          next: (result) => `/cases/${id}/discharge?done=${encodeURIComponent(typeof done === 'string' ? done : done(result, sent))}#${anchor}`,
          rerender: async (values, _errors, fieldErrors) => {
            const body = (req.body ?? {}) as Record<string, unknown>;
            const errors = formErrors(fieldErrors, idFor);
            return render(req, reply, id, { form, target, values, lists: { substances: list(body.substances) }, fields: errors.fields }, errors);
          },
        });
      });

    post(
      '/cases/:id/discharge/planning',
      'dpm',
      null,
      ({ ctx, id, values }) => discharge.decideDpmRequired(db, ctx, id, values),
      'Decision on the discharge planning meeting recorded',
      'planning',
    );

    post(
      '/cases/:id/discharge/meetings',
      'schedule',
      null,
      ({ ctx, id, prefix, values }) =>
        discharge.scheduleDpm(db, ctx, id, { scheduledFor: dateTimeFromParts(values, `${prefix}-scheduledFor`), location: values.location }),
      'Discharge planning meeting arranged',
      'meetings',
    );

    post(
      '/cases/:id/discharge/meetings/:meetingId/held',
      'held',
      'meetingId',
      async ({ ctx, id, target, prefix, values }) => {
        const { attendees, rowOf } = attendeesFrom(values);
        try {
          return await discharge.recordDpmHeld(db, ctx, id, target, {
            heldAt: dateTimeFromParts(values, `${prefix}-heldAt`),
            attendees,
            decisions: values.decisions,
          });
        } catch (err) {
          // The service numbers the attendees it was given; the form numbers its rows, blanks included.
          if (!(err instanceof ValidationError)) throw err;
          const fields = Object.fromEntries(
            Object.entries(err.fieldErrors).map(([k, v]) => [k.replace(/^attendees\.(\d+)\./, (_m, n: string) => `attendees.${rowOf[Number(n)] ?? n}.`), v]),
          );
          throw new ValidationError(fields);
        }
      },
      'Discharge planning meeting recorded as held',
      'meetings',
    );

    post(
      '/cases/:id/discharge/meetings/:meetingId/cancel',
      'cancelMeeting',
      'meetingId',
      ({ ctx, id, target, values }) => discharge.cancelDpm(db, ctx, id, target, { reason: values.reason }),
      'Discharge planning meeting cancelled',
      'meetings',
    );

    post(
      '/cases/:id/discharge/toxicology',
      'tox',
      null,
      ({ ctx, id, prefix, values }) => {
        const input = {
          subject: values.subject,
          sample: values.sample,
          sampleOther: values.sampleOther,
          requestedAt: dateTimeFromParts(values, `${prefix}-requestedAt`),
          requestedByName: values.requestedByName,
        };
        return values.action === 'declined'
          ? discharge.recordToxicologyDeclined(db, ctx, id, { ...input, note: values.note })
          : discharge.requestToxicology(db, ctx, id, { ...input, consent: values.consent });
      },
      (_r, values) => (values.action === 'declined' ? 'Toxicology recorded as offered and declined' : 'Toxicology test recorded as pending'),
      'toxicology',
    );

    post(
      '/cases/:id/discharge/toxicology/:testId/result',
      'result',
      'testId',
      ({ ctx, id, target, prefix, values, body }) =>
        discharge.recordToxicologyResult(db, ctx, id, target, {
          result: values.result,
          substances: [...list(body.substances), values.substancesOther ?? ''],
          resultedAt: dateTimeFromParts(values, `${prefix}-resultedAt`),
          resultNote: values.resultNote,
        }),
      'Toxicology result recorded',
      'toxicology',
    );

    post(
      '/cases/:id/discharge/toxicology/:testId/told',
      'told',
      'testId',
      ({ ctx, id, target, prefix, values }) =>
        discharge.recordToxicologyTold(db, ctx, id, target, { name: values.name, role: values.role, at: dateTimeFromParts(values, `${prefix}-at`) }),
      'Recorded who was told the result',
      'toxicology',
    );

    post(
      '/cases/:id/discharge/toxicology/:testId/cancel',
      'cancelTest',
      'testId',
      ({ ctx, id, target, values }) => discharge.cancelToxicology(db, ctx, id, target, { reason: values.reason }),
      'Toxicology test cancelled',
      'toxicology',
    );

    post(
      '/cases/:id/discharge/decisions',
      'decision',
      null,
      ({ ctx, id, prefix, values }) =>
        discharge.recordDischargeDecision(db, ctx, id, {
          subject: values.subject,
          destination: values.destination,
          decidedAt: dateTimeFromParts(values, `${prefix}-decidedAt`),
          overrideReason: values.overrideReason,
          seniorClinicianName: values.seniorClinicianName,
          seniorClinicianRole: values.seniorClinicianRole,
          socialWorkerInformedName: values.socialWorkerInformedName,
          socialWorkerInformedAt: dateTimeFromParts(values, `${prefix}-socialWorkerInformedAt`),
        }),
      (r) =>
        (r as { gateOutcome: string }).gateOutcome === 'overridden'
          ? 'Discharge decision recorded by override. It has been flagged to the safeguarding lead for review'
          : 'Discharge decision recorded',
      'decisions',
    );

    post(
      '/cases/:id/discharge/decisions/:decisionId/review',
      'review',
      'decisionId',
      ({ ctx, id, target, values }) => discharge.reviewOverride(db, ctx, id, target, values.note),
      'Review of the override recorded',
      'decisions',
    );
  };
