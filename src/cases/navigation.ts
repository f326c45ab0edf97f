import type { NavEntry } from '../platform/http/navigation';

export const casesNavigation: NavEntry[] = [{ href: '/cases', text: 'Cases', order: 60, permission: 'case.list' }];
