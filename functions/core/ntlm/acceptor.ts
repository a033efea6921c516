import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import type { IssuedChallenge, NtlmChallengeStore } from './challenge-store.ts';
import {
  avFlagMicPresent,
  avIds,
  encodeChallenge,
  fileTime,
  micOf,
  ntlmFlags,
  parseAuthenticate,
  parseNegotiate,
  targetNameOf,
  type AuthenticateMessage,
  type AvPair,
} from './messages.ts';
import {
  computeMic,
  ntlmv2SessionKey,
  parseNtlmv2Response,
  verifyNtlmv2,
  type Ntlmv2Response,
} from './ntlmv2.ts';

export interface NtlmAcceptorDeps {
  readonly challenges: NtlmChallengeStore;
  readonly clock: Clock;
  /** The NetBIOS domain this server announces (target name, MsvAvNbDomainName). */
  readonly domain: string;
  /** The NetBIOS computer name it announces. */
  readonly computerName: string;
  /** How long a challenge may be answered. */
  readonly challengeMs: number;
}

/** The client's answer to one of our challenges, read and matched but not yet verified. */
export interface NtlmAnswer {
  /** User and domain exactly as the client sent them (NTOWFv2 is computed over these). */
  readonly user: string;
  readonly domain: string;
  readonly message: AuthenticateMessage;
  readonly response: Ntlmv2Response;
  readonly challenge: IssuedChallenge;
  /** Set when the client says its message carries a MIC. */
  readonly mic: { readonly mic: Buffer; readonly zeroed: Buffer } | undefined;
  /**
   * MsvAvTargetName: the service the client meant its answer for (`HTTP/host`, Chromium with the
   * port when it is not the scheme's default). Under the NTLMv2 proof, so a relay cannot change it.
   * curl (7.88) sends none.
   */
  readonly targetName: string | undefined;
  /** MsvAvChannelBindings, when sent (read, not checked: TLS ends at CloudFront, not here). */
  readonly channelBindings: Buffer | undefined;
}

/**
 * The challenge id travels in the CHALLENGE message's MsvAvDnsComputerName. Every NTLMv2 client
 * echoes those AV pairs inside its response, under the HMAC the server verifies, so the second leg
 * finds its challenge on any Lambda instance without a cookie (plain `curl --ntlm` keeps none).
 */
const challengeHostSuffix = '.ntlm-challenge.invalid';
const challengeHost = /^([0-9a-f]{32})\.ntlm-challenge\.invalid$/;

const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');

/** Flags the server echoes when the client asks; it never offers signing, sealing or key exchange. */
const echoedFlags =
  ntlmFlags.alwaysSign | ntlmFlags.extendedSessionSecurity | ntlmFlags.version | 0x20000000 | 0x80000000;

/**
 * First leg: answers a NEGOTIATE message (type 1) with a CHALLENGE (type 2) announcing the target
 * information NTLMv2 needs, and keeps the challenge for the second leg.
 */
export async function issueChallenge(deps: NtlmAcceptorDeps, token: Buffer): Promise<Buffer> {
  const negotiate = parseNegotiate(token);
  const challengeId = randomBytes(16).toString('hex');
  const serverChallenge = randomBytes(8);
  const now = deps.clock.now();
  const targetInfo: AvPair[] = [
    { id: avIds.nbDomainName, value: utf16(deps.domain) },
    { id: avIds.nbComputerName, value: utf16(deps.computerName) },
    { id: avIds.dnsComputerName, value: utf16(`${challengeId}${challengeHostSuffix}`) },
    { id: avIds.timestamp, value: fileTime(now) },
  ];
  const flags =
    ntlmFlags.ntlm |
    ntlmFlags.requestTarget |
    ntlmFlags.targetTypeDomain |
    ntlmFlags.targetInfo |
    (negotiate.flags & ntlmFlags.unicode ? ntlmFlags.unicode : ntlmFlags.oem) |
    (negotiate.flags & echoedFlags);
  const challengeMessage = encodeChallenge({ flags, serverChallenge, targetName: deps.domain, targetInfo });
  await deps.challenges.put({
    challengeId,
    serverChallenge,
    negotiateMessage: negotiate.bytes,
    challengeMessage,
    expiresAt: now + deps.challengeMs,
  });
  return challengeMessage;
}

const challengeExpired = (): AppError =>
  new AppError(
    'ntlm_challenge_expired',
    'The NTLM answer matches no open challenge of this server (expired, or already answered): start again.',
  );

/**
 * Second leg: reads an AUTHENTICATE message (type 3) and takes the challenge it answers, so that
 * no challenge is answered twice. NTLMv1, LM and anonymous answers are refused.
 */
export async function readAnswer(deps: NtlmAcceptorDeps, token: Buffer): Promise<NtlmAnswer> {
  const message = parseAuthenticate(token);
  if (message.user === '' || message.flags & ntlmFlags.anonymous) {
    throw new AppError('ntlm_unsupported', 'Anonymous NTLM sign-in is refused.');
  }
  const response = parseNtlmv2Response(message.ntResponse);
  const flagsPair = response.avPairs.find((pair) => pair.id === avIds.flags);
  const micPresent =
    flagsPair !== undefined &&
    flagsPair.value.length >= 4 &&
    (flagsPair.value.readUInt32LE(0) & avFlagMicPresent) !== 0;
  const mic = micPresent ? micOf(message) : undefined;
  const host = response.avPairs.find((pair) => pair.id === avIds.dnsComputerName)?.value.toString('utf16le');
  const challengeId = host && challengeHost.exec(host)?.[1];
  if (!challengeId) throw challengeExpired();
  const challenge = await deps.challenges.take(challengeId);
  if (!challenge || challenge.expiresAt <= deps.clock.now()) throw challengeExpired();
  return {
    user: message.user,
    domain: message.domain,
    message,
    response,
    challenge,
    mic,
    targetName: targetNameOf(response.avPairs),
    channelBindings: response.avPairs.find((pair) => pair.id === avIds.channelBindings)?.value,
  };
}

/** `host` or `host:port` (a bracketed IPv6 address too), lower case; undefined when it is not one. */
function hostAndPort(text: string): { host: string; port: string | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]/@\s]+)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!match?.[1]) return undefined;
  return { host: match[1].toLowerCase(), port: match[2] };
}

/**
 * Relay protection: an answer the client made for another server (its MsvAvTargetName) is refused.
 * The name must be `HTTP/<host>` of one of the site's public origins (`https://im.contoso.com`),
 * case-insensitive, with that origin's port or none (Chromium adds the port when it is not the
 * default; Windows does not). The origins come from configuration, never from the request's `Host`
 * or `X-Forwarded-Host`, which a relaying attacker sets as he likes. An answer without a target
 * name (curl's) is accepted: such clients give no relay protection.
 */
export function assertTargetName(
  answer: Pick<NtlmAnswer, 'targetName'>,
  publicOrigins: readonly string[],
): void {
  if (answer.targetName === undefined) return;
  const refused = new AppError(
    'ntlm_target_mismatch',
    'The NTLM answer was made for another server, so it is refused: sign in to this site directly.',
  );
  const slash = answer.targetName.indexOf('/');
  const service = answer.targetName.slice(0, slash);
  const target = hostAndPort(answer.targetName.slice(slash + 1));
  if (slash < 0 || service.toLowerCase() !== 'http' || !target) throw refused;
  const madeFor = (origin: string): boolean => {
    const url = new URL(origin);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return url.hostname === target.host && (target.port === undefined || target.port === port);
  };
  if (!publicOrigins.some(madeFor)) throw refused;
}

/**
 * Whether the answer proves knowledge of the account's NT hash: the NTLMv2 proof over our challenge
 * and the client's blob, and the MIC over the three messages when the client sent one.
 */
export function answerProves(answer: NtlmAnswer, ntHash: Uint8Array): boolean {
  const { message, challenge } = answer;
  const proofOk = verifyNtlmv2(
    message.ntResponse,
    challenge.serverChallenge,
    ntHash,
    answer.user,
    answer.domain,
  );
  if (!answer.mic) return proofOk;
  const key = ntlmv2SessionKey(ntHash, answer.user, answer.domain, answer.response.proof);
  const expected = computeMic(key, challenge.negotiateMessage, challenge.challengeMessage, answer.mic.zeroed);
  return timingSafeEqual(expected, answer.mic.mic) && proofOk;
}
