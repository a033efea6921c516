import { AppError } from '../core/errors.ts';

/**
 * An `Authorization` header of an HTTP authentication scheme Windows sign-in speaks (RFC 4559,
 * MS-NTHT): which mechanism the token is, and the scheme it came in, which the answer must use.
 */
export interface WindowsAuthorization {
  readonly scheme: 'negotiate' | 'ntlm';
  readonly token: Buffer;
  readonly headerScheme: 'Negotiate' | 'NTLM';
}

const maxTokenChars = 48 * 1024;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** NTLM messages start with this signature, whichever scheme carries them. */
const ntlmSignature = Buffer.from('NTLMSSP\0', 'latin1');

/**
 * Reads the header; undefined when there is none (or it is another scheme, such as Basic). A
 * Negotiate header that carries a bare NTLM message (Windows' Negotiate falling back) is NTLM.
 */
export function readWindowsAuthorization(header: string | undefined): WindowsAuthorization | undefined {
  if (!header) return undefined;
  const match = /^\s*(Negotiate|NTLM)(?:\s+(\S*))?\s*$/i.exec(header);
  if (!match) return undefined;
  const headerScheme = match[1]?.toLowerCase() === 'ntlm' ? 'NTLM' : 'Negotiate';
  const text = match[2] ?? '';
  if (text === '') throw new AppError('negotiate_malformed', `The ${match[1]} header carries no token.`);
  if (text.length > maxTokenChars || !base64.test(text) || text.length % 4 !== 0) {
    throw new AppError('negotiate_malformed', `The ${match[1]} token is not valid base64.`);
  }
  const token = Buffer.from(text, 'base64');
  if (headerScheme === 'NTLM' || token.subarray(0, 8).equals(ntlmSignature)) {
    return { scheme: 'ntlm', token, headerScheme };
  }
  return { scheme: 'negotiate', token, headerScheme };
}
