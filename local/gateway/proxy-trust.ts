import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { TLSSocket } from 'node:tls';

/** The proxies whose `X-Forwarded-*` headers are believed (`TRUSTED_PROXIES`: comma-separated IPs/CIDRs). */
export interface ProxyTrust {
  readonly trusted: BlockList;
}

export function parseTrustedProxies(value: string | undefined): ProxyTrust {
  const trusted = new BlockList();
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const invalid = () => new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
    const [address = '', bits, ...rest] = entry.split('/');
    const version = isIP(address);
    if (version === 0 || rest.length > 0) throw invalid();
    const family = version === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      trusted.addAddress(address, family);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (version === 6 ? 128 : 32)) throw invalid();
    trusted.addSubnet(address, prefix, family);
  }
  return { trusted };
}

const stripV4Mapped = (ip: string): string => ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

/** Whether the socket peer is one of `TRUSTED_PROXIES`. */
function isFromTrustedProxy(req: IncomingMessage, trust: ProxyTrust): boolean {
  const peer = stripV4Mapped(req.socket.remoteAddress ?? '');
  return peer !== '' && trust.trusted.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Who the client is and how it reached us, as API Gateway would report it. The forwarded headers
 * are taken only from a trusted proxy; from anyone else they are replaced by what the socket shows.
 */
export function clientAddress(
  req: IncomingMessage,
  trust: ProxyTrust,
): { sourceIp: string; proto: 'http' | 'https'; forwardedFor: string } {
  const peer = stripV4Mapped(req.socket.remoteAddress ?? '');
  const fromProxy = isFromTrustedProxy(req, trust);
  // A direct connection is HTTPS exactly when it arrived on our own TLS listener.
  const direct = req.socket instanceof TLSSocket ? 'https' : 'http';
  if (!fromProxy) return { sourceIp: peer, proto: direct, forwardedFor: peer };
  // Walk the chain from the right: the first hop that is not a trusted proxy is the client.
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => stripV4Mapped(s.trim()))
    .filter((s) => isIP(s) !== 0);
  const chain = [...forwarded, peer];
  let client = peer;
  while (chain.length > 0) {
    client = chain.pop() as string;
    if (!trust.trusted.check(client, isIP(client) === 6 ? 'ipv6' : 'ipv4')) break;
  }
  const proto =
    String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      ?.trim() === 'https'
      ? 'https'
      : 'http';
  return { sourceIp: client, proto, forwardedFor: [...forwarded, peer].join(', ') };
}

/**
 * The request's headers as a handler sees them behind API Gateway: whatever `X-Forwarded-*` the
 * client sent is dropped, and `X-Forwarded-For`, `-Proto` and `-Port` say what this gateway saw
 * (API Gateway sets them itself). `X-Forwarded-Host` is passed on only from a trusted proxy, which
 * names the host its viewer addressed (as CloudFront's viewer-request function does on AWS).
 */
export function forwardedHeaders(
  req: IncomingMessage,
  headers: Readonly<Record<string, string>>,
  trust: ProxyTrust,
): Record<string, string> {
  const client = clientAddress(req, trust);
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^x-forwarded-/i.test(name)));
  // The proxy next to us appends to (or sets) the header: its own value is the last one.
  const host = isFromTrustedProxy(req, trust)
    ? String(req.headers['x-forwarded-host'] ?? '')
        .split(',')
        .pop()
        ?.trim()
    : undefined;
  return {
    ...kept,
    'x-forwarded-for': client.forwardedFor,
    'x-forwarded-proto': client.proto,
    'x-forwarded-port': String(req.socket.localPort ?? ''),
    ...(host ? { 'x-forwarded-host': host } : {}),
  };
}
