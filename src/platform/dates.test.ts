import { describe, expect, it } from 'vitest';
import { londonDate, perLondonDay } from './dates';

describe('perLondonDay', () => {
  it('builds once per date in England, and again when the date changes (at midnight London time, not UTC)', () => {
    const built: string[] = [];
    const value = perLondonDay((today) => {
      built.push(today);
      return { today };
    });
    const morning = value(new Date('2026-07-01T08:00:00Z'));
    expect(value(new Date('2026-07-01T20:00:00Z'))).toBe(morning);
    // 23:30 UTC on 1 July is 00:30 on 2 July in British Summer Time: a new day.
    const nextDay = value(new Date('2026-07-01T23:30:00Z'));
    expect(nextDay).toEqual({ today: '2026-07-02' });
    expect(nextDay).not.toBe(morning);
    // In winter London is on UTC: 23:30 UTC is still the same day.
    expect(value(new Date('2026-12-01T23:30:00Z'))).toEqual({ today: '2026-12-01' });
    expect(built).toEqual(['2026-07-01', '2026-07-02', '2026-12-01']);
  });
});

describe('londonDate', () => {
  it('is the date in England at every hour across both clock changes (remembering the last hour changes nothing)', () => {
    const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
    // Every 20 minutes through the weeks around the clock changes of 2026 (29 March, 25 October), in order and shuffled.
    const instants: Date[] = [];
    for (const start of ['2026-03-26T00:00:00Z', '2026-10-22T00:00:00Z']) {
      for (let i = 0; i < 7 * 72; i++) instants.push(new Date(Date.parse(start) + i * 20 * 60_000));
    }
    const shuffled = [...instants].sort((a, b) => ((a.getTime() * 7919) % 1009) - ((b.getTime() * 7919) % 1009));
    for (const t of [...instants, ...shuffled]) expect(londonDate(t), t.toISOString()).toBe(london.format(t));
    expect(londonDate(new Date('2026-07-01T23:00:00Z'))).toBe('2026-07-02');
    expect(londonDate(new Date('2026-07-01T22:59:59.999Z'))).toBe('2026-07-01');
  });
});
