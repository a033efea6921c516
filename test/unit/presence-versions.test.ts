import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOlderPresence, parseServerFrame } from '../../web/src/protocol.ts';

describe('presence versions in the web client', () => {
  it('reads the version of presence frames, contacts and the user’s own presence', () => {
    const presence = parseServerFrame(
      '{"type":"presence","sipUri":"sip:bob@contoso.com","availability":"busy","note":"","version":7}',
    );
    assert.equal(presence?.type === 'presence' && presence.version, 7);
    const contacts = parseServerFrame(
      JSON.stringify({
        type: 'contacts',
        contacts: [{ sipUri: 'sip:bob@contoso.com', availability: 'away', note: '', version: 9 }],
        self: { sipUri: 'sip:alice@contoso.com', availability: 'busy', note: '', version: 4 },
      }),
    );
    assert.ok(contacts?.type === 'contacts');
    assert.equal(contacts.contacts[0]?.version, 9);
    assert.equal(contacts.self?.version, 4);
  });

  it('reads a missing or malformed version as 0: unversioned', () => {
    for (const version of [undefined, -1, 1.5, '3', null, 2 ** 60]) {
      const frame = parseServerFrame(
        JSON.stringify({ type: 'presence', sipUri: 'sip:bob@contoso.com', availability: 'busy', version }),
      );
      assert.equal(frame?.type === 'presence' && frame.version, 0, String(version));
    }
  });

  it('keeps the newer of two presence frames that crossed, whatever order they came in', () => {
    assert.equal(isOlderPresence(5, 6), true);
    assert.equal(isOlderPresence(6, 5), false);
    // The same write again (a contact list read after the frame) changes nothing either way.
    assert.equal(isOlderPresence(6, 6), false);
    // An unversioned frame is taken as it comes.
    assert.equal(isOlderPresence(0, 6), false);
  });
});
