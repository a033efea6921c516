import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbeddedDatabase } from '../functions/embedded/database.ts';
import { latencyFigure, median, perRunFigure, round } from './support/figures.ts';

/**
 * `npx tsx bench/embedded-database.ts [runs] [candidates folder]`: the embedded mode's database
 * candidates side by side, on this machine's disk, in a temporary folder deleted at the end.
 *
 * `lmdb` is measured through the product's own wrapper (`functions/embedded/database.ts`); the
 * others through a few lines each below, storing the same records as JSON. Candidates that are not
 * the product's dependencies are loaded from the candidates folder, installed there apart from the
 * product (they are never added to its package.json):
 *
 *     mkdir -p /tmp/dbcand && cd /tmp/dbcand && npm init -y >/dev/null &&
 *       npm install classic-level@3.0.0 libsql@0.5.29 node-sqlite3-wasm@0.8.60
 *
 * A candidate missing from both places is reported and skipped. Per candidate and run: 200 single
 * puts awaited one after the other with the settings that survive `kill -9`, 100 with the settings
 * that survive power loss (an fsync per put), one batch of 10,000 puts, 100,000 point reads (fewer,
 * scaled up, past 5 s), and opening plus loading every record of a 650-record and a 20,000-record
 * database; once per candidate: its installed size, a second process writing while the first has
 * the database open, and six writers killed with SIGKILL after 100 to 850 acknowledged puts, each
 * reopened to count lost acknowledged records. One JSON line per figure on stdout.
 */

interface UserRecord {
  readonly id: string;
  readonly sipUri: string;
  readonly displayName: string;
  readonly email: string;
  readonly department: string;
  readonly title: string;
  readonly phone: string;
  readonly passwordHash: string;
  readonly groups: readonly string[];
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A directory user of about 400 bytes of JSON, like the embedded mode's user records. */
function userRecord(i: number): UserRecord {
  const id = `user-${String(i).padStart(6, '0')}`;
  return {
    id,
    sipUri: `sip:${id}@contoso.com`,
    displayName: `Person Number ${i}`,
    email: `${id}@contoso.com`,
    department: ['Sales', 'Research', 'Operations', 'Finance'][i % 4] as string,
    title: 'Senior Engineer',
    phone: `+1 425 555 ${String(i % 10_000).padStart(4, '0')}`,
    passwordHash: `scrypt$16384$8$1$${Buffer.from(id).toString('base64')}$${'Qk'.repeat(43)}`,
    groups: ['everyone', `team-${i % 17}`],
    enabled: true,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-02T03:04:05.000Z',
  };
}

const keyOf = (i: number): string => `user-${String(i).padStart(6, '0')}`;

/** What a write waits for before it is acknowledged: the OS has it, or the disk has it (fsync). */
type Durability = 'process-death' | 'power-loss';

interface Store {
  put(key: string, value: UserRecord): Promise<void>;
  putMany(entries: readonly (readonly [string, UserRecord])[]): Promise<void>;
  get(key: string): UserRecord | undefined;
  loadAll(): Promise<Map<string, UserRecord>>;
  close(): Promise<void>;
}

interface Candidate {
  readonly name: string;
  /** Where its package was found, or why it was not. */
  readonly packageDir: string;
  readonly version: string;
  open(dir: string, durability: Durability): Promise<Store>;
}

const repo = fileURLToPath(new URL('..', import.meta.url));

/** The folder of an installed package, looked up as Node does, from `from` upwards. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function versionOf(packageDir: string): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Bytes of the files of a folder, not counting the packages nested in its node_modules. */
function folderBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += folderBytes(path);
    else if (entry.isFile()) bytes += statSync(path).size;
  }
  return bytes;
}

/**
 * What installing the package puts on disk: its files and those of every dependency it has here
 * (optional ones only where npm installed them, as it does for this platform's binaries).
 */
function installedBytes(packageDir: string, seen = new Set<string>()): number {
  if (seen.has(packageDir)) return 0;
  seen.add(packageDir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  let bytes = folderBytes(packageDir);
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
    const dependency = findPackage(name, packageDir);
    if (dependency) bytes += installedBytes(dependency, seen);
  }
  return bytes;
}

function lmdbCandidate(): Candidate {
  const packageDir = findPackage('lmdb', repo) as string;
  return {
    name: 'lmdb',
    packageDir,
    version: versionOf(packageDir),
    async open(dir, durability) {
      const database = openEmbeddedDatabase(dir);
      const table = database.table<UserRecord>('users');
      // The wrapper acknowledges at commit; power-loss durability is its separate `flushed()`.
      const settle = async (): Promise<void> => {
        if (durability === 'power-loss') await database.flushed();
      };
      return {
        async put(key, value) {
          await table.put(key, value);
          await settle();
        },
        async putMany(entries) {
          // Puts issued in one event turn are committed in one LMDB transaction.
          await Promise.all(entries.map(([key, value]) => table.put(key, value)));
          await settle();
        },
        get: (key) => table.get(key),
        async loadAll() {
          const all = new Map<string, UserRecord>();
          for (const { key, value } of table.entries()) all.set(key, value);
          return all;
        },
        close: () => database.close(),
      };
    },
  };
}

interface ClassicLevelModule {
  ClassicLevel: new (
    location: string,
    options: { valueEncoding: 'json' },
  ) => {
    open(): Promise<void>;
    put(key: string, value: UserRecord, options: { sync: boolean }): Promise<void>;
    batch(
      operations: { type: 'put'; key: string; value: UserRecord }[],
      options: { sync: boolean },
    ): Promise<void>;
    getSync(key: string): UserRecord | undefined;
    iterator(): AsyncIterable<[string, UserRecord]>;
    close(): Promise<void>;
  };
}

function classicLevelCandidate(packageDir: string): Candidate {
  const { ClassicLevel } = createRequire(join(packageDir, 'index.js'))(packageDir) as ClassicLevelModule;
  return {
    name: 'classic-level',
    packageDir,
    version: versionOf(packageDir),
    async open(dir, durability) {
      const db = new ClassicLevel(dir, { valueEncoding: 'json' });
      await db.open();
      // sync: false hands the log record to the OS (write); sync: true also fsyncs it.
      const sync = durability === 'power-loss';
      return {
        put: (key, value) => db.put(key, value, { sync }),
        putMany: (entries) =>
          db.batch(
            entries.map(([key, value]) => ({ type: 'put', key, value })),
            { sync },
          ),
        get: (key) => db.getSync(key),
        async loadAll() {
          const all = new Map<string, UserRecord>();
          for await (const [key, value] of db.iterator()) all.set(key, value);
          return all;
        },
        close: () => db.close(),
      };
    },
  };
}

/** The part of better-sqlite3's API that libsql and (nearly) node-sqlite3-wasm share. */
interface SqliteStatement {
  run(...values: unknown[]): unknown;
  get(...values: unknown[]): unknown;
  iterate(...values: unknown[]): Iterable<unknown>;
}

/** A key/value table in SQLite: the key the primary key, the record as JSON text. */
function sqliteStore(
  exec: (sql: string) => void,
  prepare: (sql: string) => SqliteStatement,
  close: () => void,
): Store {
  exec('CREATE TABLE IF NOT EXISTS users (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  const upsert = prepare(
    'INSERT INTO users (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const select = prepare('SELECT value FROM users WHERE key = ?');
  const selectAll = prepare('SELECT key, value FROM users ORDER BY key');
  return {
    async put(key, value) {
      upsert.run(key, JSON.stringify(value));
    },
    async putMany(entries) {
      exec('BEGIN IMMEDIATE');
      try {
        for (const [key, value] of entries) upsert.run(key, JSON.stringify(value));
        exec('COMMIT');
      } catch (error) {
        exec('ROLLBACK');
        throw error;
      }
    },
    get(key) {
      const row = select.get(key) as { value: string } | undefined | null;
      return row ? (JSON.parse(row.value) as UserRecord) : undefined;
    },
    async loadAll() {
      const all = new Map<string, UserRecord>();
      for (const row of selectAll.iterate() as Iterable<{ key: string; value: string }>) {
        all.set(row.key, JSON.parse(row.value) as UserRecord);
      }
      return all;
    },
    async close() {
      close();
    },
  };
}

type LibsqlDatabase = new (path: string) => {
  exec(sql: string): void;
  pragma(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  close(): void;
};

function libsqlCandidate(packageDir: string): Candidate {
  const Database = createRequire(join(packageDir, 'index.js'))(packageDir) as LibsqlDatabase;
  return {
    name: 'libsql',
    packageDir,
    version: versionOf(packageDir),
    async open(dir, durability) {
      mkdirSync(dir, { recursive: true });
      const db = new Database(join(dir, 'users.sqlite'));
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      // In WAL mode, NORMAL appends each commit to the WAL with write() (safe from process death);
      // FULL also fsyncs the WAL at each commit (safe from power loss).
      db.pragma(`synchronous = ${durability === 'power-loss' ? 'FULL' : 'NORMAL'}`);
      return sqliteStore(
        (sql) => db.exec(sql),
        (sql) => db.prepare(sql),
        () => db.close(),
      );
    },
  };
}

interface WasmStatement {
  run(values?: unknown[]): unknown;
  get(values?: unknown[]): unknown;
  iterate(values?: unknown[]): Iterable<unknown>;
  finalize(): void;
}

interface NodeSqliteWasmModule {
  Database: new (path: string) => {
    exec(sql: string): void;
    prepare(sql: string): WasmStatement;
    close(): void;
  };
}

function nodeSqliteWasmCandidate(packageDir: string): Candidate {
  const { Database } = createRequire(join(packageDir, 'index.js'))(packageDir) as NodeSqliteWasmModule;
  return {
    name: 'node-sqlite3-wasm',
    packageDir,
    version: versionOf(packageDir),
    async open(dir, durability) {
      mkdirSync(dir, { recursive: true });
      const db = new Database(join(dir, 'users.sqlite'));
      // Its file system layer has no shared memory, so no WAL: the rollback journal, where OFF
      // leaves syncing to the OS (safe from process death) and FULL fsyncs journal and database.
      db.exec(`PRAGMA synchronous = ${durability === 'power-loss' ? 'FULL' : 'OFF'}`);
      db.exec('PRAGMA busy_timeout = 5000');
      const statements: WasmStatement[] = [];
      return sqliteStore(
        (sql) => db.exec(sql),
        (sql) => {
          const statement = db.prepare(sql);
          statements.push(statement);
          return {
            run: (...values) => statement.run(values),
            get: (...values) => statement.get(values),
            iterate: (...values) => statement.iterate(values),
          };
        },
        () => {
          for (const statement of statements) statement.finalize();
          db.close();
        },
      );
    },
  };
}

const loaders: Record<string, (packageDir: string) => Candidate> = {
  'classic-level': classicLevelCandidate,
  libsql: libsqlCandidate,
  'node-sqlite3-wasm': nodeSqliteWasmCandidate,
};

/** Every candidate that is installed, from the candidates folder first, then the product's own. */
function candidates(candidatesDir: string | undefined): { found: Candidate[]; missing: string[] } {
  const found: Candidate[] = [lmdbCandidate()];
  const missing: string[] = [];
  for (const [name, load] of Object.entries(loaders)) {
    const packageDir =
      (candidatesDir && findPackage(name, resolve(candidatesDir))) ?? findPackage(name, repo);
    if (packageDir) found.push(load(packageDir));
    else missing.push(name);
  }
  return { found, missing };
}

// --- Child processes: a second writer, and a writer to be killed -------------------------------

const secondProcessKey = 'from-the-second-process';

async function runChild(role: string, name: string, dir: string, candidatesDir: string | undefined) {
  const candidate = candidates(candidatesDir).found.find((c) => c.name === name);
  if (!candidate) throw new Error(`no candidate ${name}`);
  const store = await candidate.open(dir, 'process-death');
  if (role === 'second-writer') {
    await store.put(secondProcessKey, userRecord(0));
    await store.close();
    return;
  }
  // kill-writer: acknowledges each put on stdout once it has settled, until it is killed.
  for (let i = 0; i < 2_000; i++) {
    await store.put(keyOf(i), userRecord(i));
    process.stdout.write(`${keyOf(i)}\n`);
  }
  await store.close();
}

const childTimeoutMs = 30_000;

function spawnChild(role: string, name: string, dir: string, candidatesDir: string | undefined) {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', role, name, dir];
  return spawn(process.execPath, candidatesDir ? [...args, candidatesDir] : args, {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Opens the database in a second process while this one has it open; answers what happened. */
async function secondProcess(candidate: Candidate, dir: string, candidatesDir: string | undefined) {
  const store = await candidate.open(dir, 'process-death');
  try {
    await store.put(keyOf(1), userRecord(1));
    const child = spawnChild('second-writer', candidate.name, dir, candidatesDir);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    if (code !== 0) {
      const reason = /Error: ([^\n]*)/.exec(stderr)?.[1] ?? stderr.slice(0, 200);
      return { secondProcessWrote: false, reason };
    }
    // LMDB renews its read snapshot on a new event turn; let one pass.
    await new Promise((settle) => setImmediate(settle));
    return { secondProcessWrote: true, firstProcessSawIt: store.get(secondProcessKey) !== undefined };
  } finally {
    await store.close();
  }
}

/** Kills a writer with SIGKILL after `killAfter` acknowledged puts, reopens, counts what is lost. */
async function killedWriter(
  candidate: Candidate,
  dir: string,
  candidatesDir: string | undefined,
  killAfter: number,
  delayMs: number,
) {
  const child = spawnChild('kill-writer', candidate.name, dir, candidatesDir);
  const acknowledged: string[] = [];
  let pending = '';
  let stderr = '';
  let killing: NodeJS.Timeout | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    acknowledged.push(...lines);
    // A few ms after the acknowledgement, so that some kills land in the middle of the next write.
    if (acknowledged.length >= killAfter && !killing) {
      killing = setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (signal !== 'SIGKILL' || acknowledged.length < killAfter) {
    return { killed: false, acknowledged: acknowledged.length, stderr: stderr.slice(0, 300) };
  }
  try {
    const store = await candidate.open(dir, 'process-death');
    try {
      const all = await store.loadAll();
      const lost = acknowledged.filter((key) => all.get(key)?.id !== key).length;
      // A database that reopens but refuses writes (a lock left behind) is not recovered either.
      await store.put(secondProcessKey, userRecord(0));
      return { killed: true, acknowledged: acknowledged.length, lost, writableAfter: true };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { killed: true, acknowledged: acknowledged.length, reopenError: (error as Error).message };
  }
}

// --- Measurements --------------------------------------------------------------------------------

const singlePutsProcessDeath = 200;
const singlePutsPowerLoss = 100;
const batchSize = 10_000;
const pointReads = 100_000;
const readBudgetMs = 5_000;
const loadSizes = [650, 20_000] as const;
/** After how many acknowledged puts a writer is killed, each a little later after it than the last. */
const killPoints = [100, 250, 400, 550, 700, 850];

/**
 * CPU time of this process (every thread) since `from`: on a machine whose cores other work keeps
 * busy, closer to what an idle machine would take than the wall clock.
 */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(from);
  return (user + system) / 1000;
}

async function timeSinglePuts(store: Store, count: number, offset: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const record = userRecord(offset + i);
    const started = performance.now();
    await store.put(record.id, record);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function measure(candidate: Candidate, runs: number, scratch: string, deadline: number) {
  const putsProcess: number[][] = [];
  const putsPower: number[][] = [];
  const batchMs: number[] = [];
  const readsMs: number[] = [];
  const batchCpuMs: number[] = [];
  const readsCpuMs: number[] = [];
  const readsDone: number[] = [];
  for (let run = 0; run < runs && Date.now() < deadline; run++) {
    const dir = join(scratch, `${candidate.name}-run-${run}`);
    let store = await candidate.open(dir, 'process-death');
    putsProcess.push(await timeSinglePuts(store, singlePutsProcessDeath, 100_000));
    await store.close();
    store = await candidate.open(dir, 'power-loss');
    putsPower.push(await timeSinglePuts(store, singlePutsPowerLoss, 200_000));
    const batch = Array.from({ length: batchSize }, (_, i) => [keyOf(i), userRecord(i)] as const);
    let cpu = process.cpuUsage();
    let started = performance.now();
    await store.putMany(batch);
    batchMs.push(performance.now() - started);
    batchCpuMs.push(cpuMsSince(cpu));
    // Bounded in time too: a candidate slower than 50 µs a read does fewer, scaled to 100,000.
    let done = 0;
    cpu = process.cpuUsage();
    started = performance.now();
    for (; done < pointReads; done++) {
      if (store.get(keyOf((done * 7_919) % batchSize)) === undefined) {
        throw new Error(`${candidate.name}: read ${done} missed`);
      }
      if (done % 1_000 === 999 && performance.now() - started > readBudgetMs) {
        done++;
        break;
      }
    }
    readsMs.push(((performance.now() - started) / done) * pointReads);
    readsCpuMs.push((cpuMsSince(cpu) / done) * pointReads);
    readsDone.push(done);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  const settings = { version: candidate.version };
  console.log(
    JSON.stringify(
      latencyFigure(`embedded-db.${candidate.name}.put.process-death-safe`, putsProcess, {
        ...settings,
        putsPerRun: singlePutsProcessDeath,
      }),
    ),
  );
  console.log(
    JSON.stringify(
      latencyFigure(`embedded-db.${candidate.name}.put.power-loss-safe`, putsPower, {
        ...settings,
        putsPerRun: singlePutsPowerLoss,
      }),
    ),
  );
  console.log(
    JSON.stringify(
      perRunFigure(
        `embedded-db.${candidate.name}.batch-10000`,
        'ms',
        batchMs,
        settings,
        { cpuMedianMs: round(median(batchCpuMs)) },
        false,
      ),
    ),
  );
  console.log(
    JSON.stringify(
      perRunFigure(
        `embedded-db.${candidate.name}.reads-100000`,
        'ms',
        readsMs,
        settings,
        { readsDone, cpuMedianMs: round(median(readsCpuMs)) },
        false,
      ),
    ),
  );

  for (const size of loadSizes) {
    const dir = join(scratch, `${candidate.name}-load-${size}`);
    const writer = await candidate.open(dir, 'power-loss');
    await writer.putMany(Array.from({ length: size }, (_, i) => [keyOf(i), userRecord(i)] as const));
    await writer.close();
    const loadMs: number[] = [];
    const loadCpuMs: number[] = [];
    for (let run = 0; run < runs && Date.now() < deadline; run++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const store = await candidate.open(dir, 'process-death');
      const all = await store.loadAll();
      loadMs.push(performance.now() - started);
      loadCpuMs.push(cpuMsSince(cpu));
      await store.close();
      if (all.size !== size) throw new Error(`${candidate.name}: loaded ${all.size} of ${size}`);
    }
    const onDisk = folderBytes(dir);
    await rm(dir, { recursive: true, force: true });
    console.log(
      JSON.stringify(
        perRunFigure(
          `embedded-db.${candidate.name}.open-load-${size}`,
          'ms',
          loadMs,
          settings,
          {
            bytesOnDisk: onDisk,
            cpuMedianMs: round(median(loadCpuMs)),
          },
          false,
        ),
      ),
    );
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    console.error('usage: npx tsx bench/embedded-database.ts [runs, 1 to 20; default 5] [candidates folder]');
    process.exit(2);
  }
  const candidatesDir = process.argv[3];
  const { found, missing } = candidates(candidatesDir);
  for (const name of missing) {
    console.error(`${name}: not installed here or in ${candidatesDir ?? '(no candidates folder)'}; skipped`);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'cwa-embedded-db-'));
  const deadline = Date.now() + 15 * 60_000;
  const loadBefore = loadavg().map((load) => round(load, 2));
  try {
    for (const candidate of found) {
      console.log(
        JSON.stringify({
          name: `embedded-db.${candidate.name}.installed`,
          version: candidate.version,
          from: candidate.packageDir,
          installedBytes: installedBytes(candidate.packageDir),
        }),
      );
      await measure(candidate, runs, scratch, deadline);
      const shared = join(scratch, `${candidate.name}-shared`);
      console.log(
        JSON.stringify({
          name: `embedded-db.${candidate.name}.second-process`,
          ...(await secondProcess(candidate, shared, candidatesDir)),
        }),
      );
      const killRuns = [];
      for (const [i, killAfter] of killPoints.entries()) {
        const dir = join(scratch, `${candidate.name}-killed-${killAfter}`);
        killRuns.push({
          killAfter,
          ...(await killedWriter(candidate, dir, candidatesDir, killAfter, i * 3)),
        });
        await rm(dir, { recursive: true, force: true });
      }
      console.log(JSON.stringify({ name: `embedded-db.${candidate.name}.kill-9`, runs: killRuns }));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const loadAverage = { before: loadBefore, after: loadavg().map((load) => round(load, 2)) };
  console.log(JSON.stringify({ name: 'embedded-db.machine', cores: cpus().length, loadAverage, runs }));
}

if (process.argv[2] === '--child') {
  const [role, name, dir, candidatesDir] = process.argv.slice(3) as [string, string, string, string?];
  await runChild(role, name, dir, candidatesDir);
} else {
  await main();
}
