import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countRequest } from '../metering/request-counts.ts';

interface TableNaming {
  readonly TableName?: string;
  readonly IndexName?: string;
  readonly RequestItems?: Record<string, unknown>;
}

/** `GetItem cwa-tickets`, `Query cwa-contacts/watchers-index`, `BatchGetItem cwa-presence`. */
function requestLabel(commandName: string, input: TableNaming): string {
  const table = input.TableName ?? Object.keys(input.RequestItems ?? {}).join('+');
  return `dynamodb ${commandName.replace(/Command$/, '')} ${table}${input.IndexName ? `/${input.IndexName}` : ''}`;
}

/** One document client per cold start; `endpoint` points it at dynalite locally. */
export function createDocumentClient(endpoint: string | undefined): DynamoDBDocumentClient {
  const client = new DynamoDBClient(endpoint ? { endpoint } : {});
  client.middlewareStack.add(
    (next, context) => (args) => {
      countRequest(requestLabel(context.commandName ?? 'Unknown', args.input as TableNaming));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';
