import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { availabilities, type Availability } from '../../functions/core/model.ts';
import type { PresenceRecord } from '../../functions/core/realtime/presence-store.ts';
import { conversationIdOf, seenAvailability } from '../../functions/core/realtime/realtime.ts';

const presence = (availability: Availability, online: boolean): PresenceRecord => ({
  sipUri: 'sip:alice@contoso.com',
  availability,
  note: 'note',
  online,
  updatedAt: 0,
  connections: [],
});

void describe('what watchers see', () => {
  void test('shows a user nobody has seen yet as offline', () => {
    assert.equal(seenAvailability(undefined), 'offline');
  });

  void test('shows a user with no live connection as offline, whatever they chose', () => {
    for (const availability of availabilities) {
      assert.equal(seenAvailability(presence(availability, false)), 'offline');
    }
  });

  void test('shows a connected user who appears offline as offline', () => {
    assert.equal(seenAvailability(presence('appear-offline', true)), 'offline');
  });

  void test('shows a connected user the availability they chose', () => {
    for (const availability of availabilities.filter((a) => a !== 'appear-offline')) {
      assert.equal(seenAvailability(presence(availability, true)), availability);
    }
  });
});

void describe('conversation ids', () => {
  const alice = 'sip:alice@contoso.com';
  const bob = 'sip:bob@contoso.com';
  const carol = 'sip:carol@contoso.com';

  void test('gives both people of a pair the same conversation, whoever writes first', () => {
    assert.equal(conversationIdOf(alice, bob), conversationIdOf(bob, alice));
  });

  void test('gives every pair its own conversation', () => {
    const ids = [
      conversationIdOf(alice, bob),
      conversationIdOf(alice, carol),
      conversationIdOf(bob, carol),
      conversationIdOf(alice, alice),
    ];

    assert.equal(new Set(ids).size, ids.length);
  });

  void test('keeps the id short and safe for URLs and keys', () => {
    assert.match(conversationIdOf(alice, bob), /^[A-Za-z0-9_-]{22}$/);
  });
});
