/**
 * Entry point of a conversation window (/app/conversation.html?with=sip:…), opened by the main
 * window. It shows one conversation and talks to the server only through the main window.
 */
import { Banner } from './banner.ts';
import { ConversationView } from './conversation-view.ts';
import { byId, setText } from './dom.ts';
import { PopupBridge } from './popup-bridge.ts';
import { peerOfPage, type MainToPopup } from './window-messages.ts';

const peer = peerOfPage();
const banner = new Banner(byId('banner', HTMLDivElement));
const status = byId('connection-status', HTMLSpanElement);

function ended(reason: string): void {
  banner.showSessionEnded(reason);
  document.body.classList.add('ended');
  view.setEnabled(false);
  view.setTyping(false);
  document.body.dataset.connection = 'ended';
  setText(status, 'Session ended');
}

const bridge =
  peer === undefined
    ? undefined
    : new PopupBridge({
        role: 'conversation',
        peer,
        onMessage: (message) => handle(message),
        onMainGone: (why) => ended(why),
        onWaiting: (waiting) => {
          document.body.dataset.connection = waiting ? 'reconnecting' : 'open';
          setText(status, waiting ? 'Waiting for the main window…' : 'Connected');
        },
      });

const view = new ConversationView(
  (to, text) => bridge?.post({ kind: 'send', peer: to, text }),
  (to, typing) => bridge?.post({ kind: 'typing', peer: to, typing }),
);

function handle(message: MainToPopup): void {
  switch (message.kind) {
    case 'conversation':
      view.open(message.peer, message.messages);
      view.setTyping(message.typing);
      document.title = `${message.peer.displayName} – Conversation`;
      return handle({ kind: 'connected', connected: message.connected });
    case 'append':
      return view.append(message.message);
    case 'update':
      return view.update(message.message);
    case 'peer':
      document.title = `${message.peer.displayName} – Conversation`;
      return view.setPeer(message.peer);
    case 'typing':
      return view.setTyping(message.typing);
    case 'connected':
      document.body.dataset.connection = message.connected ? 'open' : 'reconnecting';
      setText(status, message.connected ? 'Connected' : 'Connection lost. Reconnecting…');
      return;
    case 'ended':
      return ended(message.reason);
    case 'close':
      window.close();
      return;
    case 'alert':
    case 'main-leaving':
      return;
  }
}

if (!bridge?.start()) {
  view.setEnabled(false);
  banner.showProblem('Open conversations from the main window.', 'Go to the main window', () =>
    location.assign('/app/'),
  );
}
