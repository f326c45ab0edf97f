import { describe, expect, it } from 'vitest';
import { absoluteLinks, delivered, endpointProblem, isPrivateAddress, retryDelayMs, shouldDisable } from './rules';

describe('webhook rules', () => {
  it('HTTPS endpoints; plain HTTP only outside production; no credentials in the address', () => {
    expect(endpointProblem('https://cases.example.gov.uk/hooks', true)).toBeNull();
    expect(endpointProblem('http://127.0.0.1:4000/hooks', false)).toBeNull();
    expect(endpointProblem('http://cases.example.gov.uk/hooks', true)).toMatch(/https/);
    expect(endpointProblem('https://user:pw@cases.example.gov.uk/', true)).toMatch(/user name or password/);
    expect(endpointProblem('ftp://x', false)).toMatch(/https/);
    expect(endpointProblem('not a url', false)).toMatch(/full address/);
  });
  it('in production, never a private or local address', () => {
    expect(endpointProblem('https://10.1.2.3/hooks', true)).toMatch(/private or local/);
    expect(endpointProblem('https://localhost/hooks', true)).toMatch(/private or local/);
    expect(endpointProblem('https://[::1]/hooks', true)).toMatch(/private or local/);
    expect(['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:10.0.0.1'].every(isPrivateAddress)).toBe(true);
    expect(['8.8.8.8', '172.32.0.1', '2a00:1450::1', '51.140.1.1'].some(isPrivateAddress)).toBe(false);
  });
  it('backs off exponentially up to an hour between tries', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(20)).toBe(3_600_000);
  });
  it('gives up after a day of failures without a success', () => {
    const start = new Date('2026-12-01T00:00:00Z');
    expect(shouldDisable(null, new Date('2026-12-09T00:00:00Z'))).toBe(false);
    expect(shouldDisable(start, new Date('2026-12-01T23:59:59Z'))).toBe(false);
    expect(shouldDisable(start, new Date('2026-12-02T00:00:00Z'))).toBe(true);
  });
  it('only a 2xx is a delivery', () => {
    expect([200, 204, 299].every(delivered)).toBe(true);
    expect([null, 301, 400, 500].some(delivered)).toBe(false);
  });
  it('links go out as full addresses', () => {
    expect(absoluteLinks({ alertId: 'a', links: { alert: '/api/alerts/a', other: 'https://x/y' } }, 'https://beacon.example')).toEqual({
      alertId: 'a',
      links: { alert: 'https://beacon.example/api/alerts/a', other: 'https://x/y' },
    });
  });
});
