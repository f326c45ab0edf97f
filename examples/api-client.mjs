// A machine client of Beacon, start to finish: make a key pair, have it registered, get a token with a
// signed client assertion (RFC 7523), and check for an alert. Run it against the demo service:
//
//   BEACON_ADMIN_PASSWORD='<the demo password>' node examples/api-client.mjs
//
// In real use the administrator registers the client on the "API clients" page (or POST /api/clients)
// with the public key set this prints, and the system keeps its private key to itself.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const BASE = (process.env.BEACON_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const ADMIN = process.env.BEACON_ADMIN_EMAIL ?? 'admin@beacon.example';
const PASSWORD = process.env.BEACON_ADMIN_PASSWORD;
const ODS = process.env.BEACON_ODS ?? 'RHU';
if (!PASSWORD) throw new Error('Set BEACON_ADMIN_PASSWORD to the demo password (data/demo-sign-ins.txt)');

// 1. The system's key pair. Only the public half ever leaves it.
const { privateKey, publicKey } = await generateKeyPair('RS512', { extractable: true });
const kid = `example-${randomUUID().slice(0, 8)}`;
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS512', use: 'sig' }] };
console.log('Public key set:', JSON.stringify(jwks));

// 2. An administrator registers it (here through the API, signed in as the demo administrator).
const cookies = new Map();
const remember = (res) => {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i), pair.slice(i + 1));
  }
};
const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
const signInPage = await fetch(`${BASE}/sign-in`);
remember(signInPage);
const formToken = (await signInPage.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
const signedIn = await fetch(`${BASE}/sign-in`, {
  method: 'POST',
  redirect: 'manual',
  headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ _csrf: formToken ?? '', email: ADMIN, password: PASSWORD }),
});
remember(signedIn);
const session = await fetch(`${BASE}/api/session`, { headers: { cookie: cookie() } });
remember(session);
const { csrfToken } = await session.json();
const admin = (method, path, body) =>
  fetch(`${BASE}${path}`, { method, headers: { cookie: cookie(), 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const org = await (await fetch(`${BASE}/api/directory/organisations?ods=${ODS}`, { headers: { cookie: cookie() } })).json();
const registered = await admin('POST', '/api/clients', {
  name: `Example ED system ${kid}`,
  organisationId: org.organisations[0].id,
  roles: ['point_of_care'],
  scopes: ['check', 'directory', 'fhir'],
  jwks,
});
if (registered.status !== 201) throw new Error(`Registering answered ${registered.status}: ${await registered.text()}`);
const { id: clientId, tokenUrl } = await registered.json();
console.log('Client id:', clientId);

// 3. A token: sign a fresh assertion (iss = sub = client id, aud = the token address, a new jti, 5 minutes at most).
const clientAssertion = await new SignJWT({ jti: randomUUID() })
  .setProtectedHeader({ alg: 'RS512', kid, typ: 'JWT' })
  .setIssuer(clientId)
  .setSubject(clientId)
  .setAudience(tokenUrl)
  .setIssuedAt()
  .setExpirationTime('4m')
  .sign(privateKey);
const tokenRes = await fetch(`${BASE}/oauth2/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
  }),
});
const token = await tokenRes.json();
if (tokenRes.status !== 200) throw new Error(`The token endpoint answered ${tokenRes.status}: ${token.error_description}`);
console.log(`Token for ${token.expires_in} seconds, scope: ${token.scope}`);

// 4. Check for an alert, naming the person at the desk (recorded in the audit log). No CSRF token with a bearer token.
const check = await fetch(`${BASE}/api/check`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token.access_token}`, 'beacon-end-user': 'Sam Example; ED receptionist', 'content-type': 'application/json' },
  body: JSON.stringify({ givenName: process.env.GIVEN ?? 'Becky', familyName: process.env.FAMILY ?? 'Thornbury', dateOfBirth: process.env.DOB ?? '1997-04-12' }),
});
const result = await check.json();
console.log(`Check: ${check.status} ${result.result ?? result.message}`, (result.candidates ?? []).map((c) => `${c.reference} ${c.band}`).join(', '));
