import * as asn1 from 'asn1js';
import { AppError } from '../errors.ts';

/**
 * Reading and writing the DER structures of Kerberos and SPNEGO through asn1js: this file only
 * names the shapes (application and context tags, SEQUENCE fields) on top of the library's parser,
 * and turns every surprise in untrusted input into one `negotiate_malformed` refusal.
 */
export type Node = asn1.AsnType;

const universal = 1;
const application = 2;
const contextSpecific = 3;

export const malformed = (what: string): AppError =>
  new AppError('negotiate_malformed', `The Negotiate token is malformed: ${what}.`);

/** Limits for untrusted input: tokens are a few kilobytes and a handful of levels deep. */
const limits = { maxDepth: 32, maxNodes: 2000, maxContentLength: 64 * 1024 };

/** Decodes exactly one DER element that fills `bytes`. */
export function decode(bytes: Uint8Array, what: string): Node {
  let parsed: ReturnType<typeof asn1.fromBER>;
  try {
    parsed = asn1.fromBER(bytes, limits);
  } catch {
    throw malformed(`${what} is not valid DER`);
  }
  if (parsed.offset === -1 || parsed.result.error) throw malformed(`${what} is not valid DER`);
  if (parsed.offset !== bytes.length) throw malformed(`${what} has trailing bytes`);
  if (parsed.result.lenBlock.isIndefiniteForm) throw malformed(`${what} uses an indefinite length`);
  return parsed.result;
}

const children = (node: Node, what: string): Node[] => {
  if (!node.idBlock.isConstructed) throw malformed(`${what} is not a constructed type`);
  const value = (node.valueBlock as { value?: unknown }).value;
  if (!Array.isArray(value)) throw malformed(`${what} has no contents`);
  return value as Node[];
};

/** The single element inside `[APPLICATION n]`. */
export function unwrapApplication(node: Node, tag: number, what: string): Node {
  if (node.idBlock.tagClass !== application || node.idBlock.tagNumber !== tag) {
    throw malformed(`expected ${what}`);
  }
  const inner = children(node, what);
  if (inner.length !== 1 || !inner[0]) throw malformed(`${what} must hold exactly one element`);
  return inner[0];
}

/** The explicitly tagged fields `[n] value` of a SEQUENCE, by tag number, in order and once each. */
export function fields(node: Node, what: string): Map<number, Node> {
  if (node.idBlock.tagClass !== universal || node.idBlock.tagNumber !== 16) {
    throw malformed(`${what} is not a SEQUENCE`);
  }
  const result = new Map<number, Node>();
  let last = -1;
  for (const field of children(node, what)) {
    const tag = field.idBlock.tagNumber;
    if (field.idBlock.tagClass !== contextSpecific || tag <= last) {
      throw malformed(`${what} has an unexpected field`);
    }
    const inner = children(field, `${what} field [${tag}]`);
    if (inner.length !== 1 || !inner[0]) throw malformed(`${what} field [${tag}] must hold one element`);
    result.set(tag, inner[0]);
    last = tag;
  }
  return result;
}

export function required(map: Map<number, Node>, tag: number, what: string): Node {
  const node = map.get(tag);
  if (!node) throw malformed(`${what} is missing`);
  return node;
}

const isUniversal = (node: Node, tag: number): boolean =>
  node.idBlock.tagClass === universal && node.idBlock.tagNumber === tag;

/** SEQUENCE OF: the elements. */
export function sequenceOf(node: Node, what: string): Node[] {
  if (!isUniversal(node, 16)) throw malformed(`${what} is not a SEQUENCE`);
  return children(node, what);
}

/** An INTEGER (or ENUMERATED) that fits Kerberos' Int32/UInt32. */
export function integer(node: Node, what: string): number {
  if (!(node instanceof asn1.Integer) && !(node instanceof asn1.Enumerated)) {
    throw malformed(`${what} is not an INTEGER`);
  }
  const bytes = node.valueBlock.valueHexView;
  if (bytes.length === 0 || bytes.length > 5) throw malformed(`${what} is out of range`);
  let unsigned = 0;
  for (const byte of bytes) unsigned = unsigned * 256 + byte;
  // Two's complement: a leading one bit means negative.
  const value = (bytes[0] ?? 0) & 0x80 ? unsigned - Math.pow(256, bytes.length) : unsigned;
  if (value < -0x80000000 || value > 0xffffffff) throw malformed(`${what} is out of range`);
  return value;
}

export function octets(node: Node, what: string): Buffer {
  if (!(node instanceof asn1.OctetString) || node.idBlock.isConstructed) {
    throw malformed(`${what} is not an OCTET STRING`);
  }
  return Buffer.from(node.valueBlock.valueHexView);
}

/** A KerberosString (GeneralString restricted to IA5 by RFC 4120). */
export function text(node: Node, what: string): string {
  if (!(node instanceof asn1.GeneralString)) throw malformed(`${what} is not a GeneralString`);
  const value = node.valueBlock.value;
  if (value.length > 1024) throw malformed(`${what} is too long`);
  return value;
}

/** A KerberosTime (GeneralizedTime, seconds, UTC), as epoch milliseconds. */
export function time(node: Node, what: string): number {
  if (!(node instanceof asn1.GeneralizedTime)) throw malformed(`${what} is not a GeneralizedTime`);
  const ms = node.toDate().getTime();
  if (!Number.isFinite(ms)) throw malformed(`${what} is not a valid time`);
  return ms;
}

/** A BIT STRING's bytes (Kerberos flags are 32 bits, most significant first). */
export function bits(node: Node, what: string): Buffer {
  if (!(node instanceof asn1.BitString) || node.idBlock.isConstructed) {
    throw malformed(`${what} is not a BIT STRING`);
  }
  return Buffer.from(node.valueBlock.valueHexView);
}

export function oid(node: Node, what: string): string {
  if (!(node instanceof asn1.ObjectIdentifier)) throw malformed(`${what} is not an OBJECT IDENTIFIER`);
  return node.valueBlock.toString();
}

// Writing: only what the acceptor sends (AP-REP, NegTokenResp) and what tests build.

export const tagged = (tag: number, value: asn1.BaseBlock): asn1.Constructed =>
  new asn1.Constructed({ idBlock: { tagClass: contextSpecific, tagNumber: tag }, value: [value] });

export const applicationTagged = (tag: number, value: asn1.BaseBlock): asn1.Constructed =>
  new asn1.Constructed({ idBlock: { tagClass: application, tagNumber: tag }, value: [value] });

/** A SEQUENCE of explicitly tagged fields; undefined fields are left out. */
export function sequence(values: readonly (asn1.BaseBlock | undefined)[]): asn1.Sequence {
  return new asn1.Sequence({
    value: values.flatMap((value, tag) => (value ? [tagged(tag, value)] : [])),
  });
}

/** SEQUENCE OF the given elements (no tags). */
export const sequenceOfValues = (values: readonly asn1.BaseBlock[]): asn1.Sequence =>
  new asn1.Sequence({ value: [...values] });

export const int = (value: number): asn1.Integer => new asn1.Integer({ value });
export const enumerated = (value: number): asn1.Enumerated => new asn1.Enumerated({ value });
export const octetString = (value: Uint8Array): asn1.OctetString =>
  new asn1.OctetString({ valueHex: new Uint8Array(value) });
export const generalString = (value: string): asn1.GeneralString => new asn1.GeneralString({ value });
export const objectId = (value: string): asn1.ObjectIdentifier => new asn1.ObjectIdentifier({ value });
export const bitString = (value: Uint8Array): asn1.BitString =>
  new asn1.BitString({ valueHex: new Uint8Array(value), unusedBits: 0 });
/** KerberosTime carries whole seconds only. */
export const kerberosTime = (ms: number): asn1.GeneralizedTime =>
  new asn1.GeneralizedTime({ valueDate: new Date(Math.floor(ms / 1000) * 1000) });

export const encode = (node: asn1.BaseBlock): Buffer => Buffer.from(node.toBER(false));
