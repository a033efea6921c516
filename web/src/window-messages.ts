/**
 * What the main window and its pop-ups (conversation windows, desktop alerts) say to each other
 * with `postMessage`. The main window owns the only WebSocket; pop-ups never open their own, so the
 * ticket lives exactly as long as the main window (see docs/security.md).
 */
import type { ChatMessage } from './conversations.ts';
import type { Peer } from './conversation-view.ts';

/** A pop-up's role, chosen by the page it loads. */
export type PopupRole = 'conversation' | 'alert';

export type PopupToMain =
  | { readonly kind: 'hello'; readonly role: PopupRole; readonly peer: string }
  | { readonly kind: 'send'; readonly peer: string; readonly text: string }
  | { readonly kind: 'typing'; readonly peer: string; readonly typing: boolean }
  /** The user did something in the pop-up: they are not idle. */
  | { readonly kind: 'activity' }
  /** The alert's Open was chosen: the alert window turns into the conversation window. */
  | { readonly kind: 'opening'; readonly peer: string }
  | { readonly kind: 'dismiss'; readonly peer: string }
  | { readonly kind: 'bye'; readonly role: PopupRole; readonly peer: string };

export type MainToPopup =
  | {
      readonly kind: 'conversation';
      readonly peer: Peer;
      readonly messages: readonly ChatMessage[];
      readonly typing: boolean;
      readonly connected: boolean;
    }
  | {
      readonly kind: 'alert';
      readonly peer: Peer;
      readonly text: string;
      readonly count: number;
    }
  | { readonly kind: 'append'; readonly message: ChatMessage }
  | { readonly kind: 'update'; readonly message: ChatMessage }
  | { readonly kind: 'peer'; readonly peer: Peer }
  | { readonly kind: 'typing'; readonly typing: boolean }
  | { readonly kind: 'connected'; readonly connected: boolean }
  /** The main window is unloading (a reload comes back within moments; anything else ends the session). */
  | { readonly kind: 'main-leaving' }
  | { readonly kind: 'ended'; readonly reason: string }
  | { readonly kind: 'close' };

const popupKinds = new Set(['hello', 'send', 'typing', 'activity', 'opening', 'dismiss', 'bye']);
const mainKinds = new Set([
  'conversation',
  'alert',
  'append',
  'update',
  'peer',
  'typing',
  'connected',
  'main-leaving',
  'ended',
  'close',
]);

const kindOf = (data: unknown): unknown =>
  typeof data === 'object' && data !== null ? (data as { kind?: unknown }).kind : undefined;

/** Only same-origin messages of a known kind are read; anything else (extensions, other sites) is ignored. */
export function popupMessage(event: MessageEvent): PopupToMain | undefined {
  if (event.origin !== location.origin) return undefined;
  const kind = kindOf(event.data);
  return typeof kind === 'string' && popupKinds.has(kind) ? (event.data as PopupToMain) : undefined;
}

export function mainMessage(event: MessageEvent): MainToPopup | undefined {
  if (event.origin !== location.origin) return undefined;
  const kind = kindOf(event.data);
  return typeof kind === 'string' && mainKinds.has(kind) ? (event.data as MainToPopup) : undefined;
}

/** Window names make `window.open` reuse a person's window; SIP URIs are kept to safe characters. */
export const popupName = (role: PopupRole, peer: string): string =>
  `cwa-${role}-${peer.replace(/[^a-z0-9]/gi, '_')}`;

export const popupUrl = (role: PopupRole, peer: string): string =>
  `/app/${role}.html?with=${encodeURIComponent(peer)}`;

/** The person a pop-up page is about, from its own address. */
export function peerOfPage(): string | undefined {
  const peer = new URLSearchParams(location.search).get('with') ?? '';
  return /^sip:[^\s@<>"]+@[^\s@<>"]+$/i.test(peer) ? peer.toLowerCase() : undefined;
}
