import { compareForClinician } from './explain';
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { api } from '../../platform/http/api';
import type { Db } from '../../platform/db/engine';
import type { RegisterIndex } from '../register-index';
import { checkForAlert, getReveal, getSearch, REVEAL_REASONS, reveal, type StoredCandidate } from './service';
import { getPresentation, listPresentations, markPresentationSeen } from './presentations';
import { OUTCOMES, recordOutcome } from './outcome';
import { CHECK_FIELDS, describeDetails } from './details';
import type { PointOfCareSettings } from './settings';

export interface PointOfCareApiDeps {
  db: Db;
  key: Buffer;
  index: RegisterIndex;
  settings: PointOfCareSettings;
  /** The per-person search limit, shared with the page. */
  searchLimit: preHandlerAsyncHookHandler;
}

// ── Schemas (in the one OpenAPI document Beacon serves, /api/openapi.json) ─────────────────────────────

const Uuid = z.uuid();
const DateTime = z.iso.datetime();
const text = z.string().nullish();

export const CheckRequest = api.schema(
  'CheckRequest',
  z.object({
    givenName: text,
    familyName: text,
    otherNames: z
      .union([z.string(), z.array(z.string())])
      .nullish()
      .meta({ description: 'Other names she uses or has used: a list, or one string separated by commas or semicolons' }),
    dateOfBirth: text.meta({ description: 'YYYY-MM-DD' }),
    nhsNumber: text.meta({ description: '10 digits; a wrong check digit is searched for near misses' }),
    postcode: text.meta({ description: 'Full postcode, or its outward part (SO16)' }),
    edd: text.meta({ description: 'Due date, YYYY-MM-DD' }),
  }),
  'Whatever she gives. At least: a last name with a date of birth or a full postcode; a first name with a date of birth; or an NHS number. Too little is refused (400, field `details`).',
);

const Searched = z.array(z.object({ field: z.enum(CHECK_FIELDS), label: z.string(), value: z.string() }));
export const CheckCandidate = api.schema(
  'CheckCandidate',
  z.object({
    alertId: Uuid,
    reference: z.string(),
    band: z.enum(['strong', 'possible']),
    probability: z.number(),
    matchedThrough: z.string().meta({ description: 'Which of the alert identities matched, e.g. "an alias on the alert"' }),
    explanation: z.array(z.object({ field: z.string(), level: z.string(), weight: z.number(), text: z.string() })).meta({
      description: 'The matcher’s own account of each detail (log2 weights), for those who review matching',
    }),
    comparison: z
      .array(
        z.object({
          field: z.string(),
          label: z.string().meta({ description: 'The check form’s name for the detail, e.g. "Last name"' }),
          says: z.string().meta({ description: 'How it compares, e.g. "sounds the same, spelt differently"' }),
          strength: z.enum(['Agrees strongly', 'Agrees', 'Makes little difference', 'Disagrees', 'Disagrees strongly']),
        }),
      )
      .meta({ description: 'The details given, compared in plain words, in the form’s order: what a clinician should be shown' }),
    revealId: Uuid.nullable().optional().meta({ description: 'Your reveal of this candidate, if any' }),
  }),
  'A possible match, before it is revealed: strength, why, and the alert reference; no personal data.',
);
export const CheckResult = api.schema(
  'CheckResult',
  z.object({
    searchId: Uuid,
    searchedAt: DateTime,
    registerSize: z.int().meta({ description: 'Active alerts searched' }),
    stale: z.boolean().optional().meta({ description: 'Beacon could not confirm lately that it has every change to the register' }),
    revealable: z.boolean().optional(),
    searched: Searched.nullable().meta({ description: 'What was searched (null once purged, after a day)' }),
    result: z.enum(['candidates', 'no_alert_found']),
    candidates: z.array(CheckCandidate),
  }),
);
export const RevealRequest = api.schema(
  'RevealRequest',
  z.object({ alertId: Uuid, reason: z.enum(REVEAL_REASONS), reasonOther: text.meta({ description: 'Required when reason is `other`' }) }),
  'Reveal one candidate of your own search. Audited as alert.reveal with the reason.',
);
const Contact = z.object({ name: z.string(), phone: z.string() }).nullable();
export const RevealedAlert = api.schema(
  'RevealedAlert',
  z.object({
    revealId: Uuid,
    expiresAt: DateTime.meta({ description: 'You can read the alert through this reveal until then' }),
    outcome: z.enum(OUTCOMES).nullable(),
    presentationId: Uuid.nullable(),
    alert: z.object({
      id: Uuid,
      reference: z.string(),
      status: z.string(),
      version: z.int(),
      organisation: z.string(),
      actionOnPresentation: z.string().nullable(),
      riskToStaff: z.string().nullable(),
      inHoursContact: Contact,
      outOfHoursContact: Contact,
      subject: z.record(z.string(), z.unknown()).nullable().meta({ description: 'As AlertContent.subject' }),
      associatedPeople: z.array(z.record(z.string(), z.unknown())),
      pregnancy: z.record(z.string(), z.unknown()).nullable(),
      photos: z.array(z.object({ id: Uuid, caption: z.string().nullable(), url: z.string() })),
    }),
  }),
  'A revealed alert, for the clinician who revealed it: the action on presentation first.',
);
export const OutcomeRequest = api.schema(
  'OutcomeRequest',
  z.object({ outcome: z.enum(OUTCOMES), location: text.meta({ description: 'Ward, bay or department' }), note: text }),
  '`same_person` records a presentation and tells the alert team at once.',
);
export const OutcomeResult = api.schema('OutcomeResult', z.object({ outcome: z.enum(OUTCOMES), presentationId: Uuid.nullable(), alertId: Uuid }));
const PresentationSummary = z.object({
  id: Uuid,
  alertId: Uuid,
  reference: z.string(),
  alertStatus: z.string(),
  presentedAt: DateTime,
  placeName: z.string(),
  organisationName: z.string(),
  userName: z.string(),
  inconsistent: z.boolean(),
  seenAt: DateTime.nullable(),
});
export const PresentationList = api.schema('PresentationList', z.object({ presentations: z.array(PresentationSummary) }));
export const PresentationDetail = api.schema(
  'PresentationDetail',
  z.object({
    presentation: z.record(z.string(), z.unknown()).meta({ description: 'Where, when, who, what she gave, how it differs from the alert (inconsistencies)' }),
    unit: z
      .object({ name: z.string(), inHoursPhone: z.string().nullable(), outOfHoursPhone: z.string().nullable(), sharedMailbox: z.string().nullable() })
      .nullable(),
    recordedBy: z.object({ name: z.string(), email: z.string().nullable() }),
    details: Searched,
  }),
);

/** What a candidate shows before it is revealed: strength, why, and the alert reference. No personal data. */
const candidateJson = (c: StoredCandidate, revealId?: string | null) => ({
  alertId: c.alertId,
  reference: c.reference,
  band: c.band,
  probability: c.probability,
  matchedThrough: c.matchedThrough,
  explanation: c.explanation.map((e) => ({ field: e.field, level: e.level, weight: Math.round(e.weight * 10) / 10, text: e.text })),
  comparison: compareForClinician(c.explanation).map(({ field, label, says, strength }) => ({ field, label, says, strength })),
  ...(revealId !== undefined ? { revealId } : {}),
});

const TAGS = ['Point-of-care check'];

/**
 * The point-of-care check as JSON, for ward systems and scripts: the same services, rules and audit as
 * the pages. POSTs need X-CSRF-Token (GET /api/session). Searches share the page's per-person limit.
 */
export const pointOfCareApi =
  ({ db, key, index, settings, searchLimit }: PointOfCareApiDeps): FastifyPluginAsync =>
  async (app) => {
    // The shared route helper takes no per-route hooks: the search limit is applied here, to searches only.
    app.addHook('preHandler', async function (req, reply) {
      if (req.method === 'POST' && req.routeOptions.url === '/api/check') await searchLimit.call(this, req, reply);
    });

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/check',
        operationId: 'checkForAlert',
        summary: 'Check for an alert with whatever she gives',
        description: `Every search is audited (the fields given and a keyed hash, not the values). At most ${settings.searchLimit} searches per person in ${settings.searchWindowMinutes} minutes (429 \`rate_limited\`). 503 \`unavailable\` while the register is loading.`,
        tags: TAGS,
        body: { schema: CheckRequest },
        responses: { 200: { description: 'Candidates by strength, or no_alert_found', schema: CheckResult } },
      },
      async (req, reply) => {
        const r = await checkForAlert(db, req.ctx, index, key, req.body ?? {});
        return reply.code(200).send({
          searchId: r.searchId,
          searchedAt: r.searchedAt.toISOString(),
          registerSize: r.registerSize,
          stale: r.stale,
          searched: describeDetails(r.details),
          result: r.candidates.length ? 'candidates' : 'no_alert_found',
          candidates: r.candidates.map((c) => candidateJson(c)),
        });
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/check/searches/:id',
        operationId: 'getCheck',
        summary: 'One of your own searches and its candidates',
        tags: TAGS,
        params: { id: 'The search' },
        responses: { 200: { description: 'The search', schema: CheckResult } },
      },
      async (req) => {
        const s = await getSearch(db, req.ctx, key, (req.params as { id: string }).id, settings);
        return {
          searchId: s.search.id,
          searchedAt: s.search.createdAt.toISOString(),
          registerSize: s.search.registerSize,
          revealable: s.revealable,
          searched: s.details ? describeDetails(s.details) : null,
          result: s.candidates.length ? 'candidates' : 'no_alert_found',
          candidates: s.candidates.map((c) => candidateJson(c, s.reveals.find((r) => r.alertId === c.alertId)?.id ?? null)),
        };
      },
    );

    const revealJson = async (revealId: string, ctx: Parameters<typeof getReveal>[1]) => {
      const r = await getReveal(db, ctx, revealId, settings);
      const c = r.content;
      return {
        revealId: r.reveal.id,
        expiresAt: r.expiresAt.toISOString(),
        outcome: r.reveal.outcome,
        presentationId: r.presentation?.id ?? null,
        alert: {
          id: r.alert.id,
          reference: r.alert.reference,
          status: r.alert.status,
          version: r.alert.version,
          organisation: r.alert.organisationName,
          actionOnPresentation: c.risk?.actionOnPresentation ?? null,
          riskToStaff: c.risk?.riskToStaff ?? null,
          inHoursContact: c.risk?.inHoursContact ?? null,
          outOfHoursContact: c.risk?.outOfHoursContact ?? null,
          subject: c.subject ?? null,
          associatedPeople: c.associatedPeople ?? [],
          pregnancy: c.pregnancy
            ? {
                edd: c.pregnancy.edd,
                gestation: r.gestation?.text ?? null,
                bookingStatus: c.pregnancy.bookingStatus,
                bookingUnit: c.pregnancy.bookingUnit,
                concealment: c.pregnancy.concealment,
              }
            : null,
          photos: r.photos.map((p) => ({ id: p.id, caption: p.caption, url: `/check/reveals/${r.reveal.id}/photos/${p.id}` })),
        },
      };
    };

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/check/searches/:id/reveal',
        operationId: 'revealCandidate',
        summary: 'Reveal one candidate of your search, with a reason',
        tags: TAGS,
        params: { id: 'The search' },
        body: { schema: RevealRequest },
        responses: { 201: { description: 'The revealed alert', schema: RevealedAlert } },
      },
      async (req, reply) => {
        const { revealId } = await reveal(db, req.ctx, (req.params as { id: string }).id, req.body ?? {}, settings);
        return reply.code(201).send(await revealJson(revealId, req.ctx));
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/check/reveals/:id',
        operationId: 'getReveal',
        summary: 'An alert you revealed (audited as a view)',
        tags: TAGS,
        params: { id: 'The reveal' },
        responses: { 200: { description: 'The revealed alert', schema: RevealedAlert } },
      },
      async (req) => revealJson((req.params as { id: string }).id, req.ctx),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/check/reveals/:id/outcome',
        operationId: 'recordOutcome',
        summary: 'Same person / not the same person / not sure',
        tags: TAGS,
        params: { id: 'The reveal' },
        body: { schema: OutcomeRequest },
        responses: {
          200: { description: 'Recorded (no presentation)', schema: OutcomeResult },
          201: { description: 'Presentation recorded; the alert team is told', schema: OutcomeResult },
        },
      },
      async (req, reply) => {
        const r = await recordOutcome(db, req.ctx, index, key, (req.params as { id: string }).id, req.body ?? {}, settings);
        return reply.code(r.outcome === 'same_person' ? 201 : 200).send(r);
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/presentations',
        operationId: 'listPresentations',
        summary: "Presentations of your organisation's alerts (and alerts you approved)",
        tags: ['Presentations'],
        responses: { 200: { description: 'Newest and unseen first', schema: PresentationList } },
      },
      async (req) => ({ presentations: await listPresentations(db, req.ctx) }),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/presentations/:id',
        operationId: 'getPresentation',
        summary: 'One presentation (audited)',
        tags: ['Presentations'],
        params: { id: 'The presentation' },
        responses: { 200: { description: 'The presentation', schema: PresentationDetail } },
      },
      async (req) => {
        const p = await getPresentation(db, req.ctx, (req.params as { id: string }).id);
        return {
          presentation: { ...p.presentation, reference: p.reference, alertStatus: p.alertStatus },
          unit: p.unit,
          recordedBy: { name: p.presentation.userName, email: p.recorderEmail },
          details: p.details,
        };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/presentations/:id/seen',
        operationId: 'markPresentationSeen',
        summary: 'Mark a presentation as seen',
        tags: ['Presentations'],
        params: { id: 'The presentation' },
        responses: { 204: { description: 'Marked' } },
      },
      async (req, reply) => {
        await markPresentationSeen(db, req.ctx, (req.params as { id: string }).id);
        return reply.code(204).send();
      },
    );
  };
