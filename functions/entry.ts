import type { Context } from 'aws-lambda';
import type { Deps, SettingsSource } from './deps.ts';
import { lambdaDeps } from './lambda-deps.ts';

/**
 * What a handler is built against: its runtime's settings source (known at once) and dependencies
 * (built at the first event that needs them). On Lambda, the function's environment and its
 * instance's dependencies; in the local runtime, that runtime's own.
 */
export interface HandlerRuntime {
  readonly env: SettingsSource;
  deps(): Promise<Deps>;
}

export type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** A handler module's export: Lambda's handler, which can also be built for another runtime. */
export type Entry<E, R> = Handler<E, R> & { readonly forRuntime: (runtime: HandlerRuntime) => Handler<E, R> };

const lambdaRuntime: HandlerRuntime = { env: process.env, deps: lambdaDeps };

/** Makes a handler module's export from how it is built for a runtime. */
export function entry<E, R>(build: (runtime: HandlerRuntime) => Handler<E, R>): Entry<E, R> {
  return Object.assign(build(lambdaRuntime), { forRuntime: build });
}
