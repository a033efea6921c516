import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserActivity, parseClientFrame } from '../../functions/core/realtime/frames.ts';

describe('frames added for the web client', () => {
  it('reads an automatic availability change, which is not user activity', () => {
    const automatic = parseClientFrame(
      '{"action":"presence.set","availability":"inactive","automatic":true}',
    );
    assert.deepEqual(automatic, {
      action: 'presence.set',
      availability: 'inactive',
      note: undefined,
      automatic: true,
    });
    assert.equal(isUserActivity(automatic), false);
    assert.equal(
      isUserActivity(parseClientFrame('{"action":"presence.set","availability":"available"}')),
      true,
    );
    assert.equal(isUserActivity(parseClientFrame('{"action":"ping"}')), false);
    assert.equal(isUserActivity(parseClientFrame('{"action":"im.typing","to":"sip:bob@contoso.com"}')), true);
  });

  it('reads typing frames and contact groups', () => {
    assert.deepEqual(parseClientFrame('{"action":"im.typing","to":"SIP:Bob@Contoso.com","typing":false}'), {
      action: 'im.typing',
      to: 'sip:bob@contoso.com',
      typing: false,
    });
    assert.deepEqual(
      parseClientFrame('{"action":"contacts.add","sipUri":"sip:bob@contoso.com","group":" Team "}'),
      {
        action: 'contacts.add',
        sipUri: 'sip:bob@contoso.com',
        group: 'Team',
      },
    );
    assert.throws(
      () => parseClientFrame('{"action":"contacts.add","sipUri":"sip:bob@contoso.com","group":7}'),
      {
        code: 'bad_request',
      },
    );
  });
});
