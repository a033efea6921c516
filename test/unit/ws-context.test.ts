import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { principalOfConnection, type WebSocketEvent } from '../../functions/ws/context.ts';

const eventWith = (authorizer: Record<string, string>): WebSocketEvent => ({
  requestContext: {
    routeKey: 'im.send',
    connectionId: 'c1',
    domainName: 'ws.example',
    stage: 'live',
    authorizer,
  },
});
const context = {
  sipUri: 'sip:alice@contoso.com',
  displayName: 'Alice Ahn',
  ticketId: 't1',
  authMethod: 'kerberos',
  site: 'internal',
  expiresAt: '1796207533000',
  principalId: 'sip:alice@contoso.com',
};

describe('the principal a WebSocket connection carries', () => {
  it('reads the stringified authorizer context back, the Windows account included', () => {
    const principal = principalOfConnection(eventWith({ ...context, account: 'alice@EXAMPLE.TEST' }));

    assert.deepEqual(principal, {
      sipUri: 'sip:alice@contoso.com',
      displayName: 'Alice Ahn',
      ticketId: 't1',
      authMethod: 'kerberos',
      account: 'alice@EXAMPLE.TEST',
      site: 'internal',
      expiresAt: 1796207533000,
    });
  });

  it('refuses a context without a ticket or with an unknown site', () => {
    assert.throws(() => principalOfConnection(eventWith({ ...context, ticketId: '' })));
    assert.throws(() => principalOfConnection(eventWith({ ...context, site: 'elsewhere' })));
  });
});
