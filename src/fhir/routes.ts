/**
 * The FHIR R4 base, /fhir/R4: metadata, Flag (read, search, update for removal, $reveal), Patient/$match
 * and AuditEvent search. Thin: each route reads the request, calls the FHIR service, and answers
 * application/fhir+json; every error is an OperationOutcome.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { BeaconError, ForbiddenError, ValidationError } from '../platform/errors';
import { mayAtAll } from '../platform/auth/policy';
import { recordAuditNow } from '../platform/audit/service';
import { loggableError } from '../platform/http/log-safety';
import { registerIndexFor } from '../identity/register-index';
import { pointOfCareSettings } from '../identity/point-of-care/settings';
import { CheckUnavailableError } from '../identity/point-of-care/service';
import { checkSearchLimiter } from '../identity/point-of-care/routes';
import { capabilityStatement } from './capability';
import { etagOf, versionFromIfMatch } from './flag';
import { FhirError, issueCodeFor, operationOutcome } from './outcome';
import { auditEventsFor, type FhirContext, matchPatient, readFlag, revealFlag, searchFlags, updateFlag } from './service';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const STARTED = new Date().toISOString();

export const fhirRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (outer) => {
    await outer.register(
      async (app) => {
        const settings = pointOfCareSettings();
        const f: FhirContext = {
          db: deps.database.db,
          // The same register index the point-of-care check uses (one per database).
          index: registerIndexFor(deps.database),
          key: deps.config.encryptionKey,
          settings,
          publicUrl: deps.config.publicUrl,
        };
        app.addContentTypeParser(['application/fhir+json', 'application/json+fhir'], { parseAs: 'string' }, (_req, body, done) => {
          try {
            done(null, body === '' ? undefined : JSON.parse(body as string));
          } catch {
            done(new FhirError(400, 'structure', 'The body is not valid JSON.'), undefined);
          }
        });
        // A check through FHIR counts against the check's own per-person limit (pages, API and FHIR together).
        const searchLimit =
          checkSearchLimiter(deps.database) ??
          app.rateLimit({
            max: settings.searchLimit,
            timeWindow: settings.searchWindowMinutes * 60_000,
            keyGenerator: (req) => `check:${req.ctx?.actor?.userId ?? req.ip}`,
          });

        app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply) => {
          const send = (status: number, outcome: ReturnType<typeof operationOutcome>) => reply.code(status).type(FHIR_JSON).send(outcome);
          if (err instanceof FhirError) return send(err.status, operationOutcome(err.code, err.diagnostics, err.issues));
          if (err instanceof ForbiddenError) {
            await recordAuditNow(f.db, req.ctx, {
              action: 'access.denied',
              verb: 'E',
              outcome: 'denied',
              detail: { attempted: err.action, method: req.method, path: req.routeOptions.url ?? req.url },
            }).catch(() => undefined);
            return send(403, operationOutcome('forbidden', err.message));
          }
          if (err instanceof ValidationError) {
            const fields = Object.entries(err.fieldErrors);
            const first = fields[0]?.[1] ?? 'What was sent is not valid.';
            return send(
              400,
              operationOutcome(
                'invalid',
                first,
                fields.slice(1).map(([path, message]) => ({ severity: 'error' as const, code: 'invalid' as const, diagnostics: message, expression: [path] })),
              ),
            );
          }
          if (err instanceof CheckUnavailableError)
            return send(503, operationOutcome('transient', 'Beacon is loading the register of alerts. Try again in a minute.'));
          if (err instanceof BeaconError) return send(err.status, operationOutcome(issueCodeFor(err.status), err.message));
          if (err.code?.startsWith('FST_CSRF')) return send(403, operationOutcome('forbidden', 'Send the X-CSRF-Token header, or use a bearer token.'));
          if (err.statusCode === 429) {
            await recordAuditNow(f.db, req.ctx, { action: 'alert.check', verb: 'R', outcome: 'denied', reason: 'rate limit', detail: { via: 'FHIR' } }).catch(
              () => undefined,
            );
            reply.header('retry-after', String((err as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60));
            return send(
              429,
              operationOutcome(
                'throttled',
                `You have made ${settings.searchLimit} searches in ${settings.searchWindowMinutes} minutes, the most Beacon allows. Try again later.`,
              ),
            );
          }
          if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
            return send(err.statusCode, operationOutcome(issueCodeFor(err.statusCode), 'The request could not be understood.'));
          req.log.error({ err: loggableError(err) }, 'unhandled FHIR error');
          return send(500, operationOutcome('exception', `Sorry, there is a problem with the service. Quote ${req.id} to your service desk.`));
        });
        app.setNotFoundHandler(async (req, reply) =>
          reply
            .code(404)
            .type(FHIR_JSON)
            .send(operationOutcome('not-supported', `Beacon's FHIR base does not support ${req.method} ${req.url.split('?')[0]}. See /fhir/R4/metadata.`)),
        );

        const fhir = (reply: FastifyReply, body: unknown, status = 200) => reply.code(status).type(FHIR_JSON).send(body);
        const query = (req: FastifyRequest) => (req.query ?? {}) as Record<string, string | string[] | undefined>;
        const id = (req: FastifyRequest) => (req.params as { id: string }).id;

        app.get('/metadata', { config: { auth: 'public' } }, async (_req, reply) => fhir(reply, capabilityStatement(f.publicUrl, '0.1.0', STARTED)));

        app.get('/Flag/:id', async (req, reply) => {
          const flag = await readFlag(f, req.ctx, id(req));
          reply.header('etag', etagOf(Number(flag.meta?.versionId ?? 0)));
          return fhir(reply, flag);
        });
        app.get('/Flag', async (req, reply) => {
          // For point-of-care staff a Flag search is a check: it counts against the search limit.
          if (!mayAtAll(req.ctx.actor, 'alert.view')) await searchLimit.call(app, req, reply);
          if (reply.sent) return reply;
          return fhir(reply, await searchFlags(f, req.ctx, query(req), req.url));
        });
        app.put('/Flag/:id', async (req, reply) => {
          const flag = await updateFlag(f, req.ctx, id(req), req.body, versionFromIfMatch(req.headers['if-match'] as string | undefined));
          reply.header('etag', etagOf(Number(flag.meta?.versionId ?? 0)));
          return fhir(reply, flag);
        });
        app.post('/Flag/:id/$reveal', async (req, reply) => fhir(reply, await revealFlag(f, req.ctx, id(req), req.body)));
        app.post('/Patient/$match', { preHandler: searchLimit }, async (req, reply) => fhir(reply, await matchPatient(f, req.ctx, req.body)));
        app.get('/AuditEvent', async (req, reply) => fhir(reply, await auditEventsFor(f, req.ctx, query(req))));
      },
      { prefix: '/fhir/R4' },
    );
  };
