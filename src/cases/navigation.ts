import { can } from '../platform/auth/policy';
import type { NavEntry } from '../platform/http/navigation';

export const casesNavigation: NavEntry[] = [{ href: '/cases', text: 'Cases', order: 60, visible: (a) => can(a, 'case.list') }];
