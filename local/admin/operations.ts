import type { AuditLog } from '../../functions/core/audit/audit-log.ts';
import { UserAdmin, type PlannedChange } from '../../functions/core/directory/user-admin.ts';
import { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import type { Deps } from '../../functions/deps.ts';
import { builtinDirectoryOnly, ChangeRefused, UsageError } from './failures.ts';
import { describeRevoked, describeSessions } from './report.ts';
import type { ProductRequest } from './request.ts';

/** What a request runs on: the domain's administration of users and sessions, over one product's stores. */
export interface AdminParts {
  /** `builtin` or `ldap`: the `users` requests manage only the built-in directory. */
  readonly directoryProvider: string;
  readonly users: UserAdmin;
  /** Built when a request first needs it (on AWS it reads the signing key's secret). */
  sessions(): Promise<SessionAdmin>;
}

/** Session administration over a runtime's dependencies, its audit trail `audit`. */
export function sessionAdminOf(deps: Deps, audit: AuditLog = deps.audit): SessionAdmin {
  const { stores } = deps;
  return new SessionAdmin({
    ...deps,
    audit,
    ticketRecords: stores.tickets,
    userTickets: stores.userTickets,
    connections: stores.connections,
  });
}

/**
 * The parts over a runtime's dependencies: a withdrawn right ends the sessions it refuses, and
 * closes their connections, through that runtime's tickets and connections.
 */
export function adminPartsOf(
  deps: Deps,
  directoryProvider: string,
  audit: AuditLog = deps.audit,
): AdminParts {
  const sessions = sessionAdminOf(deps, audit);
  const users = new UserAdmin({
    directory: deps.stores.directory,
    windowsIdentities: deps.stores.windowsIdentities,
    sessions,
  });
  return { directoryProvider, users, sessions: () => Promise.resolve(sessions) };
}

function describePlan(planned: readonly PlannedChange[]): string {
  return planned
    .map((p) => {
      switch (p.kind) {
        case 'add':
          return `add        ${p.username} ${p.sipUri}: ${p.changes.join(', ')}`;
        case 'update':
          return `change     ${p.username} ${p.sipUri}: ${p.changes.join(', ')}`;
        case 'unchanged':
          return `unchanged  ${p.username} ${p.sipUri}`;
        case 'refused':
          return `refused    ${p.username}: ${p.reason}`;
      }
    })
    .join('\n');
}

function summary(planned: readonly PlannedChange[], verb: 'would' | 'did'): string {
  const count = (kind: PlannedChange['kind']) => planned.filter((p) => p.kind === kind).length;
  const [adds, updates, same, refused] = [
    count('add'),
    count('update'),
    count('unchanged'),
    count('refused'),
  ];
  if (verb === 'would') {
    return `Dry run, nothing written: would add ${adds}, change ${updates}; ${same} unchanged, ${refused} refused.`;
  }
  return `Added ${adds}, changed ${updates}; ${same} unchanged.`;
}

async function listUsers(admin: UserAdmin, domain: string | undefined): Promise<string> {
  const users = (await admin.list()).filter(
    (u) => !domain || u.domain.toLowerCase() === domain.toLowerCase(),
  );
  if (users.length === 0) return 'The built-in directory has no users.';
  const yes = (flag: boolean | undefined) => (flag ? 'yes' : 'no');
  const rows = [
    ['ACCOUNT', 'SIP URI', 'NAME', 'ENABLED', 'ENHANCED PRESENCE', 'REMOTE ACCESS', 'TWO-FACTOR'],
    ...users.map((u) => [
      `${u.domain}\\${u.username}`,
      u.sipUri,
      u.displayName,
      yes(u.enabled),
      yes(u.enhancedPresence),
      yes(u.remoteAccess),
      yes(u.twoFactorRequired),
    ]),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function domainOf(admin: UserAdmin, ...given: (string | undefined)[]): Promise<string> {
  const domain = given.find((d) => d !== undefined) ?? (await admin.domain());
  if (!domain) throw new UsageError('The directory is empty: say which domain with --domain.');
  return domain;
}

type UsersRequest = Exclude<ProductRequest, { kind: `sessions.${string}` }>;

async function manageUsers(request: UsersRequest, admin: UserAdmin): Promise<string> {
  switch (request.kind) {
    case 'users.list':
      return listUsers(admin, request.domain);
    case 'users.import': {
      const domain = await domainOf(admin, request.domain, request.seedDomain);
      const planned = await admin.plan(domain, request.users, 'upsert');
      const report = describePlan(planned);
      if (request.dryRun) return `${report}\n${summary(planned, 'would')}`;
      if (planned.some((p) => p.kind === 'refused')) {
        throw new ChangeRefused(`${report}\nNothing was written: fix the refused users and import again.`);
      }
      const done = await admin.apply(domain, request.users, 'upsert');
      return `${describePlan(done)}\n${summary(done, 'did')}`;
    }
    case 'users.add':
    case 'users.set': {
      const domain = await domainOf(admin, request.domain);
      const mode = request.kind === 'users.add' ? 'add' : 'set';
      if (request.checkOnly) {
        // What can be checked before a password is asked for that nobody would use.
        const [first] = await admin.plan(domain, [request.change], mode);
        if (first?.kind === 'refused' && !/needs a password|NTLM needs/.test(first.reason)) {
          throw new ChangeRefused(`Refused: ${first.reason}.`);
        }
        return '';
      }
      const [done] = await admin.apply(domain, [request.change], mode);
      if (!done || done.kind === 'refused') {
        throw new ChangeRefused(`Refused: ${done?.reason ?? 'nothing to do'}.`);
      }
      return describePlan([done]);
    }
  }
}

/**
 * Runs one request of the admin command; answers its report (the command's standard output), or
 * throws what refused it (`UsageError`, `ChangeRefused`, the domain's `AppError`).
 */
export async function perform(request: ProductRequest, parts: AdminParts): Promise<string> {
  switch (request.kind) {
    case 'sessions.list':
      return describeSessions(await (await parts.sessions()).list(request.sipUri));
    case 'sessions.revoke-user':
      return describeRevoked(await (await parts.sessions()).revokeUser(request.sipUri));
    case 'sessions.revoke-session':
      return describeRevoked(await (await parts.sessions()).revokeSession(request.session));
    default: {
      const refusal = builtinDirectoryOnly(parts.directoryProvider);
      if (refusal) throw refusal;
      return manageUsers(request, parts.users);
    }
  }
}
