import { can } from '../platform/auth/policy';
import type { NavEntry } from '../platform/http/navigation';

export const peopleNavigation: NavEntry[] = [{ href: '/users', text: 'Users', order: 100, visible: (a) => can(a, 'user.view') }];
