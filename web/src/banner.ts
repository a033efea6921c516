/** The banner under the top bar: why the session ended, or small notices the user can dismiss. */
import { h } from './dom.ts';
import { signInPath } from './session-api.ts';

/** Notices kept at once; older ones give way so the banner never fills the screen. */
const maxNotices = 3;

const endedTexts: Record<string, string> = {
  signed_out: 'You signed out.',
  expired: 'Your session expired.',
  revoked: 'An administrator ended your session.',
  policy: 'Your account may no longer use this service from here.',
  main_closed: 'The main window was closed, so you were signed out.',
  main_left: 'The main window left the communicator, so your session has ended.',
};

export class Banner {
  constructor(private readonly element: HTMLElement) {}

  /** Replaces everything with the session-ended message and a way back to sign-in. */
  showSessionEnded(reason: string): void {
    this.element.replaceChildren(
      h(
        'div',
        { class: 'session-ended', role: 'alert', 'data-testid': 'session-ended', 'data-reason': reason },
        h('span', { class: 'banner-text' }, endedTexts[reason] ?? 'Your session ended.'),
        ' ',
        h('a', { class: 'button', href: signInPath, 'data-testid': 'sign-in-link' }, 'Sign in again'),
      ),
    );
    this.element.hidden = false;
  }

  /** A problem that stops the page from working at all, with a way to try again. */
  showProblem(text: string, retryLabel: string, retry: () => void): void {
    const button = h('button', { class: 'button', type: 'button' }, retryLabel);
    button.addEventListener('click', retry);
    this.element.replaceChildren(
      h('div', { class: 'problem', role: 'alert' }, h('span', { class: 'banner-text' }, text), ' ', button),
    );
    this.element.hidden = false;
  }

  /** A small notice that stays until dismissed; ignored once the session has ended. */
  showNotice(text: string, testId = 'notice'): void {
    if (this.element.querySelector('.session-ended')) return;
    const dismiss = h(
      'button',
      { class: 'dismiss', type: 'button', 'aria-label': 'Dismiss', 'data-testid': 'dismiss' },
      '×',
    );
    const notice = h(
      'div',
      { class: 'notice', role: 'alert', 'data-testid': testId },
      h('span', { class: 'banner-text' }, text),
      dismiss,
    );
    dismiss.addEventListener('click', () => {
      notice.remove();
      this.element.hidden = this.element.childElementCount === 0;
    });
    this.element.append(notice);
    while (this.element.querySelectorAll('.notice').length > maxNotices)
      this.element.querySelector('.notice')?.remove();
    this.element.hidden = false;
  }
}
