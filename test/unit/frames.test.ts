import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorCode } from '../../functions/core/errors.ts';
import { parseClientFrame } from '../../functions/core/realtime/frames.ts';

const frame = (value: unknown): string => JSON.stringify(value);

const imSend = (fields: Record<string, unknown> = {}) =>
  frame({ action: 'im.send', to: 'sip:bob@contoso.com', text: 'hello', clientMessageId: 'm-1', ...fields });

function assertRefused(body: string | undefined, code: ErrorCode): void {
  assert.throws(() => parseClientFrame(body), { name: 'AppError', code }, `expected ${code} for ${body}`);
}

void describe('client frames', () => {
  void describe('accepted frames', () => {
    void test('parses presence.set with and without a note', () => {
      assert.deepEqual(
        parseClientFrame(frame({ action: 'presence.set', availability: 'busy', note: 'in a call' })),
        {
          action: 'presence.set',
          availability: 'busy',
          note: 'in a call',
        },
      );
      assert.deepEqual(parseClientFrame(frame({ action: 'presence.set', availability: 'appear-offline' })), {
        action: 'presence.set',
        availability: 'appear-offline',
        note: undefined,
      });
    });

    void test('parses contacts.list and ping', () => {
      assert.deepEqual(parseClientFrame(frame({ action: 'contacts.list' })), { action: 'contacts.list' });
      assert.deepEqual(parseClientFrame(frame({ action: 'ping' })), { action: 'ping' });
    });

    void test('parses contacts.add and contacts.remove', () => {
      for (const action of ['contacts.add', 'contacts.remove'] as const) {
        assert.deepEqual(parseClientFrame(frame({ action, sipUri: 'sip:bob@contoso.com' })), {
          action,
          sipUri: 'sip:bob@contoso.com',
        });
      }
    });

    void test('parses im.send', () => {
      assert.deepEqual(parseClientFrame(imSend()), {
        action: 'im.send',
        to: 'sip:bob@contoso.com',
        text: 'hello',
        clientMessageId: 'm-1',
      });
    });

    void test('lower-cases and trims the SIP URIs a client names', () => {
      const added = parseClientFrame(frame({ action: 'contacts.add', sipUri: '  SIP:Bob@Contoso.COM ' }));
      const sent = parseClientFrame(imSend({ to: ' sip:BOB@contoso.com\t' }));

      assert.deepEqual(added, { action: 'contacts.add', sipUri: 'sip:bob@contoso.com' });
      assert.equal(sent.action === 'im.send' && sent.to, 'sip:bob@contoso.com');
    });
  });

  void describe('malformed frames', () => {
    void test('refuses a frame that is not a JSON object with bad_request', () => {
      for (const body of [
        undefined,
        '',
        'hello',
        '{"action":',
        '[]',
        '[{"action":"ping"}]',
        'null',
        '42',
        '"ping"',
      ]) {
        assertRefused(body, 'bad_request');
      }
    });

    void test('refuses a frame without an action with bad_request', () => {
      assertRefused(frame({}), 'bad_request');
      assertRefused(frame({ availability: 'busy' }), 'bad_request');
    });

    void test('refuses an action it does not know with unknown_action', () => {
      assertRefused(frame({ action: 'presence.get' }), 'unknown_action');
      assertRefused(frame({ action: 42 }), 'unknown_action');
    });

    void test('refuses an availability that is not one of the published ones', () => {
      for (const availability of [undefined, 'offline', 'Busy', '', 3]) {
        assertRefused(frame({ action: 'presence.set', availability }), 'bad_request');
      }
    });

    void test('refuses a note that is not text', () => {
      assertRefused(frame({ action: 'presence.set', availability: 'away', note: 7 }), 'bad_request');
    });

    void test('refuses contacts.add without a SIP URI', () => {
      assertRefused(frame({ action: 'contacts.add' }), 'bad_request');
      assertRefused(frame({ action: 'contacts.add', sipUri: 'bob@contoso.com' }), 'bad_request');
    });

    void test('refuses im.send without a recipient or with one that is not a SIP URI', () => {
      assertRefused(imSend({ to: undefined }), 'bad_request');
      for (const to of [
        '',
        'bob@contoso.com',
        'sip:bob',
        'sip:b ob@contoso.com',
        'sip:<bob>@contoso.com',
        'tel:+1555',
      ]) {
        assertRefused(imSend({ to }), 'bad_request');
      }
    });

    void test('refuses im.send with empty or blank text', () => {
      assertRefused(imSend({ text: undefined }), 'bad_request');
      assertRefused(imSend({ text: '' }), 'bad_request');
      assertRefused(imSend({ text: ' \n\t ' }), 'bad_request');
    });

    void test('refuses im.send without a client message id', () => {
      assertRefused(imSend({ clientMessageId: undefined }), 'bad_request');
      assertRefused(imSend({ clientMessageId: '' }), 'bad_request');
    });
  });

  void describe('length limits', () => {
    void test('accepts a message of 4000 characters and refuses 4001 with text_too_long', () => {
      const accepted = parseClientFrame(imSend({ text: 'a'.repeat(4000) }));

      assert.equal(accepted.action === 'im.send' && accepted.text.length, 4000);
      assertRefused(imSend({ text: 'a'.repeat(4001) }), 'text_too_long');
    });

    void test('accepts a note of 500 characters and refuses 501 with text_too_long', () => {
      const accepted = parseClientFrame(
        frame({ action: 'presence.set', availability: 'away', note: 'n'.repeat(500) }),
      );

      assert.equal(accepted.action === 'presence.set' && accepted.note?.length, 500);
      assertRefused(
        frame({ action: 'presence.set', availability: 'away', note: 'n'.repeat(501) }),
        'text_too_long',
      );
    });
  });
});
