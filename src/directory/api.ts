/**
 * The directory as JSON, under /api/directory: what a client system needs to address Beacon (the ids of
 * organisations, units and areas, found by their ODS and ONS codes). Read only; every signed-in role.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { Uuid } from '../platform/http/api-helpers';
import { GEOGRAPHY_LEVELS, ORGANISATION_TYPES, UNIT_TYPES } from './model';
import { lookupGeographies, lookupOrganisations, lookupUnits } from './lookup';

const TAGS = ['Directory'];
const Area = z.object({ id: Uuid, code: z.string(), name: z.string(), level: z.enum(GEOGRAPHY_LEVELS) });
const Organisations = api.schema(
  'DirectoryOrganisations',
  z.object({
    organisations: z.array(z.object({ id: Uuid, odsCode: z.string(), name: z.string(), type: z.enum(ORGANISATION_TYPES), active: z.boolean(), area: Area })),
  }),
  'Organisations with their ODS code, type and the area they are in.',
);
const Units = api.schema(
  'DirectoryUnits',
  z.object({
    units: z.array(
      z.object({
        id: Uuid,
        name: z.string(),
        type: z.enum(UNIT_TYPES),
        siteName: z.string().nullable(),
        active: z.boolean(),
        organisation: z.object({ id: Uuid, odsCode: z.string(), name: z.string() }),
      }),
    ),
  }),
  'Units (maternity units, emergency departments, teams) with their organisation.',
);
const Geographies = api.schema(
  'DirectoryGeographies',
  z.object({ geographies: z.array(Area.extend({ parentCode: z.string().nullable() })) }),
  'Areas: country, NHS region, ICB area and local authority, each with its parent’s code.',
);

export const directoryApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const query = (req: { query: unknown }) => (req.query ?? {}) as Record<string, string | undefined>;
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/directory/organisations',
        operationId: 'listDirectoryOrganisations',
        summary: 'Organisations, by ODS code, type and area',
        tags: TAGS,
        query: {
          ods: 'ODS code, for example RHM',
          type: ORGANISATION_TYPES.join(', '),
          area: 'Area code (ONS or ICB): organisations in it or any area within it',
        },
        responses: { 200: { description: 'Organisations', schema: Organisations } },
      },
      async (req) => {
        const q = query(req);
        const rows = await lookupOrganisations(db, req.ctx, { ods: q.ods, type: q.type, area: q.area });
        return {
          organisations: rows.map((o) => ({
            ...o,
            type: o.type as (typeof ORGANISATION_TYPES)[number],
            area: { ...o.area, level: o.area.level as (typeof GEOGRAPHY_LEVELS)[number] },
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/directory/units',
        operationId: 'listDirectoryUnits',
        summary: 'Units, by organisation (id or ODS code) and type',
        tags: TAGS,
        query: { organisation: 'The organisation’s id or ODS code', type: UNIT_TYPES.join(', ') },
        responses: { 200: { description: 'Units', schema: Units } },
      },
      async (req) => {
        const q = query(req);
        const rows = await lookupUnits(db, req.ctx, { organisation: q.organisation, type: q.type });
        return { units: rows.map((u) => ({ ...u, type: u.type as (typeof UNIT_TYPES)[number] })) };
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/directory/geographies',
        operationId: 'listDirectoryGeographies',
        summary: 'Areas, by code and level',
        tags: TAGS,
        query: { code: 'ONS or ICB code, for example E06000045', level: GEOGRAPHY_LEVELS.join(', ') },
        responses: { 200: { description: 'Areas', schema: Geographies } },
      },
      async (req) => {
        const q = query(req);
        const rows = await lookupGeographies(db, req.ctx, { code: q.code, level: q.level });
        return { geographies: rows.map((g) => ({ ...g, level: g.level as (typeof GEOGRAPHY_LEVELS)[number] })) };
      },
    );
  };
