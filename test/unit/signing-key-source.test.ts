import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResourceNotFoundException, type GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { frozenClock } from '../../functions/core/clock.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { keyRefreshMs, loadSigningKeys, type SecretsReader } from '../../functions/signing-key-source.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:communicator/signing-AbCdEf';
const material = { old: 'o'.repeat(40), current: 'c'.repeat(40), next: 'n'.repeat(40) };
const kidOf = (secret: string) => signingKeysFromSecret(secret).kid;

/** Secrets Manager as the rotation leaves it: which material carries which stage, and the reads made. */
function secretsManager(stages: Record<string, string>) {
  const reads: string[] = [];
  const client = {
    stages,
    reads,
    send: (command: GetSecretValueCommand) => {
      const stage = command.input.VersionStage ?? 'AWSCURRENT';
      reads.push(stage);
      const value = client.stages[stage];
      if (value === undefined) {
        return Promise.reject(
          new ResourceNotFoundException({ message: `no version with stage ${stage}`, $metadata: {} }),
        );
      }
      return Promise.resolve({ SecretString: value });
    },
  };
  return client;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

void describe('ticket signing key ring from Secrets Manager', () => {
  void test('signs with AWSCURRENT and accepts AWSPENDING and AWSPREVIOUS, by key id', async () => {
    const secrets = secretsManager({
      AWSCURRENT: material.current,
      AWSPENDING: material.next,
      AWSPREVIOUS: material.old,
    });

    const keys = await loadSigningKeys({ secretArn }, frozenClock(0), secrets as unknown as SecretsReader);

    assert.equal(keys.kid, kidOf(material.current));
    assert.deepEqual(
      keys.alsoAccepted?.map((key) => key.kid).sort(),
      [kidOf(material.next), kidOf(material.old)].sort(),
    );
  });

  void test('reads a secret without rotation stages as one key', async () => {
    const keys = await loadSigningKeys(
      { secretArn },
      frozenClock(0),
      secretsManager({ AWSCURRENT: material.current }) as unknown as SecretsReader,
    );

    assert.equal(keys.kid, kidOf(material.current));
    assert.deepEqual(keys.alsoAccepted, []);
  });

  void test('picks up a promoted key within the refresh interval, without a new instance', async () => {
    const clock = frozenClock(0);
    const secrets = secretsManager({ AWSCURRENT: material.current, AWSPENDING: material.next });
    const keys = await loadSigningKeys({ secretArn }, clock, secrets as unknown as SecretsReader);
    secrets.stages = { AWSCURRENT: material.next, AWSPREVIOUS: material.current };

    clock.advance(keyRefreshMs - 1);
    assert.equal(keys.kid, kidOf(material.current), 'still the ring it read');
    assert.equal(secrets.reads.length, 3, 'no read before the interval');
    clock.advance(1);
    void keys.kid; // the request that notices keeps the ring it has, and starts the read
    await settle();

    assert.equal(keys.kid, kidOf(material.next));
    assert.deepEqual(
      keys.alsoAccepted?.map((key) => key.kid),
      [kidOf(material.current)],
    );
    assert.equal(secrets.reads.length, 6);
  });

  void test('keeps the ring it has when a refresh fails', async () => {
    const clock = frozenClock(0);
    const secrets = secretsManager({ AWSCURRENT: material.current });
    const keys = await loadSigningKeys({ secretArn }, clock, secrets as unknown as SecretsReader);
    secrets.stages = {};
    const logged: unknown[] = [];
    const error = console.error;
    console.error = (line: unknown) => logged.push(line);
    try {
      clock.advance(keyRefreshMs);
      void keys.kid;
      await settle();
    } finally {
      console.error = error;
    }

    assert.equal(keys.kid, kidOf(material.current));
    assert.equal(logged.length, 1);
    assert.equal(secrets.reads.length, 6, 'one more read of the three stages, not one per request');
  });
});
