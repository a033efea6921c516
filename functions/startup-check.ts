import { checkSettings } from './settings-check.ts';
import { checkedAtStart } from './start-refusal.ts';

/** Whether this process is a Lambda instance (the runtime always names the function). */
export const onLambda = (): boolean => Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

// Imported by every handler module (the HTTP adapter, the authorizers, the WebSocket and scheduled
// handlers): on Lambda the settings are read and checked once, as the module loads, so a wrong one
// fails the cold start with a message naming it, never a request. The local runtime checks its own
// settings (which are not the process environment) before it listens.
if (onLambda()) await checkedAtStart(() => checkSettings(process.env));
