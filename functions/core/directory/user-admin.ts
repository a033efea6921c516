import { ntHash } from '../ntlm/md4.ts';
import { passwordProblem } from './password-rules.ts';
import { hashPassword } from './passwords.ts';
import { normalizeSipUri, type DirectoryAccount, type WritableDirectoryStore } from './store.ts';
import type { WindowsIdentityStore } from './windows-identities.ts';

/**
 * What an administrator asks of one user of the built-in directory: fields left out stay as
 * they are (or take the defaults, for a new user). `password` is the plain password (hashed
 * here, never stored); `passwordHash` an already hashed one (`scrypt$…`, as a seed may give).
 */
export interface UserChange {
  readonly username: string;
  readonly sipUri?: string;
  readonly displayName?: string;
  readonly enabled?: boolean;
  readonly enhancedPresence?: boolean;
  readonly remoteAccess?: boolean;
  readonly twoFactorRequired?: boolean;
  /** NTLM opt-in: keeps the user's NT hash (password-equivalent) for the Windows sign-in fallback. */
  readonly ntlm?: boolean;
  readonly password?: string;
  readonly passwordHash?: string;
}

/** How a change may treat users: only new ones (`add`), only existing ones (`set`), or either (`import`). */
export type ChangeMode = 'add' | 'set' | 'upsert';

/** What a change does (or would do, in a dry run) to one user. */
export type PlannedChange =
  | { readonly kind: 'add'; readonly username: string; readonly sipUri: string; readonly changes: string[] }
  | {
      readonly kind: 'update';
      readonly username: string;
      readonly sipUri: string;
      readonly changes: string[];
    }
  | { readonly kind: 'unchanged'; readonly username: string; readonly sipUri: string }
  | { readonly kind: 'refused'; readonly username: string; readonly reason: string };

/** A new user's policy unless told otherwise: may use the service, from inside only. */
export const newUserDefaults = { enabled: true, enhancedPresence: true, remoteAccess: false } as const;

const sipUriPattern = /^sip:[^\s@<>"\\]+@[^\s@<>"\\]+$/i;
const usernamePattern = /^[^\\/\s@"[\]:;|=,+*?<>\p{Cc}]{1,104}$/u;
const policyFields = ['enabled', 'enhancedPresence', 'remoteAccess', 'twoFactorRequired'] as const;

interface Prepared {
  readonly planned: PlannedChange;
  readonly account?: DirectoryAccount;
  readonly change: UserChange;
  /** The NTLM state after the change: keep the NT hash of `password`, remove it, or leave it. */
  readonly ntlm: 'put' | 'remove' | 'keep';
  /** The change withdraws a right (enabled, enhanced presence, remote access): sessions may have to end. */
  readonly withdraws?: boolean;
}

/** What a change of the user's rights does to the sessions they hold (`SessionAdmin` implements it). */
export interface UserSessions {
  /** Ends the user's sessions the access policy now refuses, with their live connections. */
  endRefused(sipUri: string): Promise<unknown>;
}

export interface UserAdminDeps {
  readonly directory: WritableDirectoryStore;
  readonly windowsIdentities: WindowsIdentityStore;
  readonly hash?: (password: string) => Promise<string>;
  /**
   * Ends what a withdrawn right refuses at once (a disabled user's sessions and connections), rather
   * than at the user's next request or frame. Unset: they end then.
   */
  readonly sessions?: UserSessions;
}

/**
 * Administration of the built-in directory (`npm run admin -- users …`): add users, change their
 * policy flags, passwords and NTLM opt-in, and bulk changes planned first so a dry run reports
 * exactly what the real run would do. The organisation's LDAP / AD is managed in the directory itself.
 */
export class UserAdmin {
  constructor(private readonly deps: UserAdminDeps) {}

  /** Every user, sorted by user name. */
  async list(): Promise<DirectoryAccount[]> {
    const accounts: DirectoryAccount[] = [];
    for await (const account of this.deps.directory.list()) accounts.push(account);
    return accounts.sort((a, b) => a.username.localeCompare(b.username));
  }

  /** The domain of the directory's users (the first one found); undefined when it is empty. */
  async domain(): Promise<string | undefined> {
    for await (const account of this.deps.directory.list()) return account.domain;
    return undefined;
  }

  /** Plans the changes without writing anything. */
  async plan(domain: string, changes: readonly UserChange[], mode: ChangeMode): Promise<PlannedChange[]> {
    return (await this.prepare(domain, changes, mode)).map((p) => p.planned);
  }

  /** Plans the changes, then makes every one that is not refused; answers what was done. */
  async apply(domain: string, changes: readonly UserChange[], mode: ChangeMode): Promise<PlannedChange[]> {
    const prepared = await this.prepare(domain, changes, mode);
    for (const p of prepared) {
      if (!p.account || (p.planned.kind !== 'add' && p.planned.kind !== 'update')) continue;
      await this.deps.directory.put(p.account);
      if (p.ntlm === 'put' && p.change.password !== undefined) {
        const account = { sipUri: p.account.sipUri, ntHash: ntHash(p.change.password) };
        await this.deps.windowsIdentities.putNtlm(domain, p.account.username, account);
      } else if (p.ntlm === 'remove') {
        await this.deps.windowsIdentities.removeNtlm(domain, p.account.username);
      }
      if (p.withdraws) await this.deps.sessions?.endRefused(p.account.sipUri);
    }
    return prepared.map((p) => p.planned);
  }

  private async prepare(
    domain: string,
    changes: readonly UserChange[],
    mode: ChangeMode,
  ): Promise<Prepared[]> {
    const seenNames = new Set<string>();
    const seenUris = new Set<string>();
    const out: Prepared[] = [];
    for (const change of changes) {
      const refuse = (reason: string): Prepared => ({
        planned: { kind: 'refused', username: change.username, reason },
        change,
        ntlm: 'keep',
      });
      const name = change.username.toLowerCase();
      const sipUri = change.sipUri === undefined ? undefined : normalizeSipUri(change.sipUri);
      if (seenNames.has(name)) {
        out.push(refuse('named twice in this change; only the first counts'));
        continue;
      }
      seenNames.add(name);
      if (sipUri !== undefined && seenUris.has(sipUri)) {
        out.push(refuse(`${sipUri} is given to two users in this change`));
        continue;
      }
      if (sipUri !== undefined) seenUris.add(sipUri);
      out.push(await this.prepareOne(domain, change, sipUri, mode, refuse));
    }
    return out;
  }

  private async prepareOne(
    domain: string,
    change: UserChange,
    sipUri: string | undefined,
    mode: ChangeMode,
    refuse: (reason: string) => Prepared,
  ): Promise<Prepared> {
    const problem = invalid(change, sipUri);
    if (problem) return refuse(problem);
    const existing = await this.deps.directory.findByAccount(domain, change.username);
    if (existing && mode === 'add') return refuse(`${domain}\\${existing.username} already exists`);
    if (!existing && mode === 'set') return refuse(`there is no user ${domain}\\${change.username}`);
    if (existing && sipUri !== undefined && sipUri !== existing.sipUri) {
      return refuse(`changing the SIP URI (${existing.sipUri}) is not supported: add a new user instead`);
    }
    const targetUri = existing?.sipUri ?? sipUri;
    if (!targetUri) return refuse('a new user needs a SIP URI');
    if (!existing) {
      const holder = await this.deps.directory.findBySipUri(targetUri);
      if (holder) return refuse(`${targetUri} already belongs to ${holder.domain}\\${holder.username}`);
      if (!change.displayName?.trim()) return refuse('a new user needs a display name');
      if (change.password === undefined && change.passwordHash === undefined) {
        return refuse('a new user needs a password');
      }
    }
    const ntlmBefore = existing
      ? (await this.deps.windowsIdentities.findNtlm(domain, existing.username)) !== undefined
      : false;
    const ntlmAfter = change.ntlm ?? ntlmBefore;
    const passwordChanges = change.password !== undefined || change.passwordHash !== undefined;
    // The NT hash is derived from the password: NTLM can be switched on, or kept in step with a new
    // password, only when the plain password is given.
    if (ntlmAfter && change.password === undefined && (!ntlmBefore || passwordChanges)) {
      return refuse('NTLM needs the plain password (give it along with NTLM)');
    }
    const passwordHash =
      change.password !== undefined
        ? await (this.deps.hash ?? hashPassword)(change.password)
        : (change.passwordHash ?? existing?.passwordHash);
    const base = existing ?? { ...newUserDefaults, twoFactorRequired: false };
    const twoFactorRequired = change.twoFactorRequired ?? base.twoFactorRequired === true;
    const account: DirectoryAccount = {
      sipUri: targetUri,
      domain: existing?.domain ?? domain,
      username: existing?.username ?? change.username,
      displayName: change.displayName?.trim() || existing?.displayName || change.username,
      enabled: change.enabled ?? base.enabled,
      enhancedPresence: change.enhancedPresence ?? base.enhancedPresence,
      remoteAccess: change.remoteAccess ?? base.remoteAccess,
      ...(twoFactorRequired ? { twoFactorRequired: true } : {}),
      ...(passwordHash ? { passwordHash } : {}),
    };
    const ntlm =
      ntlmAfter && (!ntlmBefore || passwordChanges) ? 'put' : !ntlmAfter && ntlmBefore ? 'remove' : 'keep';
    const described = describe(existing, account, passwordChanges, ntlmBefore, ntlmAfter);
    if (!existing)
      return {
        planned: { kind: 'add', username: account.username, sipUri: targetUri, changes: described },
        account,
        change,
        ntlm,
      };
    if (described.length === 0) {
      return {
        planned: { kind: 'unchanged', username: account.username, sipUri: targetUri },
        change,
        ntlm: 'keep',
      };
    }
    const rights = ['enabled', 'enhancedPresence', 'remoteAccess'] as const;
    return {
      planned: { kind: 'update', username: account.username, sipUri: targetUri, changes: described },
      account,
      change,
      ntlm,
      withdraws: rights.some((right) => existing[right] && !account[right]),
    };
  }
}

function invalid(change: UserChange, sipUri: string | undefined): string | undefined {
  if (!usernamePattern.test(change.username)) {
    return 'the user name must be 1 to 104 characters, without spaces, \\ / @ " [ ] : ; | = , + * ? < > or control characters';
  }
  if (sipUri !== undefined && !sipUriPattern.test(sipUri))
    return `${sipUri} is not a SIP URI (sip:user@domain)`;
  if (
    change.displayName !== undefined &&
    (change.displayName.trim() === '' || change.displayName.length > 256)
  ) {
    return 'the display name must be 1 to 256 characters';
  }
  const weak = change.password === undefined ? undefined : passwordProblem(change.password);
  if (weak) return weak;
  if (
    change.passwordHash !== undefined &&
    !/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(change.passwordHash)
  ) {
    return 'passwordHash must be a scrypt hash (scrypt$logN$r$p$salt$hash)';
  }
  return undefined;
}

function describe(
  before: DirectoryAccount | undefined,
  after: DirectoryAccount,
  passwordChanges: boolean,
  ntlmBefore: boolean,
  ntlmAfter: boolean,
): string[] {
  const out: string[] = [];
  if (!before) {
    out.push(`displayName ${JSON.stringify(after.displayName)}`);
    for (const field of policyFields) out.push(`${field} ${after[field] === true}`);
    if (ntlmAfter) out.push('ntlm true');
    return out;
  }
  if (before.displayName !== after.displayName) {
    out.push(`displayName ${JSON.stringify(before.displayName)} → ${JSON.stringify(after.displayName)}`);
  }
  for (const field of policyFields) {
    const [was, now] = [before[field] === true, after[field] === true];
    if (was !== now) out.push(`${field} ${was} → ${now}`);
  }
  if (passwordChanges) out.push('password');
  if (ntlmBefore !== ntlmAfter) out.push(`ntlm ${ntlmBefore} → ${ntlmAfter}`);
  return out;
}
