import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DynamoWindowsIdentityStore,
  type WindowsIdentityStore,
} from '../../functions/core/directory/windows-identities.ts';
import { ntHash } from '../../functions/core/ntlm/md4.ts';
import { EmbeddedWindowsIdentityStore } from '../../functions/embedded/windows-identities.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

function identitiesOf(backend: StoreBackend): WindowsIdentityStore {
  if (backend.dynamo) {
    return new DynamoWindowsIdentityStore(backend.dynamo.client, backend.dynamo.tableNames.windowsIdentities);
  }
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedWindowsIdentityStore(backend.embedded, 'windowsIdentities');
}

for (const impl of implementations) {
  describe(`the Windows identity store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const identities = () => identitiesOf(backend);

    it('maps a Kerberos principal to its user, the principal compared exactly', async () => {
      const store = identities();
      await store.putKerberos('alice@EXAMPLE.TEST', 'sip:alice@contoso.com');

      assert.equal(await store.findKerberos('alice@EXAMPLE.TEST'), 'sip:alice@contoso.com');
      assert.equal(await store.findKerberos('alice@example.test'), undefined);
      assert.equal(await store.findKerberos('ALICE@EXAMPLE.TEST'), undefined);
      assert.equal(await store.findKerberos('bob@EXAMPLE.TEST'), undefined);
    });

    it('gives a principal to another user when it is put again, in any spelling', async () => {
      const store = identities();
      await store.putKerberos('carol@EXAMPLE.TEST', 'sip:carol@contoso.com');

      await store.putKerberos('Carol@EXAMPLE.TEST', 'sip:carol.new@contoso.com');

      assert.equal(await store.findKerberos('Carol@EXAMPLE.TEST'), 'sip:carol.new@contoso.com');
      assert.equal(await store.findKerberos('carol@EXAMPLE.TEST'), undefined);
    });

    it('keeps an NTLM account with its NT hash, its name compared without case, until removed', async () => {
      const store = identities();
      await store.putNtlm('CONTOSO', 'Dave', { sipUri: 'sip:dave@contoso.com', ntHash: ntHash('dave-pass') });

      const found = await store.findNtlm('contoso', 'DAVE');
      assert.equal(found?.sipUri, 'sip:dave@contoso.com');
      assert.deepEqual(found?.ntHash, ntHash('dave-pass'));
      assert.equal(await store.findNtlm('FABRIKAM', 'dave'), undefined);

      await store.removeNtlm('Contoso', 'dave');
      assert.equal(await store.findNtlm('CONTOSO', 'Dave'), undefined);
      await store.removeNtlm('CONTOSO', 'dave');
    });

    it('keeps Kerberos and NTLM identities of one name apart', async () => {
      const store = identities();
      await store.putKerberos('erin@CONTOSO', 'sip:erin@contoso.com');

      assert.equal(await store.findNtlm('CONTOSO', 'erin'), undefined);
      await store.putNtlm('CONTOSO', 'erin', { sipUri: 'sip:erin@contoso.com', ntHash: ntHash('erin-pass') });
      await store.removeNtlm('CONTOSO', 'erin');
      assert.equal(await store.findKerberos('erin@CONTOSO'), 'sip:erin@contoso.com');
    });

    if (impl.name === 'embedded') {
      it('keeps Kerberos principals and NTLM accounts across a restart', async () => {
        await identities().putKerberos('frank@EXAMPLE.TEST', 'sip:frank@contoso.com');
        await identities().putNtlm('CONTOSO', 'frank', {
          sipUri: 'sip:frank@contoso.com',
          ntHash: ntHash('frank-pass'),
        });

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = identities();

        assert.equal(await store.findKerberos('frank@EXAMPLE.TEST'), 'sip:frank@contoso.com');
        assert.deepEqual((await store.findNtlm('CONTOSO', 'frank'))?.ntHash, ntHash('frank-pass'));
        assert.equal(await store.findNtlm('CONTOSO', 'dave'), undefined);
      });
    }
  });
}
