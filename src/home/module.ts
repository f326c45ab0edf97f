import { defineModule } from '../platform/module';
import { homeNavigation } from './navigation';
import { homeRoutes } from './routes';

/** The home page (what each role can do), health and the accessibility statement. */
export const homeModule = defineModule({ name: 'home', routes: [homeRoutes], navigation: homeNavigation });
