import { createHmac, randomBytes } from 'node:crypto';
import { ntHash } from '../../functions/core/ntlm/md4.ts';

/**
 * A small NTLMv2 client (MS-NLMP §3.1.5), written apart from the server's message code, for unit
 * tests that need answers the real clients (curl, Chromium) would not send: replays, NTLMv1,
 * tampered messages. The end-to-end tests use curl and Chromium themselves.
 */

const signature = Buffer.from('NTLMSSP\0', 'latin1');
const unicode = 0x1;

/** A NEGOTIATE message like Chromium's: Unicode, OEM, request target, NTLM, always sign, ESS. */
export function negotiateMessage(flags = 0x00088207): Buffer {
  const out = Buffer.alloc(32);
  signature.copy(out);
  out.writeUInt32LE(1, 8);
  out.writeUInt32LE(flags, 12);
  return out;
}

export interface ChallengeRead {
  readonly flags: number;
  readonly serverChallenge: Buffer;
  readonly targetInfo: Buffer;
}

export function readChallenge(message: Buffer): ChallengeRead {
  const infoLength = message.readUInt16LE(40);
  const infoOffset = message.readUInt32LE(44);
  return {
    flags: message.readUInt32LE(20),
    serverChallenge: message.subarray(24, 32),
    targetInfo: message.subarray(infoOffset, infoOffset + infoLength),
  };
}

export interface AnswerOptions {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** Add MsvAvFlags (MIC present) and a MIC over the three messages, as Chromium and Windows do. */
  readonly mic?: boolean;
  /** The NEGOTIATE message that was sent (the MIC covers it). */
  readonly negotiate?: Buffer;
  /** Answer with a 24-byte NTLMv1 response instead. */
  readonly ntlmv1?: boolean;
  /**
   * MsvAvTargetName, as Chromium sends it (`HTTP/localhost:8443`) with all-zero MsvAvChannelBindings
   * before it (Chromium's order: flags, channel bindings, target name).
   */
  readonly targetName?: string;
}

const avPair = (id: number, value: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value]);
};

/** The server's AV pairs with the client's own inserted just before MsvAvEOL (the last four bytes). */
function clientAvPairs(targetInfo: Buffer, options: AnswerOptions): Buffer {
  const added = [
    ...(options.mic ? [avPair(6, Buffer.from([2, 0, 0, 0]))] : []),
    ...(options.targetName !== undefined
      ? [avPair(10, Buffer.alloc(16)), avPair(9, Buffer.from(options.targetName, 'utf16le'))]
      : []),
  ];
  if (added.length === 0) return targetInfo;
  return Buffer.concat([targetInfo.subarray(0, targetInfo.length - 4), ...added, Buffer.alloc(4)]);
}

/** An AUTHENTICATE message answering `challengeMessage` with the given credentials. */
export function authenticateMessage(challengeMessage: Buffer, options: AnswerOptions): Buffer {
  const challenge = readChallenge(challengeMessage);
  const isUnicode = (challenge.flags & unicode) !== 0;
  const encode = (text: string) => Buffer.from(text, isUnicode ? 'utf16le' : 'latin1');
  const v2Hash = createHmac('md5', ntHash(options.password))
    .update(Buffer.from(options.user.toUpperCase() + options.domain, 'utf16le'))
    .digest();
  const targetInfo = clientAvPairs(challenge.targetInfo, options);
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  const blob = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    timestamp,
    randomBytes(8),
    Buffer.alloc(4),
    targetInfo,
    Buffer.alloc(4),
  ]);
  const proof = createHmac('md5', v2Hash).update(challenge.serverChallenge).update(blob).digest();
  const ntResponse = options.ntlmv1 ? randomBytes(24) : Buffer.concat([proof, blob]);
  const payload = [Buffer.alloc(24), ntResponse, encode(options.domain), encode(options.user), encode('WS')];
  const header = Buffer.alloc(88);
  signature.copy(header);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  [12, 20, 28, 36, 44].forEach((at, i) => {
    const part = payload[i] ?? Buffer.alloc(0);
    header.writeUInt16LE(part.length, at);
    header.writeUInt16LE(part.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += part.length;
  });
  header.writeUInt32LE(offset, 56);
  header.writeUInt32LE(challenge.flags, 60);
  header.set([10, 0, 0, 0, 0, 0, 0, 15], 64);
  const message = Buffer.concat([header, ...payload]);
  if (options.mic) {
    const sessionKey = createHmac('md5', v2Hash).update(proof).digest();
    createHmac('md5', sessionKey)
      .update(options.negotiate ?? negotiateMessage())
      .update(challengeMessage)
      .update(message)
      .digest()
      .copy(message, 72);
  }
  return message;
}
