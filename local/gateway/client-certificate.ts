import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { APIGatewayEventClientCertificate } from 'aws-lambda';

/** `CN=alice,O=Contoso` from Node's one-attribute-per-line form. */
const distinguishedName = (lines: string): string => lines.split('\n').filter(Boolean).reverse().join(',');

/**
 * The client certificate of a TLS connection, as API Gateway mutual TLS hands it to handlers
 * (`requestContext.authentication.clientCert`), but only when it passed the check against the
 * configured CA: API Gateway refuses other certificates during the handshake, so handlers never see them.
 */
export function verifiedClientCertificate(
  req: IncomingMessage,
): APIGatewayEventClientCertificate | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return undefined;
  return {
    clientCertPem: certificate.toString(),
    subjectDN: distinguishedName(certificate.subject),
    issuerDN: distinguishedName(certificate.issuer),
    serialNumber: certificate.serialNumber,
    validity: { notBefore: certificate.validFrom, notAfter: certificate.validTo },
  };
}
