import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import type { UserChange } from '../../functions/core/directory/user-admin.ts';
import type { SessionsCommand } from './arguments.ts';

/**
 * What the admin command asks of the product, once it has done its own part (read the import file,
 * asked for the password): the same request runs in the product's process (the embedded mode's
 * admin endpoint) or in the command's (against DynamoDB, or the stopped product's database).
 */
export type ProductRequest =
  | SessionsCommand
  | { readonly kind: 'users.list'; readonly domain?: string }
  | {
      readonly kind: 'users.add' | 'users.set';
      readonly domain?: string;
      readonly change: UserChange;
      /**
       * Only check what can be checked before the password is asked for: refused, or answered with
       * an empty report. Nothing is written.
       */
      readonly checkOnly?: boolean;
    }
  | {
      readonly kind: 'users.import';
      readonly domain?: string;
      /** The domain a seed file names, used when `domain` is not given. */
      readonly seedDomain?: string;
      readonly users: readonly UserChange[];
      readonly dryRun: boolean;
    };

/** The product's answer to a request, as the command prints it. */
export interface ProductAnswer {
  /** The command's exit code: 0 done, 1 refused, 2 a usage error. */
  readonly code: 0 | 1 | 2;
  /** The report (code 0, for standard output), or what is wrong (1 and 2, for standard error). */
  readonly text: string;
  /** What the request put in the audit trail (the product's log has them too), for standard error. */
  readonly audit: readonly AuditEvent[];
}

/** Where the admin endpoint takes requests: one POST per command. */
export const adminPath = '/admin/command';

/**
 * The largest request body the admin endpoint reads: room for `users import` of a seed of about
 * 60,000 users (some 250 bytes each with a password hash); read only from a caller that gave the secret.
 */
export const requestLimitBytes = 16 * 1024 * 1024;

/** A request body the product cannot take; the endpoint answers 400 with its message. */
export class MalformedRequest extends Error {
  override readonly name = 'MalformedRequest';
}

type Fields = Readonly<Record<string, unknown>>;

function objectOf(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedRequest(`${what} must be an object`);
  }
  return value as Fields;
}

function onlyFields(fields: Fields, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(fields).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) throw new MalformedRequest(`${what}: unknown field ${unknown.join(', ')}`);
}

function stringOf(fields: Fields, name: string, what: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw new MalformedRequest(`${what}.${name} must be text`);
  return value;
}

function optionalString(fields: Fields, name: string, what: string): string | undefined {
  const value = fields[name];
  if (value !== undefined && typeof value !== 'string')
    throw new MalformedRequest(`${what}.${name} must be text`);
  return value;
}

function optionalFlag(fields: Fields, name: string, what: string): boolean | undefined {
  const value = fields[name];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new MalformedRequest(`${what}.${name} must be true or false`);
  }
  return value;
}

const changeFields = [
  'username',
  'sipUri',
  'displayName',
  'password',
  'passwordHash',
  'enabled',
  'enhancedPresence',
  'remoteAccess',
  'twoFactorRequired',
  'ntlm',
];

function changeOf(value: unknown, what: string): UserChange {
  const fields = objectOf(value, what);
  onlyFields(fields, changeFields, what);
  return {
    username: stringOf(fields, 'username', what),
    sipUri: optionalString(fields, 'sipUri', what),
    displayName: optionalString(fields, 'displayName', what),
    password: optionalString(fields, 'password', what),
    passwordHash: optionalString(fields, 'passwordHash', what),
    enabled: optionalFlag(fields, 'enabled', what),
    enhancedPresence: optionalFlag(fields, 'enhancedPresence', what),
    remoteAccess: optionalFlag(fields, 'remoteAccess', what),
    twoFactorRequired: optionalFlag(fields, 'twoFactorRequired', what),
    ntlm: optionalFlag(fields, 'ntlm', what),
  };
}

/** Reads a request body (parsed JSON); throws `MalformedRequest` saying what is wrong. */
export function productRequestOf(body: unknown): ProductRequest {
  const fields = objectOf(body, 'the request');
  const kind = fields.kind;
  const what = String(kind);
  switch (kind) {
    case 'sessions.list':
    case 'sessions.revoke-user':
      onlyFields(fields, ['kind', 'sipUri'], what);
      return { kind, sipUri: stringOf(fields, 'sipUri', what) };
    case 'sessions.revoke-session':
      onlyFields(fields, ['kind', 'session'], what);
      return { kind, session: stringOf(fields, 'session', what) };
    case 'users.list':
      onlyFields(fields, ['kind', 'domain'], what);
      return { kind, domain: optionalString(fields, 'domain', what) };
    case 'users.add':
    case 'users.set':
      onlyFields(fields, ['kind', 'domain', 'change', 'checkOnly'], what);
      return {
        kind,
        domain: optionalString(fields, 'domain', what),
        change: changeOf(fields.change, `${what}.change`),
        checkOnly: optionalFlag(fields, 'checkOnly', what),
      };
    case 'users.import': {
      onlyFields(fields, ['kind', 'domain', 'seedDomain', 'users', 'dryRun'], what);
      if (!Array.isArray(fields.users)) throw new MalformedRequest(`${what}.users must be a list`);
      if (typeof fields.dryRun !== 'boolean') {
        throw new MalformedRequest(`${what}.dryRun must be true or false`);
      }
      return {
        kind,
        domain: optionalString(fields, 'domain', what),
        seedDomain: optionalString(fields, 'seedDomain', what),
        users: fields.users.map((user, i) => changeOf(user, `${what}.users[${i}]`)),
        dryRun: fields.dryRun,
      };
    }
    default:
      throw new MalformedRequest(`unknown request kind ${JSON.stringify(kind)}`);
  }
}
