import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ctsDecrypt, ctsEncrypt } from './aes-cts.ts';
import { IntegrityError, iterationCount, usageConstant, type Enctype } from './enctype.ts';
import { nfold } from './nfold.ts';

const block = 16;
const macBytes = 12;

/** DR (RFC 3961 §5.1): the derivation constant n-folded to a block, encrypted repeatedly. */
function derive(key: Uint8Array, constant: Uint8Array): Buffer {
  const cipher = `aes-${key.length * 8}-ecb`;
  const out: Buffer[] = [];
  let input = nfold(constant, block);
  let length = 0;
  while (length < key.length) {
    const encryptor = createCipheriv(cipher, key, null).setAutoPadding(false);
    input = Buffer.concat([encryptor.update(input), encryptor.final()]);
    out.push(input);
    length += block;
  }
  // random-to-key is the identity for AES.
  return Buffer.concat(out).subarray(0, key.length);
}

function aesSha1(id: number, name: string, keyBytes: number): Enctype {
  return {
    id,
    name,
    keyBytes,
    stringToKey(password, salt, params) {
      const iterations = iterationCount(params, 4096);
      const tkey = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyBytes, 'sha1');
      return derive(tkey, Buffer.from('kerberos'));
    },
    encrypt(key, usage, plaintext, confounder = randomBytes(block)) {
      const ke = derive(key, usageConstant(usage, 0xaa));
      const ki = derive(key, usageConstant(usage, 0x55));
      const data = Buffer.concat([confounder, plaintext]);
      const mac = createHmac('sha1', ki).update(data).digest().subarray(0, macBytes);
      return Buffer.concat([ctsEncrypt(ke, data), mac]);
    },
    decrypt(key, usage, ciphertext) {
      if (ciphertext.length < block + macBytes) throw new IntegrityError('ciphertext too short');
      const ke = derive(key, usageConstant(usage, 0xaa));
      const ki = derive(key, usageConstant(usage, 0x55));
      const body = ciphertext.subarray(0, ciphertext.length - macBytes);
      const data = ctsDecrypt(ke, body);
      const expected = createHmac('sha1', ki).update(data).digest().subarray(0, macBytes);
      if (!timingSafeEqual(expected, ciphertext.subarray(ciphertext.length - macBytes))) {
        throw new IntegrityError('checksum mismatch');
      }
      return data.subarray(block);
    },
  };
}

/** aes128-cts-hmac-sha1-96 (RFC 3962), etype 17. */
export const aes128CtsHmacSha196 = aesSha1(17, 'aes128-cts-hmac-sha1-96', 16);
/** aes256-cts-hmac-sha1-96 (RFC 3962), etype 18. */
export const aes256CtsHmacSha196 = aesSha1(18, 'aes256-cts-hmac-sha1-96', 32);

/** Exposed for the RFC 3961/3962 test vectors. */
export const deriveKeyForTest = derive;
