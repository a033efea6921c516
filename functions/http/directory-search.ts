import { searchDirectory } from '../core/directory/search.ts';
import { ticketRoute } from './adapter.ts';
import { json } from './respond.ts';

/** `GET /api/directory?q=…`: people the signed-in user may add as contacts. */
export const handler = ticketRoute(async (event, principal, deps) =>
  json(200, {
    results: await searchDirectory(deps.directory, principal, event.queryStringParameters?.q ?? ''),
  }),
);
