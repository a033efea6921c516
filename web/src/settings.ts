/** The user's client preferences, kept in this browser (localStorage), with documented defaults. */

export interface Settings {
  /** Conversations open in their own windows (pop-ups); off: inside the main window. */
  readonly conversationWindows: boolean;
  /** An incoming message with no conversation window open shows a small alert window. */
  readonly alertWindows: boolean;
  /** Desktop notifications (Notifications API), once the browser allows them. */
  readonly notifications: boolean;
  /** Pop-up windows open at once at most; past it, alerts and conversations stay in the main window. */
  readonly maxWindows: number;
  /** Minutes without input before the client shows you as Inactive (OCS: 5). */
  readonly inactiveMinutes: number;
  /** Minutes without input before the client shows you as Away (OCS: 15). */
  readonly awayMinutes: number;
}

export const defaultSettings: Settings = {
  conversationWindows: true,
  alertWindows: true,
  notifications: true,
  maxWindows: 5,
  inactiveMinutes: 5,
  awayMinutes: 15,
};

const storageKey = 'cwa.settings';

const clamp = (value: unknown, min: number, max: number, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value)
    ? Math.min(max, Math.max(min, Math.round(value)))
    : fallback;

const flag = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);

/** Reads stored settings; anything missing or malformed falls back to its default. */
export function loadSettings(storage: Storage | undefined = globalThis.localStorage): Settings {
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(storageKey) ?? '{}');
    if (typeof parsed === 'object' && parsed !== null) stored = parsed as Record<string, unknown>;
  } catch {
    // A broken entry is as good as none.
  }
  const d = defaultSettings;
  const inactiveMinutes = clamp(stored.inactiveMinutes, 1, 240, d.inactiveMinutes);
  return {
    conversationWindows: flag(stored.conversationWindows, d.conversationWindows),
    alertWindows: flag(stored.alertWindows, d.alertWindows),
    notifications: flag(stored.notifications, d.notifications),
    maxWindows: clamp(stored.maxWindows, 1, 20, d.maxWindows),
    inactiveMinutes,
    awayMinutes: Math.max(inactiveMinutes, clamp(stored.awayMinutes, 1, 480, d.awayMinutes)),
  };
}

export function saveSettings(
  settings: Settings,
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(storageKey, JSON.stringify(settings));
  } catch {
    // Storage may be full or off (private mode); the settings then last for this page only.
  }
}
