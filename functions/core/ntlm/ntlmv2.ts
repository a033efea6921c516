import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { malformedNtlm, parseAvPairs, type AvPair } from './messages.ts';

/** NTOWFv2 (MS-NLMP §3.3.2): HMAC-MD5 of the NT hash over the upper-case user name and the domain, UTF-16LE. */
export function ntowfv2(ntHash: Uint8Array, user: string, domain: string): Buffer {
  return createHmac('md5', ntHash)
    .update(Buffer.from(user.toUpperCase() + domain, 'utf16le'))
    .digest();
}

/**
 * Checks an NTLMv2 response (NTProofStr followed by the client's blob) against the server challenge.
 * NTLMv1 (24-byte responses) and LM are refused: they are crackable offline.
 */
export function verifyNtlmv2(
  response: Buffer,
  serverChallenge: Buffer,
  ntHash: Uint8Array,
  user: string,
  domain: string,
): boolean {
  if (response.length <= 24) {
    throw new AppError('ntlm_unsupported', 'NTLMv1 and LM responses are refused: use NTLMv2.');
  }
  const proof = response.subarray(0, 16);
  const blob = response.subarray(16);
  if (blob[0] !== 1 || blob[1] !== 1) {
    throw new AppError('ntlm_unsupported', 'The NTLM response is not an NTLMv2 response.');
  }
  const key = ntowfv2(ntHash, user, domain);
  const expected = createHmac('md5', key).update(serverChallenge).update(blob).digest();
  return timingSafeEqual(expected, proof);
}

/** An NTLMv2 response taken apart: the proof, and the client's blob with the AV pairs it echoes. */
export interface Ntlmv2Response {
  readonly proof: Buffer;
  readonly blob: Buffer;
  /** The CHALLENGE message's AV pairs as the client echoed them (with its own additions). */
  readonly avPairs: readonly AvPair[];
}

/** Length of the blob's fixed part: types, reserved, timestamp, client challenge, reserved (MS-NLMP §2.2.2.7). */
const blobHeaderLength = 28;

/**
 * Reads an NT challenge response as NTLMv2. NTLMv1 (24 bytes), LM-only and anonymous answers are
 * refused with `ntlm_unsupported`.
 */
export function parseNtlmv2Response(response: Buffer): Ntlmv2Response {
  if (response.length === 0) {
    throw new AppError('ntlm_unsupported', 'Anonymous and LM-only NTLM answers are refused: use NTLMv2.');
  }
  if (response.length <= 24) {
    throw new AppError('ntlm_unsupported', 'NTLMv1 and LM responses are refused: use NTLMv2.');
  }
  const blob = response.subarray(16);
  if (blob[0] !== 1 || blob[1] !== 1) {
    throw new AppError('ntlm_unsupported', 'The NTLM response is not an NTLMv2 response.');
  }
  if (blob.length < blobHeaderLength + 4) throw malformedNtlm('the NTLMv2 response is cut off');
  return { proof: response.subarray(0, 16), blob, avPairs: parseAvPairs(blob.subarray(blobHeaderLength)) };
}

/** SessionBaseKey for NTLMv2 (MS-NLMP §3.3.2); without key exchange it is also the exported session key. */
export function ntlmv2SessionKey(ntHash: Uint8Array, user: string, domain: string, proof: Buffer): Buffer {
  return createHmac('md5', ntowfv2(ntHash, user, domain))
    .update(proof)
    .digest();
}

/** The MIC (MS-NLMP §3.1.5.1.2): HMAC-MD5 over the three messages, the last with its MIC zeroed. */
export function computeMic(
  sessionKey: Buffer,
  negotiate: Buffer,
  challenge: Buffer,
  authenticate: Buffer,
): Buffer {
  return createHmac('md5', sessionKey).update(negotiate).update(challenge).update(authenticate).digest();
}
