import type { NavEntry } from '../platform/http/navigation';

export const peopleNavigation: NavEntry[] = [{ href: '/users', text: 'Users', order: 100, permission: 'user.view' }];
