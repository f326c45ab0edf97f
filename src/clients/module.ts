import { defineModule } from '../platform/module';
import { clientsApi } from './api';
import { clientRoutes } from './routes';

/** Machine clients: registration, keys, the token endpoint; bearer tokens are read by the session hook (clients/bearer.ts). */
export const clientsModule = defineModule({ name: 'clients', routes: [clientRoutes], api: [clientsApi] });
