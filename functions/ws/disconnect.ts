import { correlated } from '../correlation.ts';
import { entry } from '../entry.ts';
import { principalOfConnection, type WebSocketEvent, type WebSocketResult } from './context.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/** `$disconnect`: forget the connection; the user's last one going takes them offline. */
export const handler = entry((runtime) =>
  correlated(async function disconnect(event: WebSocketEvent): Promise<WebSocketResult> {
    const deps = await runtime.deps();
    await deps.realtime.disconnect(principalOfConnection(event), event.requestContext.connectionId);
    return { statusCode: 200 };
  }),
);
