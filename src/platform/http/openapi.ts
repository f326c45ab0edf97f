import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * A small OpenAPI 3.1 description built from the same zod schemas the API validates with. Each API
 * route is declared once, through `ApiDescription.route`, which registers it with Fastify and records
 * it for the document, so a route cannot be served without being described. `trackRoutes` records
 * every /api route Fastify actually registers, so a test can check the two lists agree.
 *
 * Named schemas live in one zod registry and become `components.schemas` (JSON Schema 2020-12, which
 * OpenAPI 3.1 uses as-is). Schemas are converted on their input side: request schemas describe what a
 * client may send (defaults make fields optional), response schemas are plain shapes with no transforms.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiResponseSpec {
  description: string;
  /** A registered schema (its component is referenced), or a media type for non-JSON bodies. */
  schema?: z.ZodType;
  contentType?: string;
}

export interface ApiRouteSpec {
  method: HttpMethod;
  /** Fastify form, e.g. `/api/alerts/:id`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Path parameters and what each is. */
  params?: Record<string, string>;
  /** Query parameters: name → description (all optional strings). */
  query?: Record<string, string>;
  body?: {
    schema: z.ZodType;
    contentType?: 'application/json' | 'multipart/form-data' | 'application/x-www-form-urlencoded';
    required?: boolean;
    description?: string;
  };
  responses: Record<number, ApiResponseSpec>;
  /** Served without a session (the OpenAPI document itself, the token endpoint). */
  public?: boolean;
  /** Called by machine clients only, with no session and so no CSRF token (the token endpoint). */
  noCsrf?: boolean;
  /** Requests per minute per address, where a route limits them. */
  rateLimitPerMinute?: number;
}

export type ApiHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export const ApiError = z
  .object({
    error: z
      .string()
      .meta({ description: 'A stable code: invalid, forbidden, not_found, unauthorised, csrf, bad_request, too_large, rate_limited, server_error' }),
    message: z.string().meta({ description: 'What went wrong, in words for a person' }),
    fields: z.record(z.string(), z.string()).optional().meta({ description: 'For `invalid`: field path (like `subject.nhsNumbers.0.value`) → message' }),
    correlationId: z.string().optional().meta({ description: 'Quote this to the service desk' }),
  })
  .meta({ description: 'Every error response' });

const ERROR_TEXT: Record<number, string> = {
  400: 'What was sent is not valid (`invalid`, with `fields`), or could not be read',
  401: 'No signed-in session, or it has ended (`unauthorised`)',
  403: 'Not allowed in your role (`forbidden`), or the CSRF token is missing or wrong (`csrf`)',
  404: 'No such alert, delivery or photograph, or nothing at this address (`not_found`)',
};

export class ApiDescription {
  readonly routes: ApiRouteSpec[] = [];
  readonly registry = z.registry<{ id: string; description?: string }>();

  constructor(private readonly info: { title: string; version: string; description: string }) {
    this.schema('Error', ApiError);
  }

  /** Name a schema: it becomes `#/components/schemas/<id>`. Returns the schema. */
  schema<T extends z.ZodType>(id: string, schema: T, description?: string): T {
    this.registry.add(schema, description ? { id, description } : { id });
    return schema;
  }

  /** Register the route with Fastify and describe it. */
  route(app: FastifyInstance, spec: ApiRouteSpec, handler: ApiHandler): void {
    for (const s of [spec.body?.schema, ...Object.values(spec.responses).map((r) => r.schema)]) {
      if (s && !this.registry.has(s)) throw new Error(`${spec.method} ${spec.url}: give its schemas names with ApiDescription.schema()`);
    }
    const config = {
      ...(spec.public ? { auth: 'public' as const } : {}),
      ...(spec.noCsrf ? { csrf: false } : {}),
      ...(spec.rateLimitPerMinute ? { rateLimit: { max: spec.rateLimitPerMinute, timeWindow: '1 minute' } } : {}),
    };
    app.route({ method: spec.method, url: spec.url, config, handler });
    this.routes.push(spec);
  }

  private ref(schema: z.ZodType) {
    return { $ref: `#/components/schemas/${this.registry.get(schema)!.id}` };
  }

  /** The OpenAPI 3.1 document. */
  document(serverUrl: string): Record<string, unknown> {
    const converted = z.toJSONSchema(this.registry, { io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as {
      schemas: Record<string, Record<string, unknown>>;
    };
    const schemas = Object.fromEntries(
      Object.entries(converted.schemas).map(([id, s]) => {
        const { $schema: _s, $id: _i, ...rest } = s;
        return [id, rest];
      }),
    );
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = openApiPath(r.url);
      const responses: Record<string, unknown> = {};
      for (const [status, res] of Object.entries(r.responses)) {
        responses[status] = {
          description: res.description,
          ...(res.schema
            ? { content: { [res.contentType ?? 'application/json']: { schema: this.ref(res.schema) } } }
            : res.contentType
              ? { content: { [res.contentType]: { schema: { type: 'string', contentMediaType: res.contentType } } } }
              : {}),
        };
      }
      const errorStatuses = [...(r.body || r.params || r.query ? [400] : []), ...(r.public ? [] : [401, 403]), ...(r.params ? [404] : [])];
      for (const status of errorStatuses) {
        responses[String(status)] ??= { description: ERROR_TEXT[status], content: { 'application/json': { schema: this.ref(ApiError) } } };
      }
      const writes = r.method !== 'GET';
      paths[path] ??= {};
      paths[path]![r.method.toLowerCase()] = {
        operationId: r.operationId,
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        tags: r.tags,
        parameters: [
          ...Object.entries(r.params ?? {}).map(([name, description]) => ({
            name,
            in: 'path',
            required: true,
            description,
            schema: /(^id|Id)$/.test(name) ? { type: 'string', format: 'uuid' } : { type: 'string' },
          })),
          ...Object.entries(r.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } })),
        ],
        ...(r.body
          ? {
              requestBody: {
                required: r.body.required ?? true,
                ...(r.body.description ? { description: r.body.description } : {}),
                content: { [r.body.contentType ?? 'application/json']: { schema: this.ref(r.body.schema) } },
              },
            }
          : {}),
        responses,
        security: r.public ? [] : writes ? [{ session: [], csrf: [] }, { bearer: [] }] : [{ session: [] }, { bearer: [] }],
      };
    }
    return {
      openapi: '3.1.0',
      info: this.info,
      servers: [{ url: serverUrl }],
      paths,
      components: {
        schemas,
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'beacon_session',
            description: 'The session cookie from signing in (POST /sign-in, then any second factor and role choice).',
          },
          csrf: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'Needed on every POST and PUT: the `csrfToken` from GET /api/session, sent with the `beacon_csrf` cookie that the same response sets.',
          },
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A machine client’s access token from POST /oauth2/token (five minutes). No CSRF token is needed. Each part of the API needs its scope (check, alerts, cases, directory, learning, library, assurance, fhir, webhooks); administration is never open to a token. Name the person the system acts for in `Beacon-End-User: <name>; <role>`: it is recorded in the audit log.',
          },
        },
      },
    };
  }
}

/** `/api/alerts/:id` → `/api/alerts/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every /api route (and the token endpoint) registered (method and Fastify URL), in order: see trackRoutes. */
    apiRoutes: { method: string; url: string }[];
    /** Every route registered, pages and API (method and Fastify URL), in order: see trackRoutes. */
    routeTable: { method: string; url: string }[];
  }
}

/**
 * Record every route registered from now on (call before registering route modules), so tests can
 * check the OpenAPI document and the permissions matrix against what is actually served.
 */
export function trackRoutes(app: FastifyInstance): void {
  const api: { method: string; url: string }[] = [];
  const all: { method: string; url: string }[] = [];
  app.decorate('apiRoutes', api);
  app.decorate('routeTable', all);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      all.push({ method, url: route.url });
      if (route.url.startsWith('/api/') || route.url.startsWith('/oauth2/')) api.push({ method, url: route.url });
    }
  });
}
