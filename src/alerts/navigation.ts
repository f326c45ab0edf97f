import { can } from '../platform/auth/policy';
import type { NavEntry } from '../platform/http/navigation';
import { APPROVER_ROLES } from './lifecycle';
import { approvalsWaitingCount, unacknowledgedCount } from './service';

export const alertsNavigation: NavEntry[] = [
  { href: '/alerts', text: 'Alerts', order: 20, visible: (a) => can(a, 'alert.list') },
  {
    href: '/alerts/approvals',
    text: 'Approvals',
    order: 30,
    visible: (a) => (APPROVER_ROLES as readonly string[]).includes(a.role),
    attention: approvalsWaitingCount,
    attentionText: (n) => `${n} waiting for your approval`,
  },
  {
    href: '/inbox',
    text: 'Inbox',
    order: 40,
    visible: (a) => can(a, 'alert.inbox'),
    attention: unacknowledgedCount,
    attentionText: (n) => `${n} not acknowledged`,
  },
];
