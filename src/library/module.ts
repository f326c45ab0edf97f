import { defineModule } from '../platform/module';
import { libraryApi } from './api';
import { libraryAttachmentRoutes } from './attachment-routes';
import { registerLibraryJobs } from './jobs';
import { libraryNavigation } from './navigation';
import { libraryPublicRoutes } from './public-routes';
import { libraryRoutes } from './routes';

/** The library: procedures, guidelines, protocols and briefings — versioned, approved, published, circulated and read. */
export const libraryModule = defineModule({
  name: 'library',
  routes: [libraryRoutes, libraryAttachmentRoutes, libraryPublicRoutes],
  api: [libraryApi],
  navigation: libraryNavigation,
  jobs: (worker, { db, mailer, config }) => {
    registerLibraryJobs(worker, db, mailer, config.publicUrl);
  },
});
