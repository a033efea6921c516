import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOidc } from 'oidc-provider';

/** A person the test provider knows, with the claims it states about them. */
export interface ProviderAccount {
  readonly id: string;
  readonly password: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface ProviderClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

export interface OpenIdProviderFixture {
  /** `http://127.0.0.1:<port>`, known before the provider is configured. */
  readonly issuer: string;
  /** Sets up the provider with its clients (their redirect URIs name ports known only later). */
  configure(clients: readonly ProviderClient[]): Promise<void>;
  /** While down, every connection is dropped, as by a provider that cannot be reached. */
  setDown(down: boolean): void;
  /** How long ID tokens from now on live. */
  setIdTokenTtl(seconds: number): void;
  /** Holds each token endpoint answer this long after the tokens are minted (a slow network). */
  setTokenDelay(ms: number): void;
  /** A user agent that signs in at the provider: follows `authorizationUrl` until the provider sends it away; answers that URL. */
  authorize(authorizationUrl: string, account?: { id: string; password: string }): Promise<string>;
  close(): Promise<void>;
}

const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Pages without outside resources (the defaults load web fonts, and this machine reaches nothing). */
const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${body}</body></html>`;

function loginPage(uid: string, error?: string): string {
  return page(
    'Test provider sign-in',
    `<h1>Test provider</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label>Login <input id="login" name="login" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="submit" type="submit">Sign in</button>
</form>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A real OpenID provider (the certified `oidc-provider` package) on a loopback port, with a login
 * page of its own that checks the test accounts' passwords, first-party consent, RS256 ID tokens,
 * PKCE required, and RP-initiated logout.
 */
export async function startOpenIdProvider(
  accounts: readonly ProviderAccount[],
): Promise<OpenIdProviderFixture> {
  let provider: Provider | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let down = false;
  let idTokenTtl = 600;
  let tokenDelayMs = 0;

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    if (!provider) throw new Error('the provider is not configured');
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST') {
      const form = await readForm(req);
      const account = accounts.find((a) => a.id === form.get('login'));
      if (!account || account.password !== form.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(uid, 'Wrong login or password.'));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.id } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(details.uid));
  };

  const server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const uid = /^\/interaction\/([\w-]+)$/.exec(path)?.[1];
    if (uid) {
      interaction(req, res, uid).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
      return;
    }
    if (!handle) {
      res.writeHead(503).end();
      return;
    }
    if (path === '/token' && tokenDelayMs > 0) {
      const delay = tokenDelayMs;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => end(...args), delay);
        return res;
      }) as typeof res.end;
    }
    handle(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    async configure(clients) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-provider-key' };
      provider = new Provider(issuer, {
        clients: clients.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uris: c.redirectUris,
          post_logout_redirect_uris: c.postLogoutRedirectUris,
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_basic',
        })),
        jwks: { keys: [jwk] },
        cookies: { keys: ['test-provider-cookie-key'] },
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['name', 'preferred_username'],
        },
        // Claims in the ID token itself, as Cognito, Entra ID, Okta and Keycloak send them.
        conformIdTokenClaims: false,
        pkce: { required: () => true },
        features: {
          devInteractions: { enabled: false },
          rpInitiatedLogout: {
            enabled: true,
            logoutSource: (ctx: KoaContextWithOidc, form: string) => {
              ctx.type = 'html';
              ctx.body = page(
                'Sign out of the test provider',
                `<h1>Sign out?</h1>${form}<button id="logout-yes" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
              );
            },
            postLogoutSuccessSource: (ctx: KoaContextWithOidc) => {
              ctx.type = 'html';
              ctx.body = page('Signed out', '<h1>Signed out of the test provider</h1>');
            },
          },
        },
        renderError: (ctx: KoaContextWithOidc, out: Record<string, unknown>) => {
          ctx.type = 'html';
          ctx.body = page(
            'Provider error',
            `<p id="error">${escape(out.error)}: ${escape(out.error_description)}</p>`,
          );
        },
        findAccount: (_ctx: unknown, id: string) => {
          const account = accounts.find((a) => a.id === id);
          return account && { accountId: id, claims: () => ({ sub: id, ...account.claims }) };
        },
        // First-party client: consent is implied (the documented recipe for skipping the consent prompt).
        loadExistingGrant: async (ctx: KoaContextWithOidc) => {
          const clientId = ctx.oidc.client?.clientId ?? '';
          const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(clientId);
          if (grantId) return ctx.oidc.provider.Grant.find(grantId);
          const grant = new ctx.oidc.provider.Grant({
            clientId,
            accountId: ctx.oidc.session.accountId ?? '',
          });
          grant.addOIDCScope('openid email profile');
          await grant.save();
          return grant;
        },
        interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
        ttl: {
          IdToken: () => idTokenTtl,
          AccessToken: 600,
          AuthorizationCode: 60,
          Interaction: 600,
          Session: 3600,
          Grant: 3600,
        },
      });
      handle = provider.callback();
    },
    setDown(value) {
      down = value;
    },
    setIdTokenTtl(seconds) {
      idTokenTtl = seconds;
    },
    setTokenDelay(ms) {
      tokenDelayMs = ms;
    },
    async authorize(authorizationUrl, account) {
      const jar = new Map<string, string>();
      let url = authorizationUrl;
      let form: URLSearchParams | undefined;
      for (let hop = 0; hop < 10; hop++) {
        if (new URL(url).origin !== issuer) return url;
        const response = await fetch(url, {
          method: form ? 'POST' : 'GET',
          redirect: 'manual',
          headers: {
            cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
            ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: form?.toString(),
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const at = pair.indexOf('=');
          const name = pair.slice(0, at);
          const value = pair.slice(at + 1);
          if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
          else jar.set(name, value);
        }
        form = undefined;
        const location = response.headers.get('location');
        if (location) {
          url = new URL(location, url).href;
          continue;
        }
        const body = await response.text();
        if (response.status === 200 && body.includes('name="password"') && account) {
          form = new URLSearchParams({ login: account.id, password: account.password });
          continue;
        }
        throw new Error(`the test provider answered ${response.status} at ${url}: ${body.slice(0, 300)}`);
      }
      throw new Error('too many redirects at the test provider');
    },
    async close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
