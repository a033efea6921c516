import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * AES in CBC mode with ciphertext stealing, as Kerberos uses it (RFC 3962 §5, the CS3 variant):
 * the last two blocks are swapped and the final one truncated, so the ciphertext is exactly as long
 * as the plaintext. Input must be at least one block; one block is plain AES.
 */
const block = 16;

const cipherName = (key: Uint8Array, mode: 'cbc' | 'ecb'): string => {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('AES keys here are 128 or 256 bits');
  return `aes-${key.length * 8}-${mode}`;
};

function cbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv(cipherName(key, 'cbc'), key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function ecbDecryptBlock(key: Uint8Array, data: Uint8Array): Buffer {
  const decipher = createDecipheriv(cipherName(key, 'ecb'), key, null).setAutoPadding(false);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

function cbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const decipher = createDecipheriv(cipherName(key, 'cbc'), key, iv).setAutoPadding(false);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer => Buffer.from(a.map((x, i) => x ^ (b[i] ?? 0)));

/** Encrypts; `iv` defaults to the all-zero block Kerberos uses. */
export function ctsEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  iv: Uint8Array = Buffer.alloc(block),
): Buffer {
  if (plaintext.length < block) throw new RangeError('CTS needs at least one block');
  const padded = Buffer.alloc(Math.ceil(plaintext.length / block) * block);
  padded.set(plaintext);
  const cbc = cbcEncrypt(key, iv, padded);
  if (plaintext.length === block) return cbc;
  const n = cbc.length / block;
  const lastLength = plaintext.length - (n - 1) * block;
  return Buffer.concat([
    cbc.subarray(0, (n - 2) * block),
    cbc.subarray((n - 1) * block),
    cbc.subarray((n - 2) * block, (n - 2) * block + lastLength),
  ]);
}

/** Decrypts what `ctsEncrypt` produced. */
export function ctsDecrypt(
  key: Uint8Array,
  ciphertext: Uint8Array,
  iv: Uint8Array = Buffer.alloc(block),
): Buffer {
  if (ciphertext.length < block) throw new RangeError('CTS needs at least one block');
  if (ciphertext.length === block) return cbcDecrypt(key, iv, ciphertext);
  const n = Math.ceil(ciphertext.length / block);
  const lastLength = ciphertext.length - (n - 1) * block;
  const head = ciphertext.subarray(0, (n - 2) * block);
  const previous = n > 2 ? head.subarray(head.length - block) : iv;
  // The transmitted next-to-last block is the CBC output of the (zero-padded) last plaintext block.
  const swapped = ciphertext.subarray((n - 2) * block, (n - 1) * block);
  const stolen = ciphertext.subarray((n - 1) * block);
  const x = ecbDecryptBlock(key, swapped);
  // The padding bytes of the last plaintext block were zero, so x's tail is the stolen ciphertext's tail.
  const fullPrevious = Buffer.concat([stolen, x.subarray(lastLength)]);
  const last = xor(x.subarray(0, lastLength), fullPrevious);
  const nextToLast = xor(ecbDecryptBlock(key, fullPrevious), previous);
  const body = head.length > 0 ? cbcDecrypt(key, iv, head) : Buffer.alloc(0);
  return Buffer.concat([body, nextToLast, last]);
}
