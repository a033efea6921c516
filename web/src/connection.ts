/** The realtime connection: one WebSocket, kept alive with pings and re-opened with backoff. */
import { parseServerFrame, type ClientFrame, type ServerFrame } from './protocol.ts';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'ended';

export interface ConnectionOptions {
  readonly url: string;
  /** Called on every open, first or after a reconnect. */
  readonly onOpen: () => void;
  readonly onFrame: (frame: ServerFrame) => void;
  /** Called once a connection that was open is lost unexpectedly. */
  readonly onLost: () => void;
  readonly onStatus: (status: ConnectionStatus) => void;
  /** The session ended (`session.ended`, or the ticket is no longer valid); there is no reconnect. */
  readonly onEnded: (reason: string) => void;
  /**
   * Asked before each reconnect. A ticket that ended while no connection was open never gets a
   * `session.ended` frame, and its upgrade is refused without a reason, so the session route says.
   */
  readonly stillSignedIn: () => Promise<boolean>;
}

export const pingIntervalMs = 60_000;
export const firstRetryMs = 1_000;
export const maxRetryMs = 30_000;

/** `ws:` or `wss:` to match the page, same origin, path `/ws`. */
export function webSocketUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class RealtimeConnection {
  private socket: WebSocket | undefined;
  private retryMs = firstRetryMs;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private ended = false;

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    this.open('connecting');
  }

  /** Sends a frame when the connection is open; answers whether it went out. */
  send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Ends the connection for good, without a reconnect. */
  stop(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
  }

  private open(status: ConnectionStatus): void {
    this.options.onStatus(status);
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      opened = true;
      this.retryMs = firstRetryMs;
      this.options.onStatus('open');
      this.pingTimer = setInterval(() => this.send({ action: 'ping' }), pingIntervalMs);
      this.options.onOpen();
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (socket !== this.socket) return;
      const frame = parseServerFrame(event.data);
      if (!frame) return;
      if (frame.type === 'session.ended') this.end(frame.reason);
      else this.options.onFrame(frame);
    });
    socket.addEventListener('close', () => {
      if (socket !== this.socket) return;
      clearInterval(this.pingTimer);
      this.socket = undefined;
      if (this.ended) return;
      if (opened) this.options.onLost();
      this.scheduleReconnect();
    });
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.stop();
    this.options.onStatus('ended');
    this.options.onEnded(reason);
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(delay * 2, maxRetryMs);
    this.options.onStatus('reconnecting');
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    let signedIn = true;
    try {
      signedIn = await this.options.stillSignedIn();
    } catch {
      // The server is unreachable; the socket attempt fails too and backs off further.
    }
    if (this.ended) return;
    if (signedIn) this.open('reconnecting');
    else this.end('expired');
  }
}
