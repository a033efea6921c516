import { createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ctsDecrypt, ctsEncrypt } from './aes-cts.ts';
import { IntegrityError, iterationCount, usageConstant, type Enctype } from './enctype.ts';

const block = 16;

/** KDF-HMAC-SHA2 (RFC 8009 §3): SP 800-108 counter mode, one HMAC run truncated to `bits`. */
function kdf(
  hash: 'sha256' | 'sha384',
  key: Uint8Array,
  label: Uint8Array,
  bits: number,
  context?: Uint8Array,
) {
  const counter = Buffer.from([0, 0, 0, 1]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bits, 0);
  return createHmac(hash, key)
    .update(Buffer.concat([counter, label, Buffer.from([0]), context ?? Buffer.alloc(0), length]))
    .digest()
    .subarray(0, bits / 8);
}

function aesSha2(
  id: number,
  name: string,
  keyBytes: number,
  hash: 'sha256' | 'sha384',
  macBytes: number,
): Enctype {
  const keys = (key: Uint8Array, usage: number) => ({
    ke: kdf(hash, key, usageConstant(usage, 0xaa), keyBytes * 8),
    ki: kdf(hash, key, usageConstant(usage, 0x55), macBytes * 8),
  });
  return {
    id,
    name,
    keyBytes,
    stringToKey(password, salt, params) {
      const iterations = iterationCount(params, 32768);
      const saltp = Buffer.concat([Buffer.from(name), Buffer.from([0]), salt]);
      const tkey = pbkdf2Sync(Buffer.from(password, 'utf8'), saltp, iterations, keyBytes, hash);
      return kdf(hash, tkey, Buffer.from('kerberos'), keyBytes * 8);
    },
    encrypt(key, usage, plaintext, confounder = randomBytes(block)) {
      const { ke, ki } = keys(key, usage);
      const iv = Buffer.alloc(block);
      const c = ctsEncrypt(ke, Buffer.concat([confounder, plaintext]), iv);
      const mac = createHmac(hash, ki).update(iv).update(c).digest().subarray(0, macBytes);
      return Buffer.concat([c, mac]);
    },
    decrypt(key, usage, ciphertext) {
      if (ciphertext.length < block + macBytes) throw new IntegrityError('ciphertext too short');
      const { ke, ki } = keys(key, usage);
      const iv = Buffer.alloc(block);
      const c = ciphertext.subarray(0, ciphertext.length - macBytes);
      // Encrypt-then-MAC: the checksum is checked before anything is decrypted.
      const expected = createHmac(hash, ki).update(iv).update(c).digest().subarray(0, macBytes);
      if (!timingSafeEqual(expected, ciphertext.subarray(ciphertext.length - macBytes))) {
        throw new IntegrityError('checksum mismatch');
      }
      return ctsDecrypt(ke, c, iv).subarray(block);
    },
  };
}

/** aes128-cts-hmac-sha256-128 (RFC 8009), etype 19. */
export const aes128CtsHmacSha256128 = aesSha2(19, 'aes128-cts-hmac-sha256-128', 16, 'sha256', 16);
/** aes256-cts-hmac-sha384-192 (RFC 8009), etype 20. */
export const aes256CtsHmacSha384192 = aesSha2(20, 'aes256-cts-hmac-sha384-192', 32, 'sha384', 24);

/** Exposed for the RFC 8009 test vectors. */
export const kdfForTest = kdf;
