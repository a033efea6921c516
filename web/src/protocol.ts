/** The WebSocket frames of the public contract (v1), as the browser sees them. */

// The contract's vocabulary and limits are the server's own, shared rather than restated.
export { availabilities, type Availability, type SeenAvailability } from '../../functions/core/model.ts';
export { limits, type ClientFrame } from '../../functions/core/realtime/frames.ts';
import { availabilities, type Availability, type SeenAvailability } from '../../functions/core/model.ts';

export interface Contact {
  readonly sipUri: string;
  readonly displayName: string;
  readonly availability: SeenAvailability;
  readonly note: string;
  /** The group the user put this contact in; `''` when none. */
  readonly group: string;
}

export interface OwnPresence {
  readonly sipUri: string;
  readonly availability: Availability;
  readonly note: string;
}

export interface ImMessage {
  readonly type: 'im.message';
  readonly id: string;
  readonly conversationId: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly sentAt: string;
}

export type ServerFrame =
  | { readonly type: 'contacts'; readonly contacts: readonly Contact[]; readonly self?: OwnPresence }
  | {
      readonly type: 'presence';
      readonly sipUri: string;
      readonly availability: Availability | 'offline';
      readonly note: string;
      readonly self?: boolean;
    }
  | ImMessage
  | { readonly type: 'im.delivered'; readonly clientMessageId: string; readonly id: string }
  | { readonly type: 'im.failed'; readonly clientMessageId: string; readonly reason: string }
  | { readonly type: 'error'; readonly error: string; readonly message: string }
  | { readonly type: 'session.ended'; readonly reason: string }
  | { readonly type: 'pong' }
  | { readonly type: 'im.typing'; readonly from: string; readonly typing: boolean };

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (fields: Fields, name: string): string => {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
};

export const isAvailability = (value: unknown): value is Availability =>
  typeof value === 'string' && (availabilities as readonly string[]).includes(value);

/** Anything a watcher is not meant to see as a choice of availability reads as `offline`. */
export const seenAvailability = (value: unknown): SeenAvailability =>
  isAvailability(value) && value !== 'appear-offline' ? value : 'offline';

function contactOf(value: unknown): Contact | undefined {
  if (!isObject(value) || typeof value.sipUri !== 'string') return undefined;
  return {
    sipUri: value.sipUri,
    displayName: str(value, 'displayName') || value.sipUri,
    availability: seenAvailability(value.availability),
    note: str(value, 'note'),
    group: str(value, 'group').trim(),
  };
}

/**
 * Reads one server frame. Unknown or malformed frames answer `undefined`, so a newer server that
 * adds frame types does not break an older page.
 */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObject(frame)) return undefined;
  switch (frame.type) {
    case 'contacts': {
      const list = Array.isArray(frame.contacts) ? frame.contacts : [];
      const contacts = list.map(contactOf).filter((c): c is Contact => c !== undefined);
      const self = isObject(frame.self) ? frame.self : undefined;
      return {
        type: 'contacts',
        contacts,
        ...(self && {
          self: {
            sipUri: str(self, 'sipUri'),
            availability: isAvailability(self.availability) ? self.availability : 'available',
            note: str(self, 'note'),
          },
        }),
      };
    }
    case 'presence': {
      const availability = isAvailability(frame.availability) ? frame.availability : 'offline';
      return {
        type: 'presence',
        sipUri: str(frame, 'sipUri'),
        availability,
        note: str(frame, 'note'),
        self: frame.self === true,
      };
    }
    case 'im.message':
      return {
        type: 'im.message',
        id: str(frame, 'id'),
        conversationId: str(frame, 'conversationId'),
        from: str(frame, 'from'),
        to: str(frame, 'to'),
        text: str(frame, 'text'),
        sentAt: str(frame, 'sentAt'),
      };
    case 'im.delivered':
      return { type: 'im.delivered', clientMessageId: str(frame, 'clientMessageId'), id: str(frame, 'id') };
    case 'im.failed':
      return {
        type: 'im.failed',
        clientMessageId: str(frame, 'clientMessageId'),
        reason: str(frame, 'reason'),
      };
    case 'error':
      return { type: 'error', error: str(frame, 'error'), message: str(frame, 'message') };
    case 'session.ended':
      return { type: 'session.ended', reason: str(frame, 'reason') };
    case 'pong':
      return { type: 'pong' };
    case 'im.typing':
      return { type: 'im.typing', from: str(frame, 'from'), typing: frame.typing !== false };
    default:
      return undefined;
  }
}
