import { AsyncLocalStorage } from 'node:async_hooks';

/** What names one request (and, on WebSocket events, its connection) in every log line and figure. */
export interface Correlation {
  /** API Gateway's request id (the local gateway makes one up the same way). */
  readonly correlationId: string;
  /** The WebSocket connection the event belongs to. */
  readonly connectionId?: string;
}

// Async-local rather than a process global: the local runtime runs many handlers at once in one process.
const current = new AsyncLocalStorage<Correlation>();

/** The correlation of the request being handled, if any. */
export function currentCorrelation(): Correlation | undefined {
  return current.getStore();
}

interface CorrelatedEvent {
  readonly requestContext?: { readonly requestId?: string; readonly connectionId?: string } | null;
}

/** Runs a handler with its event's request id (and connection id) as the correlation of everything it logs. */
export function correlated<E extends CorrelatedEvent, A extends unknown[], R>(
  handler: (event: E, ...rest: A) => Promise<R>,
): (event: E, ...rest: A) => Promise<R> {
  return (event, ...rest) => {
    const context = event.requestContext ?? {};
    const correlation: Correlation = {
      correlationId: context.requestId ?? 'none',
      ...(context.connectionId && { connectionId: context.connectionId }),
    };
    return current.run(correlation, () => handler(event, ...rest));
  };
}
