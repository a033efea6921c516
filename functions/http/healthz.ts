import { selfContainedRoute } from './adapter.ts';
import { json } from './respond.ts';

/** Liveness only: answers without touching storage. */
export const handler = selfContainedRoute(async () => json(200, { status: 'ok' }));
