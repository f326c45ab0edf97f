import { can } from '../../platform/auth/policy';
import type { NavEntry } from '../../platform/http/navigation';
import { unseenPresentationCount } from './service';

export const pointOfCareNavigation: NavEntry[] = [
  { href: '/check', text: 'Check for an alert', order: 10, visible: (a) => can(a, 'alert.check') },
  {
    href: '/presentations',
    text: 'Presentations',
    order: 50,
    visible: (a) => can(a, 'presentation.list'),
    attention: unseenPresentationCount,
    attentionText: (n) => (n === 1 ? '1 not seen yet' : `${n} not seen yet`),
    urgentText: (n) =>
      n === 1
        ? 'A woman with an alert your team raised or approved has presented, and nobody here has seen it yet.'
        : `${n} presentations of alerts your team raised or approved have not been seen yet.`,
    urgent: true,
  },
];
