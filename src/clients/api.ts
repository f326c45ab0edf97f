/**
 * The token endpoint (POST /oauth2/token) and the administration of machine clients as JSON (under
 * /api/clients: a person signed in as a system administrator, never a token). Both in the OpenAPI document.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { created, DateTime, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../platform/http/api-helpers';
import { ROLES } from '../platform/context';
import { getClient, listClients, registerClient, rotateKeys, setClientStatus } from './service';
import { ASSERTION_TYPE, issueToken, OAuthError } from './token';
import { SCOPE_NAMES } from './rules';

const TAGS = ['Machine clients'];

const TokenRequest = api.schema(
  'TokenRequest',
  z.object({
    grant_type: z.literal('client_credentials'),
    client_assertion_type: z.literal(ASSERTION_TYPE),
    client_assertion: z.string().meta({
      description:
        'A JWT signed with the client’s private key: header kid (and alg); claims iss = sub = the client id, aud = this endpoint’s address, a unique jti, exp at most 5 minutes ahead.',
    }),
    scope: z
      .string()
      .optional()
      .meta({ description: `Space-separated: scopes (${SCOPE_NAMES.join(', ')}; none means all the client has) and, when it has several, role:<role>.` }),
  }),
  'OAuth 2.0 client credentials with a signed JWT client assertion (RFC 7523).',
);
const TokenResponse = api.schema(
  'TokenResponse',
  z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() }),
  'A bearer token for 5 minutes: send it as Authorization: Bearer <access_token>.',
);
const TokenError = api.schema(
  'TokenError',
  z.object({
    error: z.enum(['invalid_request', 'invalid_client', 'invalid_scope', 'unsupported_grant_type']),
    error_description: z.string(),
    message: z.string().meta({ description: 'The same words, as every other error of the API has them' }),
  }),
  'An OAuth 2.0 error (RFC 6749 §5.2), with what to put right.',
);

const ClientSummary = z.object({
  id: Uuid,
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  organisation: z.object({ name: z.string(), odsCode: z.string() }),
  unitName: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  scopes: z.array(z.enum(SCOPE_NAMES as [string, ...string[]])),
  lastTokenAt: DateTime.nullable(),
});
const Clients = api.schema('ApiClients', z.object({ clients: z.array(ClientSummary) }), 'Machine clients, by organisation.');
const ClientDetail = api.schema(
  'ApiClient',
  ClientSummary.extend({
    keyIds: z.array(z.string()),
    jwksUrl: z.string().nullable(),
    statusReason: z.string().nullable(),
    tokenUrl: z.string(),
  }),
  'One machine client: what it may do and how it proves who it is.',
);
const NewClient = api.schema(
  'NewApiClient',
  z.object({
    name: z.string(),
    organisationId: Uuid,
    unitId: Uuid.optional(),
    roles: z.array(z.enum(ROLES)).meta({ description: 'Roles people of the organisation hold; never system_admin or training_admin' }),
    scopes: z.array(z.enum(SCOPE_NAMES as [string, ...string[]])),
    jwks: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())) })
      .optional()
      .meta({ description: 'Public keys, each with a kid' }),
    jwksUrl: z.string().optional().meta({ description: 'Or the HTTPS address the key set is published at' }),
    contactEmail: z.string().optional(),
  }),
  'A machine client to register.',
);
const Keys = api.schema(
  'ApiClientKeys',
  z.object({ jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(), jwksUrl: z.string().optional() }),
  'The client’s new key set (send old and new together to rotate without a gap), or its address.',
);
const Reason = api.schema('ApiClientStatusChange', z.object({ reason: z.string() }), 'Why.');
const Created = api.schema('ApiClientCreated', z.object({ id: Uuid, tokenUrl: z.string() }), 'The new client’s id: its iss and sub.');

export const clientsApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const { config } = deps;
    const tokenUrl = `${config.publicUrl}/oauth2/token`;
    const opts = { production: config.production };
    /** The addresses an assertion may be made out to: the public one; outside production also the one used. */
    const audiences = (req: FastifyRequest) => [tokenUrl, ...(config.production ? [] : [`${req.protocol}://${req.host}/oauth2/token`])];

    api.route(
      app,
      {
        method: 'POST',
        url: '/oauth2/token',
        operationId: 'getAccessToken',
        summary: 'Get an access token with a signed client assertion',
        description:
          'OAuth 2.0 client credentials (RFC 6749 §4.4) with a private-key JWT (RFC 7523), as NHS England’s application-restricted APIs. Each assertion’s jti is accepted once. Errors are OAuth 2.0’s own (400 / 401 with `error` and `error_description`), and every refusal is audited.',
        tags: TAGS,
        public: true,
        noCsrf: true,
        rateLimitPerMinute: 120,
        body: { schema: TokenRequest, contentType: 'application/x-www-form-urlencoded' },
        responses: {
          200: { description: 'A bearer token', schema: TokenResponse },
          400: { description: 'The request is not right', schema: TokenError },
          401: { description: 'The client could not be authenticated', schema: TokenError },
        },
      },
      async (req, reply) => {
        try {
          const token = await issueToken(db, req.ctx, (req.body ?? {}) as Record<string, unknown>, audiences(req));
          return reply.code(200).send(token);
        } catch (err) {
          if (!(err instanceof OAuthError)) throw err;
          // `message` too, as every other error of the API has it.
          return reply.code(err.status).send({ error: err.error, error_description: err.description, message: err.description });
        }
      },
    );

    const summary = (c: Awaited<ReturnType<typeof listClients>>[number]) => ({
      id: c.id,
      name: c.name,
      status: c.status as 'active' | 'suspended',
      organisation: { name: c.organisationName, odsCode: c.odsCode },
      unitName: c.unitName,
      roles: c.roles as (typeof ROLES)[number][],
      scopes: c.scopes,
      lastTokenAt: isoOrNull(c.lastTokenAt),
    });

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/clients',
        operationId: 'listApiClients',
        summary: 'Machine clients (administrators and auditors)',
        tags: TAGS,
        responses: { 200: { description: 'Clients', schema: Clients } },
      },
      async (req) => ({ clients: (await listClients(db, req.ctx)).map(summary) }),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/clients',
        operationId: 'registerApiClient',
        summary: 'Register a machine client (system administrators)',
        tags: TAGS,
        body: { schema: NewClient },
        responses: { 201: { description: 'Registered', schema: Created } },
      },
      created(async (req) => ({ ...(await registerClient(db, req.ctx, jsonBody(req), opts)), tokenUrl })),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/clients/:id',
        operationId: 'getApiClient',
        summary: 'One machine client',
        tags: TAGS,
        params: { id: 'The client' },
        responses: { 200: { description: 'The client', schema: ClientDetail } },
      },
      async (req) => {
        const { client: c, organisation, unitName } = await getClient(db, req.ctx, pathParam(req));
        return {
          id: c.id,
          name: c.name,
          status: c.status as 'active' | 'suspended',
          organisation,
          unitName,
          roles: c.roles as (typeof ROLES)[number][],
          scopes: c.scopes,
          lastTokenAt: isoOrNull(c.lastTokenAt),
          keyIds: (c.jwks?.keys ?? []).map((k) => String(k.kid)),
          jwksUrl: c.jwksUrl,
          statusReason: c.statusReason,
          tokenUrl,
        };
      },
    );
    api.route(
      app,
      {
        method: 'PUT',
        url: '/api/clients/:id/keys',
        operationId: 'rotateApiClientKeys',
        summary: 'Replace a client’s keys',
        tags: TAGS,
        params: { id: 'The client' },
        body: { schema: Keys },
        responses: { 204: { description: 'Replaced' } },
      },
      noContent((req) => rotateKeys(db, req.ctx, pathParam(req), jsonBody(req), opts)),
    );
    for (const [path, status, operationId, summaryText] of [
      ['suspend', 'suspended', 'suspendApiClient', 'Suspend a client: its tokens stop working at once'],
      ['reactivate', 'active', 'reactivateApiClient', 'Let a suspended client act again'],
    ] as const) {
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/clients/:id/${path}`,
          operationId,
          summary: summaryText,
          tags: TAGS,
          params: { id: 'The client' },
          body: { schema: Reason },
          responses: { 204: { description: 'Done' } },
        },
        noContent((req) => setClientStatus(db, req.ctx, pathParam(req), status, jsonBody(req))),
      );
    }
  };
