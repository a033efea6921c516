import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import type { Site } from '../model.ts';
import { verificationKeyOf, type SigningKeys } from '../tickets/keys.ts';

/**
 * The hand-off from a site's mutual-TLS sign-in domain back to the site (docs/sign-in/smart-cards.md,
 * "On AWS"). API Gateway checks a client certificate only on a custom domain of its own, which
 * CloudFront cannot sit in front of, so the certificate is checked there, and the site, on its own
 * address, signs the holder in: the domain sends the browser back with a hand-off naming the
 * certificate's holder, signed with the ticket key under its own audience and type (never taken for
 * a ticket, nor a ticket for it), valid for a minute, for this site, and bound to the state the site
 * put in the browser's cookie when it sent the browser to the domain, so that nobody can sign
 * another person's browser in with their own card (login CSRF).
 */
export interface CertificateHandoff {
  /** What the certificate names its holder by (its e-mail address or common name). */
  readonly holder: string;
  readonly site: Site;
  /** SHA-256 of the certificate (DER), base64url: which card signed in, for the audit trail. */
  readonly certificateSha256: string;
}

const issuer = 'web-communicator';
const audience = 'web-communicator/certificate-handoff';
const type = 'cwa-certificate-handoff+jwt';
const algorithm = 'EdDSA';

/** How long the browser has to carry a hand-off from the mutual-TLS domain to the site. */
export const handoffSeconds = 60;

const digestOf = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A fresh state for one sign-in: the site keeps it in a cookie and sends it to the domain. */
export const newHandoffState = (): string => randomBytes(32).toString('base64url');

/** Whether `state` could be one `newHandoffState` made (what the domain accepts in its query). */
export const isHandoffState = (state: string | undefined): state is string =>
  typeof state === 'string' && /^[A-Za-z0-9_-]{43}$/.test(state);

/** Signs a hand-off for `state` (the mutual-TLS domain, once the certificate passed every check). */
export async function issueHandoff(
  keys: SigningKeys,
  clock: Clock,
  handoff: CertificateHandoff,
  state: string,
): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT({
    site: handoff.site,
    st: digestOf(state).toString('base64url'),
    'x5t#S256': handoff.certificateSha256,
  })
    .setProtectedHeader({ alg: algorithm, kid: keys.kid, typ: type })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(handoff.holder)
    .setIssuedAt(now)
    .setExpirationTime(now + handoffSeconds)
    .sign(keys.privateKey);
}

const invalid = () =>
  new AppError(
    'certificate_handoff_invalid',
    'The smart card sign-in did not finish in time or not in this browser. Start it again.',
  );

/**
 * The hand-off the browser brought back to `site`, if it is genuine, unexpired, for this site and
 * for the state in this browser's cookie; otherwise `certificate_handoff_invalid`.
 */
export async function redeemHandoff(
  keys: SigningKeys,
  clock: Clock,
  token: string,
  expected: { readonly site: Site; readonly state: string | undefined },
): Promise<CertificateHandoff> {
  if (!expected.state || token.length > 2048) throw invalid();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, (header) => verificationKeyOf(keys, header.kid) ?? keys.publicKey, {
      algorithms: [algorithm],
      issuer,
      audience,
      typ: type,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(clock.now()),
    }));
  } catch {
    throw invalid();
  }
  const bound = typeof payload.st === 'string' ? Buffer.from(payload.st, 'base64url') : Buffer.alloc(0);
  const state = digestOf(expected.state);
  if (payload.site !== expected.site || bound.length !== state.length || !timingSafeEqual(bound, state)) {
    throw invalid();
  }
  return {
    holder: String(payload.sub),
    site: expected.site,
    certificateSha256: String(payload['x5t#S256'] ?? ''),
  };
}
