import { createHash, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AppError } from '../core/errors.ts';
import type { SettingsSource } from '../deps.ts';

/**
 * The header CloudFront adds to every request it sends the APIs, holding a secret Secrets Manager
 * generated. API Gateway's own `execute-api` address is public and HTTP APIs take no WAF or
 * resource policy, so without this check anyone could call the APIs directly and skip the site's
 * WAF (the internal site's network restriction included) and forge the viewer-address header.
 */
export const originVerifyHeader = 'x-origin-verify';

/** The secret by its ARN: one Secrets Manager read per secret per process, again after a failure. */
const loaded = new Map<string, Promise<string>>();

async function loadSecret(secretArn: string): Promise<string> {
  const result = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!result.SecretString) throw new Error('the origin-verify secret is empty');
  return result.SecretString;
}

/** The secret CloudFront sends, read once per cold start; unset (`ORIGIN_VERIFY_SECRET_ARN`) locally. */
function originSecret(env: SettingsSource): Promise<string | undefined> {
  const secretArn = env.ORIGIN_VERIFY_SECRET_ARN;
  if (!secretArn) return Promise.resolve(undefined);
  let secret = loaded.get(secretArn);
  if (!secret) {
    secret = loadSecret(secretArn).catch((err: unknown) => {
      loaded.delete(secretArn);
      throw err;
    });
    loaded.set(secretArn, secret);
  }
  return secret;
}

/** Whether requests must prove they came through CloudFront (on AWS; never locally). */
export const isBehindVerifiedOrigin = (env: SettingsSource): boolean => Boolean(env.ORIGIN_VERIFY_SECRET_ARN);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Refuses `headers` unless they carry `secret` in the origin-verify header; a no-op without a secret. */
export function checkOrigin(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  secret: string | undefined,
): void {
  if (secret === undefined) return;
  const presented = Object.entries(headers ?? {}).find(
    ([name]) => name.toLowerCase() === originVerifyHeader,
  )?.[1];
  // Digests first: equal lengths for timingSafeEqual, and no timing hint about the secret's length.
  if (presented === undefined || !timingSafeEqual(digest(presented), digest(secret))) {
    throw new AppError('direct_access_refused', "This API answers only through the site's own address.");
  }
}

/**
 * Refuses a request that did not come through the site's CloudFront distribution (403
 * `direct_access_refused`); a no-op where no origin secret is configured (the local runtime).
 */
export async function assertThroughOrigin(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  env: SettingsSource,
): Promise<void> {
  checkOrigin(headers, await originSecret(env));
}
