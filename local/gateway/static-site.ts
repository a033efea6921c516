import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { TLSSocket } from 'node:tls';
import { pageSecurityHeaders, strictTransportSecurity } from '../../functions/http/security-headers.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Headers CloudFront adds to the static client (its response headers policy in the stack), HSTS on TLS. */
function staticHeaders(res: ServerResponse): Record<string, string> {
  const overTls = res.req.socket instanceof TLSSocket;
  return overTls
    ? { ...pageSecurityHeaders, 'strict-transport-security': strictTransportSecurity }
    : { ...pageSecurityHeaders };
}

/**
 * Serves the built web client under `/app/` the way S3 behind CloudFront does; `/app/` is its
 * index page. Answers false when `path` is not under `/app/`.
 */
export async function serveStatic(root: string, path: string, res: ServerResponse): Promise<boolean> {
  if (path !== '/app' && !path.startsWith('/app/')) return false;
  if (path === '/app') {
    res.writeHead(301, { location: '/app/', ...staticHeaders(res) }).end();
    return true;
  }
  const relative = path.endsWith('/') ? `${path}index.html` : path;
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    res
      .writeHead(400, { 'content-type': 'application/json', ...staticHeaders(res) })
      .end('{"error":"bad_request","message":"bad path"}');
    return true;
  }
  const file = normalize(join(root, decoded));
  const info = file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
  if (!info?.isFile()) {
    res
      .writeHead(404, { 'content-type': 'application/json', ...staticHeaders(res) })
      .end('{"error":"not_found","message":"There is nothing at this address."}');
    return true;
  }
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': extname(file) === '.html' ? 'no-cache' : 'public, max-age=300',
    ...staticHeaders(res),
  });
  createReadStream(file).pipe(res);
  return true;
}
