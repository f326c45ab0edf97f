/** The webhook pages: the list, subscribing, one subscription with its delivery log and its actions. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { type formErrors, handleForm } from '../platform/http/forms';
import { listOrganisations } from '../directory/service';
import { createSubscription, getSubscription, listSubscriptions, redeliver, rotateSecret, sendTest, setSubscriptionStatus } from './service';
import { EVENT_NAMES, WEBHOOK_EVENTS } from './rules';

const ticked = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

export const webhookRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const opts = { production: deps.config.production, key: deps.config.encryptionKey };

    app.get('/webhooks', { config: { permission: 'webhook.manage' } }, async (req, reply) => {
      const subscriptions = await listSubscriptions(db, req.ctx);
      return reply.page('webhooks/views/list.njk', { title: 'Webhooks', subscriptions, eventLabels: WEBHOOK_EVENTS, columnClass: 'nhsuk-grid-column-full' });
    });

    const newForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      status: number,
      values: Record<string, unknown>,
      errors?: ReturnType<typeof formErrors>,
    ) => {
      const actor = req.ctx.actor!;
      // Administrators choose the organisation; everyone else subscribes their own.
      const orgs = actor.role === 'system_admin' ? await listOrganisations(db, req.ctx) : [];
      const events = ticked(values.events);
      return reply.code(status).page('webhooks/views/new.njk', {
        title: 'Subscribe an endpoint',
        values,
        errors,
        ownOrganisation: actor.role === 'system_admin' ? null : { id: actor.organisationId, name: actor.organisationName },
        orgItems: [
          { value: '', text: 'Select an organisation' },
          ...orgs.map((o) => ({ value: o.id, text: `${o.name} (${o.odsCode})`, selected: o.id === values.organisationId })),
        ],
        eventItems: EVENT_NAMES.map((e) => ({ value: e, text: WEBHOOK_EVENTS[e], hint: { text: e }, checked: events.includes(e) })),
        back: { href: '/webhooks', text: 'Webhooks' },
      });
    };

    app.get('/webhooks/new', { config: { permission: 'webhook.manage' } }, async (req, reply) => newForm(req, reply, 200, {}));

    app.post('/webhooks', async (req, reply) =>
      handleForm(req, reply, {
        act: (values, body) => createSubscription(db, req.ctx, { ...values, events: ticked(body.events) }, opts),
        // The secret is shown once, on this page: it must never sit in an address or a log.
        success: async (result) => {
          const { id, secret } = result as { id: string; secret: string };
          return subscriptionPage(req, reply, id, 201, { secret, justCreated: true });
        },
        idFor: (f) => (f === 'events' ? `events-${EVENT_NAMES[0]}` : f),
        rerender: (_values, errors) => newForm(req, reply, 400, req.body as Record<string, unknown>, errors),
      }),
    );

    const subscriptionPage = async (req: FastifyRequest, reply: FastifyReply, id: string, status = 200, extra: Record<string, unknown> = {}) => {
      const d = await getSubscription(db, req.ctx, id);
      return reply.code(status).page('webhooks/views/subscription.njk', {
        title: `Webhook to ${new URL(d.subscription.url).host}`,
        ...d,
        eventLabels: WEBHOOK_EVENTS,
        banner: req.banner(),
        back: { href: '/webhooks', text: 'Webhooks' },
        values: {},
        columnClass: 'nhsuk-grid-column-full',
        ...extra,
      });
    };

    app.get('/webhooks/:id', async (req, reply) => subscriptionPage(req, reply, (req.params as { id: string }).id));

    app.post('/webhooks/:id/rotate-secret', async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await rotateSecret(db, req.ctx, id, opts);
      return subscriptionPage(req, reply, id, 200, { secret: r.secret, previousValidUntil: r.previousValidUntil });
    });

    app.post('/webhooks/:id/test', async (req, reply) => {
      const { id } = req.params as { id: string };
      await sendTest(db, req.ctx, id);
      return reply.redirect(`/webhooks/${id}?done=test`, 303);
    });

    for (const [path, status, done] of [
      ['disable', 'disabled', 'disabled'],
      ['enable', 'active', 'enabled'],
    ] as const) {
      app.post(`/webhooks/:id/${path}`, async (req, reply) => {
        const { id } = req.params as { id: string };
        return handleForm(req, reply, {
          act: (values) => setSubscriptionStatus(db, req.ctx, id, status, values),
          next: `/webhooks/${id}?done=${done}`,
          rerender: (values, errors) => subscriptionPage(req, reply, id, 400, { values, errors }),
        });
      });
    }

    app.post('/webhooks/:id/deliveries/:deliveryId/redeliver', async (req, reply) => {
      const { id, deliveryId } = req.params as { id: string; deliveryId: string };
      await redeliver(db, req.ctx, deliveryId);
      return reply.redirect(`/webhooks/${id}?done=redelivered`, 303);
    });
  };
