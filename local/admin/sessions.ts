import type { Settings } from '../../functions/config.ts';
import { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import { buildDeps } from '../../functions/deps.ts';
import { awsAdapters } from '../../functions/lambda-deps.ts';
import type { SessionsCommand } from './arguments.ts';
import { reachingTheProduct, refuseEmbeddedMode, type Product } from './connect.ts';
import { ProductUnreachable } from './failures.ts';
import { describeRevoked, describeSessions } from './report.ts';

/** Session administration built around the given settings, from the same parts the handlers use. */
export async function sessionAdminFor(settings: Settings): Promise<SessionAdmin> {
  // The admin command's own environment, as the handlers' would be (the directory provider).
  const deps = await buildDeps(process.env, awsAdapters(settings), settings);
  const { stores } = deps;
  return new SessionAdmin({
    ...deps,
    ticketRecords: stores.tickets,
    userTickets: stores.userTickets,
    connections: stores.connections,
  });
}

/** `npm run admin -- sessions …`: one call of the domain's session administration; answers the report. */
export async function runSessions(command: SessionsCommand, product: Product): Promise<string> {
  refuseEmbeddedMode(product);
  const { settings } = product;
  const admin = await sessionAdminFor(settings).catch((err: unknown) => {
    throw new ProductUnreachable(
      `Could not prepare to reach the product: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  return reachingTheProduct(settings, async () => {
    switch (command.kind) {
      case 'sessions.list':
        return describeSessions(await admin.list(command.sipUri));
      case 'sessions.revoke-user':
        return describeRevoked(await admin.revokeUser(command.sipUri));
      case 'sessions.revoke-session':
        return describeRevoked(await admin.revokeSession(command.session));
    }
  });
}
