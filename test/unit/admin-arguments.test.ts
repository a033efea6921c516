import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArguments } from '../../local/admin/arguments.ts';

const usageError = { name: 'UsageError' };

void describe('admin command arguments', () => {
  void test('reads each sessions command', () => {
    assert.deepEqual(parseArguments(['sessions', 'list', 'sip:alice@contoso.com']), {
      kind: 'sessions.list',
      sipUri: 'sip:alice@contoso.com',
    });
    assert.deepEqual(parseArguments(['sessions', 'revoke', 'sip:alice@contoso.com']), {
      kind: 'sessions.revoke-user',
      sipUri: 'sip:alice@contoso.com',
    });
    assert.deepEqual(parseArguments(['sessions', 'revoke', '--session', 'Ab3_-x9Zq0Lm']), {
      kind: 'sessions.revoke-session',
      session: 'Ab3_-x9Zq0Lm',
    });
  });

  void test('answers help when asked', () => {
    for (const ask of ['help', '--help', '-h']) assert.deepEqual(parseArguments([ask]), { kind: 'help' });
  });

  void test('refuses a missing or malformed user, session or action', () => {
    for (const args of [
      [],
      ['users'],
      ['sessions'],
      ['sessions', 'purge', 'sip:alice@contoso.com'],
      ['sessions', 'list'],
      ['sessions', 'list', 'alice'],
      ['sessions', 'revoke'],
      ['sessions', 'revoke', '--session'],
      ['sessions', 'revoke', '--session', 'not a session'],
      ['sessions', 'revoke', '--session', 'eyJhbGciOiJFZERTQSJ9.e30.sig'],
    ]) {
      assert.throws(() => parseArguments(args), usageError, JSON.stringify(args));
    }
  });

  void test('refuses anything after a complete command', () => {
    assert.throws(
      () => parseArguments(['sessions', 'list', 'sip:alice@contoso.com', 'sip:bob@contoso.com']),
      usageError,
    );
    assert.throws(() => parseArguments(['sessions', 'revoke', 'sip:alice@contoso.com', 'now']), usageError);
    assert.throws(() => parseArguments(['sessions', 'revoke', '--session', 'Ab3_-x9Zq0Lm', 'x']), usageError);
  });
});
