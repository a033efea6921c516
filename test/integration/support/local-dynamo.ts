import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryUser } from '../../../functions/core/model.ts';
import { createDocumentClient } from '../../../functions/core/storage/dynamo.ts';
import type { TicketRules } from '../../../functions/core/tickets/tickets.ts';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo.ts';

/** The domain over a real local DynamoDB, without the gateway: what a test file gets from `useLocalDynamo`. */
export interface LocalDynamoFixture {
  readonly dynamo: LocalDynamo;
  readonly db: DynamoDBDocumentClient;
}

/**
 * Starts dynalite with every table in a throwaway directory before the file's tests (then runs
 * `prepare`, e.g. to seed users) and removes it after them. The answer's fields are readable once
 * the tests run.
 */
export function useLocalDynamo(
  name: string,
  prepare?: (fixture: LocalDynamoFixture) => Promise<void>,
): LocalDynamoFixture {
  let dataDir: string | undefined;
  let dynamo: LocalDynamo | undefined;
  let db: DynamoDBDocumentClient | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `cwa-${name}-`));
    Object.assign(process.env, {
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    dynamo = await startLocalDynamo(join(dataDir, 'dynamodb'));
    db = createDocumentClient(dynamo.endpoint);
    await prepare?.({ dynamo, db });
  });
  after(async () => {
    db?.destroy();
    await dynamo?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the local DynamoDB starts in before(); read it inside a test');
    return value;
  };
  return {
    get dynamo() {
      return started(dynamo);
    },
    get db() {
      return started(db);
    },
  };
}

/** Ticket rules for tests: 8-hour tickets idle after 30 minutes on both sites, unless overridden. */
export const testTicketRules = (overrides: Partial<TicketRules> = {}): TicketRules => ({
  sites: {
    internal: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
    external: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
  },
  leaveGraceSeconds: 60,
  leaveConfirmSeconds: 3,
  frameRate: { limit: 60, windowSeconds: 10 },
  ...overrides,
});

/** A directory user allowed everything, named `name` at contoso.com. */
export const testUser = (name: string, displayName = name): DirectoryUser => ({
  sipUri: `sip:${name}@contoso.com`,
  domain: 'CONTOSO',
  username: name,
  displayName,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
});
