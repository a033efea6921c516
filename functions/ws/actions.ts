import { AppError, isAppError } from '../core/errors.ts';
import { parseClientFrame } from '../core/realtime/frames.ts';
import { correlated } from '../correlation.ts';
import { getDeps } from '../deps.ts';
import { connectionOf, principalOfConnection, type WebSocketEvent, type WebSocketResult } from './context.ts';

/**
 * Every client action (`presence.set`, `contacts.*`, `im.send`, `ping`) and `$default`. A bad frame
 * is answered with an `error` frame and the connection stays open.
 */
export const handler = correlated(async function act(event: WebSocketEvent): Promise<WebSocketResult> {
  const deps = await getDeps();
  const caller = { principal: principalOfConnection(event), connection: connectionOf(event) };
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  try {
    await deps.realtime.handle(caller, parseClientFrame(body ?? undefined));
  } catch (err) {
    const appError = isAppError(err)
      ? err
      : new AppError('internal_error', 'That could not be done; please try again.');
    if (!isAppError(err)) {
      console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: String(err) }));
    }
    await deps.realtime.sendError(caller, appError);
  }
  return { statusCode: 200 };
});
