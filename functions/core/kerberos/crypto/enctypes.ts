import { AppError } from '../../errors.ts';
import { aes128CtsHmacSha196, aes256CtsHmacSha196 } from './aes-sha1.ts';
import { aes128CtsHmacSha256128, aes256CtsHmacSha384192 } from './aes-sha2.ts';
import type { Enctype } from './enctype.ts';

/** The encryption types this acceptor speaks: AES only. */
export const supportedEnctypes: ReadonlyMap<number, Enctype> = new Map(
  [aes256CtsHmacSha196, aes128CtsHmacSha196, aes256CtsHmacSha384192, aes128CtsHmacSha256128].map((e) => [
    e.id,
    e,
  ]),
);

/** Names of refused etypes, for a clearer refusal than a number. */
const refused: Readonly<Record<number, string>> = {
  1: 'des-cbc-crc',
  2: 'des-cbc-md4',
  3: 'des-cbc-md5',
  16: 'des3-cbc-sha1',
  23: 'rc4-hmac',
  24: 'rc4-hmac-exp',
};

/**
 * The enctype with this number, or a refusal: RC4 and DES are broken and never accepted, and
 * anything unknown is refused the same way.
 */
export function enctypeById(id: number): Enctype {
  const enctype = supportedEnctypes.get(id);
  if (enctype) return enctype;
  const name = refused[id];
  throw new AppError(
    'kerberos_unsupported_etype',
    name
      ? `The Kerberos ticket uses ${name}, which is refused: configure the service account for AES.`
      : `The Kerberos ticket uses encryption type ${id}, which is not supported: use AES.`,
  );
}
