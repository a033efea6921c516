import type { DirectoryUser } from '../../model.ts';
import { normalizeSipUri } from '../directory.ts';

/**
 * Where one policy flag of a user comes from in an LDAP entry:
 * - `always` / `never`: a constant (a schema with nowhere to keep the flag);
 * - `attribute`: a boolean attribute, true when its value is `TRUE` (LDAP's Boolean syntax);
 * - `attribute&mask`: true when the integer attribute has every bit of `mask` set;
 * - `attribute=value`: true when the attribute holds this value (case-insensitive), e.g.
 *   `memberOf=cn=communicator-users,ou=groups,dc=example,dc=com`.
 */
export type FlagSource =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'boolean'; readonly attribute: string }
  | { readonly kind: 'bits'; readonly attribute: string; readonly mask: number }
  | { readonly kind: 'value'; readonly attribute: string; readonly value: string };

/** How a directory entry becomes a `DirectoryUser`. */
export interface LdapAttributeMapping {
  /** The attribute a user types as their user name (`sAMAccountName`, `uid`). */
  readonly username: string;
  /** The attribute holding the SIP URI (`msRTCSIP-PrimaryUserAddress`), or an address (`mail`). */
  readonly sipUri: string;
  /** Whether the SIP URI attribute carries the `sip:` prefix (AD does; `mail` does not). */
  readonly sipUriPrefixed: boolean;
  readonly displayName: string;
  readonly enabled: FlagSource;
  readonly enhancedPresence: FlagSource;
  readonly remoteAccess: FlagSource;
  readonly twoFactorRequired: FlagSource;
  /** Which entries are users at all; ANDed with every lookup. */
  readonly userFilter: string;
}

export type LdapSchemaName = 'active-directory' | 'openldap';

/**
 * `msRTCSIP-OptionFlags` bit 8 (value 256, 0x100): EnabledForEnhancedPresence. Microsoft,
 * "Schema attributes and descriptions" for Lync Server 2013 / Skype for Business Server
 * (learn.microsoft.com/skypeforbusiness/schema-reference/active-directory-schema-extensions-classes-and-attributes/schema-attributes-and-descriptions):
 * 1 public IM connectivity (bit 0), 16 remote call control (bit 4), 64 anonymous meeting
 * participants (bit 6), 128 UCEnabled (bit 7), 256 EnabledForEnhancedPresence (bit 8), 512 remote
 * call control dual mode (bit 9). No bit of this attribute means remote access: the same reference
 * gives remote ("outside user") access its own Boolean attribute, `msRTCSIP-InternetAccessEnabled`
 * (OCS 2007's `EnabledForInternetAccess`), and the service switch `msRTCSIP-UserEnabled`.
 */
export const optionFlagEnhancedPresence = 0x100;

/** Ready mappings; each setting can be overridden on its own (docs/directory.md). */
export const schemaPresets: Readonly<Record<LdapSchemaName, LdapAttributeMapping>> = {
  'active-directory': {
    username: 'sAMAccountName',
    sipUri: 'msRTCSIP-PrimaryUserAddress',
    sipUriPrefixed: true,
    displayName: 'displayName',
    enabled: { kind: 'boolean', attribute: 'msRTCSIP-UserEnabled' },
    enhancedPresence: { kind: 'bits', attribute: 'msRTCSIP-OptionFlags', mask: optionFlagEnhancedPresence },
    remoteAccess: { kind: 'boolean', attribute: 'msRTCSIP-InternetAccessEnabled' },
    twoFactorRequired: { kind: 'constant', value: false },
    // People, without accounts disabled in Windows (userAccountControl bit 2, ACCOUNTDISABLE),
    // so a disabled Windows account also loses its tickets at the next policy read.
    userFilter:
      '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
  },
  openldap: {
    username: 'uid',
    sipUri: 'mail',
    sipUriPrefixed: false,
    displayName: 'displayName',
    // A plain inetOrgPerson has nowhere to keep the flags: every listed person may use the service
    // (narrow who with LDAP_USER_FILTER), nobody from outside until LDAP_FLAG_REMOTE_ACCESS says so.
    enabled: { kind: 'constant', value: true },
    enhancedPresence: { kind: 'constant', value: true },
    remoteAccess: { kind: 'constant', value: false },
    twoFactorRequired: { kind: 'constant', value: false },
    userFilter: '(objectClass=inetOrgPerson)',
  },
};

const attributeName = /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/;

/** True when `name` is an attribute description LDAP accepts (a name or an OID). */
export const isAttributeName = (name: string): boolean => attributeName.test(name);

/** Reads a flag source as written in a setting; undefined when it is not one. */
export function parseFlagSource(text: string): FlagSource | undefined {
  const trimmed = text.trim();
  if (trimmed === 'always' || trimmed === 'never') return { kind: 'constant', value: trimmed === 'always' };
  const bits = /^([^&=]+)&(0x[0-9a-f]+|\d+)$/i.exec(trimmed);
  if (bits) {
    const [, attribute = '', rawMask = ''] = bits;
    const mask = Number(rawMask);
    if (!isAttributeName(attribute) || !Number.isSafeInteger(mask) || mask <= 0) return undefined;
    return { kind: 'bits', attribute, mask };
  }
  const equals = trimmed.indexOf('=');
  if (equals > 0) {
    const attribute = trimmed.slice(0, equals);
    const value = trimmed.slice(equals + 1);
    if (!isAttributeName(attribute) || value === '') return undefined;
    return { kind: 'value', attribute, value };
  }
  return isAttributeName(trimmed) ? { kind: 'boolean', attribute: trimmed } : undefined;
}

/** The attributes a lookup asks for. */
export function attributesOf(mapping: LdapAttributeMapping): string[] {
  const flags = [mapping.enabled, mapping.enhancedPresence, mapping.remoteAccess, mapping.twoFactorRequired];
  const names = [mapping.username, mapping.sipUri, mapping.displayName, 'cn'];
  for (const flag of flags) if (flag.kind !== 'constant') names.push(flag.attribute);
  return [...new Set(names)];
}

/** An entry's attribute values, keyed by lower-case attribute name (LDAP names are case-insensitive). */
export type EntryValues = ReadonlyMap<string, readonly string[]>;

export function entryValues(entry: Readonly<Record<string, unknown>>): EntryValues {
  const values = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const list = (Array.isArray(raw) ? raw : [raw]).map((v) =>
      Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
    );
    values.set(name.toLowerCase(), list);
  }
  return values;
}

const first = (values: EntryValues, attribute: string): string | undefined =>
  values.get(attribute.toLowerCase())?.[0];

export function flagOf(values: EntryValues, source: FlagSource): boolean {
  switch (source.kind) {
    case 'constant':
      return source.value;
    case 'boolean':
      return first(values, source.attribute)?.trim().toUpperCase() === 'TRUE';
    case 'bits': {
      const raw = first(values, source.attribute)?.trim() ?? '';
      if (!/^-?\d+$/.test(raw)) return false;
      // AD keeps 32-bit integers signed; the bit pattern is what counts.
      const value = Number(raw) >>> 0;
      return (value & source.mask) >>> 0 === source.mask;
    }
    case 'value': {
      const wanted = source.value.toLowerCase();
      return (values.get(source.attribute.toLowerCase()) ?? []).some((v) => v.toLowerCase() === wanted);
    }
  }
}

const sipUriPattern = /^sip:[^\s@<>"]+@[^\s@<>"]+$/i;

/** The SIP URI as the attribute should hold it, for an equality lookup. */
export function sipUriAttributeValue(mapping: LdapAttributeMapping, sipUri: string): string {
  const normalized = normalizeSipUri(sipUri);
  return mapping.sipUriPrefixed ? normalized : normalized.replace(/^sip:/, '');
}

/**
 * The user an entry describes, or undefined when it lacks a user name or a usable SIP URI (such an
 * entry cannot sign in or be found, rather than sign in as somebody else).
 */
export function userOfEntry(
  values: EntryValues,
  mapping: LdapAttributeMapping,
  domain: string,
): DirectoryUser | undefined {
  const username = first(values, mapping.username)?.trim();
  const rawSip = first(values, mapping.sipUri)?.trim();
  if (!username || !rawSip) return undefined;
  const sipUri = normalizeSipUri(/^sip:/i.test(rawSip) ? rawSip : `sip:${rawSip}`);
  if (!sipUriPattern.test(sipUri)) return undefined;
  const displayName = first(values, mapping.displayName)?.trim() || first(values, 'cn')?.trim() || username;
  const twoFactorRequired = flagOf(values, mapping.twoFactorRequired);
  return {
    sipUri,
    domain,
    username,
    displayName,
    enabled: flagOf(values, mapping.enabled),
    enhancedPresence: flagOf(values, mapping.enhancedPresence),
    remoteAccess: flagOf(values, mapping.remoteAccess),
    ...(twoFactorRequired ? { twoFactorRequired: true } : {}),
  };
}
