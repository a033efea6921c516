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

/**
 * An endpoint of this machine's own (dynalite, the AWS emulation) needs a region and credentials
 * to sign with, though it checks neither; these reach nothing real.
 */
export const localEndpointConfig = (endpoint: string) => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** One document client per cold start; `endpoint` points it at dynalite locally. */
export function createDocumentClient(endpoint: string | undefined): DynamoDBDocumentClient {
  const client = new DynamoDBClient(endpoint ? localEndpointConfig(endpoint) : {});
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
