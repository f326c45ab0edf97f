import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../platform/http/deps';
import { api } from '../../platform/http/api';
import { created, DateTime, isoOrNull, jsonBody, pathParam, Uuid } from '../../platform/http/api-helpers';
import { CONFIG_KINDS } from '../protocol-config';
import { KIND_SLUGS, protocolDetail, protocolOverview, saveProtocolVersion } from './service';

const Slug = z.enum(Object.keys(KIND_SLUGS) as [keyof typeof KIND_SLUGS, ...(keyof typeof KIND_SLUGS)[]]);

export const ProtocolOverview = api.schema(
  'ProtocolOverview',
  z.object({
    kinds: z.array(
      z.object({
        kind: z.enum(CONFIG_KINDS),
        slug: Slug.meta({ description: 'The kind as it appears in addresses' }),
        label: z.string(),
        national: z.object({ version: z.int(), createdAt: DateTime.nullable() }),
        areas: z
          .array(z.object({ code: z.string(), name: z.string(), level: z.string(), version: z.int(), createdAt: DateTime }))
          .meta({ description: 'Areas with a series of their own: the newest version of each' }),
      }),
    ),
  }),
  'The configuration in force nationally and in each area that has its own.',
);
export const ProtocolDetail = api.schema(
  'ProtocolDetail',
  z.object({
    kind: z.enum(CONFIG_KINDS),
    geography: z.object({ code: z.string(), name: z.string() }),
    inForce: z.object({
      id: Uuid,
      version: z.int(),
      inheritedFrom: z.string().nullable().meta({ description: 'The area (code) whose version applies when this one has none of its own' }),
    }),
    shown: z.object({ id: Uuid, version: z.int(), definition: z.unknown() }),
    history: z.array(
      z.object({
        id: Uuid,
        version: z.int(),
        changeReason: z.string().nullable(),
        createdAt: DateTime,
        createdBy: z.string().nullable(),
        inForce: z.boolean(),
      }),
    ),
    canEdit: z.boolean(),
  }),
  'One kind of configuration for one area (`national` for the national default).',
);
export const NewProtocolVersion = api.schema(
  'NewProtocolVersion',
  z.object({
    definition: z
      .unknown()
      .meta({ description: 'The whole definition, validated as the service reads it; problems come back in `fields` as `definition.<path>`' }),
    changeReason: z.string(),
  }),
);
export const ProtocolVersionCreated = api.schema('ProtocolVersionCreated', z.object({ id: Uuid, version: z.int() }));

const TAGS = ['Protocol configuration'];

export const protocolsApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const db = deps.database.db;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/protocols',
        operationId: 'listProtocols',
        summary: 'Configuration in force, nationally and by area',
        tags: TAGS,
        responses: { 200: { description: 'Overview', schema: ProtocolOverview } },
      },
      async (req) => {
        const kinds = await protocolOverview(db, req.ctx);
        return {
          kinds: kinds.map((k) => ({
            kind: k.kind,
            slug: k.slug,
            label: k.label,
            national: { version: k.national.version, createdAt: isoOrNull(k.national.createdAt) },
            areas: k.areas.map((a) => ({ code: a.code, name: a.name, level: a.level, version: a.version, createdAt: a.createdAt.toISOString() })),
          })),
        };
      },
    );

    const params = { kind: 'milestones, escalation-stages or pattern-rules', geographyCode: 'An area code (E10000014) or `national`' };
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/protocols/:kind/:geographyCode',
        operationId: 'getProtocol',
        summary: 'One kind of configuration for one area, and its version history',
        tags: TAGS,
        params,
        query: { version: 'A version of the area’s own series (default: the one in force)' },
        responses: { 200: { description: 'The configuration', schema: ProtocolDetail } },
      },
      async (req) => {
        const v = (req.query as { version?: string }).version;
        const d = await protocolDetail(db, req.ctx, pathParam(req, 'kind'), pathParam(req, 'geographyCode'), v && /^\d{1,6}$/.test(v) ? Number(v) : undefined);
        return {
          kind: d.kind,
          geography: { code: d.geography.code, name: d.geography.name },
          inForce: { id: d.inForce.id, version: d.inForce.version, inheritedFrom: d.inForce.from?.code ?? null },
          shown: { id: d.shown.id, version: d.shown.version, definition: d.shown.definition },
          history: d.history.map((h) => ({
            id: h.id,
            version: h.version,
            changeReason: h.changeReason,
            createdAt: h.createdAt.toISOString(),
            createdBy: h.createdBy,
            inForce: h.inForce,
          })),
          canEdit: d.canEdit,
        };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/protocols/:kind/:geographyCode',
        operationId: 'createProtocolVersion',
        summary: 'Save a new version of an area’s configuration',
        description:
          'Partnership managers for their own organisation’s area; administrators for any area and `national`. Existing cases keep their version until moved.',
        tags: TAGS,
        params,
        body: { schema: NewProtocolVersion },
        responses: { 201: { description: 'The new version, now in force', schema: ProtocolVersionCreated } },
      },
      created((req) => saveProtocolVersion(db, req.ctx, pathParam(req, 'kind'), pathParam(req, 'geographyCode'), jsonBody(req))),
    );
  };
