import type { ErrorCode } from '../core/errors.ts';
import { methodsAt } from '../routes.ts';
import { selfContainedRoute } from './adapter.ts';
import { siteOf } from './request.ts';
import { json } from './respond.ts';

/**
 * API Gateway's `$default` route: anything no route matches. An address the site has routes for,
 * asked with another method, is 405 with the methods it takes in `Allow`; any other is 404.
 */
export const handler = selfContainedRoute(async (event) => {
  const allowed = methodsAt(siteOf(event), event.rawPath);
  if (allowed.length > 0) {
    return json(
      405,
      {
        error: 'method_not_allowed' satisfies ErrorCode,
        message: `This address takes ${allowed.join(' and ')} only.`,
      },
      { headers: { allow: allowed.join(', ') } },
    );
  }
  return json(404, { error: 'not_found', message: 'There is nothing at this address.' });
});
