/**
 * MD4 (RFC 1320), which NTLM's NT hash needs and Node's OpenSSL 3 no longer offers. It is used only
 * to derive the NT hash from a password; it is not a security primitive here beyond what NTLM is.
 */
export function md4(input: Uint8Array): Buffer {
  const length = input.length;
  const padded = Buffer.alloc(Math.ceil((length + 9) / 64) * 64);
  padded.set(input);
  padded[length] = 0x80;
  // Length in bits, little endian, 64 bits (inputs here are far below 2^32 bytes).
  padded.writeUInt32LE((length * 8) >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor((length * 8) / 0x100000000), padded.length - 4);
  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;
  const f = (x: number, y: number, z: number) => (x & y) | (~x & z);
  const g = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
  const h = (x: number, y: number, z: number) => x ^ y ^ z;
  const x = new Array<number>(16);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(offset + i * 4);
    const word = (i: number) => x[i] ?? 0;
    const [aa, bb, cc, dd] = [a, b, c, d];
    const r1 = [3, 7, 11, 19];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + f(b, c, d) + word(i)) >>> 0, r1[i % 4] ?? 0);
      [a, b, c, d] = [d, t, b, c];
    }
    const r2 = [3, 5, 9, 13];
    const order2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + g(b, c, d) + word(order2[i] ?? 0) + 0x5a827999) >>> 0, r2[i % 4] ?? 0);
      [a, b, c, d] = [d, t, b, c];
    }
    const r3 = [3, 9, 11, 15];
    const order3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + h(b, c, d) + word(order3[i] ?? 0) + 0x6ed9eba1) >>> 0, r3[i % 4] ?? 0);
      [a, b, c, d] = [d, t, b, c];
    }
    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }
  const out = Buffer.alloc(16);
  out.writeUInt32LE(a, 0);
  out.writeUInt32LE(b, 4);
  out.writeUInt32LE(c, 8);
  out.writeUInt32LE(d, 12);
  return out;
}

/** The NT hash: MD4 of the UTF-16LE password. Password-equivalent for NTLM. */
export const ntHash = (password: string): Buffer => md4(Buffer.from(password, 'utf16le'));
