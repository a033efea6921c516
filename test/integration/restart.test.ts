import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demo, signIn } from './support/client.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-restart-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

/** Starts `npm start`'s entry point as its own process; answers it and its internal site URL. */
async function startProduct(): Promise<{ child: ChildProcess; internal: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: repo,
    env: { ...process.env, PORT: '0', EXTERNAL_PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const internal = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /internal site: (http:\/\/\S+?)\/?\s/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1].replace('//localhost:', '//127.0.0.1:'));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, internal };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

describe('restarting the embedded runtime', () => {
  it('keeps a valid ticket valid across a restart with the same DATA_DIR', async () => {
    const first = await startProduct();
    let cookie: string;
    try {
      cookie = await signIn(first.internal, demo.alice);
      assert.equal((await fetch(`${first.internal}/api/session`, { headers: { cookie } })).status, 200);
    } finally {
      await stop(first.child);
    }
    const second = await startProduct();
    try {
      const response = await fetch(`${second.internal}/api/session`, { headers: { cookie } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { user: { sipUri: string } };
      assert.equal(body.user.sipUri, demo.alice.sipUri);
    } finally {
      await stop(second.child);
    }
  });
});
