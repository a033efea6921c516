import { selfContainedRoute } from './adapter.ts';
import { json } from './respond.ts';

/** API Gateway's `$default` route: anything no route matches. */
export const handler = selfContainedRoute(async () =>
  json(404, { error: 'not_found', message: 'There is nothing at this address.' }),
);
