import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AppError, type ErrorCode } from '../../functions/core/errors.ts';
import { errorResult, type HttpResult } from '../../functions/http/respond.ts';
import { securityHeaders } from '../../functions/http/security-headers-middleware.ts';

/** The handlers' own security-header middleware, run over an answer the gateway gives itself. */
const withHandlerHeaders = middy<HttpResult, HttpResult>()
  .use(securityHeaders())
  .handler(async (result) => result);

/**
 * An answer of the gateway's own (a refusal before any handler runs, or API Gateway's own error)
 * with the security headers the handlers put on theirs, from the same middleware, so the two never
 * drift. On AWS, CloudFront's response headers policy adds them to API Gateway's own answers.
 */
export async function gatewayAnswer(result: HttpResult): Promise<HttpResult> {
  const copy = { ...result, headers: { ...result.headers } };
  return withHandlerHeaders(copy, {} as Context);
}

/** A contract refusal (`{"error","message"}`) from the gateway itself. */
export function gatewayRefusal(
  code: ErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<HttpResult> {
  const refusal = errorResult(new AppError(code, message));
  return gatewayAnswer({ ...refusal, headers: { ...refusal.headers, ...headers } });
}

/** API Gateway's own JSON answer (`{"message"}`), as its WebSocket and authorizer refusals give it. */
export function apiGatewayAnswer(statusCode: number, message: string): Promise<HttpResult> {
  return gatewayAnswer({
    statusCode,
    headers: { 'cache-control': 'no-store', 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
}

/**
 * Writes an answer on a response whose request the gateway will not read further; `Connection:
 * close` makes Node close the connection once it is written, instead of reading the rest.
 */
export function sendAndClose(res: ServerResponse, result: HttpResult): void {
  const body = result.body ?? '';
  res.writeHead(result.statusCode, {
    ...result.headers,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/**
 * Writes an answer straight onto a connection that has no HTTP response object (a request Node
 * could not parse, a refused upgrade or CONNECT) and closes it once written.
 */
export function answerOnSocket(socket: Duplex, result: HttpResult): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = result.body ?? '';
  const head = [`HTTP/1.1 ${result.statusCode} ${STATUS_CODES[result.statusCode] ?? ''}`];
  for (const [name, value] of Object.entries(result.headers ?? {})) head.push(`${name}: ${String(value)}`);
  head.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close');
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
