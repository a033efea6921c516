import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/**
 * Opens a plain TCP connection to `base`, lets `write` send what it wants (raw bytes, perhaps only
 * part of a request), and answers everything the server wrote until it closed the connection or
 * `deadlineMs` passed (then the connection is dropped and what came so far is answered).
 */
export async function exchange(
  base: string,
  write: (socket: Socket) => void,
  deadlineMs = 10_000,
): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  write(socket);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(socket, 'close'),
    new Promise((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    }),
  ]);
  clearTimeout(timer);
  socket.destroy();
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends `bytes` and answers what the server wrote before it closed the connection. */
export const rawRequest = (base: string, bytes: string, deadlineMs?: number): Promise<string> =>
  exchange(base, (socket) => socket.write(bytes), deadlineMs);

export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** The last response in `text` (after any `100 Continue`), or undefined when there is none. */
export function parseResponse(text: string): RawResponse | undefined {
  const starts = [...text.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/g)].filter((m) => m[1] !== '100');
  const start = starts.at(-1);
  if (!start) return undefined;
  const rest = text.slice((start.index ?? 0) + start[0].length);
  const end = rest.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of (end === -1 ? rest : rest.slice(0, end)).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(start[1]), headers, body: end === -1 ? '' : rest.slice(end + 4) };
}
