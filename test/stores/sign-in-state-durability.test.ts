import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { frozenClock } from '../../functions/core/clock.ts';
import { AppError } from '../../functions/core/errors.ts';
import { Regulator } from '../../functions/core/regulation/regulator.ts';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';
import { EmbeddedDirectoryStore } from '../../functions/embedded/directory-store.ts';
import { EmbeddedFactorStore } from '../../functions/embedded/factor-store.ts';
import { EmbeddedFailureStore } from '../../functions/embedded/failures-store.ts';
import { EmbeddedReplayCache } from '../../functions/embedded/replay-cache.ts';

/**
 * What sign-in writes and acknowledges in the embedded mode outlives the process being killed with
 * SIGKILL (nothing flushes or closes): a ban stays, a used authenticator, assertion or TOTP step
 * stays used. A real child process writes; the test kills it the moment it acknowledges.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const writer = fileURLToPath(new URL('./support/sign-in-writer-child.ts', import.meta.url));
const start = Date.UTC(2026, 0, 1);

/** Runs the writer on `dir` and kills it as soon as it prints `acknowledged`; answers its signal. */
async function writeThenKill(dir: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(start)], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('acknowledged\n')) child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  assert.ok(output.includes('acknowledged\n'), `the writer acknowledged nothing:\n${output}`);
  return signal;
}

describe('sign-in state of the embedded mode after kill -9', () => {
  it('keeps the lock, the used authenticator, assertion and TOTP step, and the user it acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cwa-sign-in-kill-'));
    try {
      assert.equal(await writeThenKill(dir), 'SIGKILL');

      const db = openEmbeddedDatabase(dir);
      try {
        const regulator = new Regulator(
          new EmbeddedFailureStore(db, 'signInFailures'),
          frozenClock(start + 1000),
          {
            maxFailures: 5,
            maxFailuresPerAddress: 20,
            findTimeSeconds: 120,
            banTimeSeconds: 300,
          },
        );
        await assert.rejects(
          regulator.regulated({ account: 'CONTOSO\\locked', sourceAddress: '192.0.2.1' }, async () => 'ok'),
          (err: unknown) => err instanceof AppError && err.code === 'too_many_attempts',
        );
        const later = start + 1000;
        assert.equal(
          await new EmbeddedReplayCache(db, 'kerberosReplay').remember(
            'authenticator-used',
            later + 300_000,
            later,
          ),
          false,
        );
        assert.equal(
          await new EmbeddedReplayCache(db, 'assertionReplay').remember(
            'assertion-used',
            later + 300_000,
            later,
          ),
          false,
        );
        assert.equal(
          await new EmbeddedFactorStore(db, 'twoFactor').useTotpStep('sip:alice@contoso.com', 1000, false),
          false,
        );
        const directory = new EmbeddedDirectoryStore(db, 'users', 'directorySearch');
        assert.equal((await directory.findBySipUri('sip:alice@contoso.com'))?.displayName, 'Alice Anders');
        assert.deepEqual(
          (await directory.search('anders', 5)).map((e) => e.sipUri),
          ['sip:alice@contoso.com'],
        );
      } finally {
        await db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
