import { timingSafeEqual } from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import {
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtNotBeforeError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { AppError } from '../errors.ts';
import { unavailable, type ProviderHttp } from './provider-http.ts';

/** The ID token claims sign-in reads; the rest are kept as the provider sent them. */
export type IdTokenClaims = JwtPayload & { readonly nonce?: unknown };

export interface IdTokenExpectation {
  readonly issuer: string;
  readonly clientId: string;
  readonly jwksUri: string;
}

const invalid = (why: string): AppError =>
  new AppError('sso_token_invalid', `The identity provider's answer could not be trusted: ${why}.`);

/** aws-jwt-verify fetches the JWKS through the same bounded client as everything else. */
function fetcherOf(http: ProviderHttp): Fetcher {
  return {
    async fetch(uri: string): Promise<ArrayBuffer> {
      const { status, body } = await http.request(uri);
      if (status !== 200) throw unavailable();
      return body;
    },
  };
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Verifies ID tokens with aws-jwt-verify: signature against the provider's JWKS (cached, refetched
 * when an unknown key id appears, at most once per penalty period), issuer, audience, expiry and
 * not-before; then what OpenID Connect adds: `azp` when there are several audiences, and the nonce
 * this sign-in sent.
 */
export class IdTokenVerifier {
  private readonly verifier;

  constructor(expected: IdTokenExpectation, http: ProviderHttp) {
    this.verifier = JwtVerifier.create(
      { issuer: expected.issuer, audience: expected.clientId, jwksUri: expected.jwksUri },
      { jwksCache: new SimpleJwksCache({ fetcher: fetcherOf(http) }) },
    );
    this.clientId = expected.clientId;
  }

  private readonly clientId: string;

  async verify(idToken: string, nonce: string): Promise<IdTokenClaims> {
    let claims: IdTokenClaims;
    try {
      claims = (await this.verifier.verify(idToken)) as IdTokenClaims;
    } catch (err) {
      throw refusalOf(err);
    }
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || typeof claims.sub !== 'string') {
      throw invalid('the ID token lacks exp, iat or sub');
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audiences.length > 1 && claims.azp !== this.clientId) {
      throw invalid('the ID token was issued to another party (azp)');
    }
    if (typeof claims.nonce !== 'string' || !sameText(claims.nonce, nonce)) {
      throw new AppError(
        'sso_nonce_mismatch',
        'The identity provider answered a different sign-in than the one this browser started.',
      );
    }
    return claims;
  }
}

function refusalOf(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (
    err instanceof FetchError ||
    err instanceof JwksNotAvailableInCacheError ||
    err instanceof JwksValidationError
  ) {
    return unavailable();
  }
  if (err instanceof JwtExpiredError) return invalid('the ID token has expired');
  if (err instanceof JwtNotBeforeError) return invalid('the ID token is not valid yet');
  if (err instanceof JwtInvalidAudienceError)
    return invalid('the ID token was issued to another application');
  if (err instanceof JwtInvalidIssuerError) return invalid('the ID token comes from another issuer');
  if (err instanceof KidNotFoundInJwksError || err instanceof WaitPeriodNotYetEndedJwkError)
    return invalid('the ID token is signed with an unknown key');
  if (err instanceof JwtBaseError) return invalid('the ID token is malformed or its signature is wrong');
  return invalid('the ID token could not be read');
}
