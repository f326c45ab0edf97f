import type { NavEntry } from '../platform/http/navigation';

export const homeNavigation: NavEntry[] = [{ href: '/', text: 'Home', order: 0, permission: 'home.view' }];
