/**
 * The people both directory providers are loaded with in the shared sign-in and authorization
 * table (`test/integration/support/directory-table.ts`): one person per policy outcome.
 */
export interface TestPerson {
  readonly username: string;
  readonly password: string;
  readonly sipUri: string;
  readonly displayName: string;
  readonly enabled: boolean;
  readonly enhancedPresence: boolean;
  readonly remoteAccess: boolean;
}

export const testDomain = 'CONTOSO';

const person = (username: string, displayName: string, flags: Partial<TestPerson> = {}): TestPerson => ({
  username,
  password: `${username}-directory-pass`,
  sipUri: `sip:${username}@contoso.com`,
  displayName,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  ...flags,
});

export const testPeople = {
  /** Everything allowed, inside and outside. */
  alice: person('alice', 'Alice Ahn'),
  /** Inside only. */
  bob: person('bob', 'Bob Berg', { remoteAccess: false }),
  /** Not enabled for the service. */
  carol: person('carol', 'Carol Chu', { enabled: false }),
  /** No enhanced presence (the legacy client's users). */
  dave: person('dave', 'Dave Dunn', { enhancedPresence: false }),
  /** Everything allowed; disabled during a test to see the authorizer follow the directory. */
  erin: person('erin', 'Erin Eze'),
} as const;

export const allTestPeople: readonly TestPerson[] = Object.values(testPeople);
