/**
 * A conditional write whose condition did not hold. It carries the name DynamoDB's refusal has
 * (`ConditionalCheckFailedException`), so callers that tell that refusal apart (`isConditionFailure`)
 * treat both stores alike.
 */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionalCheckFailedException';

  constructor(what: string) {
    super(`The conditional request failed: ${what}`);
  }
}
