import { verify, type X509Certificate } from 'node:crypto';
import * as asn1 from 'asn1js';
import { AppError } from '../errors.ts';

/**
 * Certificate revocation lists (RFC 5280, section 5), read with asn1js: which serial numbers a CA
 * has revoked, from when to when the list is current, and whether the CA's key signed it. Only full
 * CRLs are taken: a delta, partitioned or indirect CRL (a critical extension) is refused when the
 * file is read, because treating one as complete would let revoked certificates through.
 */
export interface RevocationList {
  /** The issuing CA's distinguished name, as it is encoded (DER). */
  readonly issuer: Buffer;
  readonly thisUpdate: number;
  /** When the CA publishes the next list; past it, this one says nothing about new revocations. */
  readonly nextUpdate: number | undefined;
  /** Revoked serial numbers, upper-case hex without leading zeros (as `serialOf` gives them). */
  readonly revoked: ReadonlySet<string>;
  /** Whether `ca` issued this list: it names `ca`'s subject and `ca`'s key verifies its signature. */
  signedBy(ca: X509Certificate): boolean;
}

/** Where the current revocation lists come from (a file the administrator replaces). */
export interface RevocationSource {
  /** The lists now; throws `certificate_status_unavailable` when they cannot be read. */
  lists(): Promise<readonly RevocationList[]>;
}

/** A revocation list file that cannot be used, with what is wrong. */
export class RevocationListError extends Error {
  override readonly name = 'RevocationListError';
}

const universal = 1;
const contextSpecific = 3;

/** Signature algorithms CAs sign CRLs with, by OID: the digest `crypto.verify` takes (null: none). */
const signatureDigests: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

type Node = asn1.AsnType;

const isUniversal = (node: Node | undefined, tag: number): boolean =>
  node?.idBlock.tagClass === universal && node.idBlock.tagNumber === tag;
const isTime = (node: Node | undefined): node is asn1.UTCTime =>
  node instanceof asn1.UTCTime || node instanceof asn1.GeneralizedTime;
const childrenOf = (node: Node | undefined, what: string): Node[] => {
  const value = (node?.valueBlock as { value?: unknown } | undefined)?.value;
  if (!node?.idBlock.isConstructed || !Array.isArray(value))
    throw new RevocationListError(`${what} is malformed`);
  return value as Node[];
};
const der = (node: Node): Buffer => Buffer.from((node as asn1.BaseBlock).valueBeforeDecodeView);

function decodeOne(bytes: Uint8Array, what: string): Node {
  const parsed = asn1.fromBER(bytes);
  if (parsed.offset === -1 || parsed.result.error || parsed.offset !== bytes.length) {
    throw new RevocationListError(`${what} is not DER`);
  }
  return parsed.result;
}

/** An INTEGER as a serial number is compared: upper-case hex, no leading zeros. */
const serialHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

/** A certificate's serial number in the form `RevocationList.revoked` holds. */
export const serialOf = (certificate: X509Certificate): string =>
  certificate.serialNumber.toUpperCase().replace(/^0+(?=.)/, '');

function timeOf(node: Node | undefined, what: string): number {
  if (!isTime(node)) throw new RevocationListError(`${what} is not a time`);
  const ms = node.toDate().getTime();
  if (!Number.isFinite(ms)) throw new RevocationListError(`${what} is not a valid time`);
  return ms;
}

/** The OIDs of the critical extensions in an `Extensions` SEQUENCE. */
function criticalExtensions(node: Node, what: string): string[] {
  return childrenOf(node, what).flatMap((extension) => {
    const [id, second] = childrenOf(extension, what);
    if (!(id instanceof asn1.ObjectIdentifier)) throw new RevocationListError(`${what} is malformed`);
    return second instanceof asn1.Boolean && second.valueBlock.value ? [id.valueBlock.toString()] : [];
  });
}

/** One DER CertificateList. */
function parseList(bytes: Uint8Array): RevocationList {
  const [tbs, algorithm, signatureValue] = childrenOf(decodeOne(bytes, 'the CRL'), 'the CRL');
  if (!tbs || !algorithm || !(signatureValue instanceof asn1.BitString)) {
    throw new RevocationListError('the CRL is malformed');
  }
  const fields = childrenOf(tbs, 'the CRL');
  let at = fields[0] instanceof asn1.Integer ? 1 : 0;
  const innerAlgorithm = fields[at++];
  const issuer = fields[at++];
  if (!innerAlgorithm || !issuer || !isUniversal(issuer, 16)) {
    throw new RevocationListError('the CRL is malformed');
  }
  if (!der(innerAlgorithm).equals(der(algorithm))) {
    throw new RevocationListError('the CRL names two different signature algorithms');
  }
  const [oid] = childrenOf(algorithm, 'the CRL signature algorithm');
  const algorithmId = oid instanceof asn1.ObjectIdentifier ? oid.valueBlock.toString() : '?';
  if (!(algorithmId in signatureDigests)) {
    throw new RevocationListError(`the CRL is signed with an unsupported algorithm (${algorithmId})`);
  }
  const thisUpdate = timeOf(fields[at++], 'the CRL thisUpdate');
  const nextUpdate = isTime(fields[at]) ? timeOf(fields[at++], 'the CRL nextUpdate') : undefined;
  const revoked = new Set<string>();
  if (isUniversal(fields[at], 16)) {
    for (const entry of childrenOf(fields[at++], 'a CRL entry')) {
      const [serial, , entryExtensions] = childrenOf(entry, 'a CRL entry');
      if (!(serial instanceof asn1.Integer)) throw new RevocationListError('a CRL entry is malformed');
      const critical = entryExtensions ? criticalExtensions(entryExtensions, 'a CRL entry') : [];
      if (critical.length > 0) {
        throw new RevocationListError(
          `the CRL is an indirect CRL (critical entry extension ${critical.join(', ')}), which is not supported: give full CRLs`,
        );
      }
      revoked.add(serialHex(serial.valueBlock.valueHexView));
    }
  }
  const extensions = fields[at];
  if (extensions?.idBlock.tagClass === contextSpecific && extensions.idBlock.tagNumber === 0) {
    const critical = criticalExtensions(
      childrenOf(extensions, 'the CRL extensions')[0]!,
      'the CRL extensions',
    );
    if (critical.length > 0) {
      throw new RevocationListError(
        `the CRL is a delta or partitioned CRL (critical extension ${critical.join(', ')}), which is not supported: give full CRLs`,
      );
    }
  }
  if (signatureValue.valueBlock.unusedBits !== 0)
    throw new RevocationListError('the CRL signature is malformed');
  const signed = der(tbs);
  const signature = Buffer.from(signatureValue.valueBlock.valueHexView);
  const issuerName = der(issuer);
  const digest = signatureDigests[algorithmId] ?? null;
  return {
    issuer: issuerName,
    thisUpdate,
    nextUpdate,
    revoked,
    signedBy: (ca) => {
      if (!subjectOf(ca).equals(issuerName)) return false;
      try {
        return verify(digest, signed, ca.publicKey, signature);
      } catch {
        return false; // a key of another kind than the signature's
      }
    },
  };
}

const pemBlocks = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g;

/**
 * The CRLs of a file: PEM (`-----BEGIN X509 CRL-----` blocks, one per CA) or one DER CRL. Throws
 * `RevocationListError` saying what is wrong, for the administrator.
 */
export function parseRevocationLists(data: Buffer): RevocationList[] {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN X509 CRL-----')) {
    const blocks = [...text.matchAll(pemBlocks)];
    if (blocks.length !== text.split('-----BEGIN X509 CRL-----').length - 1) {
      throw new RevocationListError('holds a PEM CRL that is cut off (no END line)');
    }
    return blocks.map((block) => parseList(Buffer.from((block[1] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  if (data.length === 0 || data[0] !== 0x30) {
    throw new RevocationListError('holds no CRL (PEM "X509 CRL" blocks, or one DER CRL)');
  }
  return [parseList(data)];
}

const subjects = new WeakMap<X509Certificate, Buffer>();

/** A certificate's subject name as encoded (DER), to compare with the issuer a CRL names. */
export function subjectOf(certificate: X509Certificate): Buffer {
  let subject = subjects.get(certificate);
  if (!subject) {
    const [tbs] = childrenOf(decodeOne(certificate.raw, 'the certificate'), 'the certificate');
    const fields = childrenOf(tbs, 'the certificate');
    // version [0] (when present), serialNumber, signature, issuer, validity, subject
    const versioned = fields[0]?.idBlock.tagClass === contextSpecific ? 1 : 0;
    const name = fields[versioned + 4];
    if (!name) throw new RevocationListError('the certificate is malformed');
    subject = der(name);
    subjects.set(certificate, subject);
  }
  return subject;
}

/** How far a CRL's `thisUpdate` may be ahead of this server's clock and still count. */
const clockSkewMs = 5 * 60 * 1000;

const commonName = (certificate: X509Certificate): string =>
  /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? 'its CA';

const unavailable = (message: string) => new AppError('certificate_status_unavailable', message);

/**
 * Refuses a chain (leaf first, as `buildChain` gives it) in which a certificate is on its issuer's
 * current CRL (`certificate_revoked`). The leaf's issuer must have a current CRL among `lists`; a
 * missing one, or one past its next update, refuses the sign-in (`certificate_status_unavailable`):
 * whether the certificate was revoked since cannot be told. The CAs above are checked against the
 * CRLs of their issuers where the file has them.
 */
export function assertNotRevoked(
  chain: readonly X509Certificate[],
  lists: readonly RevocationList[],
  now: number,
): void {
  for (let index = 0; index + 1 < chain.length; index++) {
    const certificate = chain[index]!;
    const issuer = chain[index + 1]!;
    const fromIssuer = lists.filter((list) => list.signedBy(issuer));
    if (fromIssuer.length === 0) {
      if (index === 0) {
        throw unavailable(
          `Whether the certificate was revoked cannot be told: there is no revocation list from ${commonName(issuer)}.`,
        );
      }
      continue;
    }
    const current = fromIssuer.filter(
      (list) =>
        list.thisUpdate <= now + clockSkewMs && (list.nextUpdate === undefined || now <= list.nextUpdate),
    );
    if (current.length === 0) {
      throw unavailable(
        `Whether the certificate was revoked cannot be told: the revocation list of ${commonName(issuer)} is out of date.`,
      );
    }
    if (current.some((list) => list.revoked.has(serialOf(certificate)))) {
      throw new AppError(
        'certificate_revoked',
        index === 0
          ? 'The certificate has been revoked by its certification authority.'
          : `The certification authority ${commonName(certificate)} that issued the certificate has been revoked.`,
      );
    }
  }
}
