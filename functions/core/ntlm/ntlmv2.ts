import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';

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
