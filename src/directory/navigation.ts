import type { NavEntry } from '../platform/http/navigation';

export const directoryNavigation: NavEntry[] = [{ href: '/organisations', text: 'Organisations', order: 90, permission: 'directory.view' }];
