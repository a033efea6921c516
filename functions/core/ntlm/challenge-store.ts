import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * NTLM challenges issued and not yet answered. NTLM authenticates a connection, and API Gateway
 * hands the two legs of a handshake to any Lambda instance, so the challenge lives in DynamoDB.
 * Taking a challenge removes it: each one can be answered once.
 */
export interface NtlmChallengeStore {
  put(challenge: IssuedChallenge): Promise<void>;
  /** Removes the challenge and answers it; undefined when unknown or already answered. */
  take(challengeId: string): Promise<IssuedChallenge | undefined>;
}

export interface IssuedChallenge {
  readonly challengeId: string;
  /** The 8-byte server challenge. */
  readonly serverChallenge: Buffer;
  /** The client's NEGOTIATE and our CHALLENGE message, as sent: the client's MIC covers both. */
  readonly negotiateMessage: Buffer;
  readonly challengeMessage: Buffer;
  /** Milliseconds since the epoch; checked on read, since DynamoDB TTL deletes late. */
  readonly expiresAt: number;
}

/** A stored challenge item as the challenge it holds; undefined for one that is not whole. Both stores read through it. */
export function issuedChallengeOf(
  challengeId: string,
  stored: object | undefined,
): IssuedChallenge | undefined {
  const item = stored as Readonly<Record<string, unknown>> | undefined;
  if (
    typeof item?.serverChallenge !== 'string' ||
    typeof item.negotiateMessage !== 'string' ||
    typeof item.challengeMessage !== 'string' ||
    typeof item.expiresAt !== 'number'
  ) {
    return undefined;
  }
  return {
    challengeId,
    serverChallenge: Buffer.from(item.serverChallenge, 'base64'),
    negotiateMessage: Buffer.from(item.negotiateMessage, 'base64'),
    challengeMessage: Buffer.from(item.challengeMessage, 'base64'),
    expiresAt: item.expiresAt,
  };
}

export class DynamoNtlmChallengeStore implements NtlmChallengeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(challenge: IssuedChallenge): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          challengeId: challenge.challengeId,
          serverChallenge: challenge.serverChallenge.toString('base64'),
          negotiateMessage: challenge.negotiateMessage.toString('base64'),
          challengeMessage: challenge.challengeMessage.toString('base64'),
          expiresAt: challenge.expiresAt,
          ttl: Math.ceil(challenge.expiresAt / 1000),
        },
      }),
    );
  }

  async take(challengeId: string): Promise<IssuedChallenge | undefined> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { challengeId }, ReturnValues: 'ALL_OLD' }),
    );
    return issuedChallengeOf(challengeId, result.Attributes);
  }
}

/** An in-process challenge store, for unit tests of the acceptor. */
export class MemoryNtlmChallengeStore implements NtlmChallengeStore {
  private readonly challenges = new Map<string, IssuedChallenge>();

  async put(challenge: IssuedChallenge): Promise<void> {
    this.challenges.set(challenge.challengeId, challenge);
  }

  async take(challengeId: string): Promise<IssuedChallenge | undefined> {
    const challenge = this.challenges.get(challengeId);
    this.challenges.delete(challengeId);
    return challenge;
  }
}
