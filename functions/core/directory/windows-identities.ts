import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * How Windows identities reach directory users: an explicit Kerberos principal (`alice@EXAMPLE.TEST`)
 * or an NTLM account (`CONTOSO\alice`) names a user's SIP URI. NTLM accounts also hold the user's
 * NT hash, which is password-equivalent: it is stored only for users with NTLM enabled.
 */
export interface WindowsIdentityStore {
  /** The SIP URI of the user this Kerberos principal is, if one is recorded (names and realms compare exactly). */
  findKerberos(principal: string): Promise<string | undefined>;
  /** The NTLM account `domain\username`, if NTLM is enabled for it. */
  findNtlm(domain: string, username: string): Promise<NtlmAccount | undefined>;
  putKerberos(principal: string, sipUri: string): Promise<void>;
  putNtlm(domain: string, username: string, account: NtlmAccount): Promise<void>;
  removeNtlm(domain: string, username: string): Promise<void>;
}

export interface NtlmAccount {
  readonly sipUri: string;
  /** MD4 of the UTF-16LE password (16 bytes). */
  readonly ntHash: Buffer;
}

const kerberosKey = (principal: string) => `kerberos:${principal.toLowerCase()}`;
const ntlmKey = (domain: string, username: string) => `ntlm:${domain}\\${username}`.toLowerCase();

export class DynamoWindowsIdentityStore implements WindowsIdentityStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findKerberos(principal: string): Promise<string | undefined> {
    const item = await this.get(kerberosKey(principal));
    // The key is folded to find the item; the principal as recorded must match exactly (RFC 4120
    // realms and names are case-sensitive). Items written before it was kept have none to compare.
    if (typeof item?.principal === 'string' && item.principal !== principal) return undefined;
    return typeof item?.sipUri === 'string' ? item.sipUri : undefined;
  }

  async findNtlm(domain: string, username: string): Promise<NtlmAccount | undefined> {
    const item = await this.get(ntlmKey(domain, username));
    if (typeof item?.sipUri !== 'string' || typeof item.ntHash !== 'string') return undefined;
    return { sipUri: item.sipUri, ntHash: Buffer.from(item.ntHash, 'hex') };
  }

  async putKerberos(principal: string, sipUri: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { identity: kerberosKey(principal), principal, sipUri },
      }),
    );
  }

  async putNtlm(domain: string, username: string, account: NtlmAccount): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          identity: ntlmKey(domain, username),
          sipUri: account.sipUri,
          ntHash: account.ntHash.toString('hex'),
        },
      }),
    );
  }

  async removeNtlm(domain: string, username: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { identity: ntlmKey(domain, username) } }),
    );
  }

  private async get(identity: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { identity }, ConsistentRead: true }),
    );
    return result.Item;
  }
}
