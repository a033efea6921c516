/**
 * The realtime connection: one WebSocket per main window, shared with its pop-ups. Kept alive with
 * pings (API Gateway closes a connection idle for 10 minutes), replaced before API Gateway's 2-hour
 * limit without the user noticing, and re-opened with backoff when the network drops it.
 */
import { parseServerFrame, type ClientFrame, type ServerFrame } from './protocol.ts';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'ended';

export interface ConnectionOptions {
  readonly url: string;
  /** Called on every open, first, after a reconnect, or after a planned replacement: re-subscribe here. */
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

/** Well inside API Gateway's 10-minute idle limit. */
export const pingIntervalMs = 60_000;
/** A connection that answers nothing this long after a ping is taken for dead (half-open TCP). */
export const pongTimeoutMs = 15_000;
/** API Gateway ends every connection after 2 hours; a fresh one is opened before that. */
export const replaceAfterMs = 110 * 60_000;
/** How long the replaced connection still delivers answers to frames sent on it. */
const drainMs = 5_000;
export const firstRetryMs = 1_000;
export const maxRetryMs = 30_000;

/** `ws:` or `wss:` to match the page, same origin, path `/ws`. */
export function webSocketUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class RealtimeConnection {
  private socket: WebSocket | undefined;
  /** Replaced sockets still open for a moment, whose frames are still handled. */
  private readonly draining = new Set<WebSocket>();
  private readonly opened = new WeakSet<WebSocket>();
  private retryMs = firstRetryMs;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private replaceTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    // Back on the network: try at once rather than waiting out the backoff.
    window.addEventListener('online', () => {
      if (this.ended || this.socket || this.retryTimer === undefined) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryMs = firstRetryMs;
      void this.reconnect();
    });
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
    this.clearTimers();
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
    for (const old of this.draining) old.close(1000);
    this.draining.clear();
  }

  private open(status: ConnectionStatus): void {
    this.options.onStatus(status);
    const socket = this.dial();
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      this.retryMs = firstRetryMs;
      this.becameCurrent();
      this.options.onStatus('open');
    });
  }

  /** A new socket whose frames are handled while it is current or draining. */
  private dial(): WebSocket {
    const socket = new WebSocket(this.options.url);
    socket.addEventListener('open', () => this.opened.add(socket));
    socket.addEventListener('message', (event: MessageEvent) => {
      if (socket !== this.socket && !this.draining.has(socket)) return;
      if (socket === this.socket) clearTimeout(this.pongTimer);
      const frame = parseServerFrame(event.data);
      if (!frame) return;
      if (frame.type === 'session.ended') this.end(frame.reason);
      else this.options.onFrame(frame);
    });
    socket.addEventListener('close', () => {
      this.draining.delete(socket);
      if (socket === this.socket) this.lost(socket);
    });
    return socket;
  }

  private becameCurrent(): void {
    this.clearTimers();
    this.pingTimer = setInterval(() => this.ping(), pingIntervalMs);
    this.replaceTimer = setTimeout(() => this.replace(), replaceAfterMs);
    this.options.onOpen();
  }

  private ping(): void {
    const socket = this.socket;
    if (!this.send({ action: 'ping' }) || !socket) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      if (socket !== this.socket) return;
      socket.close();
      this.lost(socket);
    }, pongTimeoutMs);
  }

  /** Opens the next connection first and only then lets the old one go, so nothing is missed. */
  private replace(): void {
    const old = this.socket;
    if (this.ended || !old || old.readyState !== WebSocket.OPEN) return;
    const next = this.dial();
    const failed = () => {
      // Keep the old one; API Gateway's close of it is then an ordinary reconnect.
      if (next !== this.socket) this.replaceTimer = setTimeout(() => this.replace(), 60_000);
    };
    next.addEventListener('error', failed, { once: true });
    next.addEventListener(
      'open',
      () => {
        next.removeEventListener('error', failed);
        if (this.ended || this.socket !== old) {
          next.close(1000);
          return;
        }
        this.socket = next;
        this.draining.add(old);
        setTimeout(() => {
          this.draining.delete(old);
          old.close(1000);
        }, drainMs);
        this.becameCurrent();
      },
      { once: true },
    );
  }

  private lost(socket: WebSocket): void {
    if (socket !== this.socket) return;
    const wasOpen = this.opened.has(socket);
    this.socket = undefined;
    this.clearTimers();
    if (this.ended) return;
    if (wasOpen) this.options.onLost();
    this.scheduleReconnect();
  }

  private clearTimers(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.replaceTimer);
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
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, delay);
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
