import {
  issuedChallengeOf,
  type IssuedChallenge,
  type NtlmChallengeStore,
} from '../core/ntlm/challenge-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

/** A challenge as `DynamoNtlmChallengeStore` keeps it: the messages in base64. */
interface Item {
  readonly serverChallenge: string;
  readonly negotiateMessage: string;
  readonly challengeMessage: string;
  readonly expiresAt: number;
  readonly ttl: number;
}

/**
 * NTLM challenges of the embedded mode, persisted in LMDB (a restart does not break a handshake in
 * progress). Taking a challenge removes it in the same step as it is read: each is answered once;
 * its caller checks `expiresAt`.
 */
export class EmbeddedNtlmChallengeStore implements NtlmChallengeStore, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async put(challenge: IssuedChallenge): Promise<void> {
    await this.table.put(challenge.challengeId, {
      serverChallenge: challenge.serverChallenge.toString('base64'),
      negotiateMessage: challenge.negotiateMessage.toString('base64'),
      challengeMessage: challenge.challengeMessage.toString('base64'),
      expiresAt: challenge.expiresAt,
      ttl: Math.ceil(challenge.expiresAt / 1000),
    });
  }

  async take(challengeId: string): Promise<IssuedChallenge | undefined> {
    const item = this.table.get(challengeId);
    if (!item) return undefined;
    await this.table.remove(challengeId);
    return issuedChallengeOf(challengeId, item);
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }
}
