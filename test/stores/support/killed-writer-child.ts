/**
 * The writer `writeThenKill` runs and kills: argv is `<dir> <tickets|contacts> <id>`. Prints
 * `acknowledged` once the scenario's writes have resolved, as the product answers a user, then
 * keeps working (frames whose activity is only written behind) until it is killed, a minute at most.
 */
import { openEmbeddedDatabase } from '../../../functions/embedded/database.ts';
import { EmbeddedContactStore } from '../../../functions/embedded/contact-store.ts';
import { EmbeddedTicketStore } from '../../../functions/embedded/ticket-store.ts';
import { writerStart as start } from './killed-writer.ts';

const [dir, scenario, id] = process.argv.slice(2) as [string, string, string];
const db = openEmbeddedDatabase(dir);

if (scenario === 'tickets') {
  const tickets = new EmbeddedTicketStore(db);
  await tickets.put({
    ticketId: `${id}-kept`,
    sipUri: `sip:${id}@contoso.com`,
    site: 'internal',
    authMethod: 'forms',
    issuedAt: start,
    expiresAt: start + 8 * 3600_000,
    idleExpiresAt: start + 1800_000,
    lastActivityAt: start,
  });
  await tickets.attach(`${id}-kept`, start + 1000);
  await tickets.leave(`${id}-kept`, start + 2000);
  await tickets.delete(`${id}-revoked`);
  process.stdout.write('acknowledged\n');
  for (let i = 0; i < 60_000; i++) {
    await tickets.useForFrame(`${id}-kept`, start + 3000 + i, 1, { idleSeconds: 1800 });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
} else {
  const contacts = new EmbeddedContactStore(db);
  await contacts.add(
    `sip:${id}@contoso.com`,
    { sipUri: 'sip:alice@contoso.com', displayName: 'Alice' },
    start,
  );
  await contacts.remove(`sip:${id}@contoso.com`, 'sip:bob@contoso.com');
  process.stdout.write('acknowledged\n');
  setTimeout(() => undefined, 60_000);
}
