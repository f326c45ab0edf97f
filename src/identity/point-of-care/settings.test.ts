import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config';
import { dateFromParts } from './routes';
import { DEFAULT_POINT_OF_CARE_SETTINGS, pointOfCareSettings } from './settings';

describe('point-of-care settings', () => {
  it('default to 30 searches in 10 minutes, reveals for 12 hours, searches kept 24 hours, reconciliation every 30 s', () => {
    expect(pointOfCareSettings({})).toEqual(DEFAULT_POINT_OF_CARE_SETTINGS);
    expect(DEFAULT_POINT_OF_CARE_SETTINGS).toEqual({
      searchLimit: 30,
      searchWindowMinutes: 10,
      revealHours: 12,
      searchRetentionHours: 24,
      reconcileSeconds: 30,
      listen: true,
    });
  });

  it('come from the environment', () => {
    expect(
      pointOfCareSettings({
        BEACON_CHECK_SEARCH_LIMIT: '5',
        BEACON_CHECK_SEARCH_WINDOW_MINUTES: '1',
        BEACON_CHECK_REVEAL_HOURS: '8',
        BEACON_CHECK_SEARCH_RETENTION_HOURS: '2',
        BEACON_INDEX_RECONCILE_SECONDS: '0',
        BEACON_INDEX_LISTEN: 'false',
        UNRELATED: 'ignored',
      }),
    ).toEqual({ searchLimit: 5, searchWindowMinutes: 1, revealHours: 8, searchRetentionHours: 2, reconcileSeconds: 0, listen: false });
  });

  it('a bad value stops the service with a message naming the variable', () => {
    expect(() => pointOfCareSettings({ BEACON_CHECK_SEARCH_LIMIT: 'lots' })).toThrow(ConfigError);
    expect(() => pointOfCareSettings({ BEACON_CHECK_SEARCH_LIMIT: '0' })).toThrow(/BEACON_CHECK_SEARCH_LIMIT: must be more than 0/);
    expect(() => pointOfCareSettings({ BEACON_INDEX_LISTEN: 'perhaps' })).toThrow(/BEACON_INDEX_LISTEN: must be true or false/);
  });
});

describe('date boxes on the check form', () => {
  const parts = (day: string, month: string, year: string) => ({ 'd-day': day, 'd-month': month, 'd-year': year });
  it.each([
    [parts('', '', ''), { value: null }],
    [parts('7', '5', '1998'), { value: '1998-05-07' }],
    [parts(' 07 ', '05', '1998'), { value: '1998-05-07' }],
    [parts('31', '2', '1998'), { value: null, error: 'Date must be a real date: February 1998 has 28 days, not 31' }],
    [parts('7', '', '1998'), { value: null, error: 'Date must include a month' }],
    [parts('', '', '1998'), { value: null, error: 'Date must include a day and a month' }],
    [parts('7', '5', '98'), { value: null, error: 'Date must be a real date: the year must have 4 digits, like 2026' }],
    [
      parts('32', '13', '1998'),
      { value: null, error: 'Date must be a real date: there is no month 13: months go from 1 to 12 and there is no day 32 in any month' },
    ],
    [parts('seven', '5', '1998'), { value: null, error: 'Date must be a real date: the day, month and year must be numbers, like 27 11 2026' }],
  ])('%o → %o', (values, expected) => {
    expect(dateFromParts(values, 'd', 'Date')).toEqual(expected);
  });
});
