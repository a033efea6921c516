import { isIP } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError } from '../core/errors.ts';
import type { Site } from '../core/model.ts';
import type { SettingsSource } from '../deps.ts';
import { bodyLimits } from '../routes.ts';
import { isBehindVerifiedOrigin } from './origin-verify.ts';
import { isPublicOrigin } from './site-origin.ts';

/** The published site a request came through: the `site` stage variable of its API. */
export function siteOf(event: { stageVariables?: Record<string, string | undefined> | null }): Site {
  const site = event.stageVariables?.site;
  if (site === 'internal' || site === 'external') return site;
  throw new Error('the API stage has no valid "site" stage variable');
}

const isLoopback = (ip: string): boolean => ip === '::1' || /^127\./.test(ip) || /^::ffff:127\./i.test(ip);

/**
 * HTTPS as API Gateway saw it (it sets `x-forwarded-proto` itself; the local gateway does the same,
 * trusting a proxy's header only from configured proxies), or a loopback client.
 */
export function isSecureTransport(event: APIGatewayProxyEventV2): boolean {
  return event.headers['x-forwarded-proto'] === 'https' || isLoopback(event.requestContext.http.sourceIp);
}

/** The header the site's CloudFront function sets to the viewer's address (overwriting any sent). */
export const viewerAddressHeader = 'x-viewer-address';

/**
 * The address of the person signing in, for per-address sign-in regulation and the audit trail.
 * Behind CloudFront, API Gateway sees an edge server's address, so the viewer's comes from the
 * `X-Viewer-Address` header the site's viewer-request function sets from `event.viewer.ip`
 * (replacing whatever the viewer sent); it is believed only where the origin check is on, so that
 * every request reaching a handler came through CloudFront (the adapter refuses the rest). Locally
 * the gateway already resolved trusted proxies.
 */
export function clientAddressOf(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'requestContext'>,
  env: SettingsSource,
): string {
  const sourceIp = event.requestContext.http.sourceIp;
  if (!isBehindVerifiedOrigin(env)) return sourceIp;
  const address = event.headers[viewerAddressHeader]?.trim();
  return address && isIP(address) ? address : sourceIp;
}

/** How a sign-in request arrived: the site, whether over HTTPS, and the client's address. */
export const signInContextOf = (event: APIGatewayProxyEventV2, env: SettingsSource) => ({
  site: siteOf(event),
  secureTransport: isSecureTransport(event),
  sourceAddress: clientAddressOf(event, env),
});

/** The fields every password form posts (forms sign-in, and two-factor's first step), bounded. */
export const passwordCredentialsOf = (fields: Record<string, unknown>) => ({
  domain: stringField(fields, 'domain', 64),
  username: stringField(fields, 'username', 256),
  password: stringField(fields, 'password', 1024),
  sipUri: optionalStringField(fields, 'sipUri', 256),
});

/** A field of a refused form, to show again: text only, and no longer than any real one. */
export const refilledField = (fields: Record<string, unknown>, name: string): string =>
  typeof fields[name] === 'string' ? (fields[name] as string).slice(0, 256) : '';

/** The largest body a route that reads one takes (a form or a JSON object). */
export const bodyLimitBytes = bodyLimits.readsBody;

/** The refusal of a request body over `limit` bytes, wherever it is noticed (handler or gateway). */
export const payloadTooLarge = (limit: number): AppError =>
  new AppError('payload_too_large', `request bodies are limited to ${limit} bytes here`);

export type BodyKind = 'json' | 'form';

/** The request body as flat string fields, from JSON or a urlencoded form, within the size limit. */
export function readFields(event: APIGatewayProxyEventV2): {
  kind: BodyKind;
  fields: Record<string, unknown>;
} {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > bodyLimitBytes) throw payloadTooLarge(bodyLimitBytes);
  const type = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return { kind: 'form', fields: Object.fromEntries(new URLSearchParams(body)) };
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new AppError('bad_request', 'the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AppError('bad_request', 'the body must be a JSON object');
    }
    return { kind: 'json', fields: parsed as Record<string, unknown> };
  }
  throw new AppError('unsupported_media_type', 'send application/json or application/x-www-form-urlencoded');
}

/** A required string field of bounded length. */
export function stringField(fields: Record<string, unknown>, name: string, max: number): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AppError('bad_request', `"${name}" is required`);
  }
  if (value.length > max) throw new AppError('bad_request', `"${name}" is longer than ${max} characters`);
  return value;
}

export function optionalStringField(
  fields: Record<string, unknown>,
  name: string,
  max: number,
): string | undefined {
  return fields[name] === undefined || fields[name] === '' ? undefined : stringField(fields, name, max);
}

/**
 * Refuses a state-changing request a browser says came from another site, so no other site can sign
 * a visitor in to an account of its choosing or sign them out: by Fetch Metadata (`Sec-Fetch-Site`),
 * or, from browsers that send none, by an `Origin` that is not one of the site's public origins
 * (`null` included). Clients that send neither (non-browsers) are not affected.
 */
export function assertNotCrossSite(event: APIGatewayProxyEventV2, env: SettingsSource): void {
  const site = event.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new AppError('cross_site_request', 'This request came from another site and was refused.');
  }
  const origin = event.headers.origin;
  if (site === undefined && origin !== undefined && !isPublicOrigin(siteOf(event), origin, env)) {
    throw new AppError('cross_site_request', 'This request came from another site and was refused.');
  }
}

/**
 * Refuses a WebSocket upgrade whose `Origin` is not one of the site's public origins (configured,
 * never taken from `Host` or `X-Forwarded-Host`): browsers send cookies with cross-origin upgrades,
 * so without this any page could open a connection as the signed-in user. Upgrades without an
 * `Origin` come from non-browser clients and are not affected.
 */
export function assertSameOriginUpgrade(origin: string | undefined, site: Site, env: SettingsSource): void {
  if (origin === undefined) return;
  if (!isPublicOrigin(site, origin, env)) {
    throw new AppError('cross_site_request', 'This connection was opened from another site and was refused.');
  }
}
