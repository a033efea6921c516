import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { allTestPeople, testDomain, type TestPerson } from '../support/directory-people.ts';
import { describeDirectoryProvider } from './support/directory-table.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The shared sign-in and authorization table against the built-in directory (the runtime's own
// store); the same table runs against a real LDAP server in directory-ldap.test.ts.
let rt: TestRuntime;
let seedDir: string;

before(async () => {
  seedDir = await mkdtemp(join(tmpdir(), 'cwa-seed-'));
  const seedPath = join(seedDir, 'seed.json');
  const users = allTestPeople.map((person) => ({ ...person, contacts: [] }));
  await writeFile(seedPath, JSON.stringify({ domain: testDomain, users }));
  // The table's refusals all come from one address; the regulator is not what is under test here.
  rt = await startTestRuntime({ seedPath, handlerSettings: { REGULATION_MAX_FAILURES_PER_ADDRESS: '1000' } });
});
after(async () => {
  await rt?.close();
  await rm(seedDir, { recursive: true, force: true });
});

/** Sets a person's "enabled for the service" flag in the built-in directory, as an administrator would. */
async function setEnabled(person: TestPerson, enabled: boolean): Promise<void> {
  const directory = rt.deps.stores.directory;
  const account = await directory.findByAccount(testDomain, person.username);
  if (!account) throw new Error(`${person.username} is not in the built-in directory`);
  await directory.put({ ...account, enabled });
}

describeDirectoryProvider({
  name: 'built-in',
  runtime: () => rt,
  policyDelayMs: 0,
  disable: (person) => setEnabled(person, false),
  enable: (person) => setEnabled(person, true),
});
