import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, AuditLog } from '../../functions/core/audit/audit-log.ts';
import { isAppError } from '../../functions/core/errors.ts';
import type { Deps } from '../../functions/deps.ts';
import type { AdminEndpointAddress } from '../runtime-file.ts';
import { ChangeRefused, UsageError } from './failures.ts';
import { adminPartsOf, perform } from './operations.ts';
import {
  adminPath,
  MalformedRequest,
  productRequestOf,
  requestLimitBytes,
  type ProductAnswer,
} from './request.ts';

export interface AdminEndpointOptions {
  /** The running product's dependencies: its stores, tickets, live connections and audit trail. */
  readonly deps: Deps;
  /** `builtin` or `ldap`, as the product reads its users. */
  readonly directoryProvider: string;
  /** Largest request body read (default `requestLimitBytes`). */
  readonly limitBytes?: number;
}

export interface AdminEndpoint {
  /** For DATA_DIR/runtime.json (owner-only): where it listens, and the secret it asks for. */
  readonly address: AdminEndpointAddress;
  /** Stops taking requests, and waits for those running to finish. */
  close(): Promise<void>;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped addresses. */
function isLoopback(address: string | undefined): boolean {
  const ip = address?.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip ?? '');
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The body, or undefined once it passes `limit` bytes (declared or as it arrives). */
async function bodyOf(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** What refused a request, as the command's exit code and message; undefined for a failure. */
function refusalOf(err: unknown): Pick<ProductAnswer, 'code' | 'text'> | undefined {
  if (err instanceof UsageError) return { code: 2, text: err.message };
  if (err instanceof ChangeRefused || isAppError(err)) return { code: 1, text: err.message };
  return undefined;
}

/**
 * The embedded mode's admin endpoint: the admin command's requests (`ProductRequest`, one POST per
 * command) run here, in the product's process, on its own stores, tickets and live connections, so
 * what it changes holds at once (a disabled user's connections close as it answers). Loopback only,
 * and only for a caller that gives the secret written to DATA_DIR/runtime.json (owner-only),
 * compared in constant time: anyone else is refused (401, 403) before a byte of the body is read.
 */
export async function startAdminEndpoint(options: AdminEndpointOptions): Promise<AdminEndpoint> {
  const { deps, directoryProvider } = options;
  const limit = options.limitBytes ?? requestLimitBytes;
  const secret = randomBytes(32).toString('base64url');
  const expected = digest(`Bearer ${secret}`);
  const running = new Set<Promise<void>>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) {
      send(res, 403, { error: 'The admin endpoint answers only this machine (loopback).' });
      return;
    }
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      send(res, 401, { error: 'The admin endpoint needs the secret in DATA_DIR/runtime.json.' });
      return;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== adminPath) {
      send(res, 404, { error: `The admin endpoint takes requests at ${adminPath} only.` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, { error: 'The admin endpoint takes POST only.' });
      return;
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      send(res, 415, { error: 'The admin endpoint takes application/json only.' });
      return;
    }
    const body = await bodyOf(req, limit);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      send(res, 413, { error: `The request is larger than the admin endpoint takes (${limit} bytes).` });
      return;
    }
    let request;
    try {
      request = productRequestOf(JSON.parse(body.toString('utf8')));
    } catch (err) {
      if (!(err instanceof SyntaxError || err instanceof MalformedRequest)) throw err;
      send(res, 400, { error: `Not a request of the admin command: ${err.message}` });
      return;
    }
    // The request's audit events go to the product's audit trail, and back to the command.
    const audit: AuditEvent[] = [];
    const recorded: AuditLog = {
      record(event) {
        deps.audit.record(event);
        audit.push(event);
      },
    };
    let answer: ProductAnswer;
    try {
      answer = {
        code: 0,
        text: await perform(request, adminPartsOf(deps, directoryProvider, recorded)),
        audit,
      };
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused) throw err;
      answer = { ...refused, audit };
    }
    console.log(
      JSON.stringify({ level: 'info', message: 'admin command', kind: request.kind, code: answer.code }),
    );
    send(res, 200, answer);
  }

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, (req, res) => {
    const done = handle(req, res)
      .catch((err: unknown) => {
        console.error('[admin] request failed:', err);
        if (!res.headersSent) send(res, 500, { error: `The product failed: ${(err as Error).message}` });
        else res.destroy();
      })
      .finally(() => running.delete(done));
    running.add(done);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    address: { url: `http://127.0.0.1:${port}`, secret },
    async close() {
      server.close();
      server.closeAllConnections();
      // A change under way is finished, not cut off halfway.
      await Promise.allSettled([...running]);
    },
  };
}
