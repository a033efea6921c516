import { AppError } from '../errors.ts';

/** One key of a keytab: whose it is, which version, which encryption type. */
export interface KeytabEntry {
  readonly realm: string;
  readonly components: readonly string[];
  /** `components/joined@REALM`. */
  readonly principal: string;
  readonly kvno: number;
  readonly enctype: number;
  readonly key: Buffer;
}

export class KeytabError extends Error {
  override readonly name = 'KeytabError';
}

/**
 * Parses an MIT keytab file (format 0x0502, big endian; what `ktutil`, `kadmin ktadd` and
 * Windows' `ktpass` write). Deleted slots (negative sizes) are skipped; the 32-bit kvno at the end
 * of an entry, when present, overrides the 8-bit one.
 */
export function parseKeytab(data: Uint8Array): KeytabEntry[] {
  const buf = Buffer.from(data);
  if (buf.length < 2 || buf[0] !== 5) throw new KeytabError('not an MIT keytab');
  if (buf[1] !== 2) throw new KeytabError(`unsupported keytab version 5.${buf[1] ?? '?'} (expected 5.2)`);
  const entries: KeytabEntry[] = [];
  let offset = 2;
  while (offset + 4 <= buf.length) {
    const size = buf.readInt32BE(offset);
    offset += 4;
    if (size === 0) break;
    const end = offset + Math.abs(size);
    if (end > buf.length) throw new KeytabError('truncated keytab entry');
    if (size > 0) entries.push(parseEntry(buf.subarray(offset, end)));
    offset = end;
  }
  return entries;
}

function parseEntry(entry: Buffer): KeytabEntry {
  let offset = 0;
  const need = (n: number) => {
    if (offset + n > entry.length) throw new KeytabError('truncated keytab entry');
  };
  const u16 = () => {
    need(2);
    const v = entry.readUInt16BE(offset);
    offset += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = entry.readUInt32BE(offset);
    offset += 4;
    return v;
  };
  const data = () => {
    const length = u16();
    need(length);
    const v = entry.subarray(offset, offset + length);
    offset += length;
    return v;
  };
  const count = u16();
  const realm = data().toString('utf8');
  const components = Array.from({ length: count }, () => data().toString('utf8'));
  u32(); // name type
  u32(); // timestamp
  need(1);
  let kvno = entry[offset++] ?? 0;
  const enctype = u16();
  const key = Buffer.from(data());
  if (offset + 4 <= entry.length) {
    const kvno32 = u32();
    if (kvno32 !== 0) kvno = kvno32;
  }
  return { realm, components, principal: `${components.join('/')}@${realm}`, kvno, enctype, key };
}

/**
 * The service keys the acceptor holds, looked up the way an AP-REQ names them: by the ticket's
 * server principal, then its key version and encryption type.
 */
export class ServiceKeys {
  private readonly entries: readonly KeytabEntry[];

  /** `only`: accept tickets for this principal alone, even if the keytab holds others. */
  constructor(entries: readonly KeytabEntry[], only?: string) {
    this.entries = only ? entries.filter((e) => e.principal === only) : entries;
    if (this.entries.length === 0) {
      const near = only && entries.find((e) => e.principal.toLowerCase() === only.toLowerCase());
      throw new KeytabError(
        !only
          ? 'the keytab holds no keys'
          : near
            ? `the keytab holds no key for ${only}, only for ${near.principal} (principal names and realms are case-sensitive)`
            : `the keytab holds no key for ${only}`,
      );
    }
  }

  /** The principals the acceptor answers for. */
  get principals(): string[] {
    return [...new Set(this.entries.map((e) => e.principal))];
  }

  /**
   * The key for a ticket: refuses a ticket for a principal we are not (`kerberos_wrong_service`) and
   * one sealed with a key version or type we do not hold (`kerberos_wrong_key_version`).
   */
  keyFor(principal: string, kvno: number | undefined, enctype: number): KeytabEntry {
    // Names and realms compare exactly: Kerberos realms are case-sensitive (RFC 4120 §6.1), and the
    // ticket's realm and sname travel in clear, so a case-folded match would let an attacker vary
    // them at will on a captured token.
    const mine = this.entries.filter((e) => e.principal === principal);
    if (mine.length === 0) {
      const near = this.entries.find((e) => e.principal.toLowerCase() === principal.toLowerCase());
      throw new AppError(
        'kerberos_wrong_service',
        `The Kerberos ticket is for ${principal}, not for this service` +
          (near ? ` (${near.principal}: principal names and realms are case-sensitive).` : '.'),
      );
    }
    const candidates = mine.filter((e) => e.enctype === enctype && (kvno === undefined || e.kvno === kvno));
    const best = candidates.sort((a, b) => b.kvno - a.kvno)[0];
    if (!best) {
      throw new AppError(
        'kerberos_wrong_key_version',
        `The Kerberos ticket was sealed with key version ${kvno ?? '?'} (etype ${enctype}), which this service does not hold: the keytab may be out of date.`,
      );
    }
    return best;
  }
}
