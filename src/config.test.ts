import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const KEY = 'ab'.repeat(32);
const SECRET = 's'.repeat(40);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives development defaults from an empty environment', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.production).toBe(false);
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dbAppRole).toBe('beacon_app');
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.encryptionKey).toHaveLength(32);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.session).toEqual({ idleMinutes: 30, absoluteHours: 12, cookieSecure: false });
    expect(c.signIn).toEqual({ maxFailures: 5, lockoutMinutes: 15, rateLimitPerMinute: 20 });
    expect(c.demoData).toBe(true);
    expect(c.worker).toBe(true);
    expect(c.oidc).toBeUndefined();
    expect(c.logLevel).toBe('info');
  });

  it('reads values given, and treats empty strings as unset', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u:p@db/beacon',
      BEACON_ENCRYPTION_KEY: KEY,
      BEACON_PUBLIC_URL: 'https://beacon.example/',
      SESSION_IDLE_MINUTES: '10',
      BEACON_DEMO_DATA: 'no',
      BEACON_WORKER: '0',
      LOG_LEVEL: 'silent',
      LOGIN_MAX_FAILURES: '',
    });
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBe('postgresql://u:p@db/beacon');
    expect(c.encryptionKey.equals(Buffer.from(KEY, 'hex'))).toBe(true);
    expect(c.publicUrl).toBe('https://beacon.example'); // trailing slash removed
    expect(c.session.idleMinutes).toBe(10);
    expect(c.signIn.maxFailures).toBe(5);
    expect(c.demoData).toBe(false);
    expect(c.worker).toBe(false);
    expect(c.logLevel).toBe('silent');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['BEACON_ENCRYPTION_KEY', 'abcd'],
    ['BEACON_ENCRYPTION_KEY', 'z'.repeat(64)],
    ['BEACON_SESSION_SECRET', 'short'],
    ['NODE_ENV', 'staging'],
    ['SESSION_IDLE_MINUTES', '0'],
    ['LOGIN_MAX_FAILURES', 'lots'],
    ['BEACON_DEMO_DATA', 'maybe'],
    ['BEACON_PUBLIC_URL', 'not a url'],
    ['BEACON_DB_APP_ROLE', 'Beacon; DROP'],
    ['LOG_LEVEL', 'loud'],
  ])('%s=%s is refused with a ConfigError naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `)).toBe(true);
  });

  it('the error message lists every problem at once and says the service cannot start', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL']));
      expect(e.message).toMatch(/cannot start/);
      expect(e.message).toContain('PORT');
      expect(e.message).toContain('DATABASE_URL');
    }
  });

  it('production without secrets is refused, naming each missing variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['BEACON_SESSION_SECRET', 'BEACON_ENCRYPTION_KEY', 'BEACON_PUBLIC_URL']));
  });

  it('production refuses insecure cookies and plain-HTTP single sign-on', () => {
    const base = { NODE_ENV: 'production', BEACON_SESSION_SECRET: SECRET, BEACON_ENCRYPTION_KEY: KEY, BEACON_PUBLIC_URL: 'https://beacon.example' };
    expect(problemsOf({ ...base, COOKIE_SECURE: 'false' })[0]).toMatch(/^COOKIE_SECURE:/);
    expect(problemsOf({ ...base, OIDC_ALLOW_HTTP: 'true' })[0]).toMatch(/^OIDC_ALLOW_HTTP:/);
  });

  it('production with its secrets starts with secure defaults and no demo data', () => {
    const c = loadConfig({ NODE_ENV: 'production', BEACON_SESSION_SECRET: SECRET, BEACON_ENCRYPTION_KEY: KEY, BEACON_PUBLIC_URL: 'https://beacon.example' });
    expect(c.production).toBe(true);
    expect(c.session.cookieSecure).toBe(true);
    expect(c.demoData).toBe(false);
    expect(c.sessionSecret).toBe(SECRET);
  });

  it('single sign-on needs both issuer and client id', () => {
    expect(problemsOf({ OIDC_ISSUER: 'https://idp.example' })[0]).toMatch(/OIDC_ISSUER and OIDC_CLIENT_ID/);
    expect(problemsOf({ OIDC_CLIENT_ID: 'beacon' })[0]).toMatch(/OIDC_ISSUER and OIDC_CLIENT_ID/);
    const c = loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_CLIENT_ID: 'beacon' });
    expect(c.oidc).toMatchObject({ issuer: 'https://idp.example', clientId: 'beacon', clientSecret: undefined, allowHttp: false });
  });
});
