/** The Settings panel of the main window: pop-up windows, alerts, notifications and idle times. */
import { byId, setText } from './dom.ts';
import { loadSettings, saveSettings, type Settings } from './settings.ts';

type Flag = 'conversationWindows' | 'alertWindows' | 'notifications';
type Count = 'maxWindows' | 'inactiveMinutes' | 'awayMinutes';

const flags: readonly Flag[] = ['conversationWindows', 'alertWindows', 'notifications'];
const counts: readonly Count[] = ['maxWindows', 'inactiveMinutes', 'awayMinutes'];

export class SettingsView {
  private readonly form = byId('settings-form', HTMLFormElement);
  private readonly permission = byId('notification-permission', HTMLButtonElement);
  private readonly permissionText = byId('notification-state', HTMLSpanElement);

  constructor(private readonly changed: (settings: Settings) => void) {
    this.show(loadSettings());
    this.form.addEventListener('change', () => this.commit());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.commit();
    });
    this.permission.addEventListener('click', () => {
      if (typeof Notification === 'undefined') return;
      void Notification.requestPermission().then(() => this.showPermission());
    });
    this.showPermission();
  }

  private input(name: string): HTMLInputElement {
    const element = this.form.elements.namedItem(name);
    if (!(element instanceof HTMLInputElement)) throw new Error(`settings field ${name} is missing`);
    return element;
  }

  private show(settings: Settings): void {
    for (const name of flags) this.input(name).checked = settings[name];
    for (const name of counts) this.input(name).value = String(settings[name]);
  }

  private commit(): void {
    const raw: Record<string, unknown> = {};
    for (const name of flags) raw[name] = this.input(name).checked;
    for (const name of counts) raw[name] = Number(this.input(name).value);
    const storage = { getItem: () => JSON.stringify(raw) } as unknown as Storage;
    const settings = loadSettings(storage);
    saveSettings(settings);
    this.show(settings);
    this.changed(settings);
  }

  private showPermission(): void {
    const state = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
    this.permission.hidden = state !== 'default';
    setText(
      this.permissionText,
      state === 'granted'
        ? 'This browser shows desktop notifications.'
        : state === 'denied'
          ? 'This browser blocks notifications from this site (change it in the site settings).'
          : state === 'unsupported'
            ? 'This browser has no desktop notifications.'
            : '',
    );
  }
}
