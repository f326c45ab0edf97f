import { defineModule } from '../platform/module';
import { directoryApi } from './api';
import { directoryNavigation } from './navigation';
import { directoryRoutes } from './routes';

/** The directory: geographies, organisations and their units, with duty contacts. */
export const directoryModule = defineModule({ name: 'directory', routes: [directoryRoutes], api: [directoryApi], navigation: directoryNavigation });
