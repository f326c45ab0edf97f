import type { NavEntry } from '../platform/http/navigation';
import { escalationsAwaitingCount } from './reading';

export const escalationsNavigation: NavEntry[] = [
  {
    href: '/escalations',
    text: 'Escalations',
    order: 70,
    permission: 'escalation.list',
    attention: escalationsAwaitingCount,
    attentionText: (n) => `${n} raised with your organisation`,
  },
];
