import { X509Certificate } from 'node:crypto';

/** Each certificate of a PEM bundle, in order; anything that is not a certificate is skipped. */
export function certificatesOfPem(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** Longest chain followed (leaf, up to four CAs as API Gateway allows, and a root). */
const maxChainLength = 6;
/** Signature checks one chain may cost at most, whatever certificates a client sends. */
const maxLinksTried = 64;

const validAt = (certificate: X509Certificate, now: number): boolean =>
  now >= Date.parse(certificate.validFrom) && now <= Date.parse(certificate.validTo);

const sameCertificate = (a: X509Certificate, b: X509Certificate): boolean => a.raw.equals(b.raw);

/** Whether `parent` is a CA whose name (and key id) `child` names as its issuer: cheap, no signature. */
const namesIssuer = (parent: X509Certificate, child: X509Certificate): boolean =>
  parent.ca && child.checkIssued(parent);

/**
 * The chain from `leaf` to a trusted CA: each link a CA valid at `now` whose key signed the one
 * below it, the CAs taken from `offered` (what the client sent with its certificate, trusted for
 * nothing on its own) and from `anchors` (the configured CA file). It ends at an anchor, and goes on
 * past one to a self-signed root among the anchors when it can, so an intermediate listed as trusted
 * is still checked against its root's revocation list. Undefined when no chain reaches an anchor.
 */
export function buildChain(
  leaf: X509Certificate,
  offered: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  now: number,
): X509Certificate[] | undefined {
  const isAnchor = (certificate: X509Certificate) => anchors.some((a) => sameCertificate(a, certificate));
  const candidates = [...anchors, ...offered.filter((c) => !isAnchor(c))];
  let tried = 0;
  const extend = (chain: X509Certificate[]): X509Certificate[] | undefined => {
    const top = chain[chain.length - 1]!;
    const selfSigned = chain.length > 1 && top.checkIssued(top) && top.verify(top.publicKey);
    if (isAnchor(top) && selfSigned) return chain;
    if (chain.length < maxChainLength) {
      for (const parent of candidates) {
        if (chain.some((c) => sameCertificate(c, parent))) continue;
        if (!validAt(parent, now) || !namesIssuer(parent, top)) continue;
        if (++tried > maxLinksTried) return undefined;
        if (!top.verify(parent.publicKey)) continue;
        const found = extend([...chain, parent]);
        if (found) return found;
      }
    }
    // A trusted CA with no (usable) root above it ends the chain where it is.
    return chain.length > 1 && isAnchor(top) ? chain : undefined;
  };
  return extend([leaf]);
}
