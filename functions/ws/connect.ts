import { correlated } from '../correlation.ts';
import { entry } from '../entry.ts';
import { connectionOf, principalOfConnection, type WebSocketEvent, type WebSocketResult } from './context.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** `$connect` (after the authorizer allowed it): the user is now online on this connection. */
export const handler = entry((runtime) =>
  correlated(async function connect(event: WebSocketEvent): Promise<WebSocketResult> {
    const deps = await runtime.deps();
    await deps.realtime.connect(principalOfConnection(event), connectionOf(event));
    return { statusCode: 200 };
  }),
);
