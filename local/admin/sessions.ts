import type { SessionsCommand } from './arguments.ts';
import type { Product } from './connect.ts';
import { withProduct } from './reach.ts';

/** `npm run admin -- sessions …`: one call of the domain's session administration; answers the report. */
export function runSessions(command: SessionsCommand, product: Product): Promise<string> {
  return withProduct(product, (reached) => reached.perform(command));
}
