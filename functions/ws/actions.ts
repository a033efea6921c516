import { AppError, isAppError } from '../core/errors.ts';
import { parseClientFrame } from '../core/realtime/frames.ts';
import type { ServerFrame } from '../core/realtime/notifier.ts';
import { errorFrame } from '../core/realtime/realtime.ts';
import { correlated } from '../correlation.ts';
import { entry } from '../entry.ts';
import { connectionOf, principalOfConnection, type WebSocketEvent, type WebSocketResult } from './context.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * Every client action (`presence.set`, `contacts.*`, `im.send`, `ping`) and `$default`. The frame
 * that answers the caller (a `pong`, a contact list, an IM's `im.delivered`, or an `error` frame
 * for a bad one, after which the connection stays open) goes back as the route's response: these
 * routes are two-way, which spares each answer an `@connections` POST.
 */
export const handler = entry((runtime) =>
  correlated(async function act(event: WebSocketEvent): Promise<WebSocketResult> {
    const deps = await runtime.deps();
    const caller = { principal: principalOfConnection(event), connection: connectionOf(event) };
    const body = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : event.body;
    let reply: ServerFrame | undefined;
    try {
      reply = await deps.realtime.handle(caller, parseClientFrame(body ?? undefined));
    } catch (err) {
      if (!isAppError(err)) {
        console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: String(err) }));
      }
      reply = errorFrame(
        isAppError(err) ? err : new AppError('internal_error', 'That could not be done; please try again.'),
      );
    }
    return reply ? { statusCode: 200, body: JSON.stringify(reply) } : { statusCode: 200 };
  }),
);
