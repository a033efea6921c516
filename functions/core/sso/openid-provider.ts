import { AppError } from '../errors.ts';
import { IdTokenVerifier, type IdTokenClaims } from './id-token.ts';
import { parseObject, unavailable, type ProviderHttp } from './provider-http.ts';

/** The relying party's registration at the provider. */
export interface RelyingParty {
  readonly issuer: string;
  readonly clientId: string;
  /** Read when a code is redeemed (on AWS from Secrets Manager, so only the callback needs it). */
  readonly clientSecret: () => Promise<string | undefined>;
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly scopes: string;
  /** Used when discovery names no `end_session_endpoint` (Cognito's `/logout`). */
  readonly endSessionEndpoint: string | undefined;
  readonly logoutRedirectParameter: string;
}

/** What discovery told us, checked. */
export interface ProviderMetadata {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly endSessionEndpoint: string | undefined;
}

export interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
  /** Ask the provider to authenticate the user again even if it has a session (after a sign-out). */
  readonly forceLogin: boolean;
}

export interface CodeRedemption {
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}

export interface VerifiedSignIn {
  readonly idToken: string;
  readonly claims: IdTokenClaims;
}

/** The provider as sign-in sees it: where to send the browser, and what a returned code is worth. */
export interface OpenIdProvider {
  authorizationUrl(request: AuthorizationRequest): Promise<string>;
  redeem(redemption: CodeRedemption): Promise<VerifiedSignIn>;
  /** Where to send the browser to end the provider session too; undefined when the provider has no such endpoint. */
  endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined>;
}

const urlField = (doc: Record<string, unknown>, name: string, isAllowed: (url: string) => boolean) => {
  const value = doc[name];
  return typeof value === 'string' && isAllowed(value) ? value : undefined;
};

/**
 * An OpenID provider reached over HTTP: discovery (fetched once and kept; fetched again after a
 * failure), the authorization-code grant with PKCE, and ID token verification with aws-jwt-verify.
 */
export class DiscoveredOpenIdProvider implements OpenIdProvider {
  private metadata:
    Promise<{ readonly metadata: ProviderMetadata; readonly verifier: IdTokenVerifier }> | undefined;

  constructor(
    private readonly rp: RelyingParty,
    private readonly http: ProviderHttp,
    /** Which provider addresses are acceptable (https, or http on loopback). */
    private readonly isAllowedUrl: (url: string) => boolean,
  ) {}

  private discovered() {
    this.metadata ??= this.discover().catch((err: unknown) => {
      this.metadata = undefined;
      throw err;
    });
    return this.metadata;
  }

  private async discover() {
    const doc = await this.http.getJson(
      `${this.rp.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    );
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer we asked.
    if (doc.issuer !== this.rp.issuer) throw unavailable();
    const authorizationEndpoint = urlField(doc, 'authorization_endpoint', this.isAllowedUrl);
    const tokenEndpoint = urlField(doc, 'token_endpoint', this.isAllowedUrl);
    const jwksUri = urlField(doc, 'jwks_uri', this.isAllowedUrl);
    if (!authorizationEndpoint || !tokenEndpoint || !jwksUri) throw unavailable();
    const methods = doc.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes('S256')) throw unavailable();
    const metadata: ProviderMetadata = {
      authorizationEndpoint,
      tokenEndpoint,
      jwksUri,
      endSessionEndpoint:
        urlField(doc, 'end_session_endpoint', this.isAllowedUrl) ?? this.rp.endSessionEndpoint,
    };
    const verifier = new IdTokenVerifier(
      { issuer: this.rp.issuer, clientId: this.rp.clientId, jwksUri },
      this.http,
    );
    return { metadata, verifier };
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<string> {
    const { metadata } = await this.discovered();
    const url = new URL(metadata.authorizationEndpoint);
    const params = {
      response_type: 'code',
      client_id: this.rp.clientId,
      redirect_uri: request.redirectUri,
      scope: this.rp.scopes,
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      ...(request.forceLogin ? { prompt: 'login' } : {}),
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  }

  async redeem(redemption: CodeRedemption): Promise<VerifiedSignIn> {
    const { metadata, verifier } = await this.discovered();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: redemption.code,
      redirect_uri: redemption.redirectUri,
      code_verifier: redemption.codeVerifier,
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const secret = this.rp.clientAuth === 'none' ? undefined : await this.rp.clientSecret();
    if (this.rp.clientAuth === 'client_secret_basic' && secret) {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const pair = `${encodeURIComponent(this.rp.clientId)}:${encodeURIComponent(secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', this.rp.clientId);
      if (this.rp.clientAuth === 'client_secret_post' && secret) {
        form.set('client_secret', secret);
      }
    }
    const { status, body } = await this.http.request(metadata.tokenEndpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
    });
    const answer = parseObject(body);
    if (status >= 500 || !answer) throw unavailable();
    if (status !== 200) {
      // invalid_grant: the code was used already, has expired, or the PKCE verifier does not match.
      const reason =
        typeof answer.error === 'string' && /^[\w.-]{1,64}$/.test(answer.error) ? answer.error : 'refused';
      throw new AppError(
        'sso_code_rejected',
        `The identity provider refused to complete this sign-in (${reason}). Start again from the sign-in page.`,
      );
    }
    if (typeof answer.id_token !== 'string' || answer.id_token.length > 16 * 1024) {
      throw new AppError(
        'sso_token_invalid',
        "The identity provider's answer could not be trusted: no ID token.",
      );
    }
    const claims = await verifier.verify(answer.id_token, redemption.nonce);
    return { idToken: answer.id_token, claims };
  }

  async endSessionUrl(
    idToken: string | undefined,
    postLogoutRedirectUri: string,
  ): Promise<string | undefined> {
    // Asked afresh, not from the kept document: a provider that is down now could not end the
    // session, and the browser belongs on the local sign-out page instead (a timeout at most).
    const { metadata } = await this.discover();
    if (!metadata.endSessionEndpoint) return undefined;
    const url = new URL(metadata.endSessionEndpoint);
    url.searchParams.set('client_id', this.rp.clientId);
    url.searchParams.set(this.rp.logoutRedirectParameter, postLogoutRedirectUri);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    return url.href;
  }
}
