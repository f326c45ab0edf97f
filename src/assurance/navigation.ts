import type { NavEntry } from '../platform/http/navigation';
import { pendingSectionsCount } from './casefile/sections';

export const assuranceNavigation: NavEntry[] = [
  { href: '/assurance/audits', text: 'Audits', order: 78, permission: 'assurance.view' },
  { href: '/assurance/reviews', text: 'Reviews and actions', order: 79, permission: 'tracker.view' },
  { href: '/assurance/case-file-audits', text: 'Case-file audits', order: 79.5, permission: 'casefile.view' },
  {
    href: '/assurance/case-file-audits/mine',
    text: 'Audit sections',
    order: 79.6,
    permission: 'casefile.complete',
    attention: pendingSectionsCount,
    attentionText: (n) => `${n} case-file audit ${n === 1 ? 'section' : 'sections'} for your agency to complete`,
  },
  { href: '/assurance/discharge-overrides', text: 'Discharge overrides', order: 80, permission: 'case.report' },
  { href: '/audit', text: 'Audit log', order: 110, permission: 'audit.view' },
];
