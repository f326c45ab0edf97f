import { defineModule } from '../platform/module';
import { alertApi } from './api';
import { registerAlertJobs } from './jobs';
import { alertsNavigation } from './navigation';
import { alertRaiseRoutes } from './raise-routes';
import { alertRoutes } from './routes';

/** High-risk alerts: raise, approve, distribute, acknowledge, update, stand down, expire, archive and purge. */
export const alertsModule = defineModule({
  name: 'alerts',
  routes: [alertRaiseRoutes, alertRoutes],
  api: [alertApi],
  navigation: alertsNavigation,
  jobs: registerAlertJobs,
});
