import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import { EmfMetrics } from '../../functions/core/metrics/emf-metrics.ts';
import { MeteredAuditLog } from '../../functions/core/metrics/metered-audit-log.ts';
import type { Dimensions, MetricName, Metrics } from '../../functions/core/metrics/metrics.ts';
import { checkOrigin, originVerifyHeader } from '../../functions/http/origin-verify.ts';
import { clientAddressOf } from '../../functions/http/request.ts';

class RecordedMetrics implements Metrics {
  readonly counted: { name: MetricName; dimensions: Dimensions; value: number }[] = [];
  count(name: MetricName, dimensions: Dimensions = {}, value = 1): void {
    this.counted.push({ name, dimensions, value });
  }
}

/** The lines written to stdout while `run` runs. */
function stdoutOf(run: () => void): string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

void describe('metrics', () => {
  void test('counts sign-ins by method and outcome, throttled sign-ins and sessions ended early from the audit trail', () => {
    const metrics = new RecordedMetrics();
    const audited: AuditEvent[] = [];
    const audit = new MeteredAuditLog({ record: (event) => audited.push(event) }, metrics);
    const failed = {
      method: 'forms',
      site: 'external',
      sourceAddress: '203.0.113.7',
      account: 'CONTOSO\\x',
    } as const;

    audit.record({
      event: 'signin.succeeded',
      method: 'sso',
      site: 'internal',
      sourceAddress: '10.0.0.1',
      sipUri: 'sip:a@b',
      session: 's',
    });
    audit.record({ event: 'signin.failed', ...failed, reason: 'invalid_credentials' });
    audit.record({ event: 'signin.failed', ...failed, reason: 'too_many_attempts' });
    audit.record({ event: 'signout', sipUri: 'sip:a@b', session: 's' });
    audit.record({ event: 'session.ended', reason: 'revoked', sipUri: 'sip:a@b', session: 's' });
    audit.record({ event: 'session.ended', reason: 'expired', sipUri: 'sip:a@b', session: 's' });

    assert.equal(audited.length, 6, 'every event still reaches the audit trail');
    assert.deepEqual(
      metrics.counted.map(({ name, dimensions }) => [name, dimensions]),
      [
        ['SignIns', { Method: 'sso', Outcome: 'success' }],
        ['SignIns', { Method: 'forms', Outcome: 'invalid_credentials' }],
        ['SignInFailures', {}],
        ['SignIns', { Method: 'forms', Outcome: 'too_many_attempts' }],
        ['SignInFailures', {}],
        ['ThrottledSignIns', { Method: 'forms' }],
        ['TicketRevocations', { Reason: 'signed_out' }],
        ['TicketRevocations', { Reason: 'revoked' }],
      ],
    );
  });

  void test('prints each figure at once as an Embedded Metric Format line with its dimensions and correlation id', () => {
    const metrics = new EmfMetrics(() => 'req-1');

    const lines = stdoutOf(() => metrics.count('ImsFailed', { Reason: 'offline' }));

    assert.equal(lines.length, 1);
    const emf = JSON.parse(lines[0]!) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
    };
    const [directive] = emf._aws.CloudWatchMetrics;
    assert.equal(directive?.Namespace, 'WebCommunicator');
    assert.deepEqual(directive?.Metrics, [{ Name: 'ImsFailed', Unit: 'Count' }]);
    assert.ok(directive?.Dimensions[0]?.includes('Reason'));
    assert.equal(emf.ImsFailed, 1);
    assert.equal(emf.Reason, 'offline');
    assert.equal(emf.correlationId, 'req-1');
  });
});

void describe('origin verification', () => {
  const behindCloudFront = {
    ORIGIN_VERIFY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:origin-AbCdEf',
  };
  const event = (headers: Record<string, string>) =>
    ({
      headers,
      requestContext: { http: { sourceIp: '130.176.1.1' } },
    }) as unknown as Parameters<typeof clientAddressOf>[0];

  void test('refuses a request without the secret CloudFront adds, or with another value', () => {
    assert.throws(() => checkOrigin({}, 'the-secret'), { code: 'direct_access_refused' });
    assert.throws(() => checkOrigin({ [originVerifyHeader]: 'guess' }, 'the-secret'), {
      code: 'direct_access_refused',
    });
    assert.doesNotThrow(() => checkOrigin({ 'X-Origin-Verify': 'the-secret' }, 'the-secret'));
    assert.doesNotThrow(() => checkOrigin({}, undefined), 'no secret configured: the local runtime');
  });

  void test('takes the viewer address the CloudFront function sets, behind CloudFront, IPv4 and IPv6', () => {
    assert.equal(
      clientAddressOf(event({ 'x-viewer-address': '198.51.100.10' }), behindCloudFront),
      '198.51.100.10',
    );
    assert.equal(
      clientAddressOf(event({ 'x-viewer-address': '2001:db8::8a2e:370:7334' }), behindCloudFront),
      '2001:db8::8a2e:370:7334',
    );
  });

  void test('keeps the connecting address where no origin is verified, or the header is not an address', () => {
    assert.equal(clientAddressOf(event({ 'x-viewer-address': '198.51.100.10' }), {}), '130.176.1.1');
    assert.equal(
      clientAddressOf(event({ 'x-viewer-address': '198.51.100.10:443' }), behindCloudFront),
      '130.176.1.1',
    );
    assert.equal(clientAddressOf(event({}), behindCloudFront), '130.176.1.1');
  });
});
