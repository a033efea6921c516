import { AppError } from '../errors.ts';

/**
 * NTLM messages (MS-NLMP §2.2): the client's NEGOTIATE (type 1), the server's CHALLENGE (type 2) and
 * the client's AUTHENTICATE (type 3), with their AV pairs. Every surprise in untrusted input is one
 * `negotiate_malformed` refusal; nothing here throws anything else for any input.
 */

export const ntlmSignature = Buffer.from('NTLMSSP\0', 'latin1');

/** Negotiate flags (MS-NLMP §2.2.2.5) this server reads or sets. */
export const ntlmFlags = {
  unicode: 0x00000001,
  oem: 0x00000002,
  requestTarget: 0x00000004,
  ntlm: 0x00000200,
  anonymous: 0x00000800,
  alwaysSign: 0x00008000,
  targetTypeDomain: 0x00010000,
  extendedSessionSecurity: 0x00080000,
  targetInfo: 0x00800000,
  version: 0x02000000,
  keyExchange: 0x40000000,
} as const;

/** AV pair ids (MS-NLMP §2.2.2.1). */
export const avIds = {
  eol: 0,
  nbComputerName: 1,
  nbDomainName: 2,
  dnsComputerName: 3,
  dnsDomainName: 4,
  flags: 6,
  timestamp: 7,
  /** MsvAvSingleHost: the client machine's identity (read, not used). */
  singleHost: 8,
  /** MsvAvTargetName: the SPN the client meant its answer for, UTF-16LE (`HTTP/host`). */
  targetName: 9,
  /** MsvAvChannelBindings: MD5 of the TLS channel bindings the client saw (all zero when none). */
  channelBindings: 10,
} as const;

/** MsvAvFlags: the AUTHENTICATE message carries a MIC. */
export const avFlagMicPresent = 0x00000002;

export interface AvPair {
  readonly id: number;
  readonly value: Buffer;
}

export const malformedNtlm = (what: string): AppError =>
  new AppError('negotiate_malformed', `The NTLM message is malformed: ${what}.`);

/** The message type (1, 2 or 3) of a token that starts with the NTLMSSP signature. */
export function ntlmMessageType(token: Buffer): number {
  if (token.length < 12 || !token.subarray(0, 8).equals(ntlmSignature)) {
    throw malformedNtlm('no NTLMSSP signature');
  }
  return token.readUInt32LE(8);
}

export const isNtlmToken = (token: Buffer): boolean =>
  token.length >= 8 && token.subarray(0, 8).equals(ntlmSignature);

/** A security buffer's bytes: length, allocated length, offset, all inside the message. */
function field(message: Buffer, at: number, what: string): Buffer {
  if (message.length < at + 8) throw malformedNtlm(`${what} is cut off`);
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset > message.length || offset + length > message.length) {
    throw malformedNtlm(`${what} points outside the message`);
  }
  return message.subarray(offset, offset + length);
}

export interface NegotiateMessage {
  readonly flags: number;
  /** The message as the client sent it: the MIC covers it. */
  readonly bytes: Buffer;
}

export function parseNegotiate(token: Buffer): NegotiateMessage {
  if (ntlmMessageType(token) !== 1) throw malformedNtlm('expected a NEGOTIATE message (type 1)');
  if (token.length < 16) throw malformedNtlm('the NEGOTIATE message is cut off');
  return { flags: token.readUInt32LE(12), bytes: token };
}

/** AV pairs up to MsvAvEOL (which must be there). */
export function parseAvPairs(bytes: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const id = bytes.readUInt16LE(at);
    const length = bytes.readUInt16LE(at + 2);
    at += 4;
    if (id === avIds.eol) {
      if (length !== 0) throw malformedNtlm('MsvAvEOL has a value');
      return pairs;
    }
    if (at + length > bytes.length) throw malformedNtlm('an AV pair runs past the end');
    pairs.push({ id, value: bytes.subarray(at, at + length) });
    at += length;
  }
  throw malformedNtlm('the AV pairs have no MsvAvEOL');
}

/** The value of MsvAvTargetName (UTF-16LE) when the pairs carry a non-empty one. */
export function targetNameOf(pairs: readonly AvPair[]): string | undefined {
  const pair = pairs.find((candidate) => candidate.id === avIds.targetName);
  if (!pair || pair.value.length === 0) return undefined;
  if (pair.value.length % 2 !== 0) throw malformedNtlm('MsvAvTargetName is not UTF-16');
  return pair.value.toString('utf16le');
}

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts = pairs.flatMap((pair) => {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(pair.id, 0);
    header.writeUInt16LE(pair.value.length, 2);
    return [header, pair.value];
  });
  return Buffer.concat([...parts, Buffer.alloc(4)]);
}

/** Windows FILETIME: 100 ns intervals since 1601-01-01, little endian. */
export function fileTime(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.floor(ms)) + 11_644_473_600_000n) * 10_000n);
  return out;
}

export interface ChallengeOptions {
  readonly flags: number;
  readonly serverChallenge: Buffer;
  /** The NetBIOS domain, announced as the target name. */
  readonly targetName: string;
  readonly targetInfo: readonly AvPair[];
}

/** The CHALLENGE message (type 2), with its Version field and Unicode or OEM target name. */
export function encodeChallenge(options: ChallengeOptions): Buffer {
  const unicode = (options.flags & ntlmFlags.unicode) !== 0;
  const targetName = Buffer.from(options.targetName, unicode ? 'utf16le' : 'latin1');
  const targetInfo = encodeAvPairs(options.targetInfo);
  const header = Buffer.alloc(56);
  ntlmSignature.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(options.flags >>> 0, 20);
  options.serverChallenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + targetName.length, 44);
  // Version (MS-NLMP §2.2.2.10): 10.0, NTLM revision 15.
  header.set([10, 0, 0, 0, 0, 0, 0, 15], 48);
  return Buffer.concat([header, targetName, targetInfo]);
}

export interface AuthenticateMessage {
  readonly flags: number;
  readonly lmResponse: Buffer;
  readonly ntResponse: Buffer;
  readonly domain: string;
  readonly user: string;
  readonly workstation: string;
  /** The message as sent; with `micOffset`, what the MIC was computed over (MIC zeroed). */
  readonly bytes: Buffer;
}

const micOffset = 72;
const micLength = 16;

function text(bytes: Buffer, unicode: boolean, what: string): string {
  if (unicode && bytes.length % 2 !== 0) throw malformedNtlm(`${what} is not UTF-16`);
  return bytes.toString(unicode ? 'utf16le' : 'latin1');
}

export function parseAuthenticate(token: Buffer): AuthenticateMessage {
  if (ntlmMessageType(token) !== 3) throw malformedNtlm('expected an AUTHENTICATE message (type 3)');
  if (token.length < 64) throw malformedNtlm('the AUTHENTICATE message is cut off');
  const flags = token.readUInt32LE(60);
  const unicode = (flags & ntlmFlags.unicode) !== 0;
  return {
    flags,
    lmResponse: field(token, 12, 'LmChallengeResponse'),
    ntResponse: field(token, 20, 'NtChallengeResponse'),
    domain: text(field(token, 28, 'DomainName'), unicode, 'DomainName'),
    user: text(field(token, 36, 'UserName'), unicode, 'UserName'),
    workstation: text(field(token, 44, 'Workstation'), unicode, 'Workstation'),
    bytes: token,
  };
}

/**
 * The MIC an AUTHENTICATE message carries, and the message with it zeroed (what it was computed
 * over). The MIC sits after the Version field, so the payload must start after it.
 */
export function micOf(message: AuthenticateMessage): { mic: Buffer; zeroed: Buffer } {
  const payloadStart = [12, 20, 28, 36, 44, 52]
    .map((at) => (message.bytes.readUInt16LE(at) === 0 ? Infinity : message.bytes.readUInt32LE(at + 4)))
    .reduce((a, b) => Math.min(a, b), Infinity);
  if (message.bytes.length < micOffset + micLength || payloadStart < micOffset + micLength) {
    throw malformedNtlm('the MIC it announces is not there');
  }
  const zeroed = Buffer.from(message.bytes);
  zeroed.fill(0, micOffset, micOffset + micLength);
  return { mic: message.bytes.subarray(micOffset, micOffset + micLength), zeroed };
}
