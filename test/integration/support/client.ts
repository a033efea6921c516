import WebSocket from 'ws';

export const demo = {
  domain: 'CONTOSO',
  alice: { username: 'alice', password: 'alice-demo-pass', sipUri: 'sip:alice@contoso.com' },
  bob: { username: 'bob', password: 'bob-demo-pass', sipUri: 'sip:bob@contoso.com' },
  carol: { username: 'carol', password: 'carol-demo-pass', sipUri: 'sip:carol@contoso.com' },
  dave: { username: 'dave', password: 'dave-demo-pass', sipUri: 'sip:dave@contoso.com' },
  erin: { username: 'erin', password: 'erin-demo-pass', sipUri: 'sip:erin@contoso.com' },
} as const;

export type DemoUser = (typeof demo)[Exclude<keyof typeof demo, 'domain'>];

export function postJson(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
}

/** The `name=value` part of the ticket cookie a response set. */
export function ticketCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-ticket-'));
  if (!cookie) throw new Error(`no ticket cookie in the response (status ${response.status})`);
  return cookie.split(';')[0] ?? '';
}

/** Signs in with the JSON forms API; answers the Cookie header value to send. */
export async function signIn(
  base: string,
  user: { readonly username: string; readonly password: string },
): Promise<string> {
  const response = await postJson(base, '/auth/forms', {
    domain: demo.domain,
    username: user.username,
    password: user.password,
  });
  if (response.status !== 200)
    throw new Error(`sign-in of ${user.username} failed: ${response.status} ${await response.text()}`);
  return ticketCookieOf(response);
}

export type Frame = { type: string } & Record<string, unknown>;

/** A WebSocket client that keeps every frame it receives and can wait for one. */
export class FrameClient {
  readonly frames: Frame[] = [];
  private waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async connect(
    base: string,
    cookie: string | undefined,
    options: { readonly origin?: string; readonly headers?: Readonly<Record<string, string>> } = {},
  ): Promise<FrameClient> {
    const headers = { ...options.headers, ...(cookie ? { cookie } : {}) };
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, {
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const client = new FrameClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      socket.once('error', reject);
    });
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (already received or still to come) that matches. */
  next(predicate: (f: Frame) => boolean, timeoutMs = 3000): Promise<Frame> {
    const seen = this.frames.find(predicate);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      const done = (frame: Frame) => {
        clearTimeout(timer);
        this.frames.splice(this.frames.indexOf(frame), 1);
        resolve(frame);
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  /** Sends a frame and waits for the answer of the given type. */
  async request(frame: unknown, type: string): Promise<Frame> {
    const answer = this.next((f) => f.type === type);
    this.send(frame);
    return answer;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with ${status}`);
  }
}
