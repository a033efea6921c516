import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export type Frame = { readonly type: string } & Record<string, unknown>;

/**
 * A lean WebSocket client for the benchmark: one frame handler, no buffering, so the client costs
 * little next to what it measures. Every wait is bounded.
 */
export class BenchSocket {
  /** Called with each frame as it arrives, and the time it arrived (performance.now()). */
  onFrame: (frame: Frame, at: number) => void = () => undefined;
  private waiter: { accept: (frame: Frame) => boolean } | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(String(data)) as Frame;
      if (this.waiter?.accept(frame)) this.waiter = undefined;
      this.onFrame(frame, at);
    });
    socket.on('error', () => undefined);
  }

  static open(base: string, cookie: string, timeoutMs = 30_000): Promise<BenchSocket> {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers: { cookie } });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`WebSocket did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => (clearTimeout(timer), resolve(new BenchSocket(socket))));
      socket.once(
        'unexpected-response',
        (_req, res) => (
          clearTimeout(timer),
          reject(new Error(`WebSocket upgrade refused with ${res.statusCode}`))
        ),
      );
      socket.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
  }

  /** Whether the socket is open (not closing or closed). */
  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Waits (bounded) for the next frame that matches. */
  next(predicate: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        accept: (frame) => {
          if (!predicate(frame)) return false;
          clearTimeout(timer);
          resolve(frame);
          return true;
        },
      };
    });
  }

  /** Sends a frame and waits for the answer of the given type. */
  request(frame: unknown, type: string, timeoutMs = 10_000): Promise<Frame> {
    const answer = this.next((f) => f.type === type, timeoutMs);
    this.send(frame);
    return answer;
  }

  close(timeoutMs = 5000): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.socket.terminate(), resolve()), timeoutMs);
      this.socket.once('close', () => (clearTimeout(timer), resolve()));
      this.socket.close();
    });
  }
}

/** Opens sockets for these cookies, `concurrency` at a time. */
export async function openAll(
  base: string,
  cookies: readonly string[],
  concurrency = 16,
): Promise<BenchSocket[]> {
  const sockets: BenchSocket[] = new Array(cookies.length);
  let next = 0;
  const worker = async () => {
    while (next < cookies.length) {
      const i = next++;
      sockets[i] = await BenchSocket.open(base, cookies[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cookies.length) }, worker));
  return sockets;
}
