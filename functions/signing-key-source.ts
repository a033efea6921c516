import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Settings } from './config.ts';
import type { Clock } from './core/clock.ts';
import { keyRingFromSecrets, type SigningKeys, type VerificationKey } from './core/tickets/keys.ts';

/**
 * The Secrets Manager stages the key ring is read from: AWSCURRENT signs; AWSPENDING (a key staged
 * for rotation) and AWSPREVIOUS (the key before the last rotation) are accepted. See docs/deploy-aws.md,
 * "Rotating the ticket signing key".
 */
const acceptedStages = ['AWSPENDING', 'AWSPREVIOUS'] as const;

/** How long an instance trusts the key ring it read before reading it again. */
export const keyRefreshMs = 5 * 60 * 1000;
/** How soon a failed read is tried again. */
const retryAfterFailureMs = 30 * 1000;

async function readStage(client: SecretsReader, secretArn: string, stage: string) {
  try {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
    return result.SecretString;
  } catch (err) {
    // A stage no version carries (no rotation under way, or none yet).
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

async function readKeyRing(client: SecretsReader, secretArn: string): Promise<SigningKeys> {
  const [current, ...others] = await Promise.all(
    ['AWSCURRENT', ...acceptedStages].map((stage) => readStage(client, secretArn, stage)),
  );
  if (!current) throw new Error('the ticket signing secret is empty');
  return keyRingFromSecrets(
    current,
    others.filter((material): material is string => Boolean(material)),
  );
}

/**
 * The key ring of a Lambda instance, read again every `keyRefreshMs` in the background (the
 * request that notices keeps the ring it has), so that a rotation reaches warm instances without
 * a deployment. Reads the ring's properties at each use, which is why it is a class of getters.
 */
class RefreshingKeyRing implements SigningKeys {
  private loadedAt: number;
  private refreshing: Promise<void> | undefined;

  constructor(
    private ring: SigningKeys,
    private readonly reload: () => Promise<SigningKeys>,
    private readonly clock: Clock,
  ) {
    this.loadedAt = clock.now();
  }

  private current(): SigningKeys {
    if (this.clock.now() - this.loadedAt >= keyRefreshMs && !this.refreshing) {
      this.refreshing = this.reload()
        .then((ring) => {
          this.ring = ring;
          this.loadedAt = this.clock.now();
        })
        .catch((err: unknown) => {
          // Keep the ring, and try again in a little while rather than on every request.
          this.loadedAt = this.clock.now() - keyRefreshMs + retryAfterFailureMs;
          console.error(
            JSON.stringify({ level: 'error', message: 'signing keys not reloaded', error: String(err) }),
          );
        })
        .finally(() => {
          this.refreshing = undefined;
        });
    }
    return this.ring;
  }

  get kid(): string {
    return this.current().kid;
  }
  get privateKey(): KeyObject {
    return this.current().privateKey;
  }
  get publicKey(): KeyObject {
    return this.current().publicKey;
  }
  get alsoAccepted(): readonly VerificationKey[] | undefined {
    return this.current().alsoAccepted;
  }
}

/** What the key ring needs of Secrets Manager (the tests pass a stand-in). */
export type SecretsReader = Pick<SecretsManagerClient, 'send'>;

/** The ticket key ring: from a local file (one key), or from the Secrets Manager secret's stages. */
export async function loadSigningKeys(
  source: Settings['signingKey'],
  clock: Clock,
  client?: SecretsReader,
): Promise<SigningKeys> {
  if ('file' in source) return keyRingFromSecrets(await readFile(source.file, 'utf8'), []);
  const secrets = client ?? new SecretsManagerClient({});
  const read = () => readKeyRing(secrets, source.secretArn);
  return new RefreshingKeyRing(await read(), read, clock);
}
