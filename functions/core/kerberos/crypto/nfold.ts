/**
 * n-fold (RFC 3961 §5.1): stretches or folds a byte string to `outBytes` bytes, spreading every
 * input bit over the output. Key derivation uses it to turn a usage constant into one cipher block.
 */
export function nfold(input: Uint8Array, outBytes: number): Buffer {
  const inBytes = input.length;
  if (inBytes === 0 || outBytes <= 0) throw new RangeError('n-fold needs input and a positive output size');
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = (inBytes * outBytes) / gcd(outBytes, inBytes);
  const inBits = inBytes * 8;
  const out = Buffer.alloc(outBytes);
  const at = (index: number): number => input[index % inBytes] ?? 0;
  let carry = 0;
  // Walk the lcm-long concatenation of copies, each rotated 13 bits further right, from its last
  // byte, adding it into the output with end-around carry (MIT's formulation of the RFC's definition).
  for (let i = lcm - 1; i >= 0; i--) {
    const msbit =
      (inBits - 1 + (inBits + 13) * Math.floor(i / inBytes) + ((inBytes - (i % inBytes)) << 3)) % inBits;
    const pair = (at(inBytes - 1 - (msbit >>> 3)) << 8) | at(inBytes - (msbit >>> 3));
    carry += (pair >>> ((msbit & 7) + 1)) & 0xff;
    carry += out[i % outBytes] ?? 0;
    out[i % outBytes] = carry & 0xff;
    carry >>>= 8;
  }
  if (carry) {
    for (let i = outBytes - 1; i >= 0; i--) {
      carry += out[i] ?? 0;
      out[i] = carry & 0xff;
      carry >>>= 8;
    }
  }
  return out;
}
