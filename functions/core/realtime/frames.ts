import { AppError } from '../errors.ts';
import { availabilities, type Availability } from '../model.ts';

/** Documented limits on what a client may send. */
export const limits = {
  imTextCharacters: 4000,
  noteCharacters: 500,
  sipUriCharacters: 256,
  clientMessageIdCharacters: 128,
  groupCharacters: 64,
} as const;

export type ClientFrame =
  | {
      readonly action: 'presence.set';
      readonly availability: Availability;
      readonly note: string | undefined;
      /** Set by the client's idle detection: not user activity, so the ticket's idle timeout runs on. */
      readonly automatic?: boolean;
    }
  | { readonly action: 'contacts.list' }
  | {
      readonly action: 'contacts.add';
      readonly sipUri: string;
      /** The group the contact is shown in (`''`: none); re-adding a contact moves it. */
      readonly group?: string;
    }
  | { readonly action: 'contacts.remove'; readonly sipUri: string }
  | {
      readonly action: 'im.send';
      readonly to: string;
      readonly text: string;
      readonly clientMessageId: string;
    }
  | { readonly action: 'ping' }
  /** The sender is typing to `to` (or stopped, `typing: false`); passed on, never stored. */
  | { readonly action: 'im.typing'; readonly to: string; readonly typing: boolean };

export type ClientAction = ClientFrame['action'];
export const clientActions: readonly ClientAction[] = [
  'presence.set',
  'contacts.list',
  'contacts.add',
  'contacts.remove',
  'im.send',
  'ping',
  'im.typing',
];

/**
 * Whether a frame shows the user at work, for the ticket's idle timeout: not a keep-alive `ping`,
 * nor an availability the client set by itself because the user was idle.
 */
export const isUserActivity = (frame: ClientFrame): boolean =>
  frame.action !== 'ping' && !(frame.action === 'presence.set' && frame.automatic === true);

const sipUriPattern = /^sip:[^\s@<>"]+@[^\s@<>"]+$/i;

const bad = (message: string) => new AppError('bad_request', message);

function text(
  frame: Record<string, unknown>,
  field: string,
  max: number,
  optional = false,
): string | undefined {
  const value = frame[field];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string') throw bad(`"${field}" must be a string`);
  if (value.length > max) {
    throw new AppError('text_too_long', `"${field}" is longer than ${max} characters`);
  }
  return value;
}

function sipUri(frame: Record<string, unknown>, field: string): string {
  const value = text(frame, field, limits.sipUriCharacters) ?? '';
  if (!sipUriPattern.test(value.trim()))
    throw bad(`"${field}" must be a SIP URI such as sip:alice@contoso.com`);
  return value.trim().toLowerCase();
}

/** Parses and checks one client frame; anything wrong becomes an `AppError` for an `error` frame. */
export function parseClientFrame(body: string | undefined): ClientFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(body ?? '');
  } catch {
    throw bad('frames must be JSON objects');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw bad('frames must be JSON objects');
  }
  const fields = frame as Record<string, unknown>;
  switch (fields.action) {
    case 'presence.set': {
      const availability = fields.availability;
      if (typeof availability !== 'string' || !(availabilities as readonly string[]).includes(availability)) {
        throw bad(`"availability" must be one of ${availabilities.join(', ')}`);
      }
      return {
        action: 'presence.set',
        availability: availability as Availability,
        note: text(fields, 'note', limits.noteCharacters, true),
        ...(fields.automatic === true && { automatic: true }),
      };
    }
    case 'contacts.list':
    case 'ping':
      return { action: fields.action };
    case 'contacts.add': {
      const group = text(fields, 'group', limits.groupCharacters, true)?.trim();
      return {
        action: 'contacts.add',
        sipUri: sipUri(fields, 'sipUri'),
        ...(group !== undefined && { group }),
      };
    }
    case 'contacts.remove':
      return { action: fields.action, sipUri: sipUri(fields, 'sipUri') };
    case 'im.typing': {
      if (fields.typing !== undefined && typeof fields.typing !== 'boolean') {
        throw bad('"typing" must be true or false');
      }
      return { action: 'im.typing', to: sipUri(fields, 'to'), typing: fields.typing !== false };
    }
    case 'im.send': {
      const body = text(fields, 'text', limits.imTextCharacters) ?? '';
      if (body.trim() === '') throw bad('"text" must not be empty');
      const clientMessageId = text(fields, 'clientMessageId', limits.clientMessageIdCharacters) ?? '';
      if (clientMessageId === '') throw bad('"clientMessageId" must not be empty');
      return { action: 'im.send', to: sipUri(fields, 'to'), text: body, clientMessageId };
    }
    case undefined:
      throw bad('"action" is missing');
    default:
      throw new AppError('unknown_action', `unknown action; expected one of ${clientActions.join(', ')}`);
  }
}
