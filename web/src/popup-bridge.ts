/**
 * A pop-up's side of the link to its main window: announces itself (again after the main window
 * reloads), passes the user's actions on, and notices when the main window is gone for good.
 */
import { mainMessage, type MainToPopup, type PopupRole, type PopupToMain } from './window-messages.ts';

/** A main window that went away and is not back (reloaded) by then has ended the session. */
export const mainReturnMs = 10_000;
const helloRepeatMs = 500;
const activityRepeatMs = 15_000;

export type MainGone = 'main_closed' | 'main_left';

export interface BridgeOptions {
  readonly role: PopupRole;
  readonly peer: string;
  readonly onMessage: (message: MainToPopup) => void;
  /** The main window is not there (closed, or navigated away from the client): the session is over. */
  readonly onMainGone: (why: MainGone) => void;
  /** Waiting for a reloading main window (true) or back in touch (false). */
  readonly onWaiting: (waiting: boolean) => void;
}

export class PopupBridge {
  private answered = false;
  private waitingSince: number | undefined = Date.now();
  private gone = false;
  private lastActivityAt = 0;
  /** The main window's document that last answered; a new one means the main window reloaded. */
  private mainDocument: Document | undefined;

  constructor(private readonly options: BridgeOptions) {}

  /** Answers false when this page was not opened by a main window at all. */
  start(): boolean {
    if (!window.opener) return false;
    window.addEventListener('message', (event) => {
      if (event.source !== window.opener) return;
      const message = mainMessage(event);
      if (!message || this.gone) return;
      if (message.kind === 'main-leaving') {
        this.answered = false;
        this.waitingSince = Date.now();
        this.options.onWaiting(true);
        return;
      }
      if (message.kind === 'conversation' || message.kind === 'alert' || message.kind === 'ended') {
        if (this.waitingSince !== undefined) this.options.onWaiting(false);
        this.answered = true;
        this.waitingSince = undefined;
        this.mainDocument = this.openerDocument();
      }
      this.options.onMessage(message);
    });
    window.addEventListener('pagehide', () =>
      this.post({ kind: 'bye', role: this.options.role, peer: this.options.peer }),
    );
    for (const type of ['keydown', 'pointerdown'] as const) {
      window.addEventListener(type, () => this.activity(), { capture: true, passive: true });
    }
    setInterval(() => this.check(), helloRepeatMs);
    this.hello();
    return true;
  }

  post(message: PopupToMain): void {
    const opener = window.opener as Window | null;
    if (!opener || opener.closed) return;
    opener.postMessage(message, location.origin);
  }

  private hello(): void {
    this.post({ kind: 'hello', role: this.options.role, peer: this.options.peer });
  }

  private activity(): void {
    const now = Date.now();
    if (now - this.lastActivityAt < activityRepeatMs) return;
    this.lastActivityAt = now;
    this.post({ kind: 'activity' });
  }

  private check(): void {
    if (this.gone) return;
    const opener = window.opener as Window | null;
    if (!opener || opener.closed) return this.goneFor('main_closed');
    if (this.answered && this.openerDocument() !== this.mainDocument) {
      // Reloaded (or navigated) without a word: a `main-leaving` can be lost while a page unloads.
      this.answered = false;
      this.waitingSince = Date.now();
      this.options.onWaiting(true);
    }
    if (this.answered || this.waitingSince === undefined) return;
    if (Date.now() - this.waitingSince > mainReturnMs) return this.goneFor('main_left');
    this.hello();
  }

  /** The main window's document, or undefined once it shows a page of another origin. */
  private openerDocument(): Document | undefined {
    try {
      return (window.opener as Window | null)?.document;
    } catch {
      return undefined;
    }
  }

  private goneFor(why: MainGone): void {
    this.gone = true;
    this.options.onMainGone(why);
  }
}
