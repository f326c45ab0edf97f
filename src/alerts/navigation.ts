import type { NavEntry } from '../platform/http/navigation';
import { approvalsWaitingCount, unacknowledgedCount } from './lists';

export const alertsNavigation: NavEntry[] = [
  { href: '/alerts', text: 'Alerts', order: 20, permission: 'alert.list' },
  {
    href: '/alerts/approvals',
    text: 'Approvals',
    order: 30,
    permission: 'alert.approve',
    attention: approvalsWaitingCount,
    attentionText: (n) => `${n} waiting for your approval`,
  },
  {
    href: '/inbox',
    text: 'Inbox',
    order: 40,
    permission: 'alert.inbox',
    attention: unacknowledgedCount,
    attentionText: (n) => `${n} not acknowledged`,
  },
];
