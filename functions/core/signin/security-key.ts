import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors.ts';
import type { SignInContext } from './forms.ts';
import {
  assertMayEnrol,
  pendingSignIn,
  recordEnrolment,
  secondStep,
  type Enroller,
  type TwoFactorDeps,
  type TwoFactorSignedIn,
} from './two-factor.ts';

/** Who the browser must believe it is talking to: the relying party id and the page's origin. */
export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
  readonly name: string;
}

/** How long a browser has to answer a security-key challenge. */
const challengeMs = 5 * 60 * 1000;

const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(text, 'base64url'));
const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

function credentialJson<T>(value: unknown): T {
  const candidate = value as { id?: unknown; response?: unknown; type?: unknown } | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.id !== 'string' ||
    candidate.id.length > 1024 ||
    typeof candidate.response !== 'object' ||
    candidate.type !== 'public-key'
  ) {
    throw new AppError('bad_request', 'Send the security key’s answer as a public-key credential.');
  }
  return value as T;
}

/**
 * Starts adding a security key for a signed-in user: WebAuthn registration options (no attestation
 * asked; keys already added excluded), with the challenge kept for five minutes, single use. If the
 * account has a second factor already, the session must have signed in with it (step-up).
 */
export async function beginSecurityKeyEnrolment(
  deps: Pick<TwoFactorDeps, 'factors' | 'clock' | 'audit'>,
  user: Enroller & { readonly displayName: string },
  party: RelyingParty,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  await assertMayEnrol(deps, user, 'security-key');
  const existing = (await deps.factors.factorsOf(user.sipUri)).securityKeys;
  const options = await generateRegistrationOptions({
    rpName: party.name,
    rpID: party.id,
    userName: user.sipUri.replace(/^sip:/, ''),
    userDisplayName: user.displayName,
    userID: new Uint8Array(randomBytes(16)),
    attestationType: 'none',
    excludeCredentials: existing.map((key) => ({ id: key.credentialId, transports: [...key.transports] })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
  });
  await deps.factors.putEnrolmentChallenge(user.sipUri, options.challenge, deps.clock.now() + challengeMs);
  return options;
}

/**
 * Adds the security key whose registration answers the challenge this user was given, under the
 * same step-up rule as starting it (a factor added meanwhile counts).
 */
export async function finishSecurityKeyEnrolment(
  deps: Pick<TwoFactorDeps, 'factors' | 'clock' | 'audit'>,
  user: Enroller,
  answer: unknown,
  party: RelyingParty,
): Promise<void> {
  const response = credentialJson<RegistrationResponseJSON>(answer);
  await assertMayEnrol(deps, user, 'security-key');
  const pending = await deps.factors.takeEnrolmentChallenge(user.sipUri);
  if (!pending || deps.clock.now() >= pending.expiresAt) {
    throw new AppError('two_factor_expired', 'Adding the security key took too long; try again.');
  }
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: pending.challenge,
      expectedOrigin: party.origin,
      expectedRPID: party.id,
      requireUserVerification: false,
    });
  } catch {
    verified = undefined;
  }
  if (!verified?.verified) {
    throw new AppError('second_factor_invalid', 'The security key’s answer could not be verified.');
  }
  const { credential } = verified.registrationInfo;
  await deps.factors.putSecurityKey(user.sipUri, {
    credentialId: credential.id,
    publicKey: toBase64Url(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? [],
    createdAt: deps.clock.now(),
  });
  recordEnrolment(deps, user, 'security-key');
}

/** The WebAuthn challenge for the second step of a pending sign-in, naming the user's keys. */
export async function securityKeyChallenge(
  deps: TwoFactorDeps,
  token: string | undefined,
  context: SignInContext,
  party: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const pending = await pendingSignIn(deps, token, context.site);
  const keys = (await deps.factors.factorsOf(pending.sipUri)).securityKeys;
  if (keys.length === 0) {
    throw new AppError('two_factor_not_enrolled', 'This account has no security key.');
  }
  const options = await generateAuthenticationOptions({
    rpID: party.id,
    allowCredentials: keys.map((key) => ({ id: key.credentialId, transports: [...key.transports] })),
    userVerification: 'preferred',
  });
  await deps.pending.setChallenge(token ?? '', options.challenge);
  return options;
}

/**
 * The second step with a security key: its signature over this sign-in's challenge, from one of the
 * user's keys, for this site's origin and relying party, with a signature counter that moved on
 * (a cloned key's would not). Wrong answers count against the same lock as wrong passwords.
 */
export function completeWithSecurityKey(
  deps: TwoFactorDeps,
  token: string | undefined,
  answer: unknown,
  context: SignInContext,
  party: RelyingParty,
): Promise<TwoFactorSignedIn> {
  const response = credentialJson<AuthenticationResponseJSON>(answer);
  return secondStep(deps, token, context, async (pending) => {
    const key = (await deps.factors.factorsOf(pending.sipUri)).securityKeys.find(
      (candidate) => candidate.credentialId === response.id,
    );
    if (!key || !pending.challenge) return 'wrong';
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: party.origin,
        expectedRPID: party.id,
        credential: {
          id: key.credentialId,
          publicKey: fromBase64Url(key.publicKey),
          counter: key.counter,
          transports: [...key.transports],
        },
        requireUserVerification: false,
      });
    } catch {
      return 'wrong';
    }
    if (!verified.verified) return 'wrong';
    const moved = await deps.factors.useSecurityKey(
      pending.sipUri,
      key.credentialId,
      verified.authenticationInfo.newCounter,
    );
    return moved ? 'ok' : 'reused';
  });
}
