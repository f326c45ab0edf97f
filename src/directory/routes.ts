import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { can } from '../platform/auth/policy';
import { ForbiddenError } from '../platform/errors';
import { type formErrors, handleForm } from '../platform/http/forms';
import { GEOGRAPHY_LEVEL_LABELS, ORGANISATION_TYPE_LABELS, ORGANISATION_TYPES, UNIT_TYPE_LABELS, UNIT_TYPES } from './model';
import { createOrganisation, createUnit, getOrganisation, getUnit, listGeographies, listOrganisations, updateOrganisation, updateUnit } from './service';

const labels = { orgTypes: ORGANISATION_TYPE_LABELS, unitTypes: UNIT_TYPE_LABELS, levels: GEOGRAPHY_LEVEL_LABELS };
const orgTypeItems = (selected?: string) => ORGANISATION_TYPES.map((t) => ({ value: t, text: ORGANISATION_TYPE_LABELS[t], selected: t === selected }));
const unitTypeItems = (selected?: string) => UNIT_TYPES.map((t) => ({ value: t, text: UNIT_TYPE_LABELS[t], selected: t === selected }));
const checkbox = (v: string | undefined) => v === 'true' || v === 'on' || v === 'yes';

export const directoryRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    const geographyItems = async (selected?: string) => [
      { value: '', text: 'Select an area' },
      ...(await listGeographies(db))
        .filter((g) => g.level === 'icb' || g.level === 'local_authority')
        .map((g) => ({
          value: g.code,
          text: `${g.name} (${GEOGRAPHY_LEVEL_LABELS[g.level as keyof typeof GEOGRAPHY_LEVEL_LABELS] ?? g.level})`,
          selected: g.code === selected,
        })),
    ];

    app.get('/organisations', { config: { permission: 'directory.view' } }, async (req, reply) => {
      const q = req.query as Record<string, string>;
      const list = await listOrganisations(db, req.ctx, {
        q: q.q?.slice(0, 100),
        type: (ORGANISATION_TYPES as readonly string[]).includes(q.type ?? '') ? q.type : undefined,
      });
      return reply.page('directory/views/organisations.njk', {
        title: 'Organisations',
        organisations: list,
        q: q.q ?? '',
        typeItems: [{ value: '', text: 'All types' }, ...orgTypeItems(q.type)],
        labels,
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    const orgForm = async (
      reply: import('fastify').FastifyReply,
      status: number,
      data: { org?: { id: string }; values: Record<string, string>; errors?: ReturnType<typeof formErrors> },
    ) =>
      reply.code(status).page('directory/views/organisation-form.njk', {
        title: data.org ? 'Change organisation details' : 'Add an organisation',
        ...data,
        typeItems: [{ value: '', text: 'Select a type' }, ...orgTypeItems(data.values.type)],
        geographyItems: await geographyItems(data.values.geographyCode),
        back: { href: data.org ? `/organisations/${data.org.id}` : '/organisations' },
      });

    app.get('/organisations/new', { config: { permission: 'organisation.create' } }, async (_req, reply) => {
      return orgForm(reply, 200, { values: { active: 'true' } });
    });

    app.post('/organisations', async (req, reply) =>
      handleForm(req, reply, {
        act: (values) => createOrganisation(db, req.ctx, { ...values, active: checkbox(values.active) }),
        next: (org) => `/organisations/${(org as { id: string }).id}?created=1`,
        rerender: (values, errors) => orgForm(reply, 400, { values, errors }),
      }),
    );

    app.get('/organisations/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      const detail = await getOrganisation(db, req.ctx, id);
      const q = req.query as Record<string, string>;
      return reply.page('directory/views/organisation.njk', {
        title: detail.organisation.name,
        ...detail,
        labels,
        canEdit: can(req.ctx.actor, 'organisation.update', { organisationId: id }),
        canAddUnit: can(req.ctx.actor, 'unit.create', { organisationId: id }),
        editableUnits: detail.units.filter((u) => can(req.ctx.actor, 'unit.update', { organisationId: id, unitId: u.id })).map((u) => u.id),
        banner: q.created ? 'Organisation added' : q.updated ? 'Organisation details saved' : q.unit ? 'Unit details saved' : null,
        back: { href: '/organisations', text: 'All organisations' },
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    app.get('/organisations/:id/edit', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!can(req.ctx.actor, 'organisation.update', { organisationId: id })) throw new ForbiddenError('organisation.update');
      const { organisation: o, geographyChain } = await getOrganisation(db, req.ctx, id);
      return orgForm(reply, 200, {
        org: o,
        values: {
          odsCode: o.odsCode,
          name: o.name,
          type: o.type,
          geographyCode: geographyChain[0]?.code ?? '',
          addressLine: o.addressLine ?? '',
          postcode: o.postcode ?? '',
          phone: o.phone ?? '',
          active: String(o.active),
        },
      });
    });

    app.post('/organisations/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleForm(req, reply, {
        act: (values) => updateOrganisation(db, req.ctx, id, { ...values, active: checkbox(values.active) }),
        next: `/organisations/${id}?updated=1`,
        rerender: (values, errors) => orgForm(reply, 400, { org: { id }, values, errors }),
      });
    });

    const unitForm = (
      reply: import('fastify').FastifyReply,
      status: number,
      data: { organisationId: string; unit?: { id: string }; values: Record<string, string>; errors?: ReturnType<typeof formErrors> },
    ) =>
      reply.code(status).page('directory/views/unit-form.njk', {
        title: data.unit ? 'Change unit details' : 'Add a unit',
        ...data,
        typeItems: [{ value: '', text: 'Select a type' }, ...unitTypeItems(data.values.type)],
        back: { href: `/organisations/${data.organisationId}` },
      });

    app.get('/organisations/:id/units/new', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!can(req.ctx.actor, 'unit.create', { organisationId: id })) throw new ForbiddenError('unit.create');
      await getOrganisation(db, req.ctx, id);
      return unitForm(reply, 200, { organisationId: id, values: { active: 'true' } });
    });

    app.post('/organisations/:id/units', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleForm(req, reply, {
        act: (values) => createUnit(db, req.ctx, id, { ...values, active: checkbox(values.active) }),
        next: `/organisations/${id}?unit=1`,
        rerender: (values, errors) => unitForm(reply, 400, { organisationId: id, values, errors }),
      });
    });

    app.get('/units/:id/edit', async (req, reply) => {
      const u = await getUnit(db, req.ctx, (req.params as { id: string }).id);
      if (!can(req.ctx.actor, 'unit.update', { organisationId: u.organisationId, unitId: u.id })) throw new ForbiddenError('unit.update');
      return unitForm(reply, 200, {
        organisationId: u.organisationId,
        unit: u,
        values: {
          name: u.name,
          type: u.type,
          siteName: u.siteName ?? '',
          postcode: u.postcode ?? '',
          inHoursPhone: u.inHoursPhone ?? '',
          outOfHoursPhone: u.outOfHoursPhone ?? '',
          sharedMailbox: u.sharedMailbox ?? '',
          active: String(u.active),
        },
      });
    });

    app.post('/units/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleForm(req, reply, {
        // updateUnit finds the unit (404) and checks the policy on it; it returns the unit it saved.
        act: (values) => updateUnit(db, req.ctx, id, { ...values, active: checkbox(values.active) }),
        next: (saved) => `/organisations/${(saved as { organisationId: string }).organisationId}?unit=1`,
        rerender: async (values, errors) => {
          const u = await getUnit(db, req.ctx, id);
          return unitForm(reply, 400, { organisationId: u.organisationId, unit: u, values, errors });
        },
      });
    });
  };
