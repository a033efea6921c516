import assert from 'node:assert/strict';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/daemon.ts';
import { runToEnd, startProductProcess } from './support/product-process.ts';

// The SDK's notice about Node 20 concerns its releases after January 2027; the lock file pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const start = [process.execPath, ['--import', 'tsx', 'local/main.ts']] as const;
// The store and `@connections` ports exist only in the AWS emulation.
const startEmulation = [process.execPath, [...start[1], '--aws-emulation']] as const;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-ports-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

const envWith = (settings: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  DATA_DIR: dataDir,
  PORT: '0',
  EXTERNAL_PORT: '0',
  ...settings,
});

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the ports npm start opens', () => {
  it('listens on each site port it is given, on HOST, and names them', async () => {
    const [internal, external] = [await freePort(), await freePort()];
    const host = '127.0.0.2';

    const product = await startProductProcess(start[0], start[1], {
      cwd: repo,
      env: envWith({ HOST: host, PORT: String(internal), EXTERNAL_PORT: String(external) }),
    });
    try {
      const banner = product.output();
      assert.match(banner, new RegExp(`internal site: http://127\\.0\\.0\\.2:${internal}/`));
      assert.match(banner, new RegExp(`external site: http://127\\.0\\.0\\.2:${external}/`));
      assert.match(banner, /mode: +embedded /);
      for (const port of [internal, external]) {
        assert.equal((await fetch(`http://${host}:${port}/healthz`)).status, 200);
      }
    } finally {
      await product.stop();
    }
  });

  it('in the AWS emulation, listens on each port it is given, the store and @connections on loopback whatever HOST says, and names them all', async () => {
    const [internal, external, store, connections] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // Another loopback address as HOST: the sites move to it, the store and @connections must not.
    const host = '127.0.0.2';

    const product = await startProductProcess(startEmulation[0], startEmulation[1], {
      cwd: repo,
      env: envWith({
        HOST: host,
        PORT: String(internal),
        EXTERNAL_PORT: String(external),
        STORE_PORT: String(store),
        CONNECTIONS_PORT: String(connections),
      }),
    });
    try {
      const banner = product.output();
      assert.match(banner, new RegExp(`internal site: http://127\\.0\\.0\\.2:${internal}/`));
      assert.match(banner, new RegExp(`external site: http://127\\.0\\.0\\.2:${external}/`));
      assert.match(banner, new RegExp(`store: +http://127\\.0\\.0\\.1:${store} `));
      assert.match(banner, new RegExp(`connections: +http://127\\.0\\.0\\.1:${connections} `));
      for (const port of [internal, external]) {
        assert.equal((await fetch(`http://${host}:${port}/healthz`)).status, 200);
      }
      const client = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${store}`,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const tables = await client.send(new ListTablesCommand({})).finally(() => client.destroy());
      assert.ok(tables.TableNames?.includes('cwa-tickets'), JSON.stringify(tables.TableNames));
      assert.equal(await accepts('127.0.0.1', connections), true);
      assert.equal(await accepts(host, store), false);
      assert.equal(await accepts(host, connections), false);
      const runtimeFile = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as {
        settings: { dynamoEndpoint: string; connectionsEndpoint: string };
      };
      assert.equal(runtimeFile.settings.dynamoEndpoint, `http://127.0.0.1:${store}`);
      assert.equal(runtimeFile.settings.connectionsEndpoint, `http://127.0.0.1:${connections}`);
    } finally {
      await product.stop();
    }
  });

  it('refuses a value that is no port at start, naming the setting', async () => {
    for (const [setting, value] of [
      ['STORE_PORT', 'abc'],
      ['CONNECTIONS_PORT', '70000'],
      ['PORT', '80.5'],
      ['EXTERNAL_PORT', '-1'],
    ] as const) {
      const { code, output } = await runToEnd(start[0], start[1], {
        cwd: repo,
        env: envWith({ [setting]: value }),
      });

      assert.equal(code, 2, output);
      assert.match(output, new RegExp(`^${setting} must be a port number from 0 to 65535`, 'm'));
      assert.doesNotMatch(output, /Web Communicator is running/);
    }
  });

  it('refuses two settings given the same port', async () => {
    const { code, output } = await runToEnd(start[0], start[1], {
      cwd: repo,
      env: envWith({ PORT: '18080', STORE_PORT: '18080' }),
    });

    assert.equal(code, 2, output);
    assert.match(output, /PORT and STORE_PORT are both 18080: each needs its own port/);
  });

  it('refuses a port something else holds, naming the setting', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = (holder.address() as { port: number }).port;
    try {
      for (const [mode, setting] of [
        [start, 'PORT'],
        [startEmulation, 'CONNECTIONS_PORT'],
      ] as const) {
        const { code, output } = await runToEnd(mode[0], mode[1], {
          cwd: repo,
          env: envWith({ [setting]: String(held) }),
        });

        assert.equal(code, 1, output);
        assert.match(
          output,
          new RegExp(`Could not start: ${setting}=${held}: 127\\.0\\.0\\.1:${held} is already in use`),
        );
      }
    } finally {
      holder.close();
    }
  });
});
