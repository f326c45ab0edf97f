import { can } from '../platform/auth/policy';
import type { NavEntry } from '../platform/http/navigation';

export const assuranceNavigation: NavEntry[] = [
  { href: '/assurance/discharge-overrides', text: 'Discharge overrides', order: 80, visible: (a) => can(a, 'case.report') },
  { href: '/audit', text: 'Audit log', order: 110, visible: (a) => can(a, 'audit.view') },
];
