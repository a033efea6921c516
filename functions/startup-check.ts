import { checkSettings } from './settings-check.ts';
import { checkedAtStart } from './start-refusal.ts';

// Imported by every handler module (the HTTP adapter, the authorizers, the WebSocket and scheduled
// handlers): the settings are read and checked once, as the module loads, so a wrong one fails the
// cold start with a message naming it, never a request. Kept apart from `checkSettings` so that
// the local runtime can import that without running it before it has set the environment.
await checkedAtStart(() => checkSettings());
