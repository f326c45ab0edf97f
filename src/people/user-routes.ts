import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { can } from '../platform/auth/policy';
import { ROLES, ROLE_LABELS } from '../platform/context';
import { type formErrors, formValues, handleForm } from '../platform/http/forms';
import { listOrganisations, listUnitsForChoice } from '../directory/service';
import { addMembership, createUser, getUser, issueSetupLink, listUsers, removeMembership, setUserActive } from './service';

export const userRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const setupUrl = (token: string) => `${deps.config.publicUrl}/account/setup/${token}`;

    /** Choices for the role form: organisations, roles, and units grouped by organisation. */
    const roleChoices = async (req: FastifyRequest, values: Record<string, string>) => {
      const orgs = await listOrganisations(db, req.ctx);
      const unitRows = await listUnitsForChoice(db, req.ctx);
      return {
        orgItems: [
          { value: '', text: 'Select an organisation' },
          ...orgs.map((o) => ({ value: o.id, text: `${o.name} (${o.odsCode})`, selected: o.id === values.organisationId })),
        ],
        roleItems: ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r], checked: r === values.role })),
        unitItems: [
          { value: '', text: 'No particular unit' },
          ...unitRows.map((u) => ({ value: u.id, text: `${u.name} – ${u.organisationName}`, selected: u.id === values.unitId })),
        ],
      };
    };

    app.get('/users', { config: { permission: 'user.view' } }, async (req, reply) => {
      const q = (req.query as Record<string, string>).q?.slice(0, 100) ?? '';
      const list = await listUsers(db, req.ctx, { q });
      return reply.page('people/views/users.njk', {
        title: 'Users',
        users: list,
        q,
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    const newUserForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      status: number,
      values: Record<string, string>,
      errors?: ReturnType<typeof formErrors>,
    ) =>
      reply
        .code(status)
        .page('people/views/user-new.njk', { title: 'Add a user', values, errors, ...(await roleChoices(req, values)), back: { href: '/users' } });

    app.get('/users/new', { config: { permission: 'user.create' } }, async (req, reply) => {
      return newUserForm(req, reply, 200, {});
    });

    app.post('/users', async (req, reply) =>
      handleForm(req, reply, {
        act: (values) => createUser(db, req.ctx, values),
        // The set-up link is shown once, on this page: it must never sit in an address or a log.
        success: (result, values) => {
          const { userId, setupToken } = result as Awaited<ReturnType<typeof createUser>>;
          return reply.page('people/views/user-created.njk', {
            title: 'User added',
            userId,
            link: setupToken ? setupUrl(setupToken) : null,
            email: values.email,
          });
        },
        idFor: (f) => (f === 'role' ? `role-${formValues(req.body).role || ROLES[0]}` : f),
        rerender: (values, errors) => newUserForm(req, reply, 400, values, errors),
      }),
    );

    const userPage = async (req: FastifyRequest, reply: FastifyReply, id: string, status = 200, extra: Record<string, unknown> = {}) => {
      const detail = await getUser(db, req.ctx, id);
      const values = (extra.values as Record<string, string>) ?? {};
      return reply.code(status).page('people/views/user.njk', {
        title: detail.user.displayName,
        ...detail,
        canManage: can(req.ctx.actor, 'user.update', { userId: id }),
        canDeactivate: can(req.ctx.actor, 'user.deactivate', { userId: id }),
        ...(can(req.ctx.actor, 'user.update', { userId: id }) ? await roleChoices(req, values) : {}),
        banner: req.banner(),
        back: { href: '/users', text: 'All users' },
        values,
        ...extra,
      });
    };

    app.get('/users/:id', async (req, reply) => userPage(req, reply, (req.params as { id: string }).id));

    app.post('/users/:id/deactivate', async (req, reply) => {
      const { id } = req.params as { id: string };
      await setUserActive(db, req.ctx, id, false);
      return reply.redirect(`/users/${id}?done=deactivated`);
    });

    app.post('/users/:id/reactivate', async (req, reply) => {
      const { id } = req.params as { id: string };
      await setUserActive(db, req.ctx, id, true);
      return reply.redirect(`/users/${id}?done=reactivated`);
    });

    app.post('/users/:id/roles', async (req, reply) => {
      const { id } = req.params as { id: string };
      return handleForm(req, reply, {
        act: (values) => addMembership(db, req.ctx, id, values),
        next: `/users/${id}?done=role-added`,
        idFor: (f) => (f === 'role' ? `role-${formValues(req.body).role || ROLES[0]}` : f),
        rerender: (values, errors) => userPage(req, reply, id, 400, { values, errors }),
      });
    });

    app.post('/users/:id/roles/:membershipId/remove', async (req, reply) => {
      const { id, membershipId } = req.params as { id: string; membershipId: string };
      return handleForm(req, reply, {
        act: () => removeMembership(db, req.ctx, id, membershipId),
        next: `/users/${id}?done=role-removed`,
        idFor: () => 'roles',
        rerender: (_values, errors) => userPage(req, reply, id, 400, { errors }),
      });
    });

    app.post('/users/:id/setup-link', async (req, reply) => {
      const { id } = req.params as { id: string };
      const token = await issueSetupLink(db, req.ctx, id);
      return userPage(req, reply, id, 200, { link: setupUrl(token) });
    });
  };
