import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../../platform/http/api-helpers';
import { CONSENTS, DISCHARGE_SUBJECTS, SAMPLES, TOX_RESULTS, TOX_STATUSES, TOX_SUBJECTS } from './model';
import * as discharge from './service';

const TAGS = ['Cases: discharge'];
const BLOCKER_CODES = ['dpm_not_decided', 'dpm_not_held', 'toxicology_pending'] as const;

const Blocker = z.object({ code: z.enum(BLOCKER_CODES), message: z.string().meta({ description: 'In plain English' }), testIds: z.array(Uuid).optional() });

export const DischargeStatus = api.schema(
  'DischargeStatus',
  z.object({
    caseId: Uuid,
    reference: z.string(),
    gate: z.object({
      outcome: z.enum(['clear', 'blocked']),
      blocked: z.boolean(),
      blockers: z.array(Blocker),
    }),
    planning: z
      .object({ required: z.boolean(), decidedByName: z.string(), decidedByRole: z.string(), reason: z.string(), decidedAt: DateTime })
      .nullable()
      .meta({ description: 'Whether a discharge planning meeting is required; null when nobody has decided (which blocks discharge)' }),
    meetings: z.array(
      z.object({
        id: Uuid,
        state: z.enum(['scheduled', 'held', 'cancelled']),
        scheduledFor: DateTime,
        location: z.string().nullable(),
        heldAt: DateTime.nullable(),
        attendees: z.array(z.object({ name: z.string(), role: z.string(), agency: z.string() })),
        decisions: z.string().nullable(),
        cancelledAt: DateTime.nullable(),
        cancelledReason: z.string().nullable(),
      }),
    ),
    tests: z.array(
      z.object({
        id: Uuid,
        subject: z.enum(TOX_SUBJECTS),
        sample: z.string().meta({ description: `One of ${SAMPLES.filter((s) => s !== 'other').join(', ')}, or the sample as typed` }),
        requestedAt: DateTime,
        requestedByName: z.string(),
        consent: z.enum(CONSENTS),
        status: z.enum(TOX_STATUSES),
        result: z.enum(TOX_RESULTS).nullable(),
        substances: z.array(z.string()).nullable(),
        resultedAt: DateTime.nullable(),
        resultNote: z.string().nullable(),
        told: z.array(z.object({ name: z.string(), role: z.string(), at: DateTime })),
        cancelledReason: z.string().nullable(),
      }),
    ),
    decisions: z.array(
      z.object({
        id: Uuid,
        subject: z.enum(DISCHARGE_SUBJECTS),
        destination: z.string(),
        decidedAt: DateTime,
        recordedByName: z.string(),
        gateOutcome: z.enum(['clear', 'overridden']),
        blockers: z.array(Blocker),
        overrideReason: z.string().nullable(),
        seniorClinicianName: z.string().nullable(),
        seniorClinicianRole: z.string().nullable(),
        socialWorkerInformedName: z.string().nullable(),
        socialWorkerInformedAt: DateTime.nullable(),
        flaggedAt: DateTime.nullable(),
        reviewedAt: DateTime.nullable(),
        reviewNote: z.string().nullable(),
      }),
    ),
    socialWorker: z.object({ name: z.string() }).nullable().meta({ description: 'The case’s current named social worker, to tell before an override' }),
  }),
  'Discharge on a case: what the gate says now (without an override), the meeting decision, meetings, toxicology and the decisions made.',
);

export const DpmDecisionRequest = api.schema(
  'DpmDecisionRequest',
  z.object({ required: z.boolean(), decidedByName: z.string(), decidedByRole: z.string(), reason: z.string() }),
  'Whether a discharge planning meeting is required, who decided and why. Replaces any earlier decision (kept in the chronology).',
);
export const DpmScheduleRequest = api.schema('DpmScheduleRequest', z.object({ scheduledFor: DateTime, location: z.string().nullish() }));
export const DpmHeldRequest = api.schema(
  'DpmHeldRequest',
  z.object({
    heldAt: DateTime.meta({ description: 'Not in the future' }),
    attendees: z
      .array(z.object({ name: z.string(), role: z.string(), agency: z.string() }))
      .meta({ description: 'At least one; errors name `attendees.<n>.<field>`' }),
    decisions: z.string(),
  }),
  'Completes the protocol milestone for a held discharge planning meeting, if the case’s protocol has one.',
);
export const DischargeReasonRequest = api.schema('DischargeReasonRequest', z.object({ reason: z.string() }));
export const ToxicologyRequest = api.schema(
  'ToxicologyRequest',
  z.object({
    subject: z.enum(TOX_SUBJECTS),
    sample: z.enum(SAMPLES),
    sampleOther: z.string().nullish().meta({ description: 'Required when sample is `other`' }),
    requestedAt: DateTime,
    requestedByName: z.string(),
    consent: z.enum(CONSENTS).meta({
      description: '`declined` is refused: record it with POST …/toxicology/declined. `not_needed` only for a baby’s sample taken under the baby’s care',
    }),
  }),
  'A test requested: pending (and holding the discharge gate) until resulted or cancelled.',
);
export const ToxicologyDeclinedRequest = api.schema(
  'ToxicologyDeclinedRequest',
  z.object({
    subject: z.enum(TOX_SUBJECTS),
    sample: z.enum(SAMPLES),
    sampleOther: z.string().nullish(),
    requestedAt: DateTime.meta({ description: 'When it was offered' }),
    requestedByName: z.string(),
    note: z.string().nullish(),
  }),
  'A test offered and declined: stored with consent `declined`, status `cancelled`, reason "Consent declined". It does not hold the gate.',
);
export const ToxicologyResultRequest = api.schema(
  'ToxicologyResultRequest',
  z.object({
    result: z.enum(TOX_RESULTS),
    substances: z
      .union([z.array(z.string()), z.string()])
      .nullish()
      .meta({ description: 'Required for a positive result, none for a negative one' }),
    resultedAt: DateTime.meta({ description: 'Not before the request, not in the future' }),
    resultNote: z.string().nullish(),
  }),
  'The result of a pending test on this case. A test on another case is not found (404); a test that is not pending is refused (400).',
);
export const ToxicologyToldRequest = api.schema('ToxicologyToldRequest', z.object({ name: z.string(), role: z.string(), at: DateTime }));
export const DischargeDecisionRequest = api.schema(
  'DischargeDecisionRequest',
  z.object({
    subject: z.enum(DISCHARGE_SUBJECTS),
    destination: z.string(),
    decidedAt: DateTime,
    overrideReason: z.string().nullish(),
    seniorClinicianName: z.string().nullish(),
    seniorClinicianRole: z.string().nullish(),
    socialWorkerInformedName: z.string().nullish(),
    socialWorkerInformedAt: DateTime.nullish(),
  }),
  'A discharge decision. While the gate blocks, it is refused (400, field `form` listing what blocks) unless an override is given: every override field, by someone allowed to override (403 otherwise, e.g. social workers). An override is flagged to the safeguarding lead.',
);
export const DischargeDecisionResult = api.schema(
  'DischargeDecisionResult',
  z.object({
    id: Uuid,
    gateOutcome: z.enum(['clear', 'overridden']),
    flaggedTo: z.array(z.string()).meta({ description: 'Addresses the override is emailed to (a link and the case reference only)' }),
  }),
);
export const OverrideReviewRequest = api.schema(
  'OverrideReviewRequest',
  z.object({ note: z.string() }),
  'The safeguarding lead’s review of an override (not by whoever recorded it).',
);
export const DischargeCreated = api.schema('DischargeCreated', z.object({ id: Uuid }));

/** Discharge as JSON: the same services, rules and audit as the page. */
export const dischargeApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/cases/:id/discharge',
        operationId: 'getDischargeStatus',
        summary: 'Discharge on a case, and what the gate says now (audited as a view)',
        tags: TAGS,
        params: { id: 'The case' },
        responses: { 200: { description: 'Discharge status', schema: DischargeStatus } },
      },
      async (req) => {
        const s = await discharge.dischargeStatus(db, req.ctx, pathParam(req));
        return {
          caseId: s.caseId,
          reference: s.reference,
          gate: { outcome: s.gate.outcome, blocked: s.gate.blocked, blockers: s.gate.blockers },
          planning: s.planning
            ? {
                required: s.planning.required,
                decidedByName: s.planning.decidedByName,
                decidedByRole: s.planning.decidedByRole,
                reason: s.planning.reason,
                decidedAt: isoOrNull(s.planning.decidedAt),
              }
            : null,
          meetings: s.meetings.map((m) => ({
            id: m.id,
            state: m.state,
            scheduledFor: isoOrNull(m.scheduledFor),
            location: m.location,
            heldAt: isoOrNull(m.heldAt),
            attendees: m.attendees,
            decisions: m.decisions,
            cancelledAt: isoOrNull(m.cancelledAt),
            cancelledReason: m.cancelledReason,
          })),
          tests: s.tests.map((t) => ({
            id: t.id,
            subject: t.subject,
            sample: t.sample,
            requestedAt: isoOrNull(t.requestedAt),
            requestedByName: t.requestedByName,
            consent: t.consent,
            status: t.status,
            result: t.result,
            substances: t.substances,
            resultedAt: isoOrNull(t.resultedAt),
            resultNote: t.resultNote,
            told: t.toldPeople,
            cancelledReason: t.cancelledReason,
          })),
          decisions: s.decisions.map((d) => ({
            id: d.id,
            subject: d.subject,
            destination: d.destination,
            decidedAt: isoOrNull(d.decidedAt),
            recordedByName: d.recordedByName,
            gateOutcome: d.gateOutcome,
            blockers: d.blockers,
            overrideReason: d.overrideReason,
            seniorClinicianName: d.seniorClinicianName,
            seniorClinicianRole: d.seniorClinicianRole,
            socialWorkerInformedName: d.socialWorkerInformedName,
            socialWorkerInformedAt: isoOrNull(d.socialWorkerInformedAt),
            flaggedAt: isoOrNull(d.flaggedAt),
            reviewedAt: isoOrNull(d.reviewedAt),
            reviewNote: d.reviewNote,
          })),
          socialWorker: s.socialWorker ? { name: s.socialWorker.name } : null,
        };
      },
    );

    api.route(
      app,
      {
        method: 'PUT',
        url: '/api/cases/:id/discharge-planning',
        operationId: 'decideDischargePlanningMeeting',
        summary: 'Record whether a discharge planning meeting is required',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: DpmDecisionRequest },
        responses: { 204: { description: 'Recorded' } },
      },
      noContent((req) => discharge.decideDpmRequired(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/discharge-planning/meetings',
        operationId: 'scheduleDischargePlanningMeeting',
        summary: 'Arrange a discharge planning meeting',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: DpmScheduleRequest },
        responses: { 201: { description: 'Arranged', schema: DischargeCreated } },
      },
      created((req) => discharge.scheduleDpm(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    // Actions on one meeting or one test, answered 204: the service checks that it is on this case.
    const actionsOn = (
      path: string,
      param: 'meetingId' | 'testId',
      paramText: string,
      actions: { action: string; operationId: string; summary: string; schema: z.ZodType; done: string; run: typeof discharge.cancelDpm }[],
    ) => {
      for (const a of actions) {
        api.route(
          app,
          {
            method: 'POST',
            url: `${path}/:${param}/${a.action}`,
            operationId: a.operationId,
            summary: a.summary,
            tags: TAGS,
            params: { id: 'The case', [param]: paramText },
            body: { schema: a.schema },
            responses: { 204: { description: a.done } },
          },
          noContent((req) => a.run(db, req.ctx, pathParam(req), pathParam(req, param), jsonBody(req))),
        );
      }
    };

    actionsOn('/api/cases/:id/discharge-planning/meetings', 'meetingId', 'The meeting', [
      {
        action: 'held',
        operationId: 'recordDischargePlanningMeetingHeld',
        summary: 'Record that a meeting was held: attendees by agency, decisions',
        schema: DpmHeldRequest,
        done: 'Recorded',
        run: discharge.recordDpmHeld,
      },
      {
        action: 'cancel',
        operationId: 'cancelDischargePlanningMeeting',
        summary: 'Cancel a meeting that has not been held',
        schema: DischargeReasonRequest,
        done: 'Cancelled',
        run: discharge.cancelDpm,
      },
    ]);

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/toxicology',
        operationId: 'requestToxicology',
        summary: 'Record a toxicology test requested (pending)',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: ToxicologyRequest },
        responses: { 201: { description: 'Recorded', schema: DischargeCreated } },
      },
      created((req) => discharge.requestToxicology(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/toxicology/declined',
        operationId: 'recordToxicologyDeclined',
        summary: 'Record a toxicology test offered and declined',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: ToxicologyDeclinedRequest },
        responses: { 201: { description: 'Recorded', schema: DischargeCreated } },
      },
      created((req) => discharge.recordToxicologyDeclined(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    actionsOn('/api/cases/:id/toxicology', 'testId', 'The test', [
      {
        action: 'result',
        operationId: 'recordToxicologyResult',
        summary: 'Record the result of a pending test',
        schema: ToxicologyResultRequest,
        done: 'Recorded',
        run: discharge.recordToxicologyResult,
      },
      {
        action: 'told',
        operationId: 'recordToxicologyTold',
        summary: 'Record who was told a result, and when',
        schema: ToxicologyToldRequest,
        done: 'Recorded',
        run: discharge.recordToxicologyTold,
      },
      {
        action: 'cancel',
        operationId: 'cancelToxicology',
        summary: 'Cancel a pending test, with the reason',
        schema: DischargeReasonRequest,
        done: 'Cancelled',
        run: discharge.cancelToxicology,
      },
    ]);

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/discharge-decisions',
        operationId: 'recordDischargeDecision',
        summary: 'Record a discharge decision (through the gate, or by override)',
        tags: TAGS,
        params: { id: 'The case' },
        body: { schema: DischargeDecisionRequest },
        responses: { 201: { description: 'Recorded; an override is flagged to the safeguarding lead', schema: DischargeDecisionResult } },
      },
      created((req) => discharge.recordDischargeDecision(db, req.ctx, pathParam(req), jsonBody(req))),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/cases/:id/discharge-decisions/:decisionId/review',
        operationId: 'reviewDischargeOverride',
        summary: 'Record the safeguarding lead’s review of an override',
        tags: TAGS,
        params: { id: 'The case', decisionId: 'The decision' },
        body: { schema: OverrideReviewRequest },
        responses: { 204: { description: 'Recorded' } },
      },
      noContent((req) => discharge.reviewOverride(db, req.ctx, pathParam(req), pathParam(req, 'decisionId'), jsonBody(req).note)),
    );
  };
