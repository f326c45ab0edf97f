import { defineModule } from '../platform/module';
import { escalationApi } from './api';
import { registerEscalationJobs } from './jobs';
import { escalationsNavigation } from './navigation';
import { escalationRoutes } from './routes';

/** Escalations of professional differences between agencies, stage by stage, with the partnership view. */
export const escalationsModule = defineModule({
  name: 'escalations',
  routes: [escalationRoutes],
  api: [escalationApi],
  navigation: escalationsNavigation,
  jobs: (worker, { db, mailer, config }) => {
    registerEscalationJobs(worker, db, mailer, config.publicUrl);
  },
});
