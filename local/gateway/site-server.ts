import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../../functions/config.ts';
import type { ErrorCode } from '../../functions/core/errors.ts';
import { answerOnSocket, gatewayRefusal } from './gateway-answers.ts';

/**
 * API Gateway's HTTP API limit on the request line and headers together (10 KB). Node counts header
 * names as well as values, so the local limit is a little stricter than AWS's, never looser.
 */
export const httpHeaderLimitBytes = 10 * 1024;

/** How long a client may take to send its headers, and its whole request (seconds). */
export interface RequestTimeouts {
  readonly headersSeconds: number;
  readonly requestSeconds: number;
}

export const defaultRequestTimeouts: RequestTimeouts = { headersSeconds: 10, requestSeconds: 30 };

function seconds(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d{1,4}$/.test(text) || value < 1 || value > 3600) {
    throw new ConfigError(`${name} must be a whole number of seconds from 1 to 3600, not '${env[name]}'`);
  }
  return value;
}

/** `HTTP_HEADERS_TIMEOUT_SECONDS` and `HTTP_REQUEST_TIMEOUT_SECONDS` (docs/settings.md), checked. */
export function readRequestTimeouts(env: Readonly<Record<string, string | undefined>>): RequestTimeouts {
  const headersSeconds = seconds(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', defaultRequestTimeouts.headersSeconds);
  const requestSeconds = seconds(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', defaultRequestTimeouts.requestSeconds);
  if (headersSeconds > requestSeconds) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_SECONDS (${headersSeconds}) may not exceed HTTP_REQUEST_TIMEOUT_SECONDS (${requestSeconds}): the headers are part of the request`,
    );
  }
  return { headersSeconds, requestSeconds };
}

/** The refusal for a request Node could not take in, by its error code. */
function clientErrorRefusal(err: NodeJS.ErrnoException): [ErrorCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['headers_too_large', `Request headers are limited to ${httpHeaderLimitBytes} bytes in total.`];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['request_timeout', 'The request did not arrive in time.'];
    case 'HPE_INVALID_METHOD':
      return ['method_not_implemented', 'This site does not implement that method.'];
    default:
      return ['bad_request', 'The request could not be read as HTTP.'];
  }
}

/**
 * A request Node could not take in gets a JSON answer, as API Gateway gives one, instead of Node's
 * bare status line: 431 for headers over the limit, 408 for a client too slow to send its request,
 * 501 for a method no HTTP server knows, 400 for anything else. With the handlers' security headers.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [code, message] = clientErrorRefusal(err);
  gatewayRefusal(code, message).then(
    (answer) => answerOnSocket(socket, answer),
    () => socket.destroy(),
  );
}

/** `CONNECT host:port` asks a proxy for a tunnel; a site is not a proxy. */
function refuseConnect(_req: unknown, socket: Duplex): void {
  socket.on('error', () => undefined);
  gatewayRefusal('method_not_implemented', 'This site is not a proxy: CONNECT is not implemented.').then(
    (answer) => answerOnSocket(socket, answer),
    () => socket.destroy(),
  );
}

/**
 * One site's server: HTTPS when given a certificate, with API Gateway's header limit either way, and
 * clients bounded to `timeouts` for their headers and whole request (checked every second).
 * With `clientCa` it also asks browsers for a client certificate (smart card sign-in) and checks it
 * against those CAs; a connection without one still opens, as the other sign-in methods need.
 * `Expect: 100-continue` reaches `listener` unanswered: the gateway sends 100 only for a body it
 * will read.
 */
export function createSiteServer(
  tls: { readonly key: string; readonly cert: string; readonly clientCa?: string } | undefined,
  listener: RequestListener,
  timeouts: RequestTimeouts,
): Server {
  const limits = {
    maxHeaderSize: httpHeaderLimitBytes,
    headersTimeout: timeouts.headersSeconds * 1000,
    requestTimeout: timeouts.requestSeconds * 1000,
    connectionsCheckingInterval: 1000,
  };
  const clientCertificates = tls?.clientCa
    ? { requestCert: true, rejectUnauthorized: false, ca: tls.clientCa }
    : {};
  const server = tls
    ? createTlsServer({ ...limits, key: tls.key, cert: tls.cert, ...clientCertificates }, listener)
    : createServer(limits, listener);
  server.on('clientError', answerClientError);
  server.on('connect', refuseConnect);
  server.on('checkContinue', listener);
  return server;
}
