/**
 * The administration pages for machine clients: the list, registering one, and one client's page (its
 * keys, rotating them, suspending it, its recent use). Services decide; these translate.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { can } from '../platform/auth/policy';
import { ROLE_LABELS, ROLES } from '../platform/context';
import { type formErrors, handleForm } from '../platform/http/forms';
import { listOrganisations, listUnitsForChoice } from '../directory/service';
import { getClient, listClients, registerClient, rotateKeys, setClientStatus } from './service';
import { CLIENT_SCOPES, NEVER_CLIENT_ROLES, SCOPE_NAMES } from './rules';

/** Ticked boxes as a list (one ticked box comes as a string). */
const ticked = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

export const clientRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const opts = { production: deps.config.production };
    const tokenUrl = `${deps.config.publicUrl}/oauth2/token`;

    app.get('/api-clients', { config: { permission: 'apiclient.view' } }, async (req, reply) => {
      const clients = await listClients(db, req.ctx);
      return reply.page('clients/views/list.njk', {
        title: 'API clients',
        clients,
        columnClass: 'nhsuk-grid-column-full',
        back: { href: '/users', text: 'Users' },
      });
    });

    const newForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      status: number,
      values: Record<string, unknown>,
      errors?: ReturnType<typeof formErrors>,
    ) => {
      const orgs = await listOrganisations(db, req.ctx);
      const unitRows = await listUnitsForChoice(db, req.ctx);
      const roles = ticked(values.roles);
      const scopes = ticked(values.scopes);
      return reply.code(status).page('clients/views/new.njk', {
        title: 'Register an API client',
        values,
        errors,
        orgItems: [
          { value: '', text: 'Select an organisation' },
          ...orgs.map((o) => ({ value: o.id, text: `${o.name} (${o.odsCode})`, selected: o.id === values.organisationId })),
        ],
        unitItems: [
          { value: '', text: 'No particular unit' },
          ...unitRows.map((u) => ({ value: u.id, text: `${u.name} – ${u.organisationName}`, selected: u.id === values.unitId })),
        ],
        roleItems: ROLES.filter((r) => !NEVER_CLIENT_ROLES.includes(r)).map((r) => ({ value: r, text: ROLE_LABELS[r], checked: roles.includes(r) })),
        scopeItems: SCOPE_NAMES.map((s) => ({ value: s, text: CLIENT_SCOPES[s].label, hint: { text: s }, checked: scopes.includes(s) })),
        back: { href: '/api-clients', text: 'API clients' },
      });
    };

    app.get('/api-clients/new', { config: { permission: 'apiclient.manage' } }, async (req, reply) => newForm(req, reply, 200, {}));

    app.post('/api-clients', async (req, reply) =>
      handleForm(req, reply, {
        act: (values, body) => registerClient(db, req.ctx, { ...values, roles: ticked(body.roles), scopes: ticked(body.scopes) }, opts),
        next: (r) => `/api-clients/${(r as { id: string }).id}?done=registered`,
        idFor: (f) => (f === 'roles' ? `roles-${ROLES[0]}` : f === 'scopes' ? `scopes-${SCOPE_NAMES[0]}` : f),
        rerender: (_values, errors) => newForm(req, reply, 400, req.body as Record<string, unknown>, errors),
      }),
    );

    const clientPage = async (req: FastifyRequest, reply: FastifyReply, id: string, status = 200, extra: Record<string, unknown> = {}) => {
      const detail = await getClient(db, req.ctx, id);
      const org = detail.client.organisationId;
      return reply.code(status).page('clients/views/client.njk', {
        title: detail.client.name,
        ...detail,
        tokenUrl,
        jwksText: detail.client.jwks ? JSON.stringify(detail.client.jwks, null, 2) : '',
        roleLabels: ROLE_LABELS,
        scopeLabels: Object.fromEntries(SCOPE_NAMES.map((s) => [s, CLIENT_SCOPES[s].label])),
        canManage: can(req.ctx.actor, 'apiclient.manage', { organisationId: org }),
        banner: req.banner(),
        back: { href: '/api-clients', text: 'API clients' },
        values: {},
        ...extra,
      });
    };

    app.get('/api-clients/:id', async (req, reply) => clientPage(req, reply, (req.params as { id: string }).id));

    app.post('/api-clients/:id/keys', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleForm(req, reply, {
        act: (values) => rotateKeys(db, req.ctx, id, values, opts),
        next: `/api-clients/${id}?done=keys`,
        rerender: (values, errors) => clientPage(req, reply, id, 400, { values, errors }),
      });
    });

    for (const [path, status, done] of [
      ['suspend', 'suspended', 'suspended'],
      ['reactivate', 'active', 'reactivated'],
    ] as const) {
      app.post(`/api-clients/:id/${path}`, async (req, reply) => {
        const { id } = req.params as { id: string };
        return handleForm(req, reply, {
          act: (values) => setClientStatus(db, req.ctx, id, status, values),
          next: `/api-clients/${id}?done=${done}`,
          rerender: (values, errors) => clientPage(req, reply, id, 400, { values, errors }),
        });
      });
    }
  };
