import type { NavEntry } from '../platform/http/navigation';
import { overdueCasesCount } from './milestones/service';

export const casesNavigation: NavEntry[] = [
  {
    href: '/cases',
    text: 'Cases',
    order: 60,
    permission: 'case.list',
    attention: (db, ctx) => overdueCasesCount(db, ctx),
    attentionText: (n) => `${n} with an overdue step`,
  },
];
