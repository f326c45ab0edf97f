import type { NavEntry } from '../platform/http/navigation';
import { openReadingCount } from './circulation';

export const libraryNavigation: NavEntry[] = [
  {
    href: '/library',
    text: 'Library',
    order: 88,
    permission: 'library.browse',
    attention: openReadingCount,
    attentionText: (n) => `${n} ${n === 1 ? 'document' : 'documents'} to read`,
  },
];
