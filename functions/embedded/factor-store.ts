import {
  userFactorsOf,
  type FactorStore,
  type SecurityKeyFactor,
  type TotpFactor,
  type UserFactors,
} from '../core/two-factor/factor-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import { ConditionFailedError } from './condition-failed.ts';
import type { EmbeddedDatabase } from './database.ts';

/** One factor item, as `DynamoFactorStore` keeps it under (sipUri, factor). */
type KeyItem = { readonly factor: `webauthn#${string}` } & SecurityKeyFactor;
type Item =
  | ({ readonly factor: 'totp' } & TotpFactor)
  | { readonly factor: 'webauthn-challenge'; readonly challenge: string; readonly expiresAt: number }
  | KeyItem;

const totpItem = 'totp';
const challengeItem = 'webauthn-challenge';
const keyItem = (credentialId: string) => `webauthn#${credentialId}` as const;

/**
 * A user's items share a key prefix: the SIP URI escaped (`encodeURIComponent` never writes `#`)
 * then `#`, so one user's prefix never matches another's items; the factor follows, so a user's
 * items are in the DynamoDB table's sort key order.
 */
const prefixOf = (sipUri: string) => `${encodeURIComponent(sipUri)}#`;
const keyOf = (sipUri: string, factor: string) => `${prefixOf(sipUri)}${factor}`;

/** Two-factor factors of the embedded mode, persisted in LMDB, with `DynamoFactorStore`'s conditions. */
export class EmbeddedFactorStore implements FactorStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async factorsOf(sipUri: string): Promise<UserFactors> {
    return userFactorsOf([...this.table.entriesWithPrefix(prefixOf(sipUri))].map(({ value }) => value));
  }

  async putPendingTotp(sipUri: string, secret: string, createdAt: number): Promise<boolean> {
    const key = keyOf(sipUri, totpItem);
    const stored = this.table.get(key);
    if (stored && !(stored.factor === totpItem && stored.active === false)) return false;
    await this.table.put(key, { factor: totpItem, secret, active: false, lastUsedStep: 0, createdAt });
    return true;
  }

  async useTotpStep(sipUri: string, step: number, activate: boolean): Promise<boolean> {
    const key = keyOf(sipUri, totpItem);
    const stored = this.table.get(key);
    if (stored?.factor !== totpItem || !(stored.lastUsedStep < step) || stored.active !== !activate) {
      return false;
    }
    await this.table.put(key, { ...stored, lastUsedStep: step, ...(activate ? { active: true } : {}) });
    return true;
  }

  async putEnrolmentChallenge(sipUri: string, challenge: string, expiresAt: number): Promise<void> {
    await this.table.put(keyOf(sipUri, challengeItem), { factor: challengeItem, challenge, expiresAt });
  }

  async takeEnrolmentChallenge(
    sipUri: string,
  ): Promise<{ challenge: string; expiresAt: number } | undefined> {
    const key = keyOf(sipUri, challengeItem);
    const stored = this.table.get(key);
    if (!stored) return undefined;
    // Removed in the same step as it is read: a second take finds nothing.
    await this.table.remove(key);
    const item = stored as { challenge?: unknown; expiresAt?: unknown };
    return { challenge: String(item.challenge), expiresAt: Number(item.expiresAt) };
  }

  async putSecurityKey(sipUri: string, key: SecurityKeyFactor): Promise<void> {
    const itemKey = keyOf(sipUri, keyItem(key.credentialId));
    if (this.table.get(itemKey)) throw new ConditionFailedError('the security key is already registered');
    await this.table.put(itemKey, { ...key, factor: keyItem(key.credentialId) });
  }

  async useSecurityKey(sipUri: string, credentialId: string, counter: number): Promise<boolean> {
    const key = keyOf(sipUri, keyItem(credentialId));
    const stored = this.table.get(key) as KeyItem | undefined;
    // Authenticators that keep no counter always send 0.
    if (!stored || !(stored.counter < counter || (stored.counter === 0 && counter === 0))) return false;
    await this.table.put(key, { ...stored, counter });
    return true;
  }
}
