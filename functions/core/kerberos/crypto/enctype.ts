/** Key usage numbers (RFC 4120 §7.5.1) the acceptor needs. */
export const keyUsage = {
  ticket: 2,
  apReqAuthenticator: 11,
  apRepEncPart: 12,
} as const;

/** One Kerberos encryption type: its string-to-key and its encrypt/decrypt with key usages. */
export interface Enctype {
  readonly id: number;
  readonly name: string;
  readonly keyBytes: number;
  /** The key a principal's password yields; `params` is the s2kparams (iteration count) if any. */
  stringToKey(password: string, salt: Uint8Array, params?: Uint8Array): Buffer;
  /** Encrypts with a fresh (or given, for test vectors) confounder. */
  encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array, confounder?: Uint8Array): Buffer;
  /** Decrypts and checks integrity; throws `IntegrityError` when the checksum does not match. */
  decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): Buffer;
}

export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

/** The 5-byte derivation constant: usage number (big endian) and the purpose byte. */
export function usageConstant(usage: number, purpose: 0x99 | 0xaa | 0x55): Buffer {
  const constant = Buffer.alloc(5);
  constant.writeUInt32BE(usage >>> 0, 0);
  constant[4] = purpose;
  return constant;
}

export function iterationCount(params: Uint8Array | undefined, fallback: number): number {
  if (!params || params.length === 0) return fallback;
  if (params.length !== 4) throw new RangeError('s2kparams must be a 4-byte iteration count');
  const count = Buffer.from(params).readUInt32BE(0);
  // Zero would mean 2^32 iterations (RFC 3962 §4); refuse rather than spin.
  if (count === 0 || count > 10_000_000) throw new RangeError('unreasonable iteration count');
  return count;
}
