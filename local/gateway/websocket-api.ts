import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { countRequest } from '../../functions/core/metering/request-counts.ts';
import type { Site } from '../../functions/core/model.ts';
import { authorizers, webSocketPath, webSocketRoutes, type HandlerModule } from '../../functions/routes.ts';
import { commonLogTime, multiValueQueryParameters } from './event-formats.ts';
import { answerOnSocket, apiGatewayAnswer, gatewayRefusal } from './gateway-answers.ts';
import type { LocalFunctions } from './lambda.ts';
import { LoopDelay } from './load-shedding.ts';
import { clientAddress, forwardedHeaders, type ProxyTrust } from './proxy-trust.ts';

/** API Gateway WebSocket limits. */
export const webSocketLimits = {
  frameBytes: 32 * 1024,
  messageBytes: 128 * 1024,
  idleMs: 10 * 60 * 1000,
  maxDurationMs: 2 * 60 * 60 * 1000,
} as const;

/**
 * What one connection may have waiting to be sent: a client that does not read (a stalled tab, a
 * broken network) is closed with 1013 rather than have the server hold its frames in memory.
 */
export const sendQueueLimitBytes = 1024 * 1024;

/** The close code and reason of a connection whose client did not read its frames. */
export const slowConsumerClose = { code: 1013, reason: 'Too slow: frames were not read' } as const;

/** The answer to a frame the server was too busy to run (it ran nothing of it); see `LoopDelay`. */
function busyFrame(body: string): string {
  let clientMessageId: unknown;
  try {
    clientMessageId = (JSON.parse(body) as { clientMessageId?: unknown } | null)?.clientMessageId;
  } catch {
    // not JSON: nothing to echo
  }
  return JSON.stringify({
    type: 'error',
    error: 'busy',
    message: 'The server is busy: this frame was not processed. Try again in a moment.',
    ...(typeof clientMessageId === 'string' ? { clientMessageId } : {}),
  });
}

const stage = 'ws';

interface LiveConnection {
  readonly id: string;
  readonly site: Site;
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly domainName: string;
  /** The authorizer's principal and context as later events carry them (values as strings). */
  readonly authorizer: Record<string, string | number>;
  readonly timers: NodeJS.Timeout[];
  disconnectReason?: string;
  /** Writes held until the end of this turn of the event loop (see `holdWrites`). */
  writesHeld?: boolean;
}

const routeHandlers = new Map<string, HandlerModule>(webSocketRoutes.map((r) => [r.routeKey, r.handler]));
/** Two-way routes: the handler's `body` goes back to the caller, as API Gateway's route response. */
const replyingRoutes = new Set(webSocketRoutes.filter((r) => r.replies).map((r) => r.routeKey));

function connectionId(): string {
  return randomBytes(10).toString('base64');
}

/** A header's value whatever the casing of its name (WebSocket events keep the client's casing). */
const headerValue = (headers: Readonly<Record<string, string>>, wanted: string): string | undefined =>
  Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1];

/** How API Gateway writes the headers it sets on `$connect` events. */
const forwardedCasing: Record<string, string> = {
  'x-forwarded-for': 'X-Forwarded-For',
  'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-host': 'X-Forwarded-Host',
};

/**
 * The upgrade request's headers as a WebSocket API's `$connect` events carry them (payload 1.0):
 * names as the client wrote them, `headers` with the last value of a header sent more than once and
 * `multiValueHeaders` with all of them; the client's `X-Forwarded-*` replaced by what the gateway saw.
 */
function connectHeaders(
  req: IncomingMessage,
  trust: ProxyTrust,
): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const byName = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const entry = byName.get(key) ?? { name, values: [] };
    entry.values.push(value);
    byName.set(key, entry);
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (!/^x-forwarded-/i.test(name)) add(name, req.rawHeaders[i + 1] as string);
  }
  for (const [name, value] of Object.entries(forwardedHeaders(req, {}, trust))) {
    add(forwardedCasing[name] ?? name, value);
  }
  const entries = [...byName.values()];
  return {
    headers: Object.fromEntries(entries.map((e) => [e.name, e.values.at(-1) ?? ''])),
    multiValueHeaders: Object.fromEntries(entries.map((e) => [e.name, e.values])),
  };
}

/**
 * The authorizer's answer as later events carry it: its principal and its context, every context
 * value a string (`1` → `"1"`, `true` → `"true"`), as API Gateway documents for WebSocket APIs.
 */
function authorizerContext(
  decision: { principalId?: string; context?: Record<string, unknown> },
  integrationLatency: number,
): Record<string, string | number> {
  const context: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(decision.context ?? {})) {
    if (value !== undefined && value !== null) context[key] = String(value);
  }
  return { ...context, principalId: decision.principalId ?? '', integrationLatency };
}

/** The only headers API Gateway puts on a `$disconnect` event: the API's host and three empty ones. */
function disconnectHeaders(domainName: string): Record<string, string> {
  return { Host: domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
}

function requestContext(
  conn: Pick<LiveConnection, 'id' | 'connectedAt' | 'sourceIp' | 'userAgent' | 'domainName' | 'site'>,
  routeKey: string,
  eventType: string,
) {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    extendedRequestId: randomUUID(),
    requestTime: commonLogTime(new Date(now)),
    messageDirection: 'IN',
    stage,
    connectedAt: conn.connectedAt,
    requestTimeEpoch: now,
    // API Gateway names the user agent only when the client sent one.
    identity: { sourceIp: conn.sourceIp, ...(conn.userAgent ? { userAgent: conn.userAgent } : {}) },
    requestId: randomUUID(),
    domainName: conn.domainName,
    connectionId: conn.id,
    apiId: `local-ws-${conn.site}`,
  };
}

/** API Gateway's refusal of an upgrade, with the security headers the handlers' answers carry. */
async function rejectUpgrade(socket: Duplex, status: number, message: string): Promise<void> {
  answerOnSocket(socket, await apiGatewayAnswer(status, message));
}

/** Route selection on `$request.body.action`, falling back to `$default` as API Gateway does. */
function selectRoute(body: string | undefined): string {
  if (body === undefined) return '$default';
  try {
    const parsed: unknown = JSON.parse(body);
    const action = (parsed as { action?: unknown } | null)?.action;
    if (typeof action === 'string' && routeHandlers.has(action) && !action.startsWith('$')) return action;
  } catch {
    // not JSON: $default
  }
  return '$default';
}

/**
 * Emulates API Gateway WebSocket APIs (one per site, all sharing one `@connections` management
 * API): the `$connect` authorizer (identity source: the Cookie header), `$connect`, route selection,
 * `$disconnect`, frame and message size limits, the idle and maximum-duration limits, and
 * POST/GET/DELETE on `@connections/{id}` for handlers using the AWS SDK with an endpoint override.
 */
export class WebSocketGateway {
  private readonly connections = new Map<string, LiveConnection>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: webSocketLimits.messageBytes });
  private readonly loop = new LoopDelay();
  readonly management: Server;

  constructor(
    private readonly proxyTrust: ProxyTrust,
    private readonly functions: LocalFunctions,
  ) {
    this.management = createServer((req, res) => {
      this.handleManagement(req).then(
        ({ status, body, type }) => {
          res.writeHead(status, {
            'content-type': 'application/json',
            ...(type ? { 'x-amzn-errortype': type } : {}),
          });
          res.end(body);
        },
        (err: unknown) => {
          console.error('[gateway] @connections failed:', err);
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end('{"message":"Internal server error"}');
        },
      );
    });
  }

  /** Handles an upgrade request to one site's server: the WebSocket API at its path, nothing elsewhere. */
  async upgrade(site: Site, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== webSocketPath) {
      answerOnSocket(socket, await gatewayRefusal('not_found', 'There is nothing at this address.'));
      return;
    }
    const client = clientAddress(req, this.proxyTrust);
    const { headers, multiValueHeaders } = connectHeaders(req, this.proxyTrust);
    const draft = {
      id: connectionId(),
      site,
      connectedAt: Date.now(),
      sourceIp: client.sourceIp,
      userAgent: headerValue(headers, 'user-agent') ?? '',
      domainName: headerValue(headers, 'host') ?? 'localhost',
    };
    const query = multiValueQueryParameters(url.searchParams);
    const stageVariables = { site };
    try {
      // The identity source is the Cookie header: without it API Gateway refuses before the authorizer runs.
      if (!headerValue(headers, 'cookie')) return await rejectUpgrade(socket, 401, 'Unauthorized');
      let decision: {
        principalId?: string;
        policyDocument?: { Statement?: { Effect?: string }[] };
        context?: Record<string, unknown>;
      };
      const authorizing = Date.now();
      try {
        decision = (await this.functions.invoke(authorizers.webSocket, {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:local:000000000000:local-ws-${site}/${stage}/$connect`,
          headers,
          multiValueHeaders,
          ...query,
          stageVariables,
          requestContext: requestContext(draft, '$connect', 'CONNECT'),
          isBase64Encoded: false,
          body: null,
        })) as typeof decision;
      } catch (err) {
        if (err instanceof Error && err.message === 'Unauthorized')
          return await rejectUpgrade(socket, 401, 'Unauthorized');
        throw err;
      }
      const allowed = decision?.policyDocument?.Statement?.every((s) => s.Effect === 'Allow') ?? false;
      if (!allowed) return await rejectUpgrade(socket, 403, 'Forbidden');
      const authorizer = authorizerContext(decision, Date.now() - authorizing);
      const connected = (await this.functions.invoke(routeHandlers.get('$connect') as HandlerModule, {
        headers,
        multiValueHeaders,
        ...query,
        requestContext: { ...requestContext(draft, '$connect', 'CONNECT'), authorizer },
        isBase64Encoded: false,
        stageVariables,
      })) as { statusCode?: number } | undefined;
      const status = connected?.statusCode ?? 200;
      if (status < 200 || status > 299) return await rejectUpgrade(socket, status, 'Forbidden');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept({ ...draft, socket: ws, authorizer }));
    } catch (err) {
      console.error('[gateway] $connect failed:', err);
      await rejectUpgrade(socket, 500, 'Internal Server Error');
    }
  }

  private accept(draft: Omit<LiveConnection, 'lastActiveAt' | 'timers'>): void {
    const conn: LiveConnection = { ...draft, lastActiveAt: Date.now(), timers: [] };
    this.connections.set(conn.id, conn);
    const { socket } = conn;
    const resetIdle = () => {
      const idle = conn.timers.shift();
      if (idle) clearTimeout(idle);
      conn.timers.unshift(setTimeout(() => socket.close(1001, 'Going away'), webSocketLimits.idleMs).unref());
    };
    resetIdle();
    conn.timers.push(
      setTimeout(() => socket.close(1001, 'Going away'), webSocketLimits.maxDurationMs).unref(),
    );
    socket.on('message', (data, isBinary) => {
      const payload = data as Buffer;
      // API Gateway takes text frames only: a binary one closes the connection with 1003.
      if (isBinary) {
        socket.close(1003, 'Unsupported data');
        return;
      }
      // API Gateway refuses frames over 32 KB (and `ws` enforces the 128 KB message limit). Browsers
      // send each message as a single frame, so a message over 32 KB stands for such a frame here.
      if (payload.length > webSocketLimits.frameBytes) {
        socket.close(1009, 'Frame too big');
        return;
      }
      conn.lastActiveAt = Date.now();
      resetIdle();
      const body = payload.toString('utf8');
      if (this.loop.overloaded) {
        this.sendOn(conn, busyFrame(body));
        return;
      }
      this.dispatch(conn, selectRoute(body), body);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      for (const timer of conn.timers) clearTimeout(timer);
      this.connections.delete(conn.id);
      const headers = disconnectHeaders(conn.domainName);
      void this.invokeSafely(routeHandlers.get('$disconnect') as HandlerModule, {
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, [v]])),
        requestContext: {
          ...requestContext(conn, '$disconnect', 'DISCONNECT'),
          authorizer: conn.authorizer,
          disconnectStatusCode: code,
          disconnectReason: conn.disconnectReason ?? reason.toString(),
        },
        isBase64Encoded: false,
        stageVariables: { site: conn.site },
      });
    });
  }

  private dispatch(conn: LiveConnection, routeKey: string, body: string): void {
    const handler = routeHandlers.get(routeKey);
    if (!handler) return;
    void this.invokeSafely(handler, {
      requestContext: {
        ...requestContext(conn, routeKey, 'MESSAGE'),
        messageId: randomUUID(),
        authorizer: conn.authorizer,
      },
      body,
      isBase64Encoded: false,
      stageVariables: { site: conn.site },
    }).then(({ failed, result }) => {
      if (conn.socket.readyState !== WebSocket.OPEN) return;
      const reply = (result as { body?: unknown } | undefined)?.body;
      if (!failed && replyingRoutes.has(routeKey) && typeof reply === 'string' && reply !== '') {
        this.sendOn(conn, reply);
      }
      // API Gateway tells the client about a failed integration with a message of its own.
      if (failed) {
        conn.socket.send(
          JSON.stringify({
            message: 'Internal server error',
            connectionId: conn.id,
            requestId: randomUUID(),
          }),
        );
      }
    });
  }

  /** Runs a handler; answers what it returned, or that it failed (logged, as Lambda would). */
  private invokeSafely(
    handler: HandlerModule,
    event: unknown,
  ): Promise<{ failed: boolean; result?: unknown }> {
    const run = this.functions.invoke(handler, event).then(
      (result: unknown) => ({ failed: false, result }),
      (err: unknown) => {
        console.error(`[gateway] ${handler} failed:`, err);
        return { failed: true };
      },
    );
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return run;
  }

  /** `@connections` POST: the frame goes to the connection, or `gone` when it is not open. */
  post(connectionId: string, data: string): 'sent' | 'gone' {
    const conn = this.connections.get(connectionId);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) return 'gone';
    return this.sendOn(conn, data) ? 'sent' : 'gone';
  }

  /**
   * Sends a frame unless the connection's send queue is full, in which case the client is not
   * reading: it is closed (1013) and the frame not sent. Answers whether it was sent.
   */
  private sendOn(conn: LiveConnection, data: string): boolean {
    if (conn.socket.readyState !== WebSocket.OPEN) return false;
    if (conn.socket.bufferedAmount > sendQueueLimitBytes) {
      conn.disconnectReason = slowConsumerClose.reason;
      conn.socket.close(slowConsumerClose.code, slowConsumerClose.reason);
      return false;
    }
    this.holdWrites(conn);
    conn.socket.send(data);
    return true;
  }

  /**
   * Holds a connection's writes until the frames of this turn of the event loop are all written,
   * then sends them in one system call: a burst of frames (the answers to several frames read at
   * once, IMs from several senders) costs one write instead of one each. Socket writes were the
   * largest cost per IM in the embedded mode.
   */
  private holdWrites(conn: LiveConnection): void {
    if (conn.writesHeld) return;
    // `ws` keeps the TCP socket private; corking it is what `ws` itself does around each frame.
    const raw = (conn.socket as unknown as { _socket?: Socket })._socket;
    if (!raw) return;
    conn.writesHeld = true;
    raw.cork();
    process.nextTick(() => {
      conn.writesHeld = false;
      raw.uncork();
    });
  }

  /** `@connections` GET: whether the connection is open. */
  has(connectionId: string): boolean {
    return this.connections.get(connectionId)?.socket.readyState === WebSocket.OPEN;
  }

  /** `@connections` DELETE: closes the connection (its `$disconnect` follows). */
  remove(connectionId: string): void {
    const conn = this.connections.get(connectionId);
    if (!conn) return;
    conn.disconnectReason = 'Connection deleted';
    conn.socket.close(1000, 'Connection deleted');
  }

  private async handleManagement(
    req: IncomingMessage,
  ): Promise<{ status: number; body: string; type?: string }> {
    countRequest(`@connections ${req.method ?? ''}`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(url.pathname);
    if (!match?.[1]) return { status: 404, body: '{"message":"Not Found"}', type: 'NotFoundException' };
    const id = decodeURIComponent(match[1]);
    const conn = this.connections.get(id);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= webSocketLimits.messageBytes) chunks.push(chunk as Buffer);
    }
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
      return { status: 410, body: '{"message":"Gone"}', type: 'GoneException' };
    }
    switch (req.method) {
      case 'POST': {
        if (size > webSocketLimits.messageBytes) {
          return { status: 413, body: '{"message":"Payload too large"}', type: 'PayloadTooLargeException' };
        }
        if (this.post(id, Buffer.concat(chunks).toString('utf8')) === 'gone') {
          return { status: 410, body: '{"message":"Gone"}', type: 'GoneException' };
        }
        return { status: 200, body: '' };
      }
      case 'GET':
        return {
          status: 200,
          body: JSON.stringify({
            connectedAt: new Date(conn.connectedAt).toISOString(),
            lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
            identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          }),
        };
      case 'DELETE':
        this.remove(id);
        return { status: 204, body: '' };
      default:
        return { status: 405, body: '{"message":"Method Not Allowed"}' };
    }
  }

  /** Closes every connection (each gets its `$disconnect`) and the management API. */
  async close(): Promise<void> {
    this.loop.stop();
    for (const conn of this.connections.values()) conn.socket.close(1001, 'Going away');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.allSettled([...this.pending]);
    const closed = new Promise<void>((resolve) => this.management.close(() => resolve()));
    this.management.closeAllConnections();
    await closed;
  }
}
