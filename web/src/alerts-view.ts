/**
 * Alerts inside the main window: where incoming messages are announced when an alert window cannot
 * be opened (pop-ups blocked, too many windows, or alert windows turned off). One per person, kept
 * until opened or dismissed, so nothing is missed.
 */
import { byId, h, setText } from './dom.ts';

interface Shown {
  readonly li: HTMLLIElement;
  readonly text: HTMLSpanElement;
  readonly count: HTMLSpanElement;
}

export class AlertsView {
  private readonly list = byId('alerts', HTMLUListElement);
  private readonly shown = new Map<string, Shown>();

  constructor(
    private readonly open: (sipUri: string) => void,
    private readonly dismissed: (sipUri: string) => void = () => undefined,
  ) {}

  /** Shows (or refreshes) the alert for a person's latest message. */
  show(sipUri: string, displayName: string, text: string, count: number): void {
    let alert = this.shown.get(sipUri);
    if (!alert) {
      const textSpan = h('span', { class: 'alert-text' });
      const countSpan = h('span', { class: 'alert-count' });
      const openButton = h('button', { type: 'button', class: 'button small' }, 'Open');
      openButton.setAttribute('aria-label', `Open the conversation with ${displayName}`);
      const dismiss = h(
        'button',
        { type: 'button', class: 'dismiss', 'aria-label': `Dismiss the alert from ${displayName}` },
        '×',
      );
      const li = h(
        'li',
        { class: 'alert', 'data-sip-uri': sipUri, 'data-testid': 'in-page-alert' },
        h(
          'span',
          { class: 'alert-body' },
          h('strong', { class: 'alert-from' }, displayName),
          ' ',
          countSpan,
          textSpan,
        ),
        openButton,
        dismiss,
      );
      openButton.addEventListener('click', () => this.open(sipUri));
      dismiss.addEventListener('click', () => {
        this.remove(sipUri);
        this.dismissed(sipUri);
      });
      alert = { li, text: textSpan, count: countSpan };
      this.shown.set(sipUri, alert);
    }
    this.list.prepend(alert.li);
    setText(alert.text, text);
    setText(alert.count, count > 1 ? `(${count} new) ` : '');
    this.list.hidden = false;
  }

  remove(sipUri: string): void {
    this.shown.get(sipUri)?.li.remove();
    this.shown.delete(sipUri);
    this.list.hidden = this.shown.size === 0;
  }

  has(sipUri: string): boolean {
    return this.shown.has(sipUri);
  }
}

/** A desktop notification, when the user turned them on and the browser allows them. */
export function notify(title: string, body: string, onClick: () => void): boolean {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  try {
    const notification = new Notification(title, { body, tag: title });
    notification.addEventListener('click', () => {
      window.focus();
      notification.close();
      onClick();
    });
    return true;
  } catch {
    // Some browsers allow notifications only from a service worker.
    return false;
  }
}
