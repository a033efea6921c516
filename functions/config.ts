import { sites, type Site } from './core/model.ts';
import type { RegulationPolicy } from './core/regulation/regulator.ts';
import type { TicketPolicy, TicketRules } from './core/tickets/tickets.ts';
import { tables, type TableKey, type TableNames } from './core/storage/tables.ts';

/** Settings the handlers read once per cold start; a missing required one fails at start. */
export interface Settings {
  readonly tableNames: TableNames;
  /** DynamoDB endpoint override (the local runtime's dynalite); unset on AWS. */
  readonly dynamoEndpoint: string | undefined;
  /** Where the ticket signing key material lives: a local file, or a Secrets Manager secret. */
  readonly signingKey: { readonly file: string } | { readonly secretArn: string };
  /** Ticket lifetimes per site, how leaving the client page ends a ticket, and the frame rate limit. */
  readonly tickets: TicketRules;
  /** Users without enhanced presence are redirected here; unset = refused. */
  readonly legacyUrl: string | undefined;
  readonly regulation: RegulationPolicy;
  /** `@connections` endpoint override (the local gateway); on AWS derived from the request. */
  readonly connectionsEndpoint: string | undefined;
}

export const defaults = {
  ticketLifetimeSeconds: 8 * 60 * 60,
  ticketIdleSeconds: 30 * 60,
  ticketLeaveGraceSeconds: 60,
  ticketLeaveConfirmSeconds: 3,
  frameRate: { limit: 60, windowSeconds: 10 },
  regulation: { maxFailures: 5, maxFailuresPerAddress: 20, findTimeSeconds: 120, banTimeSeconds: 300 },
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`missing required setting ${name}`);
  return value;
}

/** The bounds of a whole-number setting. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** Durations in seconds: at least one, at most a year (longer is a mistake, and overflows stored expiry times). */
export const secondsRange: IntegerRange = { min: 1, max: 365 * 24 * 60 * 60 };
/** Counts (attempts, frames): at least one. */
export const countRange: IntegerRange = { min: 1, max: 1_000_000_000 };
/** Timeouts of one request in milliseconds: at most a minute (a function runs for seconds). */
export const millisecondsRange: IntegerRange = { min: 1, max: 60_000 };

/**
 * A whole-number setting within `range`, written in decimal digits; unset or empty gives undefined.
 * Anything else (`1e3`, `-5`, `0`, past the maximum) fails at start, naming the setting.
 */
export function readInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  range: IntegerRange,
): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    const kind = range.min === 1 ? 'a positive integer' : `an integer from ${range.min}`;
    throw new ConfigError(`${name} must be ${kind} up to ${range.max}, not '${shown}'`);
  }
  return value;
}

function positiveInt(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  range = secondsRange,
): number {
  return readInteger(env, name, range) ?? fallback;
}

/** An absolute http or https URL, or unset. */
function optionalUrl(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an absolute http or https URL`);
  }
  return raw;
}

/** A site's ticket policy: `TICKET_*_SECONDS`, overridden per site by `TICKET_*_SECONDS_<SITE>`. */
function ticketPolicy(env: Readonly<Record<string, string | undefined>>, site: Site): TicketPolicy {
  const suffix = `_${site.toUpperCase()}`;
  const lifetime = positiveInt(env, 'TICKET_LIFETIME_SECONDS', defaults.ticketLifetimeSeconds);
  const idle = positiveInt(env, 'TICKET_IDLE_SECONDS', defaults.ticketIdleSeconds);
  return {
    lifetimeSeconds: positiveInt(env, `TICKET_LIFETIME_SECONDS${suffix}`, lifetime),
    idleSeconds: positiveInt(env, `TICKET_IDLE_SECONDS${suffix}`, idle),
  };
}

export function readSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  const tableNames = Object.fromEntries(
    Object.entries(tables).map(([key, def]) => [key, required(env, def.envVar)]),
  ) as Record<TableKey, string>;
  const keyFile = env.SIGNING_KEY_FILE;
  const signingKey = keyFile ? { file: keyFile } : { secretArn: required(env, 'SIGNING_KEY_SECRET_ARN') };
  return {
    tableNames,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    signingKey,
    tickets: {
      sites: Object.fromEntries(sites.map((site) => [site, ticketPolicy(env, site)])) as Record<
        Site,
        TicketPolicy
      >,
      leaveGraceSeconds: positiveInt(env, 'TICKET_LEAVE_GRACE_SECONDS', defaults.ticketLeaveGraceSeconds),
      leaveConfirmSeconds: positiveInt(
        env,
        'TICKET_LEAVE_CONFIRM_SECONDS',
        defaults.ticketLeaveConfirmSeconds,
      ),
      frameRate: {
        limit: positiveInt(env, 'WS_FRAME_RATE_LIMIT', defaults.frameRate.limit, countRange),
        windowSeconds: positiveInt(env, 'WS_FRAME_RATE_WINDOW_SECONDS', defaults.frameRate.windowSeconds),
      },
    },
    legacyUrl: optionalUrl(env, 'LEGACY_URL'),
    regulation: {
      maxFailures: positiveInt(env, 'REGULATION_MAX_FAILURES', defaults.regulation.maxFailures, countRange),
      maxFailuresPerAddress: positiveInt(
        env,
        'REGULATION_MAX_FAILURES_PER_ADDRESS',
        defaults.regulation.maxFailuresPerAddress,
        countRange,
      ),
      findTimeSeconds: positiveInt(env, 'REGULATION_FIND_TIME_SECONDS', defaults.regulation.findTimeSeconds),
      banTimeSeconds: positiveInt(env, 'REGULATION_BAN_TIME_SECONDS', defaults.regulation.banTimeSeconds),
    },
    connectionsEndpoint: optionalUrl(env, 'CONNECTIONS_ENDPOINT'),
  };
}
