import { describe, expect, it } from 'vitest';
import { mostOverdueFirst } from './lists';

describe('the unit inbox order', () => {
  it('puts escalated deliveries first, then reminded ones, then the rest; newest first within each', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 11, 4, h));
    const items = [
      { id: 'new-old', createdAt: at(1), remindedAt: null, escalatedAt: null },
      { id: 'reminded', createdAt: at(2), remindedAt: at(6), escalatedAt: null },
      { id: 'new-new', createdAt: at(9), remindedAt: null, escalatedAt: null },
      { id: 'escalated-old', createdAt: at(0), remindedAt: at(4), escalatedAt: at(8) },
      { id: 'escalated-new', createdAt: at(3), remindedAt: at(5), escalatedAt: at(9) },
    ];
    expect(mostOverdueFirst(items).map((i) => i.id)).toEqual(['escalated-new', 'escalated-old', 'reminded', 'new-new', 'new-old']);
    // The list given is left as it was.
    expect(items[0]!.id).toBe('new-old');
  });
});
