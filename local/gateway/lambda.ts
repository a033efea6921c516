import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { countRequest } from '../../functions/core/metering/request-counts.ts';
import type { HandlerRuntime } from '../../functions/entry.ts';
import type { HandlerModule } from '../../functions/routes.ts';

const functionsDir = fileURLToPath(new URL('../../functions/', import.meta.url));

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type ModuleHandler = Handler & { readonly forRuntime?: (runtime: HandlerRuntime) => Handler };

/** A handler module's export, as Lambda would load it. */
async function load(module: HandlerModule): Promise<ModuleHandler> {
  const m = (await import(pathToFileURL(join(functionsDir, `${module}.ts`)).href)) as { handler?: unknown };
  if (typeof m.handler !== 'function') throw new Error(`functions/${module}.ts exports no handler`);
  return m.handler as ModuleHandler;
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

/**
 * The handler modules of one runtime: each built once against that runtime's settings and
 * dependencies (two runtimes in one process each have their own), and invoked as Lambda would
 * invoke it — same module, an event, and a context object.
 */
export class LocalFunctions {
  private readonly built = new Map<HandlerModule, Promise<Handler>>();

  constructor(private readonly runtime: HandlerRuntime) {}

  invoke(module: HandlerModule, event: unknown): Promise<unknown> {
    let handler = this.built.get(module);
    if (!handler) {
      handler = load(module).then((exported) => {
        if (!exported.forRuntime) throw new Error(`functions/${module}.ts is not built with entry()`);
        return exported.forRuntime(this.runtime);
      });
      this.built.set(module, handler);
    }
    return run(module, handler, event);
  }
}

/**
 * Invokes a handler module on Lambda's own terms: its dependencies built from this process's
 * environment, as in a Lambda instance (the tests of the AWS path use it).
 */
export function invoke(module: HandlerModule, event: unknown): Promise<unknown> {
  return run(module, load(module), event);
}

async function run(module: HandlerModule, loading: Promise<Handler>, event: unknown): Promise<unknown> {
  countRequest(`lambda ${module}`);
  for (const listener of listeners) listener(module, event);
  const handler = await loading;
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
