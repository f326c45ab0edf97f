import { describe, expect, it } from 'vitest';
import { datePartsProblem, isoDateProblem, londonDate, perLondonDay } from './dates';

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

describe('what is wrong with a date, in words', () => {
  it.each([
    [
      { day: '32', month: '13', year: '2026', time: '25:99' },
      'There is no month 13: months go from 1 to 12, there is no day 32 in any month and 25:99 is not a time: use the 24-hour clock, like 14:30',
    ],
    [{ day: '31', month: '4', year: '2026' }, 'April 2026 has 30 days, not 31'],
    [{ day: '29', month: '2', year: '2027' }, 'February 2027 has 28 days, not 29'],
    [{ day: '0', month: '1', year: '2026' }, 'Days start at 1'],
    [{ day: '4', month: '7', year: '96' }, 'The year must have 4 digits, like 2026'],
    [{ day: 'x', month: '7', year: '1996' }, 'The day, month and year must be numbers, like 27 11 2026'],
    [{ day: '27', month: '11', year: '2026', time: '2.30pm' }, '2.30pm is not a time: use the 24-hour clock, like 14:30'],
  ])('%j → %s', (parts, message) => {
    expect(datePartsProblem(parts)).toBe(message);
  });

  it('a real date, with or without a time, has no problem', () => {
    expect(datePartsProblem({ day: '29', month: '2', year: '2028' })).toBeNull();
    expect(datePartsProblem({ day: '27', month: '11', year: '2026', time: '14:30' })).toBeNull();
    expect(datePartsProblem({ day: '27', month: '11', year: '2026', time: '' })).toBeNull();
  });

  it('a date sent as text is told the format, with its own date rewritten as an example', () => {
    expect(isoDateProblem('1996-07-04')).toBeNull();
    expect(isoDateProblem('04/07/1996')).toBe('Write the date as YYYY-MM-DD (year, month, day), like 1996-07-04 for 04/07/1996');
    expect(isoDateProblem('4.7.1996')).toBe('Write the date as YYYY-MM-DD (year, month, day), like 1996-07-04 for 4.7.1996');
    expect(isoDateProblem('1996-02-30')).toBe('February 1996 has 29 days, not 30');
    expect(isoDateProblem('1996-13-01')).toBe('There is no month 13: months go from 1 to 12');
    expect(isoDateProblem('next Tuesday')).toBe('Write the date as YYYY-MM-DD (year, month, day), like 1996-07-04');
  });
});

describe('explainDateParts (the form round trip)', () => {
  it('adds what is impossible about the boxes to the service’s own message, and leaves other messages alone', async () => {
    const { explainDateParts } = await import('./http/forms');
    const values = { 'occurredAt.day': '32', 'occurredAt.month': '13', 'occurredAt.year': '2026', 'occurredAt.time': '25:99', summary: '' };
    expect(explainDateParts(values, { occurredAt: 'Enter the date and time it happened', summary: 'Enter what happened' })).toEqual({
      occurredAt:
        'Enter the date and time it happened: there is no month 13: months go from 1 to 12, there is no day 32 in any month and 25:99 is not a time: use the 24-hour clock, like 14:30',
      summary: 'Enter what happened',
    });
    // Blank boxes: the service's message ("Enter …") is the whole story.
    expect(explainDateParts({ 'occurredAt.day': '', 'occurredAt.month': '', 'occurredAt.year': '' }, { occurredAt: 'Enter the date' })).toEqual({
      occurredAt: 'Enter the date',
    });
  });
});
