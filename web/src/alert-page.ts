/**
 * Entry point of a desktop alert window (/app/alert.html?with=sip:…): who wrote and what. Open turns
 * this window into the conversation window; alerts close when the main window goes.
 */
import { byId, setText } from './dom.ts';
import { PopupBridge } from './popup-bridge.ts';
import { peerOfPage, popupName, popupUrl } from './window-messages.ts';

const peer = peerOfPage();
const from = byId('alert-from', HTMLElement);
const text = byId('alert-text', HTMLParagraphElement);
const openButton = byId('alert-open', HTMLButtonElement);
const dismissButton = byId('alert-dismiss', HTMLButtonElement);

const bridge =
  peer === undefined
    ? undefined
    : new PopupBridge({
        role: 'alert',
        peer,
        onMessage: (message) => {
          if (message.kind === 'alert') {
            setText(from, message.peer.displayName);
            setText(text, message.text);
            document.title = `${message.count > 1 ? `(${message.count}) ` : ''}${message.peer.displayName} wrote`;
            openButton.disabled = false;
          } else if (message.kind === 'ended' || message.kind === 'close') {
            window.close();
          }
        },
        onMainGone: () => window.close(),
        onWaiting: () => undefined,
      });

openButton.addEventListener('click', () => {
  if (!peer || !bridge) return;
  bridge.post({ kind: 'opening', peer });
  window.name = popupName('conversation', peer);
  try {
    window.resizeTo(440, 600);
  } catch {
    // Some browsers refuse resizing; the conversation fits anyway.
  }
  location.replace(popupUrl('conversation', peer));
});
dismissButton.addEventListener('click', () => {
  if (peer) bridge?.post({ kind: 'dismiss', peer });
  window.close();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') dismissButton.click();
});

if (!bridge?.start()) window.close();
