import type { Settings } from '../../functions/config.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { UserAdmin } from '../../functions/core/directory/user-admin.ts';
import { DynamoWindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import type { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { buildDeps } from '../../functions/deps.ts';
import { awsAdapters } from '../../functions/lambda-deps.ts';
import { reachingTheProduct, type Product } from './connect.ts';
import { ProductUnreachable } from './failures.ts';
import { perform, sessionAdminOf } from './operations.ts';
import type { Reached } from './reach.ts';

/** Session administration built around the given settings, from the same parts the handlers use. */
async function sessionAdminFor(settings: Settings): Promise<SessionAdmin> {
  // The admin command's own environment, as the handlers' would be (the directory provider).
  return sessionAdminOf(await buildDeps(process.env, awsAdapters(settings), settings));
}

/**
 * The product's DynamoDB tables, from this process: on AWS, or the AWS emulation's dynalite. Frames
 * to live connections go through the `@connections` API, as the handlers send them; the audit trail
 * is this command's standard error.
 */
export function throughDynamoDb(product: Extract<Product, { reach: 'dynamodb' }>): Reached {
  const { settings } = product;
  const db = createDocumentClient(settings.dynamoEndpoint);
  const { tableNames } = settings;
  let sessions: Promise<SessionAdmin> | undefined;
  // Built only when a request needs it: the users commands need no signing key.
  const sessionAdmin = () =>
    (sessions ??= sessionAdminFor(settings).catch((err: unknown) => {
      throw new ProductUnreachable(
        `Could not prepare to reach the product: ${err instanceof Error ? err.message : String(err)}`,
      );
    }));
  const users = new UserAdmin({
    directory: new DynamoDirectoryStore(db, tableNames.users, tableNames.directorySearch),
    windowsIdentities: new DynamoWindowsIdentityStore(db, tableNames.windowsIdentities),
    // A withdrawn right ends the sessions it refuses, and closes their connections, at once.
    sessions: { endRefused: async (sipUri) => (await sessionAdmin()).endRefused(sipUri) },
  });
  const parts = { directoryProvider: product.directoryProvider, users, sessions: sessionAdmin };
  return {
    perform: (request) => reachingTheProduct(settings, () => perform(request, parts)),
    close: async () => db.destroy(),
  };
}
