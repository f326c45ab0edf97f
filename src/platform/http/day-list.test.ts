import { describe, expect, it } from 'vitest';
import { dayListSchema } from './day-list';

const after = dayListSchema({ fallback: [7, 14], max: 60, most: 3, order: 'ascending', relation: 'after circulation', example: '7, 14' });
const before = dayListSchema({ fallback: [14, 2], max: 60, most: 4, order: 'descending', relation: 'before the session', example: '14, 2' });

describe('dayListSchema', () => {
  it('reads a typed list or an array, without repeats, in the order reminders go', () => {
    expect(after.parse('14, 7 7')).toEqual([7, 14]);
    expect(before.parse([2, '14'])).toEqual([14, 2]);
  });
  it('gives the default when nothing is sent, and none for an empty box', () => {
    expect(after.parse(undefined)).toEqual([7, 14]);
    expect(after.parse('')).toEqual([]);
  });
  it('explains what is wrong in words', () => {
    const problem = (v: unknown) => {
      const r = after.safeParse(v);
      return r.success ? null : r.error.issues[0]!.message;
    };
    expect(problem('seven')).toBe('Enter the reminder days as whole numbers separated by commas, for example 7, 14');
    expect(problem('0')).toBe('A reminder must be at least 1 day after circulation');
    expect(problem('61')).toBe('A reminder must be at most 60 days after circulation');
    expect(problem('1, 2, 3, 4')).toBe('Give at most 3 reminders');
  });
});
