import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1 and a random port, for tests. One
 * confidential client (client_secret_post, authorization code only, PKCE required), an RS256 signing
 * key made for the run, and a tiny login page of its own (no consent screen: the grant is given on
 * login) that a test drives with plain HTTP:
 *
 *   GET  /interaction/:uid          a form: `login` (the test account id), buttons sign-in / cancel
 *   POST /interaction/:uid/login    sign-in: finishes the login; cancel: returns error=access_denied
 *
 * The account id is the `sub`. Claims follow the standard scopes, so by default `email` comes from the
 * userinfo endpoint (as with CIS2), not the ID token; `emailInIdToken` puts it in the ID token instead.
 */

export interface TestAccount {
  /** Omit to simulate a provider that shares no email address. */
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by id (= `sub`); may be changed while running. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

// oidc-provider ships no type declarations: this is the little of it used here.
interface Interaction {
  uid: string;
  prompt: { name: string };
  params: Record<string, unknown>;
}
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  on(event: string, listener: (...args: unknown[]) => void): void;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startTestProvider(options: {
  /** The relying party's callback, e.g. `${appUrl}/sign-in/sso/callback`. */
  redirectUri: string;
  accounts?: Record<string, TestAccount>;
  clientId?: string;
  clientSecret?: string;
  /**
   * Put the scope claims (email) in the ID token and switch userinfo off, as Entra ID does with the
   * `email` optional claim. Default: claims only from userinfo, as CIS2 does.
   */
  emailInIdToken?: boolean;
}): Promise<TestProvider> {
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: ProviderClass };

  // Bind first so the issuer (which includes the port) is known before the provider is made.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = options.clientId ?? 'beacon-test';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const accounts = new Map(Object.entries(options.accounts ?? {}));

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-signing-key' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: !options.emailInIdToken,
    features: { devInteractions: { enabled: false }, userinfo: { enabled: !options.emailInIdToken } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: { url: (_ctx: unknown, interaction: Interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            ...(account.email !== undefined ? { email: account.email, email_verified: account.emailVerified ?? true } : {}),
            ...(account.name !== undefined ? { name: account.name } : {}),
          };
        },
      };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('test OIDC provider error', err));

  const handle = provider.callback();
  const loginPage = (uid: string, error = '') =>
    `<!doctype html><title>Test sign-in</title>${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}<form method="post" action="/interaction/${escapeHtml(uid)}/login"><label>Account <input name="login"></label><button name="action" value="sign-in">Sign in</button><button name="action" value="cancel">Cancel</button></form>`;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec((req.url ?? '').split('?')[0]!);
    if (!m) return handle(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET' && !m[2]) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(details.uid));
        return;
      }
      if (req.method !== 'POST' || !m[2]) {
        res.writeHead(405).end();
        return;
      }
      const form = await readForm(req);
      if (form.get('action') === 'cancel') {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'End-User aborted interaction' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const accountId = form.get('login') ?? '';
      if (!accounts.has(accountId)) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, 'Unknown account'));
        return;
      }
      // Log in and give the grant at once (a first-party client: no consent screen).
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
