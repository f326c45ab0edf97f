import type { NavEntry } from '../../platform/http/navigation';
import { unseenPresentationCount } from './presentations';

export const pointOfCareNavigation: NavEntry[] = [
  { href: '/check', text: 'Check for an alert', order: 10, permission: 'alert.check' },
  {
    href: '/presentations',
    text: 'Presentations',
    order: 50,
    permission: 'presentation.list',
    attention: unseenPresentationCount,
    attentionText: (n) => (n === 1 ? '1 not seen yet' : `${n} not seen yet`),
    urgentText: (n) =>
      n === 1
        ? 'A woman with an alert your team raised or approved has presented, and nobody here has seen it yet.'
        : `${n} presentations of alerts your team raised or approved have not been seen yet.`,
    urgent: true,
  },
];
