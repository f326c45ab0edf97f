/**
 * Machine clients end to end, on both engines: an administrator registers a client with its public key;
 * it signs a client assertion, gets a five-minute bearer token and calls the API without a CSRF token,
 * audited under its name and the end user it names. Expired, wrongly signed and replayed assertions, a
 * suspended client, and a client asking for more than it was given (or more than its organisation's people
 * hold) are all refused, and the refusals audited.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ApiClient } from '../../test/support/api-client';
import { ASSERTION_TYPE, assertion, MachineClient, makeKey, organisationId } from '../../test/support/machine-client';
import { activeAlert } from '../../test/support/point-of-care';
import { auditEvents } from '../platform/audit/schema';
import { users } from '../platform/auth/schema';
import { systemContext } from '../platform/context';
import { addMembership, audienceSql, contextForEmail, issueSetupLink } from '../people/service';
import { rows } from '../platform/db/sql';
import { issueToken } from './token';

let t: TestApp;
let rhm: string;
let ed: MachineClient;
beforeAll(async () => {
  t = await startTestApp();
  rhm = await organisationId(t, 'RHU');
  ed = await MachineClient.register(t, { name: 'Badger ED record', organisationId: rhm, roles: ['point_of_care'], scopes: ['check', 'directory', 'fhir'] });
  await activeAlert(t.database.db, { given: 'Marisol', family: 'Quennell', dob: '1998-07-05', nhs: '9434765919', postcode: 'SO16 6YD' });
});
afterAll(async () => {
  await t?.close();
});

const lastAudit = async (action: string) =>
  (await t.database.db.select().from(auditEvents).where(eq(auditEvents.action, action)).orderBy(desc(auditEvents.seq)).limit(1))[0];

describe('the token endpoint', () => {
  it('gives a five-minute bearer token for a signed assertion, and the token works without a CSRF token', async () => {
    const r = await ed.requestToken({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(ed.id, ed.key, ed.tokenUrl),
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'check directory fhir role:point_of_care' });
    ed.accessToken = r.json.access_token;
    const dir = await ed.get('/api/directory/organisations?ods=RHM');
    expect(dir.status).toBe(200);
    const check = await ed.post('/api/check', { nhsNumber: '9434765919' });
    expect(check.status).toBe(200);
    expect(check.json.result).toBe('candidates');
    // Audited under the client's name and the person it acted for.
    const a = await lastAudit('alert.check');
    expect(a?.actorName).toBe('Badger ED record (API client) for Jane Smith (Staff midwife)');
    expect(a?.actorRole).toBe('point_of_care');
    expect(a?.actorOrganisationId).toBe(rhm);
    expect(a?.detail).toMatchObject({ apiClientId: ed.id, endUser: { name: 'Jane Smith', role: 'Staff midwife' } });
    const issued = await lastAudit('apiclient.token');
    expect(issued).toMatchObject({ outcome: 'success', entityId: ed.id, detail: expect.objectContaining({ role: 'point_of_care', keyId: ed.key.kid }) });
  });

  const refused = async (form: Record<string, string>, status: number, error: string, problem: RegExp) => {
    const r = await ed.requestToken(form);
    expect(r.status).toBe(status);
    expect(r.json.error).toBe(error);
    expect(r.json.error_description).toMatch(problem);
    const a = await lastAudit('apiclient.token');
    expect(a).toMatchObject({ outcome: 'denied', detail: expect.objectContaining({ error }) });
    return r;
  };
  const form = async (a: string, extra: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: a,
    ...extra,
  });

  it('refuses an expired assertion, one signed with another key, and one addressed elsewhere', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    await refused(await form(await assertion(ed.id, ed.key, ed.tokenUrl, {}, past)), 401, 'invalid_client', /expired/);
    const stranger = await makeKey(ed.key.kid);
    await refused(await form(await assertion(ed.id, stranger, ed.tokenUrl)), 401, 'invalid_client', /signature/);
    await refused(await form(await assertion(ed.id, ed.key, 'https://elsewhere.example/oauth2/token')), 401, 'invalid_client', /aud/);
    const longLived = Math.floor(Date.now() / 1000) + 3600;
    await refused(await form(await assertion(ed.id, ed.key, ed.tokenUrl, {}, longLived)), 401, 'invalid_client', /5 minutes/);
  });

  it('refuses a replayed assertion (the same jti twice)', async () => {
    const once = await assertion(ed.id, ed.key, ed.tokenUrl);
    expect((await ed.requestToken(await form(once))).status).toBe(200);
    await refused(await form(once), 401, 'invalid_client', /used already/);
  });

  it('refuses a scope or a role the client was not given, whole', async () => {
    await refused(await form(await assertion(ed.id, ed.key, ed.tokenUrl), { scope: 'check alerts' }), 400, 'invalid_scope', /alerts/);
    await refused(await form(await assertion(ed.id, ed.key, ed.tokenUrl), { scope: 'role:system_admin' }), 400, 'invalid_scope', /system_admin/);
    await refused(
      { grant_type: 'password', client_assertion_type: ASSERTION_TYPE, client_assertion: 'x' },
      400,
      'unsupported_grant_type',
      /client_credentials/,
    );
    await refused(await form('not-a-jwt'), 400, 'invalid_request', /not a JWT/);
  });

  it('a token that has passed its five minutes is refused', async () => {
    const six = new Date(Date.now() - 6 * 60_000);
    const a = await assertion(ed.id, ed.key, ed.tokenUrl, {}, Math.floor(six.getTime() / 1000) + 200);
    const old = await issueToken(t.database.db, systemContext('test'), await form(a), [ed.tokenUrl], six);
    const r = await t.app.inject({ method: 'GET', url: '/api/directory/organisations?ods=RHM', headers: { authorization: `Bearer ${old.access_token}` } });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/invalid_token/);
  });
});

describe('what a token opens', () => {
  it('only the parts of the API its scopes name; never administration or pages', async () => {
    await ed.signIn('directory');
    expect((await ed.get('/api/directory/units?organisation=RHM')).status).toBe(200);
    const check = await ed.post('/api/check', { nhsNumber: '9434765919' });
    expect(check.status).toBe(403);
    expect(check.json.message).toMatch(/scope check/);
    expect((await ed.get('/api/clients')).status).toBe(403);
    expect((await ed.get('/users')).status).toBe(403);
    expect((await ed.get('/api/session')).status).toBe(200);
  });

  it('a cookie session still needs its CSRF token', async () => {
    const person = await ApiClient.as(t, 'ed.nurse@beacon.example');
    const r = await person.post('/api/check', { nhsNumber: '9434765919' }, { csrf: false });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('csrf');
  });

  it('a suspended client’s tokens stop at once, and it gets no new ones', async () => {
    const c = await MachineClient.register(t, { name: 'Short-lived system', organisationId: rhm, roles: ['point_of_care'], scopes: ['directory'] });
    await c.signIn();
    expect((await c.get('/api/directory/organisations')).status).toBe(200);
    const admin = await ApiClient.as(t, 'admin@beacon.example');
    expect((await admin.post(`/api/clients/${c.id}/suspend`, { reason: 'Supplier contract ended' })).status).toBe(204);
    expect((await c.get('/api/directory/organisations')).status).toBe(401);
    const again = await c.requestToken({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(c.id, c.key, c.tokenUrl),
    });
    expect(again.status).toBe(401);
    expect(again.json.error_description).toMatch(/suspended/);
    expect((await admin.post(`/api/clients/${c.id}/reactivate`, { reason: 'New contract' })).status).toBe(204);
    expect((await c.signIn()).accessToken).toBeTruthy();
  });

  it('keys rotate with an overlap: old and new both work, then only the new', async () => {
    const c = await MachineClient.register(t, { name: 'Rotating system', organisationId: rhm, roles: ['point_of_care'], scopes: ['directory'] });
    const next = await makeKey();
    const admin = await ApiClient.as(t, 'admin@beacon.example');
    expect((await admin.put(`/api/clients/${c.id}/keys`, { jwks: { keys: [c.key.publicJwk, next.publicJwk] } })).status).toBe(204);
    expect((await c.signIn()).accessToken).toBeTruthy();
    const withNew = new MachineClient(t, c.id, next);
    expect((await withNew.signIn()).accessToken).toBeTruthy();
    expect((await admin.put(`/api/clients/${c.id}/keys`, { jwks: { keys: [next.publicJwk] } })).status).toBe(204);
    await expect(c.signIn()).rejects.toThrow(/401/);
    expect((await lastAudit('apiclient.keys.rotate'))?.detail).toMatchObject({ after: { keyIds: [next.kid] } });
  });
});

describe('keys published at an address', () => {
  it('a client whose key set is at a JWKS URL signs in with a key found there', async () => {
    const key = await makeKey();
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const admin = await ApiClient.as(t, 'admin@beacon.example');
      const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const r = await admin.post('/api/clients', {
        name: 'Published keys system',
        organisationId: rhm,
        roles: ['point_of_care'],
        scopes: ['directory'],
        jwksUrl,
      });
      expect(r.status).toBe(201);
      const c = new MachineClient(t, r.json.id, key);
      expect((await c.signIn()).accessToken).toBeTruthy();
      expect((await c.get('/api/directory/organisations?ods=RHU')).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('registering a client', () => {
  it('never more than the organisation’s people hold, never an administrator; refusals audited', async () => {
    const admin = await ApiClient.as(t, 'admin@beacon.example');
    const key = await makeKey();
    const base = { name: 'Greedy system', organisationId: rhm, scopes: ['alerts'], jwks: { keys: [key.publicJwk] } };
    const sw = await admin.post('/api/clients', { ...base, roles: ['social_worker'] });
    expect(sw.status).toBe(400);
    expect(sw.json.fields.roles).toMatch(/Nobody at Portsmouth .* holds that role/);
    expect(await lastAudit('apiclient.register')).toMatchObject({ outcome: 'denied' });
    const sa = await admin.post('/api/clients', { ...base, roles: ['system_admin'] });
    expect(sa.json.fields.roles).toMatch(/cannot be an administrator/);
    const priv = await admin.post('/api/clients', { ...base, roles: ['point_of_care'], jwks: { keys: [{ ...key.publicJwk, d: 'secret' }] } });
    expect(priv.json.fields.jwks).toMatch(/private key/);
    const nokeys = await admin.post('/api/clients', { ...base, roles: ['point_of_care'], jwks: undefined });
    expect(nokeys.json.fields.jwks).toMatch(/Paste the public key set/);
    const plainHttp = await admin.post('/api/clients', { ...base, roles: ['point_of_care'], jwks: undefined, jwksUrl: 'http://epr.example.nhs.uk/jwks' });
    expect(plainHttp.json.fields.jwksUrl).toMatch(/https/);
    // Only administrators register.
    const nurse = await ApiClient.as(t, 'ed.nurse@beacon.example');
    expect((await nurse.post('/api/clients', { ...base, roles: ['point_of_care'] })).status).toBe(403);
  });

  it('a client’s account is nobody’s colleague: not in the list of users, never in an audience', async () => {
    const admin = await ApiClient.as(t, 'admin@beacon.example');
    const page = await admin.get('/users?q=Badger');
    expect(page.status).toBe(200);
    const [account] = await t.database.db
      .select()
      .from(users)
      .where(and(eq(users.kind, 'api_client'), eq(users.displayName, 'Badger ED record')));
    expect(account).toBeTruthy();
    expect(account!.passwordHash).toBeNull();
    // Nobody can turn it into a person's account: no set-up link (a password), no roles added by hand.
    const adminCtx = await contextForEmail(t.database.db, 'admin@beacon.example', 'test');
    await expect(issueSetupLink(t.database.db, adminCtx, account!.id)).rejects.toThrow(/not found/i);
    await expect(addMembership(t.database.db, adminCtx, account!.id, { organisationId: rhm, role: 'system_admin' })).rejects.toMatchObject({
      fieldErrors: { role: expect.stringMatching(/API client/) },
    });
    const audience = await rows<{ user_id: string }>(t.database.db, audienceSql({ organisationIds: [rhm], roles: [], unitIds: [] }));
    expect(audience.length).toBeGreaterThan(0);
    expect(audience.map((a) => a.user_id)).not.toContain(account!.id);
  });
});
