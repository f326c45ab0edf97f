import { defineModule } from '../platform/module';
import { caseApi } from './api';
import { registerCaseJobs } from './jobs';
import { casesNavigation } from './navigation';
import { caseRoutes } from './routes';

/** Concealed pregnancy and unborn baby protocol cases, and the protocol configuration each partnership keeps. */
export const casesModule = defineModule({
  name: 'cases',
  routes: [caseRoutes],
  api: [caseApi],
  navigation: casesNavigation,
  jobs: (worker, { db, mailer, config }) => {
    registerCaseJobs(worker, db, mailer, config.publicUrl);
  },
});
