import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConditionFailure } from '../../functions/core/storage/dynamo.ts';
import {
  DynamoFactorStore,
  type FactorStore,
  type SecurityKeyFactor,
} from '../../functions/core/two-factor/factor-store.ts';
import {
  DynamoPendingTwoFactorStore,
  type PendingTwoFactor,
  type PendingTwoFactorStore,
} from '../../functions/core/two-factor/pending-store.ts';
import { EmbeddedFactorStore } from '../../functions/embedded/factor-store.ts';
import { EmbeddedPendingTwoFactorStore } from '../../functions/embedded/pending-two-factor-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

const start = Date.UTC(2026, 0, 1);

function factorsOf(backend: StoreBackend): FactorStore {
  if (backend.dynamo)
    return new DynamoFactorStore(backend.dynamo.client, backend.dynamo.tableNames.twoFactor);
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedFactorStore(backend.embedded, 'twoFactor');
}

function pendingOf(
  backend: StoreBackend,
): PendingTwoFactorStore & { sweepExpired?(now: number): Promise<number> } {
  if (backend.dynamo) {
    return new DynamoPendingTwoFactorStore(backend.dynamo.client, backend.dynamo.tableNames.twoFactorPending);
  }
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedPendingTwoFactorStore(backend.embedded, 'twoFactorPending');
}

const securityKey = (credentialId: string, counter = 0): SecurityKeyFactor => ({
  credentialId,
  publicKey: `pk-${credentialId}`,
  counter,
  transports: ['usb', 'nfc'],
  createdAt: start,
});

const pendingFor = (name: string, extra: Partial<PendingTwoFactor> = {}): PendingTwoFactor => ({
  sipUri: `sip:${name}@contoso.com`,
  account: `CONTOSO\\${name}`,
  site: 'internal',
  expiresAt: start + 300_000,
  ...extra,
});

/** Answers whether `write` was refused as a failed condition (DynamoDB's ConditionalCheckFailedException). */
async function refusedByCondition(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return false;
  } catch (err) {
    if (isConditionFailure(err)) return true;
    throw err;
  }
}

for (const impl of implementations) {
  describe(`the two-factor factor store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const factors = () => factorsOf(backend);

    it('knows no factor of a user who enrolled none', async () => {
      assert.deepEqual(await factors().factorsOf('sip:nobody@contoso.com'), {
        totp: undefined,
        securityKeys: [],
      });
    });

    it('enrols an authenticator app: pending, activated by its first code, then refused a new enrolment', async () => {
      const store = factors();
      const alice = 'sip:alice@contoso.com';

      assert.equal(await store.putPendingTotp(alice, 'FIRSTSECRET', start), true);
      assert.equal(
        await store.putPendingTotp(alice, 'SECONDSECRET', start + 1),
        true,
        'restarted while pending',
      );
      assert.deepEqual((await store.factorsOf(alice)).totp, {
        secret: 'SECONDSECRET',
        active: false,
        lastUsedStep: 0,
        createdAt: start + 1,
      });
      assert.equal(await store.useTotpStep(alice, 100, false), false, 'a pending factor signs nobody in');
      assert.equal(await store.useTotpStep(alice, 100, true), true);
      assert.equal(await store.useTotpStep(alice, 101, true), false, 'activated once');

      assert.equal(await store.putPendingTotp(alice, 'THIRDSECRET', start + 2), false);
      assert.deepEqual((await store.factorsOf(alice)).totp, {
        secret: 'SECONDSECRET',
        active: true,
        lastUsedStep: 100,
        createdAt: start + 1,
      });
    });

    it('accepts each time step of an active authenticator app once, never an older one', async () => {
      const store = factors();
      const bob = 'sip:bob@contoso.com';
      await store.putPendingTotp(bob, 'BOBSECRET', start);
      await store.useTotpStep(bob, 10, true);

      assert.equal(await store.useTotpStep(bob, 10, false), false);
      assert.equal(await store.useTotpStep(bob, 9, false), false);
      const parallel = await Promise.all(Array.from({ length: 10 }, () => store.useTotpStep(bob, 11, false)));
      assert.deepEqual(
        parallel.filter((used) => used),
        [true],
      );
      assert.equal(await store.useTotpStep('sip:no-totp@contoso.com', 11, false), false);
      assert.equal((await store.factorsOf(bob)).totp?.lastUsedStep, 11);
    });

    it('hands out a security key enrolment challenge once', async () => {
      const store = factors();
      const carol = 'sip:carol@contoso.com';
      await store.putEnrolmentChallenge(carol, 'first-challenge', start + 60_000);
      await store.putEnrolmentChallenge(carol, 'second-challenge', start + 120_000);

      const taken = await Promise.all([
        store.takeEnrolmentChallenge(carol),
        store.takeEnrolmentChallenge(carol),
      ]);

      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        [{ challenge: 'second-challenge', expiresAt: start + 120_000 }],
      );
      assert.equal(await store.takeEnrolmentChallenge(carol), undefined);
      assert.deepEqual(await store.factorsOf(carol), { totp: undefined, securityKeys: [] });
    });

    it('keeps a user security keys in credential order, refusing one registered twice', async () => {
      const store = factors();
      const dave = 'sip:dave@contoso.com';
      await store.putSecurityKey(dave, securityKey('key-b', 5));
      await store.putSecurityKey(dave, securityKey('key-a'));

      assert.equal(await refusedByCondition(store.putSecurityKey(dave, securityKey('key-b', 0))), true);
      assert.deepEqual((await store.factorsOf(dave)).securityKeys, [
        securityKey('key-a'),
        securityKey('key-b', 5),
      ]);
    });

    it('moves a security key counter only forward; a key that keeps no counter stays at 0', async () => {
      const store = factors();
      const erin = 'sip:erin@contoso.com';
      await store.putSecurityKey(erin, securityKey('counting', 5));
      await store.putSecurityKey(erin, securityKey('no-counter', 0));

      assert.equal(await store.useSecurityKey(erin, 'counting', 5), false, 'not increased: a cloned key');
      assert.equal(await store.useSecurityKey(erin, 'counting', 4), false);
      assert.equal(await store.useSecurityKey(erin, 'counting', 0), false);
      assert.equal(await store.useSecurityKey(erin, 'counting', 6), true);
      assert.equal(await store.useSecurityKey(erin, 'no-counter', 0), true);
      assert.equal(await store.useSecurityKey(erin, 'no-counter', 0), true);
      assert.equal(await store.useSecurityKey(erin, 'unknown', 7), false);
      assert.equal(
        await store.useSecurityKey('sip:frank@contoso.com', 'counting', 7),
        false,
        "another user's key",
      );
      assert.deepEqual(
        (await store.factorsOf(erin)).securityKeys.map((k) => [k.credentialId, k.counter]),
        [
          ['counting', 6],
          ['no-counter', 0],
        ],
      );
    });

    it("never mixes one user's factors with another's whose SIP URI starts the same", async () => {
      const store = factors();
      await store.putPendingTotp('sip:gus@contoso.com', 'GUS', start);
      await store.putSecurityKey('sip:gus@contoso.com.example', securityKey('gus-lookalike'));
      await store.putSecurityKey('sip:gus@contoso.co', securityKey('gus-short'));

      const gus = await store.factorsOf('sip:gus@contoso.com');

      assert.equal(gus.totp?.secret, 'GUS');
      assert.deepEqual(gus.securityKeys, []);
    });

    if (impl.name === 'embedded') {
      it('keeps factors, used steps and counters across a restart', async () => {
        const henry = 'sip:henry@contoso.com';
        await factors().putPendingTotp(henry, 'HENRY', start);
        await factors().useTotpStep(henry, 50, true);
        await factors().putSecurityKey(henry, securityKey('henry-key', 3));
        await factors().useSecurityKey(henry, 'henry-key', 9);
        await factors().putEnrolmentChallenge(henry, 'henry-challenge', start + 60_000);

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = factors();

        assert.equal(await store.useTotpStep(henry, 50, false), false, 'a used step stays used');
        assert.equal(await store.useSecurityKey(henry, 'henry-key', 9), false);
        assert.equal((await store.factorsOf(henry)).totp?.active, true);
        assert.deepEqual(await store.takeEnrolmentChallenge(henry), {
          challenge: 'henry-challenge',
          expiresAt: start + 60_000,
        });
      });
    }
  });

  describe(`the pending two-factor store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const pending = () => pendingOf(backend);

    it('keeps a pending sign-in by its token, with the challenge last handed out, until deleted', async () => {
      const store = pending();
      await store.put('token-alice', pendingFor('alice'));

      assert.deepEqual(await store.get('token-alice'), pendingFor('alice'));
      await store.setChallenge('token-alice', 'challenge-1');
      await store.setChallenge('token-alice', 'challenge-2');
      assert.deepEqual(await store.get('token-alice'), pendingFor('alice', { challenge: 'challenge-2' }));
      assert.equal(await store.get('token-bob'), undefined);

      await store.delete('token-alice');
      assert.equal(await store.get('token-alice'), undefined);
      await store.delete('token-alice');
    });

    it('refuses a second sign-in under one token, and a challenge for an unknown token', async () => {
      const store = pending();
      await store.put('token-carol', pendingFor('carol'));

      assert.equal(await refusedByCondition(store.put('token-carol', pendingFor('mallory'))), true);
      assert.equal((await store.get('token-carol'))?.sipUri, 'sip:carol@contoso.com');
      assert.equal(await refusedByCondition(store.setChallenge('token-unknown', 'c')), true);
      assert.equal(await store.get('token-unknown'), undefined);
    });

    if (impl.name === 'embedded') {
      it('keeps pending sign-ins across a restart, and sweeps them once their TTL has passed', async () => {
        await pending().put('token-dave', pendingFor('dave', { expiresAt: start + 300_000 }));
        await pending().put('token-later', pendingFor('erin', { expiresAt: start + 86_400_000 }));

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = pending();
        assert.equal((await store.get('token-dave'))?.sipUri, 'sip:dave@contoso.com');

        const removed = await store.sweepExpired?.(Math.ceil((start + 300_000) / 1000) + 1);

        assert.ok((removed ?? 0) >= 1);
        assert.equal(await store.get('token-dave'), undefined);
        assert.equal((await store.get('token-later'))?.sipUri, 'sip:erin@contoso.com');
      });
    }
  });
}
