import type { NtlmAccount, WindowsIdentityStore } from '../core/directory/windows-identities.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';

/** A Kerberos principal's item (`principal` as recorded) or an NTLM account's (`ntHash` in hex). */
interface Item {
  readonly principal?: string;
  readonly sipUri?: string;
  readonly ntHash?: string;
}

const kerberosKey = (principal: string) => `kerberos:${principal.toLowerCase()}`;
const ntlmKey = (domain: string, username: string) => `ntlm:${domain}\\${username}`.toLowerCase();

/** Windows identities of the embedded mode, persisted in LMDB with `DynamoWindowsIdentityStore`'s keys. */
export class EmbeddedWindowsIdentityStore implements WindowsIdentityStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async findKerberos(principal: string): Promise<string | undefined> {
    const item = this.table.get(kerberosKey(principal));
    // The key is folded to find the item; the principal as recorded must match exactly (RFC 4120
    // realms and names are case-sensitive).
    if (typeof item?.principal === 'string' && item.principal !== principal) return undefined;
    return typeof item?.sipUri === 'string' ? item.sipUri : undefined;
  }

  async findNtlm(domain: string, username: string): Promise<NtlmAccount | undefined> {
    const item = this.table.get(ntlmKey(domain, username));
    if (typeof item?.sipUri !== 'string' || typeof item.ntHash !== 'string') return undefined;
    return { sipUri: item.sipUri, ntHash: Buffer.from(item.ntHash, 'hex') };
  }

  async putKerberos(principal: string, sipUri: string): Promise<void> {
    await this.table.put(kerberosKey(principal), { principal, sipUri });
  }

  async putNtlm(domain: string, username: string, account: NtlmAccount): Promise<void> {
    await this.table.put(ntlmKey(domain, username), {
      sipUri: account.sipUri,
      ntHash: account.ntHash.toString('hex'),
    });
  }

  async removeNtlm(domain: string, username: string): Promise<void> {
    await this.table.remove(ntlmKey(domain, username));
  }
}
