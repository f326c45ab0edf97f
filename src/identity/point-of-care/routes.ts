import { notifySecurity } from '../../platform/notify/security';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { dateMessage } from '../../platform/dates';
import { CONCEALMENT_LABELS, NAME_KIND_LABELS, NHS_NUMBER_VERIFICATION_LABELS, RISK_CRITERION_LABELS, ADDRESS_KIND_LABELS } from '../../alerts/model';
import { recordAuditNow } from '../../platform/audit/service';
import { can } from '../../platform/auth/policy';
import { ForbiddenError, ValidationError } from '../../platform/errors';
import { type FormErrors, formErrors, formValues } from '../../platform/http/forms';
import { formatNhsNumber } from '../matching/nhs-number';
import { registerIndexFor, type RegisterIndex } from '../register-index';
import {
  CheckUnavailableError,
  checkForAlert,
  getReveal,
  getRevealPhoto,
  getSearch,
  REVEAL_REASON_LABELS,
  REVEAL_REASONS,
  reveal,
  type StoredCandidate,
} from './service';
import { getPresentation, listPresentations, markPresentationSeen } from './presentations';
import { OUTCOME_LABELS, OUTCOMES, recordOutcome } from './outcome';
import { CHECK_FIELDS, type CheckDetails, checkFieldErrors, describeDetails } from './details';
import { type PointOfCareSettings, pointOfCareSettings } from './settings';
import { pointOfCareApi } from './api';
import { compareForClinician } from './explain';
import { formatWeight } from '../matching/score';

export const RATE_LIMITED = 'BEACON_CHECK_RATE_LIMITED';

/** Where the error summary sends the reader for each field (date inputs: their day box). */
const fieldId = (f: string) => (f === 'dateOfBirth' || f === 'edd' ? `${f}-day` : f === 'details' ? 'givenName' : f);

/** Day, month and year boxes → YYYY-MM-DD, or a message. All empty is "not given". */
export function dateFromParts(values: Record<string, string>, name: string, label: string): { value: string | null; error?: string } {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => (values[`${name}-${p}`] ?? '').trim());
  if (!d && !m && !y) return { value: null };
  const missing = [!d && 'day', !m && 'month', !y && 'year'].filter(Boolean);
  if (missing.length) return { value: null, error: `${label} must include a ${missing.join(' and a ')}` };
  const problem = dateMessage(label, { day: d!, month: m!, year: y! });
  if (problem) return { value: null, error: problem };
  return { value: `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}` };
}

const dateParts = (iso: string | null | undefined) => {
  if (!iso) return {};
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
};

/** The check form's values for a previous search, so "check again" starts from what was entered. */
function valuesFromDetails(d: CheckDetails | null): Record<string, string> {
  if (!d) return {};
  const dob = dateParts(d.dateOfBirth);
  const edd = dateParts(d.edd);
  return {
    givenName: d.givenName ?? '',
    familyName: d.familyName ?? '',
    otherNames: d.otherNames.join(', '),
    nhsNumber: d.nhsNumber ? formatNhsNumber(d.nhsNumber) : '',
    postcode: d.postcode ?? '',
    'dateOfBirth-day': dob.day ?? '',
    'dateOfBirth-month': dob.month ?? '',
    'dateOfBirth-year': dob.year ?? '',
    'edd-day': edd.day ?? '',
    'edd-month': edd.month ?? '',
    'edd-year': edd.year ?? '',
  };
}

/**
 * The results heading. A strong match is the loudest thing on the page; possible matches ask to be
 * checked; no match is stated plainly, never as a success (it is not an all-clear).
 */
export function resultsTitle(candidates: number, strong: number): string {
  if (strong === 1) return 'Strong match — look at this alert now';
  if (strong > 1) return `${strong} strong matches — look at these alerts now`;
  if (candidates === 1) return 'Possible match — check this alert';
  if (candidates > 1) return `${candidates} possible matches — check these alerts`;
  return 'No alert found';
}

const BAND_LABELS = { strong: 'Strong match', possible: 'Possible match', none: 'No match' } as const;
const labels = {
  bands: BAND_LABELS,
  reasons: REVEAL_REASON_LABELS,
  outcomes: OUTCOME_LABELS,
  nameKinds: NAME_KIND_LABELS,
  verifications: NHS_NUMBER_VERIFICATION_LABELS,
  addressKinds: ADDRESS_KIND_LABELS,
  criteria: RISK_CRITERION_LABELS,
  concealment: CONCEALMENT_LABELS,
};

const searchLimiters = new WeakMap<object, ReturnType<FastifyInstance['rateLimit']>>();

/** The per-person search limiter of the check, for another way in to the same check (the FHIR base). */
export const checkSearchLimiter = (database: object) => searchLimiters.get(database) ?? null;

/**
 * The point-of-care check pages (/check) and the owners' presentations pages (/presentations), with
 * the JSON API beside them (./api.ts). Searches share one per-person rate limit across page and API.
 * The register index is built when the app is ready and stopped when it closes.
 */
export const pointOfCareRoutes =
  (deps: AppDeps, settings: PointOfCareSettings = pointOfCareSettings()): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const key = deps.config.encryptionKey;
    const index: RegisterIndex = registerIndexFor(deps.database, { reconcileMs: settings.reconcileSeconds * 1000, listen: settings.listen, log: app.log });
    app.addHook('onReady', async () => {
      await index.start(db);
    });
    app.addHook('onClose', async () => {
      await index.stop();
    });

    const windowMs = settings.searchWindowMinutes * 60_000;
    const searchLimit = app.rateLimit({
      max: settings.searchLimit,
      timeWindow: windowMs,
      keyGenerator: (req) => `check:${req.ctx?.actor?.userId ?? req.ip}`,
      errorResponseBuilder: (_req, c) =>
        Object.assign(new Error('Too many searches'), { statusCode: 429, code: RATE_LIMITED, retryAfterSeconds: Math.ceil(c.ttl / 1000) }),
    });
    // The FHIR base's checks ($match, a Flag search by NHS number) count against the same limit.
    searchLimiters.set(deps.database, searchLimit);

    // Errors particular to the check; everything else goes on to the application's error handler.
    app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number; retryAfterSeconds?: number }, req, reply) => {
      const isApi = req.url.startsWith('/api/');
      if (err.code === RATE_LIMITED) {
        await recordAuditNow(db, req.ctx, {
          action: 'alert.check',
          verb: 'R',
          outcome: 'denied',
          reason: 'rate limit',
          detail: { limit: settings.searchLimit, windowMinutes: settings.searchWindowMinutes },
        }).catch(() => undefined);
        // A burst at the limit is how fishing looks: the security contact hears of it (once an hour per person).
        await db
          .transaction((tx) =>
            notifySecurity(tx, req.ctx, {
              kind: 'search_burst',
              summary: `${req.ctx.actor?.displayName ?? 'Someone'} reached the limit of ${settings.searchLimit} point-of-care searches in ${settings.searchWindowMinutes} minutes.`,
              detail: { limit: settings.searchLimit },
            }),
          )
          .catch((e) => req.log.warn({ err: e }, 'security notice failed'));
        const minutes = Math.max(1, Math.ceil((err.retryAfterSeconds ?? 60) / 60));
        const message = `You have made ${settings.searchLimit} searches in ${settings.searchWindowMinutes} minutes, the most Beacon allows. You can search again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
        if (isApi)
          return reply
            .code(429)
            .header('retry-after', String(err.retryAfterSeconds ?? 60))
            .send({ error: 'rate_limited', message, correlationId: req.id });
        return reply
          .code(429)
          .header('retry-after', String(err.retryAfterSeconds ?? 60))
          .page('identity/point-of-care/views/limited.njk', { title: 'You have made too many searches', message, columnClass: 'nhsuk-grid-column-two-thirds' });
      }
      if (err instanceof CheckUnavailableError) {
        const message =
          'Beacon is loading the register of alerts and cannot check yet. Try again in a minute. If she may leave before then, phone your safeguarding team.';
        if (isApi) return reply.code(503).header('retry-after', '30').send({ error: 'unavailable', message, correlationId: req.id });
        return reply.code(503).header('retry-after', '30').page('views/error.njk', { title: 'The check is not available yet', message, correlationId: req.id });
      }
      throw err;
    });

    // ── The check ────────────────────────────────────────────────────────────────────────────────

    const checkForm = async (req: FastifyRequest, reply: FastifyReply, status: number, values: Record<string, string>, errors?: FormErrors) => {
      if (!can(req.ctx.actor, 'alert.check')) throw new ForbiddenError('alert.check');
      return reply
        .code(status)
        .page('identity/point-of-care/views/check.njk', { title: 'Check for an alert', values, errors, health: index.health(), settings });
    };

    app.get('/check', { config: { permission: 'alert.check' } }, async (req, reply) => {
      const from = (req.query as Record<string, string>).from;
      let values: Record<string, string> = {};
      if (from && can(req.ctx.actor, 'alert.check')) {
        values = valuesFromDetails((await getSearch(db, req.ctx, key, from, settings).catch(() => null))?.details ?? null);
      }
      return checkForm(req, reply, 200, values);
    });

    app.post('/check', { preHandler: searchLimit }, async (req, reply) => {
      const values = formValues(req.body);
      const dob = dateFromParts(values, 'dateOfBirth', 'Date of birth');
      const edd = dateFromParts(values, 'edd', 'Due date');
      const input = {
        givenName: values.givenName,
        familyName: values.familyName,
        otherNames: values.otherNames,
        nhsNumber: values.nhsNumber,
        postcode: values.postcode,
        dateOfBirth: dob.value,
        edd: edd.value,
      };
      try {
        const dateErrors = { ...(dob.error ? { dateOfBirth: dob.error } : {}), ...(edd.error ? { edd: edd.error } : {}) };
        // A date that is not a date is reported together with any other problem on the form.
        if (Object.keys(dateErrors).length) throw new ValidationError(orderFields({ ...checkFieldErrors(input), ...dateErrors }));
        const result = await checkForAlert(db, req.ctx, index, key, input);
        return reply.code(303).redirect(`/check/searches/${result.searchId}`);
      } catch (err) {
        if (err instanceof ValidationError) return checkForm(req, reply, 400, values, formErrors(orderFields(err.fieldErrors), fieldId));
        throw err;
      }
    });

    const resultsPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      searchId: string,
      status = 200,
      revealErrors?: { alertId: string; errors: FormErrors; values: Record<string, string> },
    ) => {
      const s = await getSearch(db, req.ctx, key, searchId, settings);
      const q = req.query as Record<string, string>;
      const revealed = new Map(s.reveals.map((r) => [r.alertId, r]));
      const candidates = s.candidates.map((c: StoredCandidate, i) => ({
        ...c,
        n: i + 1,
        reveal: revealed.get(c.alertId) ?? null,
        percent: Math.round(c.probability * 1000) / 10,
        comparisons: compareForClinician(c.explanation),
        score: formatWeight(c.score),
      }));
      const strong = candidates.filter((c) => c.band === 'strong').length;
      return reply.code(status).page('identity/point-of-care/views/results.njk', {
        title: resultsTitle(candidates.length, strong),
        search: s.search,
        searched: s.details ? describeDetails(s.details) : null,
        candidates,
        strong,
        revealable: s.revealable,
        revealErrors,
        errors: revealErrors?.errors,
        reasonItems: (selected?: string) => REVEAL_REASONS.map((r) => ({ value: r, text: REVEAL_REASON_LABELS[r], checked: r === selected })),
        outcome: q.outcome && (OUTCOMES as readonly string[]).includes(q.outcome) ? q.outcome : null,
        health: index.health(),
        labels,
        back: { href: `/check?from=${s.search.id}`, text: 'Change what you searched for' },
      });
    };

    app.get('/check/searches/:id', async (req, reply) => resultsPage(req, reply, (req.params as { id: string }).id));

    app.post('/check/searches/:id/reveal', async (req, reply) => {
      const { id } = req.params as { id: string };
      const values = formValues(req.body);
      try {
        const { revealId } = await reveal(db, req.ctx, id, values, settings);
        return reply.code(303).redirect(`/check/reveals/${revealId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const n = values.n ?? '1';
        const idFor = (f: string) => (f === 'reason' ? `reason-${n}` : f === 'reasonOther' ? `reasonOther-${n}` : `candidate-${n}`);
        return resultsPage(req, reply, id, 400, { alertId: values.alertId ?? '', errors: formErrors(err.fieldErrors, idFor), values });
      }
    });

    const revealPage = async (req: FastifyRequest, reply: FastifyReply, revealId: string, status = 200, extra: Record<string, unknown> = {}) => {
      const r = await getReveal(db, req.ctx, revealId, settings);
      const q = req.query as Record<string, string>;
      return reply.code(status).page('identity/point-of-care/views/reveal.njk', {
        title: r.presentation ? `Presentation recorded: alert ${r.alert.reference}` : `Alert ${r.alert.reference}`,
        ...r,
        recorded: q.recorded && (OUTCOMES as readonly string[]).includes(q.recorded) ? q.recorded : r.reveal.outcome,
        outcomeItems: (selected?: string) => OUTCOMES.map((o) => ({ value: o, text: OUTCOME_LABELS[o], checked: o === selected })),
        values: {},
        labels,
        formatNhs: formatNhsNumber,
        back: { href: `/check/searches/${r.reveal.searchId}`, text: 'Back to the search results' },
        ...extra,
      });
    };

    app.get('/check/reveals/:id', async (req, reply) => revealPage(req, reply, (req.params as { id: string }).id));

    app.get('/check/reveals/:id/photos/:photoId', async (req, reply) => {
      const { id, photoId } = req.params as { id: string; photoId: string };
      const photo = await getRevealPhoto(db, req.ctx, key, id, photoId, settings);
      return reply.type(photo.contentType).send(photo.data);
    });

    app.post('/check/reveals/:id/outcome', async (req, reply) => {
      const { id } = req.params as { id: string };
      const values = formValues(req.body);
      try {
        const r = await recordOutcome(db, req.ctx, index, key, id, values, settings);
        if (r.outcome === 'not_same_person') {
          const searchId = (await getReveal(db, req.ctx, id, settings)).reveal.searchId;
          return reply.code(303).redirect(`/check/searches/${searchId}?outcome=not_same_person`);
        }
        return reply.code(303).redirect(`/check/reveals/${id}?recorded=${r.outcome}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return revealPage(req, reply, id, 400, { errors: formErrors(err.fieldErrors, (f) => (f === 'outcome' ? 'outcome' : f)), values });
      }
    });

    // ── Presentations, for the alert's owners ─────────────────────────────────────────────────────

    app.get('/presentations', { config: { permission: 'presentation.list' } }, async (req, reply) => {
      const list = await listPresentations(db, req.ctx);
      return reply.page('identity/point-of-care/views/presentations.njk', {
        title: 'Presentations',
        presentations: list,
        unseen: list.filter((p) => !p.seenAt).length,
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    app.get('/presentations/:id', async (req, reply) => {
      const p = await getPresentation(db, req.ctx, (req.params as { id: string }).id);
      const q = req.query as Record<string, string>;
      return reply.page('identity/point-of-care/views/presentation.njk', {
        title: `Presentation: alert ${p.reference}`,
        ...p,
        banner: q.seen ? 'Marked as seen' : null,
        roleLabel: p.presentation.userRole,
        back: { href: '/presentations', text: 'All presentations' },
      });
    });

    app.post('/presentations/:id/seen', async (req, reply) => {
      const { id } = req.params as { id: string };
      await markPresentationSeen(db, req.ctx, id);
      return reply.code(303).redirect(`/presentations/${id}?seen=1`);
    });

    await app.register(pointOfCareApi({ db, key, index, settings, searchLimit }));
  };

/** Field errors in the order the form shows them. */
function orderFields(errs: Record<string, string>): Record<string, string> {
  const order = ['details', ...CHECK_FIELDS];
  return Object.fromEntries(Object.entries(errs).sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99)));
}
