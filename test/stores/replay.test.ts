import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DynamoReplayCache, type ReplayCache } from '../../functions/core/kerberos/replay-cache.ts';
import {
  DynamoNtlmChallengeStore,
  type IssuedChallenge,
  type NtlmChallengeStore,
} from '../../functions/core/ntlm/challenge-store.ts';
import { EmbeddedNtlmChallengeStore } from '../../functions/embedded/ntlm-challenge-store.ts';
import { EmbeddedReplayCache } from '../../functions/embedded/replay-cache.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

const start = Date.UTC(2026, 0, 1);
const secondsOf = (ms: number) => Math.ceil(ms / 1000);

type Sweepable = { sweepExpired?(nowSeconds: number): Promise<number> };

/** The Kerberos authenticator cache, or (`assertionReplay`) the one for signed assertions. */
function replayOf(
  backend: StoreBackend,
  table: 'kerberosReplay' | 'assertionReplay' = 'kerberosReplay',
): ReplayCache & Sweepable {
  if (backend.dynamo) return new DynamoReplayCache(backend.dynamo.client, backend.dynamo.tableNames[table]);
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedReplayCache(backend.embedded, table);
}

function challengesOf(backend: StoreBackend): NtlmChallengeStore & Sweepable {
  if (backend.dynamo) {
    return new DynamoNtlmChallengeStore(backend.dynamo.client, backend.dynamo.tableNames.ntlmChallenges);
  }
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedNtlmChallengeStore(backend.embedded, 'ntlmChallenges');
}

const issued = (challengeId: string, expiresAt = start + 60_000): IssuedChallenge => ({
  challengeId,
  serverChallenge: randomBytes(8),
  negotiateMessage: randomBytes(40),
  challengeMessage: randomBytes(56),
  expiresAt,
});

for (const impl of implementations) {
  describe(`the replay cache (${impl.name})`, () => {
    const backend = useBackend(impl);
    const replay = (table?: 'kerberosReplay' | 'assertionReplay') => replayOf(backend, table);

    it('remembers a key once: a second use before it expires is refused', async () => {
      const cache = replay();

      assert.equal(await cache.remember('authenticator-1', start + 300_000, start), true);
      assert.equal(await cache.remember('authenticator-1', start + 600_000, start + 1000), false);
      assert.equal(
        await cache.remember('authenticator-1', start + 600_000, start + 300_000),
        false,
        'at expiry',
      );
      assert.equal(await cache.remember('authenticator-2', start + 300_000, start), true);
    });

    it('of parallel uses of one key, exactly one is accepted', async () => {
      const cache = replay();

      const accepted = await Promise.all(
        Array.from({ length: 20 }, () => cache.remember('authenticator-parallel', start + 300_000, start)),
      );

      assert.equal(accepted.filter((ok) => ok).length, 1);
    });

    it('accepts a key again once its record has expired, as DynamoDB TTL deletes late', async () => {
      const cache = replay();
      await cache.remember('authenticator-3', start + 300_000, start);

      assert.equal(await cache.remember('authenticator-3', start + 900_000, start + 300_001), true);
      assert.equal(await cache.remember('authenticator-3', start + 900_000, start + 300_002), false);
    });

    it('keeps the Kerberos and assertion tables apart', async () => {
      await replay('kerberosReplay').remember('shared-key', start + 300_000, start);

      assert.equal(await replay('assertionReplay').remember('shared-key', start + 300_000, start), true);
      assert.equal(await replay('assertionReplay').remember('shared-key', start + 300_000, start), false);
    });

    if (impl.name === 'embedded') {
      it('keeps used authenticators and assertions across a restart: one used stays used', async () => {
        await replay('kerberosReplay').remember('authenticator-restart', start + 300_000, start);
        await replay('assertionReplay').remember('assertion-restart', start + 300_000, start);

        const restart = backend.restart;
        assert.ok(restart);
        await restart();

        assert.equal(
          await replay('kerberosReplay').remember('authenticator-restart', start + 300_000, start),
          false,
        );
        assert.equal(
          await replay('assertionReplay').remember('assertion-restart', start + 300_000, start),
          false,
        );
      });

      it('sweeps records past their TTL only', async () => {
        const cache = replay();
        await cache.remember('sweep-old', start + 1000, start);
        await cache.remember('sweep-new', start + 86_400_000, start);

        const removed = await cache.sweepExpired?.(secondsOf(start + 300_000) + 1);

        assert.ok((removed ?? 0) >= 1);
        assert.equal(await cache.remember('sweep-new', start + 86_400_000, start + 300_000), false);
        assert.equal(await cache.remember('sweep-old', start + 86_400_000, start + 300_000), true);
      });
    }
  });

  describe(`the NTLM challenge store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const challenges = () => challengesOf(backend);

    it('answers an issued challenge, messages as sent, to one answer only', async () => {
      const store = challenges();
      const challenge = issued('challenge-1');
      await store.put(challenge);

      const taken = await Promise.all([store.take('challenge-1'), store.take('challenge-1')]);

      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        [challenge],
      );
      assert.equal(await store.take('challenge-1'), undefined);
      assert.equal(await store.take('challenge-unknown'), undefined);
    });

    it('answers a challenge past its expiry until it is swept: the acceptor checks expiresAt', async () => {
      const store = challenges();
      const expired = issued('challenge-2', start - 1);
      await store.put(expired);

      assert.deepEqual(await store.take('challenge-2'), expired);
    });

    if (impl.name === 'embedded') {
      it('keeps a challenge across a restart, and sweeps it once its TTL has passed', async () => {
        const kept = issued('challenge-3', start + 86_400_000);
        await challenges().put(issued('challenge-4', start));
        await challenges().put(kept);

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = challenges();

        assert.equal(await store.sweepExpired?.(secondsOf(start) + 1), 1);
        assert.equal(await store.take('challenge-4'), undefined);
        assert.deepEqual(await store.take('challenge-3'), kept);
      });
    }
  });
}
