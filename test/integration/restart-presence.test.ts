import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demo, FrameClient, signIn } from './support/client.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

/**
 * `npm start` killed with SIGKILL while users are connected, then started again on the same
 * DATA_DIR: the connections died with the process, so their users must not be shown online.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-restart-presence-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

/** `npm start` as its own process group on this DATA_DIR; answers it and its internal site. */
async function startProduct(): Promise<{ product: ProductProcess; internal: string }> {
  const product = await startProductProcess(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: repo,
    env: { ...process.env, PORT: '0', EXTERNAL_PORT: '0', DATA_DIR: dataDir },
  });
  const match = /internal site: (http:\/\/\S+?)\/?\s/.exec(product.output());
  if (!match?.[1]) {
    await product.stop();
    throw new Error(`no internal site in the banner:\n${product.output()}`);
  }
  return { product, internal: match[1].replace('//localhost:', '//127.0.0.1:') };
}

/** kill -9 to the whole process group: nothing gets to close a connection or say goodbye. */
async function crash(product: ProductProcess): Promise<void> {
  const exited = once(product.child, 'exit');
  process.kill(-(product.child.pid ?? 0), 'SIGKILL');
  await exited;
}

/** What `client`'s user sees of alice and bob in their contact list. */
async function aliceAndBobAsSeenBy(client: FrameClient): Promise<Record<string, string | undefined>> {
  const frame = await client.request({ action: 'contacts.list' }, 'contacts');
  const contacts = frame.contacts as { sipUri: string; availability: string }[];
  const seen = (sipUri: string) => contacts.find((c) => c.sipUri === sipUri)?.availability;
  return { alice: seen(demo.alice.sipUri), bob: seen(demo.bob.sipUri) };
}

/** Asks every 250 ms, for 10 s at most, until `client` sees `wanted`; answers what it saw last. */
async function seenWithin(client: FrameClient, wanted: Record<string, string>) {
  let seen = await aliceAndBobAsSeenBy(client);
  for (let i = 0; i < 40 && JSON.stringify(seen) !== JSON.stringify(wanted); i++) {
    await sleep(250);
    seen = await aliceAndBobAsSeenBy(client);
  }
  return seen;
}

describe('presence after the product was killed', () => {
  it('shows the users whose connections died with it offline once it is started again', async () => {
    const first = await startProduct();
    let aliceCookie: string;
    try {
      aliceCookie = await signIn(first.internal, demo.alice);
      const alice = await FrameClient.connect(first.internal, aliceCookie);
      const bob = await FrameClient.connect(first.internal, await signIn(first.internal, demo.bob));
      // Carol watches both; neither watches her, so nothing she does after the restart writes to
      // their dead connections (a write answered Gone would forget them whatever the start did).
      await alice.request({ action: 'contacts.remove', sipUri: demo.carol.sipUri }, 'contacts');
      await bob.request({ action: 'contacts.remove', sipUri: demo.carol.sipUri }, 'contacts');
      bob.send({ action: 'presence.set', availability: 'busy', note: 'in a meeting' });
      await bob.next((f) => f.type === 'presence' && f.sipUri === demo.bob.sipUri);
      const carol = await FrameClient.connect(first.internal, await signIn(first.internal, demo.carol));
      assert.deepEqual(await aliceAndBobAsSeenBy(carol), { alice: 'available', bob: 'busy' });
      await carol.close();
    } finally {
      await crash(first.product);
    }

    const second = await startProduct();
    try {
      const carol = await FrameClient.connect(second.internal, await signIn(second.internal, demo.carol));
      assert.deepEqual(await seenWithin(carol, { alice: 'offline', bob: 'offline' }), {
        alice: 'offline',
        bob: 'offline',
      });
      // Tickets outlive the restart: alice's client reconnects with her cookie and is online again.
      const alice = await FrameClient.connect(second.internal, aliceCookie);
      assert.deepEqual(await seenWithin(carol, { alice: 'available', bob: 'offline' }), {
        alice: 'available',
        bob: 'offline',
      });
      await alice.close();
      await carol.close();
    } finally {
      await second.product.stop();
    }
  });
});
