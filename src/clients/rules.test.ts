import { describe, expect, it } from 'vitest';
import { auditName } from '../platform/context';
import { clientRolesProblem, grantFor, parseEndUser, scopeForPath } from './rules';

describe('scopes of paths', () => {
  it('each part of the API needs its scope; who-am-I and the descriptions any token may call', () => {
    expect(scopeForPath('/api/check')).toBe('check');
    expect(scopeForPath('/api/check/searches/abc')).toBe('check');
    expect(scopeForPath('/api/presentations/1')).toBe('check');
    expect(scopeForPath('/api/alerts?status=x')).toBe('alerts');
    expect(scopeForPath('/api/escalations')).toBe('cases');
    expect(scopeForPath('/fhir/R4/Flag/1')).toBe('fhir');
    expect(scopeForPath('/fhir/R4/metadata')).toBe('any');
    expect(scopeForPath('/api/session')).toBe('any');
  });
  it('anything else is never open to a token (administration, pages, look-alike prefixes)', () => {
    expect(scopeForPath('/api/clients')).toBeNull();
    expect(scopeForPath('/users')).toBeNull();
    expect(scopeForPath('/api/alertsx')).toBeNull();
    expect(scopeForPath('/fhir/R4x/Flag')).toBeNull();
  });
});

describe('roles a client may have', () => {
  const held = ['point_of_care', 'safeguarding_practitioner', 'system_admin'];
  it('only roles people of the organisation hold, never an administrator', () => {
    expect(clientRolesProblem(['point_of_care'], held, 'Trust')).toBeNull();
    expect(clientRolesProblem([], held, 'Trust')).toMatch(/at least one/);
    expect(clientRolesProblem(['social_worker'], held, 'Trust')).toMatch(/Nobody at Trust holds that role/);
    expect(clientRolesProblem(['system_admin'], held, 'Trust')).toMatch(/cannot be an administrator/);
    expect(clientRolesProblem(['training_admin'], [...held, 'training_admin'], 'Trust')).toMatch(/cannot be an administrator/);
    expect(clientRolesProblem(['wizard'], held, 'Trust')).toMatch(/from the list/);
  });
});

describe('what a token request gets', () => {
  const one = { roles: ['point_of_care'], scopes: ['check', 'fhir'] };
  const two = { roles: ['point_of_care', 'safeguarding_practitioner'], scopes: ['check', 'alerts'] };
  it('no scope asked: every allowed scope, the only role', () => {
    expect(grantFor(undefined, one)).toEqual({ role: 'point_of_care', scopes: ['check', 'fhir'] });
    expect(grantFor('fhir', one)).toEqual({ role: 'point_of_care', scopes: ['fhir'] });
  });
  it('a client with two roles names one', () => {
    expect(grantFor('check', two)).toMatchObject({ error: 'invalid_scope' });
    expect(grantFor('check role:safeguarding_practitioner', two)).toEqual({ role: 'safeguarding_practitioner', scopes: ['check'] });
    expect(grantFor('role:point_of_care role:safeguarding_practitioner', two)).toMatchObject({ error: 'invalid_scope' });
  });
  it('asking for more than it was given is refused, not trimmed', () => {
    expect(grantFor('check alerts', one)).toEqual({ error: 'invalid_scope', description: 'This client is not allowed the scope alerts.' });
    expect(grantFor('role:system_admin', one)).toMatchObject({ error: 'invalid_scope', description: expect.stringMatching(/system_admin/) });
    expect(grantFor('everything', one)).toMatchObject({ error: 'invalid_scope', description: expect.stringMatching(/no scope everything/) });
  });
});

describe('the end user a system acts for', () => {
  it('name and role from the header, cleaned', () => {
    expect(parseEndUser('Jane Smith; Staff midwife')).toEqual({ name: 'Jane Smith', role: 'Staff midwife' });
    expect(parseEndUser('Jane Smith')).toEqual({ name: 'Jane Smith', role: null });
    expect(parseEndUser('  ;x')).toBeNull();
    expect(parseEndUser(undefined)).toBeNull();
    expect(parseEndUser('Ja\u0000ne\nX; R')).toEqual({ name: 'JaneX', role: 'R' });
    expect(parseEndUser('x'.repeat(500))!.name).toHaveLength(120);
  });
  it('the audit names the client and the person', () => {
    expect(auditName({ id: 'c', name: 'Maternity EPR', endUser: { name: 'Jane Smith', role: 'Midwife' } })).toBe(
      'Maternity EPR (API client) for Jane Smith (Midwife)',
    );
    expect(auditName({ id: 'c', name: 'Maternity EPR', endUser: null })).toBe('Maternity EPR (API client)');
  });
});
