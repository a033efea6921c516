import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../storage/dynamo.ts';

/** An authenticator-app (TOTP) factor: its shared secret, and the last time step a code was used. */
export interface TotpFactor {
  /** Base32, as the authenticator app was given it. */
  readonly secret: string;
  /** False between enrolment and the first correct code. */
  readonly active: boolean;
  /** The newest 30-second step whose code was accepted; codes of this step or older are refused. */
  readonly lastUsedStep: number;
  readonly createdAt: number;
}

/** A security key (WebAuthn credential). */
export interface SecurityKeyFactor {
  /** base64url. */
  readonly credentialId: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly createdAt: number;
}

/** Everything two-factor sign-in knows about one user, read in one Query. */
export interface UserFactors {
  readonly totp: TotpFactor | undefined;
  readonly securityKeys: readonly SecurityKeyFactor[];
}

export interface FactorStore {
  factorsOf(sipUri: string): Promise<UserFactors>;
  /** Starts (or restarts) authenticator-app enrolment; refused while an active one exists. */
  putPendingTotp(sipUri: string, secret: string, createdAt: number): Promise<boolean>;
  /** Marks the TOTP factor used up to `step`; false when that step (or a newer one) was used already. */
  useTotpStep(sipUri: string, step: number, activate: boolean): Promise<boolean>;
  /** Keeps the challenge of a security key being added, until `expiresAt`. */
  putEnrolmentChallenge(sipUri: string, challenge: string, expiresAt: number): Promise<void>;
  /** The challenge of a security key being added, removed (single use); undefined when none. */
  takeEnrolmentChallenge(sipUri: string): Promise<{ challenge: string; expiresAt: number } | undefined>;
  putSecurityKey(sipUri: string, key: SecurityKeyFactor): Promise<void>;
  /** Moves a security key's signature counter forward; false when it did not increase (a cloned key). */
  useSecurityKey(sipUri: string, credentialId: string, counter: number): Promise<boolean>;
}

const totpItem = 'totp';
const challengeItem = 'webauthn-challenge';
const keyItem = (credentialId: string) => `webauthn#${credentialId}`;

/** A user's factor items (`totp`, `webauthn#<id>`) as the factors they stand for; both stores read through it. */
export function userFactorsOf(stored: readonly object[]): UserFactors {
  const items = stored as readonly Readonly<Record<string, unknown>>[];
  const totp = items.find((i) => i.factor === totpItem);
  return {
    totp: totp && {
      secret: String(totp.secret),
      active: totp.active === true,
      lastUsedStep: Number(totp.lastUsedStep ?? 0),
      createdAt: Number(totp.createdAt),
    },
    securityKeys: items
      .filter((i) => String(i.factor).startsWith('webauthn#'))
      .map((i) => ({
        credentialId: String(i.credentialId),
        publicKey: String(i.publicKey),
        counter: Number(i.counter ?? 0),
        transports: Array.isArray(i.transports) ? [...(i.transports as string[])] : [],
        createdAt: Number(i.createdAt),
      })),
  };
}

export class DynamoFactorStore implements FactorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async factorsOf(sipUri: string): Promise<UserFactors> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'sipUri = :u',
        ExpressionAttributeValues: { ':u': sipUri },
        ConsistentRead: true,
      }),
    );
    return userFactorsOf(result.Items ?? []);
  }

  async putPendingTotp(sipUri: string, secret: string, createdAt: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { sipUri, factor: totpItem, secret, active: false, lastUsedStep: 0, createdAt },
          ConditionExpression: 'attribute_not_exists(sipUri) OR active = :false',
          ExpressionAttributeValues: { ':false': false },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async useTotpStep(sipUri: string, step: number, activate: boolean): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sipUri, factor: totpItem },
          UpdateExpression: activate ? 'SET lastUsedStep = :s, active = :true' : 'SET lastUsedStep = :s',
          ConditionExpression: `attribute_exists(sipUri) AND lastUsedStep < :s AND active = :active`,
          ExpressionAttributeValues: {
            ':s': step,
            ':active': !activate,
            ...(activate ? { ':true': true } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async putEnrolmentChallenge(sipUri: string, challenge: string, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { sipUri, factor: challengeItem, challenge, expiresAt },
      }),
    );
  }

  async takeEnrolmentChallenge(
    sipUri: string,
  ): Promise<{ challenge: string; expiresAt: number } | undefined> {
    const result = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { sipUri, factor: challengeItem },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const item = result.Attributes;
    return item ? { challenge: String(item.challenge), expiresAt: Number(item.expiresAt) } : undefined;
  }

  async putSecurityKey(sipUri: string, key: SecurityKeyFactor): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { sipUri, factor: keyItem(key.credentialId), ...key },
        ConditionExpression: 'attribute_not_exists(sipUri)',
      }),
    );
  }

  async useSecurityKey(sipUri: string, credentialId: string, counter: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sipUri, factor: keyItem(credentialId) },
          UpdateExpression: 'SET #counter = :c',
          // Authenticators that keep no counter always send 0.
          ConditionExpression:
            'attribute_exists(sipUri) AND (#counter < :c OR (#counter = :zero AND :c = :zero))',
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: { ':c': counter, ':zero': 0 },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
