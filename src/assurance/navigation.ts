import type { NavEntry } from '../platform/http/navigation';

export const assuranceNavigation: NavEntry[] = [
  { href: '/assurance/audits', text: 'Audits', order: 78, permission: 'assurance.view' },
  { href: '/assurance/reviews', text: 'Reviews and actions', order: 79, permission: 'tracker.view' },
  { href: '/assurance/discharge-overrides', text: 'Discharge overrides', order: 80, permission: 'case.report' },
  { href: '/audit', text: 'Audit log', order: 110, permission: 'audit.view' },
];
