import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { countRequest } from '../../functions/core/metering/request-counts.ts';
import type { HandlerModule } from '../../functions/routes.ts';

const functionsDir = fileURLToPath(new URL('../../functions/', import.meta.url));

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const loaded = new Map<HandlerModule, Promise<Handler>>();

function load(module: HandlerModule): Promise<Handler> {
  let handler = loaded.get(module);
  if (!handler) {
    handler = import(pathToFileURL(join(functionsDir, `${module}.ts`)).href).then(
      (m: { handler?: Handler }) => {
        if (typeof m.handler !== 'function') throw new Error(`functions/${module}.ts exports no handler`);
        return m.handler;
      },
    );
    loaded.set(module, handler);
  }
  return handler;
}

type InvocationListener = (module: HandlerModule, event: unknown) => void;
const listeners = new Set<InvocationListener>();

/**
 * Calls `listener` with each handler module invoked and the event it gets (the tests hold the
 * gateway's events against AWS's published ones); answers the function that stops it.
 */
export function observeInvocations(listener: InvocationListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Invokes a handler module as Lambda would: same module, an event, and a context object. */
export async function invoke(module: HandlerModule, event: unknown): Promise<unknown> {
  countRequest(`lambda ${module}`);
  for (const listener of listeners) listener(module, event);
  const handler = await load(module);
  const deadline = Date.now() + 30_000;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: module.replace(/\//g, '-'),
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${module.replace(/\//g, '-')}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${module}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  return handler(event, context);
}
