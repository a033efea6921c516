/**
 * The main window's pop-ups: opens conversation and alert windows, reuses a person's window, counts
 * them against the limit, and notices when the browser blocked one (`window.open` answered null, or
 * the window closed at once, or never loaded). A pop-up announces itself with `hello`; a main window
 * that was reloaded learns its pop-ups again from their next `hello`.
 */
import {
  popupMessage,
  popupName,
  popupUrl,
  type MainToPopup,
  type PopupRole,
  type PopupToMain,
} from './window-messages.ts';

interface Tracked {
  readonly role: PopupRole;
  readonly peer: string;
  readonly window: Window;
  ready: boolean;
}

export type OpenResult = 'opened' | 'reused' | 'blocked' | 'limit';

export interface PopupWindowsOptions {
  readonly maxWindows: () => number;
  /** A pop-up said hello (first load, or again after the main window reloaded). */
  readonly onHello: (role: PopupRole, peer: string, reply: (message: MainToPopup) => void) => void;
  readonly onMessage: (message: PopupToMain) => void;
  /** A window that was opened turned out to be blocked (closed at once, or never loaded). */
  readonly onBlockedLate: (role: PopupRole, peer: string) => void;
}

/** A pop-up that has not said hello by then is taken for blocked, unless its page is still loading. */
const helloTimeoutMs = 5_000;
/** How long a loading pop-up is waited for at most. */
const loadLimitMs = 30_000;

/** Whether a pop-up still shows our page loading (a blocker's page of another origin cannot be read). */
function stillLoading(popup: Window): boolean {
  try {
    // Right after `window.open` the window shows about:blank until our page starts loading.
    if (popup.location.href === 'about:blank') return true;
    return popup.location.origin === location.origin && popup.document.readyState !== 'complete';
  } catch {
    return false;
  }
}
const closedCheckMs = 400;

const features: Record<PopupRole, () => string> = {
  conversation: () => 'popup,width=440,height=600',
  alert: () => {
    const width = 340;
    const height = 170;
    const left = Math.max(0, screen.availWidth - width - 16);
    const top = Math.max(0, screen.availHeight - height - 16);
    return `popup,width=${width},height=${height},left=${left},top=${top}`;
  },
};

export class PopupWindows {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly options: PopupWindowsOptions) {
    window.addEventListener('message', (event) => {
      const message = popupMessage(event);
      const source = event.source;
      if (!message || !source || !('postMessage' in source) || source === window) return;
      this.receive(message, source as Window);
    });
  }

  /** Live pop-ups, of either kind. */
  get count(): number {
    this.prune();
    return this.tracked.size;
  }

  has(role: PopupRole, peer: string): boolean {
    const tracked = this.tracked.get(popupName(role, peer));
    return tracked !== undefined && !tracked.window.closed;
  }

  /** Ready (it said hello) and not closed: messages sent to it will be shown. */
  isShowing(role: PopupRole, peer: string): boolean {
    const tracked = this.tracked.get(popupName(role, peer));
    return tracked !== undefined && tracked.ready && !tracked.window.closed;
  }

  /** Opens or focuses a person's window; answers what happened. */
  open(role: PopupRole, peer: string): OpenResult {
    const name = popupName(role, peer);
    const existing = this.tracked.get(name);
    if (existing && !existing.window.closed) {
      if (role === 'conversation') existing.window.focus();
      return 'reused';
    }
    if (this.count >= this.options.maxWindows()) return 'limit';
    let opened: Window | null;
    try {
      opened = window.open(popupUrl(role, peer), name, features[role]());
    } catch {
      opened = null;
    }
    if (!opened) return 'blocked';
    const tracked: Tracked = { role, peer, window: opened, ready: false };
    this.tracked.set(name, tracked);
    this.watchForLateBlock(name, tracked);
    return 'opened';
  }

  send(role: PopupRole, peer: string, message: MainToPopup): boolean {
    const tracked = this.tracked.get(popupName(role, peer));
    if (!tracked || tracked.window.closed) return false;
    tracked.window.postMessage(message, location.origin);
    return tracked.ready;
  }

  /** Tells every pop-up something (the session ended, the main window is leaving). */
  broadcast(message: MainToPopup): void {
    for (const tracked of this.tracked.values()) {
      if (!tracked.window.closed) tracked.window.postMessage(message, location.origin);
    }
  }

  close(role: PopupRole, peer: string): void {
    const name = popupName(role, peer);
    const tracked = this.tracked.get(name);
    this.tracked.delete(name);
    if (tracked && !tracked.window.closed) tracked.window.close();
  }

  closeAll(role?: PopupRole): void {
    for (const tracked of [...this.tracked.values()]) {
      if (!role || tracked.role === role) this.close(tracked.role, tracked.peer);
    }
  }

  private receive(message: PopupToMain, source: Window): void {
    if (message.kind === 'hello') {
      const name = popupName(message.role, message.peer);
      const known = this.tracked.get(name);
      const tracked =
        known?.window === source
          ? known
          : { role: message.role, peer: message.peer, window: source, ready: false };
      tracked.ready = true;
      this.tracked.set(name, tracked);
      this.options.onHello(message.role, message.peer, (reply) => source.postMessage(reply, location.origin));
      return;
    }
    if (message.kind === 'bye' || message.kind === 'opening') {
      const role = message.kind === 'bye' ? message.role : 'alert';
      const name = popupName(role, message.peer);
      if (this.tracked.get(name)?.window === source) this.tracked.delete(name);
    }
    this.options.onMessage(message);
  }

  private watchForLateBlock(name: string, tracked: Tracked): void {
    const openedAt = Date.now();
    const late = () => {
      if (this.tracked.get(name) !== tracked || tracked.ready) return;
      if (!tracked.window.closed && stillLoading(tracked.window) && Date.now() - openedAt < loadLimitMs) {
        // A slow machine or network: our page is on its way, so give it longer.
        setTimeout(late, helloTimeoutMs);
        return;
      }
      this.tracked.delete(name);
      if (!tracked.window.closed) tracked.window.close();
      this.options.onBlockedLate(tracked.role, tracked.peer);
    };
    setTimeout(() => {
      if (tracked.window.closed) late();
    }, closedCheckMs);
    setTimeout(late, helloTimeoutMs);
  }

  private prune(): void {
    for (const [name, tracked] of this.tracked) if (tracked.window.closed) this.tracked.delete(name);
  }
}
