import { readSettings, type Settings } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { ApiGatewayNotifier } from './core/realtime/notifier.ts';
import { createDocumentClient } from './core/storage/dynamo.ts';
import { buildDeps, type Deps, type SettingsSource } from './deps.ts';
import { dynamoStores, type Adapters } from './stores.ts';

/** The adapters that deploy: DynamoDB stores and API Gateway's `@connections`. */
export function awsAdapters(settings: Settings, clock: Clock = systemClock): Adapters {
  const db = createDocumentClient(settings.dynamoEndpoint);
  return {
    stores: dynamoStores(db, settings.tableNames, clock),
    notifier: new ApiGatewayNotifier(settings.connectionsEndpoint),
    clock,
  };
}

/** The dependencies of a runtime on AWS's adapters, from a settings source. */
export function buildAwsDeps(env: SettingsSource, clock: Clock = systemClock): Promise<Deps> {
  return buildDeps(env, awsAdapters(readSettings(env), clock));
}

let instance: Promise<Deps> | undefined;

/**
 * The composition root of a Lambda instance: its dependencies, built from the function's
 * environment at the first event and kept for the instance's life (Lambda runs one per process).
 */
export function lambdaDeps(): Promise<Deps> {
  instance ??= buildAwsDeps(process.env).catch((err: unknown) => {
    instance = undefined;
    throw err;
  });
  return instance;
}
