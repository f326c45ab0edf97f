import { defineModule } from '../platform/module';
import { peopleNavigation } from './navigation';
import { oidcRoutes } from './oidc-routes';
import { signInRoutes } from './sign-in-routes';
import { userRoutes } from './user-routes';

/** People and their roles: sign-in (password + TOTP, or single sign-on), accounts, users and memberships. */
export const peopleModule = defineModule({ name: 'people', routes: [signInRoutes, oidcRoutes, userRoutes], navigation: peopleNavigation });
