import { readFile } from 'node:fs/promises';
import type { Settings } from '../../functions/config.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { UserAdmin, type PlannedChange } from '../../functions/core/directory/user-admin.ts';
import { DynamoWindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import type { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { reachingTheProduct, refuseEmbeddedMode, type Product } from './connect.ts';
import { ChangeRefused, UsageError } from './failures.ts';
import { readPassword } from './password-input.ts';
import { sessionAdminFor } from './sessions.ts';
import type { UsersCommand } from './user-arguments.ts';
import { ImportFileError, parseUsersFile } from './users-file.ts';

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

function userAdminFor(settings: Settings): UserAdmin {
  const db = createDocumentClient(settings.dynamoEndpoint);
  const { tableNames } = settings;
  let sessions: Promise<SessionAdmin> | undefined;
  return new UserAdmin({
    directory: new DynamoDirectoryStore(db, tableNames.users, tableNames.directorySearch),
    windowsIdentities: new DynamoWindowsIdentityStore(db, tableNames.windowsIdentities),
    // A withdrawn right ends the sessions it refuses, and closes their connections, at once.
    sessions: {
      endRefused: async (sipUri) => (await (sessions ??= sessionAdminFor(settings))).endRefused(sipUri),
    },
  });
}

/** The commands that manage the built-in directory's users (not `users hash`, which needs no product). */
export type DirectoryCommand = Exclude<UsersCommand, { kind: 'users.hash' }>;

/**
 * `npm run admin -- users …` against the built-in directory of the product; answers the report.
 * Refused when the product reads its users from LDAP: a user added here could not sign in.
 */
export async function runUsers(command: DirectoryCommand, product: Product): Promise<string> {
  if (product.directoryProvider !== 'builtin') {
    throw new ChangeRefused(
      `This product reads its users from LDAP (DIRECTORY_PROVIDER=${product.directoryProvider}): manage them in ` +
        'the directory itself. The users commands manage only the built-in directory; nothing was changed.',
    );
  }
  refuseEmbeddedMode(product);
  return reachingTheProduct(product.settings, () => manageUsers(command, product.settings));
}

async function manageUsers(command: DirectoryCommand, settings: Settings): Promise<string> {
  const admin = userAdminFor(settings);
  if (command.kind === 'users.list') {
    const users = (await admin.list()).filter(
      (u) => !command.domain || u.domain.toLowerCase() === command.domain.toLowerCase(),
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

  if (command.kind === 'users.import') {
    let text: string;
    try {
      text = await readFile(command.file, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read ${command.file}: ${(err as Error).message}`);
    }
    let parsed: ReturnType<typeof parseUsersFile>;
    try {
      parsed = parseUsersFile(text, command.file);
    } catch (err) {
      if (err instanceof ImportFileError) throw new UsageError(err.message);
      throw err;
    }
    const domain = command.domain ?? parsed.domain ?? (await admin.domain());
    if (!domain) throw new UsageError('The directory is empty: say which domain with --domain.');
    const planned = await admin.plan(domain, parsed.users, 'upsert');
    const report = describePlan(planned);
    if (command.dryRun) return `${report}\n${summary(planned, 'would')}`;
    if (planned.some((p) => p.kind === 'refused')) {
      throw new ChangeRefused(`${report}\nNothing was written: fix the refused users and import again.`);
    }
    const done = await admin.apply(domain, parsed.users, 'upsert');
    return `${describePlan(done)}\n${summary(done, 'did')}`;
  }

  const domain = command.domain ?? (await admin.domain());
  if (!domain) throw new UsageError('The directory is empty: say which domain with --domain.');
  const mode = command.kind === 'users.add' ? 'add' : 'set';
  // Check what can be checked before asking for a password nobody will use.
  const [first] = await admin.plan(domain, [command.change], mode);
  if (first?.kind === 'refused' && !/needs a password|NTLM needs/.test(first.reason)) {
    throw new ChangeRefused(`Refused: ${first.reason}.`);
  }
  const change = command.askPassword
    ? { ...command.change, password: await readPassword(command.change.username) }
    : command.change;
  const [done] = await admin.apply(domain, [change], mode);
  if (!done || done.kind === 'refused')
    throw new ChangeRefused(`Refused: ${done?.reason ?? 'nothing to do'}.`);
  return describePlan([done]);
}
