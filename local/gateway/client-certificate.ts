import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { APIGatewayEventClientCertificate } from 'aws-lambda';

/** `CN=alice,O=Contoso` from Node's one-attribute-per-line form. */
const distinguishedName = (lines: string): string => lines.split('\n').filter(Boolean).reverse().join(',');

/**
 * The CA certificates the TLS layer chained the client's certificate through (those the client
 * sent, and the trusted one they lead to), PEM, leaf excluded.
 */
function chainAbove(socket: TLSSocket): string[] {
  const pems: string[] = [];
  const seen = new Set<string>();
  let link: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  seen.add(link.fingerprint256);
  for (let depth = 0; depth < 8; depth++) {
    link = link.issuerCertificate as DetailedPeerCertificate | undefined;
    if (!link?.raw || seen.has(link.fingerprint256)) break;
    seen.add(link.fingerprint256);
    pems.push(new X509Certificate(link.raw).toString());
  }
  return pems;
}

/**
 * The client certificate of a TLS connection, as API Gateway mutual TLS hands it to handlers
 * (`requestContext.authentication.clientCert`), but only when it passed the check against the
 * configured CA: API Gateway refuses other certificates during the handshake, so handlers never see them.
 * API Gateway's `clientCertPem` holds the certificate alone (its truststore must hold every CA up to
 * the root); the local listener also takes intermediate CAs from the client, as TLS allows, so the
 * CA file may hold only the root, and `clientCertPem` carries the chain it used after the
 * certificate, for the handler to check in turn.
 */
export function verifiedClientCertificate(
  req: IncomingMessage,
): APIGatewayEventClientCertificate | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  // Before getPeerX509Certificate(), after which Node answers the certificate without its issuers.
  const chain = chainAbove(socket);
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return undefined;
  return {
    clientCertPem: [certificate.toString(), ...chain].join(''),
    subjectDN: distinguishedName(certificate.subject),
    issuerDN: distinguishedName(certificate.issuer),
    serialNumber: certificate.serialNumber,
    validity: { notBefore: certificate.validFrom, notAfter: certificate.validTo },
  };
}
