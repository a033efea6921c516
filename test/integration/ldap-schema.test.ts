import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../functions/core/clock.ts';
import { readDirectorySettings } from '../../functions/directory-config.ts';
import { buildDirectory } from '../../functions/directory-deps.ts';
import { runTool, toolsAvailable } from '../support/daemon.ts';
import {
  communicatorSchemaFile,
  installSlapdTools,
  ldapClientTools,
  slapdTools,
  startSlapd,
  type Slapd,
} from '../support/slapd.ts';

// The schema file an administrator loads into their own OpenLDAP server, loaded the way
// docs/directory.md says, into a server that has only OpenLDAP's own schemas: an existing plain
// directory, whose people then get the class and attributes the default mapping reads.
const available = toolsAvailable({ ...slapdTools, ...ldapClientTools }, installSlapdTools);
if (available !== true) console.log(`# skipped: ${available}`);

const domain = 'CONTOSO';
const password = 'alice-schema-pass';
let slapd: Slapd;

const directory = () =>
  buildDirectory(undefined as never, systemClock, {}, readDirectorySettings(slapd.settings()));

/** ldapmodify as the directory's administrator, the changes (LDIF) on standard input. */
const modify = (ldif: string) =>
  runTool(
    ldapClientTools.ldapmodify,
    ['-x', '-H', slapd.ldapiUrl, '-D', slapd.rootDn, '-w', slapd.rootPassword],
    { input: ldif },
  );

if (available === true) {
  before(async () => {
    slapd = await startSlapd([], { communicatorSchema: false });
    // An existing person of a plain OpenLDAP directory.
    await modify(`dn: uid=alice,${slapd.peopleDn}
changetype: add
objectClass: inetOrgPerson
uid: alice
cn: Alice Ahn
sn: Ahn
displayName: Alice Ahn
mail: alice@contoso.com
userPassword: ${password}
`);
  });
  after(() => slapd?.close());

  describe('the OpenLDAP schema for the default mapping (local/ldap/communicator.ldif)', () => {
    it('is needed: on plain OpenLDAP the default mapping finds nobody, and there is no class user to give', async () => {
      assert.equal(await (await directory()).authenticate(domain, 'alice', password), undefined);
      await assert.rejects(
        modify(`dn: uid=alice,${slapd.peopleDn}\nchangetype: modify\nadd: objectClass\nobjectClass: user\n`),
        /objectClass: value #0 invalid per syntax/,
      );
    });

    it('loads with ldapadd -Y EXTERNAL -H ldapi:/// -f local/ldap/communicator.ldif, as root on the host', async () => {
      const output = await runTool(ldapClientTools.ldapadd, [
        '-Y',
        'EXTERNAL',
        '-H',
        slapd.ldapiUrl,
        '-f',
        communicatorSchemaFile,
      ]);
      assert.match(output, /adding new entry "cn=communicator,cn=schema,cn=config"/);
    });

    it('then a person given the class user and its attributes signs in with the default mapping', async () => {
      await modify(`dn: uid=alice,${slapd.peopleDn}
changetype: modify
add: objectClass
objectClass: user
-
add: objectCategory
objectCategory: person
-
add: sAMAccountName
sAMAccountName: alice
-
add: userAccountControl
userAccountControl: 512
-
add: msRTCSIP-PrimaryUserAddress
msRTCSIP-PrimaryUserAddress: sip:alice@contoso.com
-
add: msRTCSIP-UserEnabled
msRTCSIP-UserEnabled: TRUE
-
add: msRTCSIP-OptionFlags
msRTCSIP-OptionFlags: 257
-
add: msRTCSIP-InternetAccessEnabled
msRTCSIP-InternetAccessEnabled: FALSE
`);
      const found = await directory();
      assert.deepEqual(await found.authenticate(domain, 'alice', password), {
        sipUri: 'sip:alice@contoso.com',
        domain,
        username: 'alice',
        displayName: 'Alice Ahn',
        enabled: true,
        enhancedPresence: true,
        remoteAccess: false,
      });
      assert.deepEqual(await found.search('ahn', 20), [
        { sipUri: 'sip:alice@contoso.com', displayName: 'Alice Ahn' },
      ]);

      // Disabled in Windows (userAccountControl bit 2): the default filter leaves her out.
      await modify(
        `dn: uid=alice,${slapd.peopleDn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`,
      );
      assert.equal(await (await directory()).authenticate(domain, 'alice', password), undefined);
    });
  });
}
