import middy from '@middy/core';
import { json } from './respond.ts';

/** Liveness only: answers without touching storage. */
export const handler = middy().handler(async () => json(200, { status: 'ok' }));
