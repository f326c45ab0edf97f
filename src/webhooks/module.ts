import { defineModule } from '../platform/module';
import { webhooksApi } from './api';
import { registerWebhookJobs } from './jobs';
import { webhookRoutes } from './routes';

/** Webhooks: signed events to organisations' systems, through the outbox, with retries and a delivery log. */
export const webhooksModule = defineModule({ name: 'webhooks', routes: [webhookRoutes], api: [webhooksApi], jobs: registerWebhookJobs });
