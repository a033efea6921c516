/**
 * The writer `sign-in-state-durability.test.ts` runs and kills: argv is `<dir> <start ms>`. Makes the
 * writes a sign-in acknowledges (a lock, a used authenticator and assertion, a used TOTP step, a
 * user), prints `acknowledged` once every one has resolved, and then keeps counting failures on
 * another key until it is killed, a minute at most.
 */
import { openEmbeddedDatabase } from '../../../functions/embedded/database.ts';
import { EmbeddedDirectoryStore } from '../../../functions/embedded/directory-store.ts';
import { EmbeddedFactorStore } from '../../../functions/embedded/factor-store.ts';
import { EmbeddedFailureStore } from '../../../functions/embedded/failures-store.ts';
import { EmbeddedReplayCache } from '../../../functions/embedded/replay-cache.ts';

const [dir, startText] = process.argv.slice(2) as [string, string];
const start = Number(startText);
const db = openEmbeddedDatabase(dir);
const failures = new EmbeddedFailureStore(db, 'signInFailures');
const ttl = Math.ceil((start + 3_600_000) / 1000);

await failures.addToWindow('account:contoso\\locked', start, start - 120_000, ttl);
await failures.lock('account:contoso\\locked', start + 300_000, ttl);
await new EmbeddedReplayCache(db, 'kerberosReplay').remember('authenticator-used', start + 300_000, start);
await new EmbeddedReplayCache(db, 'assertionReplay').remember('assertion-used', start + 300_000, start);
const factors = new EmbeddedFactorStore(db, 'twoFactor');
await factors.putPendingTotp('sip:alice@contoso.com', 'ALICESECRET', start);
await factors.useTotpStep('sip:alice@contoso.com', 1000, true);
await new EmbeddedDirectoryStore(db, 'users', 'directorySearch').put({
  sipUri: 'sip:alice@contoso.com',
  domain: 'CONTOSO',
  username: 'alice',
  displayName: 'Alice Anders',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
});
process.stdout.write('acknowledged\n');
for (let i = 0; i < 60_000; i++) {
  await failures.addToWindow('account:contoso\\busy', start, start - 120_000, ttl);
}
