import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { clientAddress, forwardedHeaders, parseTrustedProxies } from '../../local/gateway/proxy-trust.ts';

function request(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress, localPort: 8080 }, headers } as unknown as IncomingMessage;
}

const spoofingHeaders = { 'x-forwarded-for': '198.51.100.66', 'x-forwarded-proto': 'https' };

void describe('proxy trust', () => {
  void describe('with no trusted proxies', () => {
    void test('ignores the forwarded headers a client sends and reports the socket peer over http', () => {
      for (const setting of [undefined, '', ' , ']) {
        const trust = parseTrustedProxies(setting);

        const seen = clientAddress(request('203.0.113.7', spoofingHeaders), trust);

        assert.deepEqual(seen, { sourceIp: '203.0.113.7', proto: 'http', forwardedFor: '203.0.113.7' });
      }
    });

    void test('reports an IPv4 peer seen through an IPv6 socket as plain IPv4', () => {
      const seen = clientAddress(request('::ffff:203.0.113.7'), parseTrustedProxies(undefined));

      assert.equal(seen.sourceIp, '203.0.113.7');
    });
  });

  void describe('behind a trusted proxy', () => {
    void test('believes https and takes the client from X-Forwarded-For', () => {
      const trust = parseTrustedProxies('10.0.0.5');

      const seen = clientAddress(
        request('10.0.0.5', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }),
        trust,
      );

      assert.deepEqual(seen, {
        sourceIp: '203.0.113.7',
        proto: 'https',
        forwardedFor: '203.0.113.7, 10.0.0.5',
      });
    });

    void test('takes the right-most untrusted address, not a spoofed left-most one', () => {
      const trust = parseTrustedProxies('10.0.0.5');

      const seen = clientAddress(
        request('10.0.0.5', { 'x-forwarded-for': '198.51.100.66, 203.0.113.7' }),
        trust,
      );

      assert.equal(seen.sourceIp, '203.0.113.7');
    });

    void test('skips every trusted hop of a proxy chain', () => {
      const trust = parseTrustedProxies('10.0.0.5, 10.0.1.0/24');

      const seen = clientAddress(
        request('10.0.0.5', { 'x-forwarded-for': '198.51.100.66, 203.0.113.7, 10.0.1.20, 10.0.1.21' }),
        trust,
      );

      assert.equal(seen.sourceIp, '203.0.113.7');
    });

    void test('matches proxies by CIDR, for IPv4 and IPv6', () => {
      const trust = parseTrustedProxies('172.16.0.0/12, fd00::/8');

      const fromV4 = clientAddress(request('::ffff:172.20.1.1', { 'x-forwarded-for': '203.0.113.7' }), trust);
      const fromV6 = clientAddress(request('fd12::1', { 'x-forwarded-for': '2001:db8::7' }), trust);
      const outside = clientAddress(request('172.32.0.1', { 'x-forwarded-for': '203.0.113.7' }), trust);

      assert.equal(fromV4.sourceIp, '203.0.113.7');
      assert.equal(fromV6.sourceIp, '2001:db8::7');
      assert.equal(outside.sourceIp, '172.32.0.1');
    });

    void test('uses the proxy itself when it forwards no client address', () => {
      const seen = clientAddress(request('10.0.0.5'), parseTrustedProxies('10.0.0.5'));

      assert.deepEqual(seen, { sourceIp: '10.0.0.5', proto: 'http', forwardedFor: '10.0.0.5' });
    });

    void test('ignores entries of X-Forwarded-For that are not IP addresses', () => {
      const seen = clientAddress(
        request('10.0.0.5', { 'x-forwarded-for': '203.0.113.7, unknown, <script>' }),
        parseTrustedProxies('10.0.0.5'),
      );

      assert.equal(seen.sourceIp, '203.0.113.7');
      assert.equal(seen.forwardedFor, '203.0.113.7, 10.0.0.5');
    });

    void test('reports http unless the proxy says https', () => {
      const trust = parseTrustedProxies('10.0.0.5');

      const plain = clientAddress(request('10.0.0.5', { 'x-forwarded-proto': 'http' }), trust);
      const missing = clientAddress(request('10.0.0.5'), trust);

      assert.equal(plain.proto, 'http');
      assert.equal(missing.proto, 'http');
    });
  });

  void describe('the forwarded headers a handler sees', () => {
    const forged = {
      host: 'localhost:8080',
      'x-forwarded-host': 'evil.example:8080',
      'x-forwarded-for': '198.51.100.66',
      'X-Forwarded-Proto': 'https',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      cookie: 'kept',
    };

    void test('drops every X-Forwarded-* a client sends and says what the gateway saw', () => {
      const req = request('203.0.113.7', forged);

      const headers = forwardedHeaders(req, forged, parseTrustedProxies(undefined));

      assert.deepEqual(headers, {
        host: 'localhost:8080',
        cookie: 'kept',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'http',
        'x-forwarded-port': '8080',
      });
    });

    void test('passes on the host a trusted proxy forwards: the value it set itself, the last one', () => {
      const sent = { ...forged, 'x-forwarded-host': 'evil.example, im.contoso.com' };
      const req = request('10.0.0.5', sent);

      const headers = forwardedHeaders(req, sent, parseTrustedProxies('10.0.0.5'));

      assert.equal(headers['x-forwarded-host'], 'im.contoso.com');
      assert.equal(headers['x-forwarded-proto'], 'https');
      assert.equal(headers['x-forwarded-for'], '198.51.100.66, 10.0.0.5');
      assert.equal(headers['X-Forwarded-Proto'], undefined);
    });
  });

  void describe('TRUSTED_PROXIES setting', () => {
    void test('refuses an entry that is not an IP address, naming the setting and the entry', () => {
      for (const entry of ['proxy.internal', '10.0.0', '/8']) {
        assert.throws(
          () => parseTrustedProxies(`10.0.0.5, ${entry}`),
          (err: Error) => err.message.includes('TRUSTED_PROXIES') && err.message.includes(`"${entry}"`),
        );
      }
    });

    void test('refuses a CIDR without prefix length instead of trusting every address', () => {
      assert.throws(() => parseTrustedProxies('10.0.0.0/'), /TRUSTED_PROXIES: "10\.0\.0\.0\/"/);
    });

    void test('refuses a bad prefix length with a message naming the setting and the entry', () => {
      for (const entry of ['10.0.0.0/33', '10.0.0.0/abc', '10.0.0.0/-1', 'fd00::/129', '10.0.0.0/8/9']) {
        assert.throws(
          () => parseTrustedProxies(entry),
          (err: Error) => err.message.includes('TRUSTED_PROXIES') && err.message.includes(`"${entry}"`),
          entry,
        );
      }
    });
  });
});
