import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ntlmFallbackOf, windowsChallenge } from '../../functions/http/windows-challenges.ts';

const request = (accept: string, query?: Record<string, string>) =>
  ({
    rawPath: '/auth/windows/quick',
    headers: { accept },
    ...(query ? { queryStringParameters: query } : {}),
  }) as unknown as APIGatewayProxyEventV2;

const browser = request('text/html,application/xhtml+xml');
const script = request('*/*');
const both = { kerberos: true, ntlm: true };

describe('Which Windows challenge a 401 offers', () => {
  it('offers Negotiate alone while NTLM is off', () => {
    assert.equal(windowsChallenge(browser, { kerberos: true, ntlm: false }), 'Negotiate');
    assert.equal(windowsChallenge(script, { kerberos: false, ntlm: false }), 'Negotiate');
  });

  it('offers NTLM alone when Kerberos is not configured', () => {
    assert.equal(windowsChallenge(browser, { kerberos: false, ntlm: true }), 'NTLM');
  });

  it('offers non-browser clients both schemes in one list', () => {
    assert.equal(windowsChallenge(script, both), 'Negotiate, NTLM');
  });

  it('offers a browser one scheme per answer (Chromium reads one challenge per header line): Negotiate, then NTLM on request', () => {
    const fallback = ntlmFallbackOf(browser, both);

    assert.equal(windowsChallenge(browser, both), 'Negotiate');
    assert.equal(fallback, '/auth/windows/quick?method=ntlm');
    assert.equal(windowsChallenge(request('text/html', { method: 'ntlm' }), both), 'NTLM');
    assert.equal(ntlmFallbackOf(request('text/html', { method: 'ntlm' }), both), undefined);
  });
});
