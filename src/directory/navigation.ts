import { can } from '../platform/auth/policy';
import type { NavEntry } from '../platform/http/navigation';

export const directoryNavigation: NavEntry[] = [{ href: '/organisations', text: 'Organisations', order: 90, visible: (a) => can(a, 'directory.view') }];
