import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConditionFailure } from '../../functions/core/storage/dynamo.ts';
import {
  DynamoSsoLoginStore,
  type PendingLogin,
  type SsoLoginStore,
} from '../../functions/core/sso/login-store.ts';
import { DynamoSsoSessionStore, type SsoSessionStore } from '../../functions/core/sso/session-store.ts';
import { EmbeddedSsoLoginStore } from '../../functions/embedded/sso-login-store.ts';
import { EmbeddedSsoSessionStore } from '../../functions/embedded/sso-session-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

const start = Date.UTC(2026, 0, 1);

type Sweepable = { sweepExpired?(nowSeconds: number): Promise<number> };

function loginsOf(backend: StoreBackend): SsoLoginStore & Sweepable {
  if (backend.dynamo)
    return new DynamoSsoLoginStore(backend.dynamo.client, backend.dynamo.tableNames.ssoLogins);
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedSsoLoginStore(backend.embedded, 'ssoLogins');
}

function sessionsOf(backend: StoreBackend): SsoSessionStore & Sweepable {
  if (backend.dynamo) {
    return new DynamoSsoSessionStore(backend.dynamo.client, backend.dynamo.tableNames.ssoSessions);
  }
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedSsoSessionStore(backend.embedded, 'ssoSessions');
}

const login = (nonce: string, expiresAt = start + 600_000): PendingLogin => ({
  site: 'external',
  nonce,
  codeVerifier: `verifier-${nonce}`,
  redirectUri: 'https://chat.contoso.com/api/sso/callback',
  expiresAt,
});

const secondsOf = (ms: number) => Math.ceil(ms / 1000);

for (const impl of implementations) {
  describe(`the SSO login store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const logins = () => loginsOf(backend);

    it('answers a pending sign-in for one callback only', async () => {
      const store = logins();
      await store.put('state-1', login('nonce-1'));

      const taken = await Promise.all([store.take('state-1'), store.take('state-1'), store.take('state-1')]);

      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        [login('nonce-1')],
      );
      assert.equal(await store.take('state-1'), undefined);
      assert.equal(await store.take('state-unknown'), undefined);
    });

    it('refuses a second sign-in under a state already pending', async () => {
      const store = logins();
      await store.put('state-2', login('nonce-2'));

      await assert.rejects(store.put('state-2', login('nonce-mallory')), isConditionFailure);

      assert.deepEqual(await store.take('state-2'), login('nonce-2'));
    });

    it('answers a pending sign-in past its expiry until it is swept: the caller checks expiresAt', async () => {
      const store = logins();
      await store.put('state-3', login('nonce-3', start - 1000));

      assert.equal((await store.take('state-3'))?.expiresAt, start - 1000);
    });

    if (impl.name === 'embedded') {
      it('keeps pending sign-ins across a restart, and sweeps them once their TTL has passed', async () => {
        await logins().put('state-4', login('nonce-4', start));
        await logins().put('state-5', login('nonce-5', start + 86_400_000));
        await logins().put('state-6', login('nonce-6', start + 86_400_000));

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = logins();
        assert.deepEqual(await store.take('state-5'), login('nonce-5', start + 86_400_000));

        assert.equal(await store.sweepExpired?.(secondsOf(start) + 1), 1);
        assert.equal(await store.take('state-4'), undefined);
        assert.equal((await store.take('state-6'))?.nonce, 'nonce-6');
      });
    }
  });

  describe(`the SSO session store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const sessions = () => sessionsOf(backend);

    it('hands back the ID token of a ticket once', async () => {
      const store = sessions();
      await store.put('ticket-1', 'id-token-1', start + 3_600_000);

      const taken = await Promise.all([store.take('ticket-1'), store.take('ticket-1')]);

      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        ['id-token-1'],
      );
      assert.equal(await store.take('ticket-unknown'), undefined);
    });

    it('keeps the latest ID token put for a ticket', async () => {
      const store = sessions();
      await store.put('ticket-2', 'id-token-old', start + 3_600_000);
      await store.put('ticket-2', 'id-token-new', start + 3_600_000);

      assert.equal(await store.take('ticket-2'), 'id-token-new');
    });

    if (impl.name === 'embedded') {
      it('keeps ID tokens across a restart, and sweeps them with their ticket TTL', async () => {
        await sessions().put('ticket-3', 'id-token-3', start);
        await sessions().put('ticket-4', 'id-token-4', start + 86_400_000);

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = sessions();

        assert.equal(await store.sweepExpired?.(secondsOf(start) + 1), 1);
        assert.equal(await store.take('ticket-3'), undefined);
        assert.equal(await store.take('ticket-4'), 'id-token-4');
      });
    }
  });
}
