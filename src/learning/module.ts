import { defineModule } from '../platform/module';
import { learningApi } from './api';
import { registerLearningJobs } from './jobs';
import { learningNavigation } from './navigation';
import { learningRoutes } from './routes';
import { learningNeedsRoutes } from './needs-routes';
import { learningNeedsApi } from './needs-api';

/** Learning: the partnership's multi-agency training, booking, registers, evaluations and results. */
export const learningModule = defineModule({
  name: 'learning',
  routes: [learningRoutes, learningNeedsRoutes],
  api: [learningApi, learningNeedsApi],
  navigation: learningNavigation,
  jobs: (worker, { db, mailer, config }) => {
    registerLearningJobs(worker, db, mailer, config.publicUrl);
  },
});
