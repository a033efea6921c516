import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * API Gateway's HTTP API limit on the request line and headers together (10 KB). Node counts header
 * names as well as values, so the local limit is a little stricter than AWS's, never looser.
 */
export const httpHeaderLimitBytes = 10 * 1024;

function refusal(status: number, reason: string, error: string, message: string): string {
  const body = JSON.stringify({ error, message });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * A request Node could not parse gets a JSON answer, as API Gateway gives one, instead of Node's
 * bare status line: 431 for headers over the limit, 400 for anything else.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    err.code === 'HPE_HEADER_OVERFLOW'
      ? refusal(
          431,
          'Request Header Fields Too Large',
          'headers_too_large',
          `Request headers are limited to ${httpHeaderLimitBytes} bytes in total.`,
        )
      : refusal(400, 'Bad Request', 'bad_request', 'The request could not be read as HTTP.'),
  );
}

/**
 * One site's server: HTTPS when given a certificate, with API Gateway's header limit either way.
 * With `clientCa` it also asks browsers for a client certificate (smart card sign-in) and checks it
 * against those CAs; a connection without one still opens, as the other sign-in methods need.
 */
export function createSiteServer(
  tls: { readonly key: string; readonly cert: string; readonly clientCa?: string } | undefined,
  listener: RequestListener,
): Server {
  const limits = { maxHeaderSize: httpHeaderLimitBytes };
  const clientCertificates = tls?.clientCa
    ? { requestCert: true, rejectUnauthorized: false, ca: tls.clientCa }
    : {};
  const server = tls
    ? createTlsServer({ ...limits, key: tls.key, cert: tls.cert, ...clientCertificates }, listener)
    : createServer(limits, listener);
  server.on('clientError', answerClientError);
  return server;
}
