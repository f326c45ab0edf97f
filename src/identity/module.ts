import { defineModule } from '../platform/module';
import { bulkScreeningRoutes } from './bulk-screening/routes';
import { registerIdentityJobs } from './jobs';
import { pointOfCareNavigation } from './point-of-care/navigation';
import { pointOfCareRoutes } from './point-of-care/routes';

/** Finding her: the matching engine, the point-of-care check with presentations, and bulk screening. */
export const identityModule = defineModule({
  name: 'identity',
  routes: [pointOfCareRoutes, bulkScreeningRoutes],
  navigation: pointOfCareNavigation,
  jobs: registerIdentityJobs,
});
