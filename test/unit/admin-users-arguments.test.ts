import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArguments, UsageError } from '../../local/admin/arguments.ts';
import { ImportFileError, parseCsv, parseUsersFile } from '../../local/admin/users-file.ts';

const usageError = (pattern: RegExp) => (err: unknown) =>
  err instanceof UsageError && pattern.test(err.message);

describe('admin users arguments', () => {
  it('reads users add with its flags; the password is always asked for', () => {
    assert.deepEqual(
      parseArguments([
        'users',
        'add',
        'gina',
        '--sip-uri',
        'sip:gina@contoso.com',
        '--name',
        'Gina Gray',
        '--ntlm',
        '--no-enhanced-presence',
      ]),
      {
        kind: 'users',
        command: {
          kind: 'users.add',
          askPassword: true,
          change: {
            username: 'gina',
            sipUri: 'sip:gina@contoso.com',
            displayName: 'Gina Gray',
            ntlm: true,
            enhancedPresence: false,
          },
        },
      },
    );
  });

  it('reads enable, disable and import --dry-run', () => {
    assert.deepEqual(parseArguments(['users', 'disable', 'bob', '--domain', 'CONTOSO']), {
      kind: 'users',
      command: {
        kind: 'users.set',
        askPassword: false,
        change: { username: 'bob', enabled: false },
        domain: 'CONTOSO',
      },
    });
    assert.deepEqual(parseArguments(['users', 'import', 'people.csv', '--dry-run']), {
      kind: 'users',
      command: { kind: 'users.import', file: 'people.csv', dryRun: true },
    });
  });

  it('says what is wrong, and never takes a password as an argument', () => {
    assert.throws(
      () => parseArguments(['users', 'set', 'bob', '--password=x']),
      usageError(/never command-line/),
    );
    assert.throws(
      () => parseArguments(['users', 'set', 'bob', '--password', 'x']),
      usageError(/never command-line/),
    );
    assert.throws(() => parseArguments(['users', 'set', 'bob']), usageError(/something to change/));
    assert.throws(
      () => parseArguments(['users', 'set', 'bob', '--enabled', '--disabled']),
      usageError(/Conflicting/),
    );
    assert.throws(() => parseArguments(['users', 'add', 'x', '--name', 'X']), usageError(/--sip-uri/));
    assert.throws(() => parseArguments(['users', 'grant', 'x']), usageError(/Unknown action/));
    assert.throws(() => parseArguments(['users', 'list', '--domain', 'A B']), usageError(/not a domain/));
  });
});

describe('admin users import files', () => {
  it('reads RFC 4180 CSV: quoted commas, doubled quotes, CRLF, a byte order mark', () => {
    assert.deepEqual(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n'), [
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });

  it('reads CSV and JSON (a list, or a directory seed with its domain) into the same changes', () => {
    const csv = parseUsersFile('username,enabled,remoteAccess\nbob,no,yes\n', 'x.csv');
    assert.deepEqual(csv.users, [{ username: 'bob', enabled: false, remoteAccess: true }]);
    const seed = parseUsersFile(
      JSON.stringify({ domain: 'CONTOSO', users: [{ username: 'bob', enabled: false, contacts: [] }] }),
      'x.json',
    );
    assert.deepEqual(seed, { domain: 'CONTOSO', users: [{ username: 'bob', enabled: false }] });
  });

  it('names the line or entry at fault', () => {
    const fault = (pattern: RegExp) => (err: unknown) =>
      err instanceof ImportFileError && pattern.test(err.message);
    assert.throws(
      () => parseUsersFile('username,colour\nbob,red\n', 'x.csv'),
      fault(/line 2: unknown field "colour"/),
    );
    assert.throws(() => parseUsersFile('username,enabled\nbob\n', 'x.csv'), fault(/line 2: 1 fields/));
    assert.throws(
      () => parseUsersFile('[{"enabled":true}]', 'x.json'),
      fault(/users\[0\]: "username" is required/),
    );
    assert.throws(() => parseUsersFile('{"users": 3}', 'x.json'), fault(/list of users/));
    assert.throws(() => parseUsersFile('username\n"bob', 'x.csv'), fault(/quoted field/));
  });
});
