import type { NavEntry } from '../platform/http/navigation';
import { approvalsWaitingCount } from './booking';

export const learningNavigation: NavEntry[] = [
  {
    href: '/learning',
    text: 'Training',
    order: 85,
    permission: 'learning.browse',
    attention: approvalsWaitingCount,
    attentionText: (n) => `${n} training ${n === 1 ? 'request' : 'requests'} to approve`,
  },
];
