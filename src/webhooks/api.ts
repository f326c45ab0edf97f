/**
 * Webhook subscriptions as JSON, under /api/webhooks: subscribe, list, read with the delivery log, rotate
 * the secret, disable and enable, redeliver, test. For an organisation's staff, its API clients (scope
 * webhooks) and administrators. In the OpenAPI document.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../platform/http/api-helpers';
import { createSubscription, getSubscription, listSubscriptions, redeliver, rotateSecret, sendTest, setSubscriptionStatus } from './service';
import { EVENT_NAMES, WEBHOOK_EVENTS } from './rules';

const TAGS = ['Webhooks'];
const EventName = z.enum(EVENT_NAMES);
const Summary = z.object({
  id: Uuid,
  organisation: z.object({ id: Uuid, name: z.string(), odsCode: z.string() }),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(EventName),
  status: z.enum(['active', 'disabled']),
  statusReason: z.string().nullable(),
  failingSince: DateTime.nullable(),
  createdAt: DateTime,
});
const Subscriptions = api.schema('WebhookSubscriptions', z.object({ subscriptions: z.array(Summary) }), 'Your organisation’s webhook subscriptions.');
const Attempt = z.object({
  attempt: z.number().int(),
  attemptedAt: DateTime,
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  redeliveredBy: z.string().nullable(),
});
const Delivery = z.object({
  id: Uuid.meta({ description: 'The webhook-id header of every attempt' }),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'abandoned']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: DateTime.nullable(),
  createdAt: DateTime,
  deliveredAt: DateTime.nullable(),
  payload: z.record(z.string(), z.unknown()),
  attemptLog: z.array(Attempt),
});
const Detail = api.schema(
  'WebhookSubscription',
  Summary.extend({ contactEmail: z.string(), deliveries: z.array(Delivery) }),
  'One subscription with its delivery log, newest first.',
);
const NewSubscription = api.schema(
  'NewWebhookSubscription',
  z.object({
    organisationId: Uuid.optional().meta({ description: 'Defaults to your own organisation' }),
    url: z.string().meta({ description: 'HTTPS (plain HTTP only outside production)' }),
    events: z.array(EventName).meta({
      description: Object.entries(WEBHOOK_EVENTS)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    }),
    contactEmail: z.string().meta({ description: 'Told if deliveries fail for a day and the subscription is disabled' }),
    description: z.string().optional(),
  }),
  'An endpoint to send events to. Payloads carry ids, references and links only.',
);
const Created = api.schema(
  'WebhookSubscriptionCreated',
  z.object({ id: Uuid, secret: z.string().meta({ description: 'The Standard Webhooks signing secret (whsec_…). Shown once: keep it.' }) }),
  'The new subscription and its secret.',
);
const Rotated = api.schema(
  'WebhookSecretRotated',
  z.object({ secret: z.string(), previousValidUntil: DateTime.meta({ description: 'Until then messages carry a signature with each secret' }) }),
  'The new secret.',
);
const Reason = api.schema('WebhookStatusChange', z.object({ reason: z.string() }), 'Why.');
const TestSent = api.schema('WebhookTestSent', z.object({ deliveryId: Uuid }), 'A test event is on its way.');

export const webhooksApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const opts = { production: deps.config.production, key: deps.config.encryptionKey };
    const summary = (s: Awaited<ReturnType<typeof listSubscriptions>>[number]) => ({
      id: s.id,
      organisation: { id: s.organisationId, name: s.organisationName, odsCode: s.odsCode },
      url: s.url,
      description: s.description,
      events: s.events as (typeof EVENT_NAMES)[number][],
      status: s.status as 'active' | 'disabled',
      statusReason: s.statusReason,
      failingSince: isoOrNull(s.failingSince),
      createdAt: s.createdAt.toISOString(),
    });

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/webhooks/subscriptions',
        operationId: 'listWebhookSubscriptions',
        summary: 'Your organisation’s webhook subscriptions',
        tags: TAGS,
        responses: { 200: { description: 'Subscriptions', schema: Subscriptions } },
      },
      async (req) => ({ subscriptions: (await listSubscriptions(db, req.ctx)).map(summary) }),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/webhooks/subscriptions',
        operationId: 'createWebhookSubscription',
        summary: 'Subscribe an endpoint to events',
        description:
          'Messages are signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature headers; verify with any Standard Webhooks library and the secret). Failed deliveries are retried with exponential backoff; after a day of failures the subscription is disabled and the contact told.',
        tags: TAGS,
        body: { schema: NewSubscription },
        responses: { 201: { description: 'Subscribed', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createSubscription(db, req.ctx, jsonBody(req), opts)),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/webhooks/subscriptions/:id',
        operationId: 'getWebhookSubscription',
        summary: 'One subscription and its delivery log',
        tags: TAGS,
        params: { id: 'The subscription' },
        responses: { 200: { description: 'The subscription', schema: Detail } },
      },
      async (req) => {
        const d = await getSubscription(db, req.ctx, pathParam(req));
        const s = d.subscription;
        return {
          ...summary({ ...s, organisationName: d.organisation.name, odsCode: d.organisation.odsCode } as never),
          contactEmail: s.contactEmail,
          deliveries: d.deliveries.map((x) => ({
            id: x.id,
            eventType: x.eventType,
            status: x.status as 'pending',
            attempts: x.attempts,
            lastStatusCode: x.lastStatusCode,
            lastError: x.lastError,
            nextAttemptAt: isoOrNull(x.nextAttemptAt),
            createdAt: x.createdAt.toISOString(),
            deliveredAt: isoOrNull(x.deliveredAt),
            payload: x.payload as unknown as Record<string, unknown>,
            attemptLog: x.attemptLog.map((a) => ({
              attempt: a.attempt,
              attemptedAt: a.attemptedAt.toISOString(),
              statusCode: a.statusCode,
              error: a.error,
              durationMs: a.durationMs,
              redeliveredBy: a.redeliveredBy,
            })),
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/webhooks/subscriptions/:id/rotate-secret',
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret (the old one still signs for a day)',
        tags: TAGS,
        params: { id: 'The subscription' },
        responses: { 200: { description: 'The new secret', schema: Rotated } },
      },
      async (req) => {
        const r = await rotateSecret(db, req.ctx, pathParam(req), opts);
        return { secret: r.secret, previousValidUntil: r.previousValidUntil.toISOString() };
      },
    );
    for (const [path, status, summaryText] of [
      ['disable', 'disabled', 'Stop sending (what is waiting is abandoned)'],
      ['enable', 'active', 'Send again'],
    ] as const) {
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/webhooks/subscriptions/:id/${path}`,
          operationId: `${path}WebhookSubscription`,
          summary: summaryText,
          tags: TAGS,
          params: { id: 'The subscription' },
          body: { schema: Reason },
          responses: { 204: { description: 'Done' } },
        },
        noContent((req) => setSubscriptionStatus(db, req.ctx, pathParam(req), status, jsonBody(req))),
      );
    }
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/webhooks/subscriptions/:id/test',
        operationId: 'testWebhookSubscription',
        summary: 'Send a test event (webhook.test)',
        tags: TAGS,
        params: { id: 'The subscription' },
        responses: { 202: { description: 'Queued', schema: TestSent } },
      },
      async (req, reply) => reply.code(202).send(await sendTest(db, req.ctx, pathParam(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/webhooks/deliveries/:id/redeliver',
        operationId: 'redeliverWebhook',
        summary: 'Send one delivery again now, with the same webhook-id',
        tags: TAGS,
        params: { id: 'The delivery' },
        responses: { 204: { description: 'Queued' } },
      },
      noContent((req) => redeliver(db, req.ctx, pathParam(req))),
    );
  };
