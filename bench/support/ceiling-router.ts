import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, isAppError } from '../../functions/core/errors.ts';
import { parseClientFrame } from '../../functions/core/realtime/frames.ts';

/**
 * The ceiling's server, alone in its own process as the product's runtime is: a bare Node.js router
 * on `ws`. Each frame is parsed and validated by the product's own frame parser, the recipient looked
 * up in a Map, the message sent to it and the acknowledgement to the sender. No store, no ticket
 * check, no fan-out to other windows: what any IM server on Node.js and `ws` pays at least.
 * A user is named by a cookie (no sign-in) whose name is the first argument. Driven by ceiling.ts over IPC.
 */
const cookieName = process.argv[2] ?? 'user';

const byUser = new Map<string, WebSocket>();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false });

const send = (socket: WebSocket, frame: unknown) => socket.send(JSON.stringify(frame));

server.on('connection', (socket, request) => {
  const cookie = request.headers.cookie ?? '';
  const user = new RegExp(`(?:^|;\\s*)${cookieName}=([^;]+)`).exec(cookie)?.[1];
  if (!user) return socket.close(1008, 'no user');
  const from = decodeURIComponent(user);
  byUser.set(from, socket);
  socket.on('close', () => void (byUser.get(from) === socket && byUser.delete(from)));
  socket.on('message', (data) => {
    try {
      const frame = parseClientFrame(String(data));
      if (frame.action !== 'im.send') throw new AppError('unknown_action', 'the ceiling routes im.send only');
      const { clientMessageId } = frame;
      const recipient = byUser.get(frame.to);
      if (!recipient) return send(socket, { type: 'im.failed', clientMessageId, reason: 'offline' });
      const id = randomUUID();
      send(recipient, {
        type: 'im.message',
        id,
        from,
        to: frame.to,
        text: frame.text,
        sentAt: new Date().toISOString(),
      });
      send(socket, { type: 'im.delivered', clientMessageId, id });
    } catch (err) {
      const error = isAppError(err) ? err : new AppError('internal_error', 'That could not be done.');
      send(socket, { type: 'error', error: error.code, message: error.message });
    }
  });
});

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ ready: `http://127.0.0.1:${port}` });
});

process.on('message', (request: { readonly id: number; readonly op: 'cpu' }) => {
  if (request.op === 'cpu') process.send?.({ id: request.id, result: process.cpuUsage() });
});
process.on('disconnect', () => {
  for (const socket of server.clients) socket.terminate();
  server.close(() => process.exit(0));
});
