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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`missing required setting ${name}`);
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    new URL(raw);
    return raw;
  } catch {
    throw new ConfigError(`${name} must be an absolute URL`);
  }
}

/** A site's ticket policy: `TICKET_*_SECONDS`, overridden per site by `TICKET_*_SECONDS_<SITE>`. */
function ticketPolicy(env: NodeJS.ProcessEnv, site: Site): TicketPolicy {
  const suffix = `_${site.toUpperCase()}`;
  const lifetime = positiveInt(env, 'TICKET_LIFETIME_SECONDS', defaults.ticketLifetimeSeconds);
  const idle = positiveInt(env, 'TICKET_IDLE_SECONDS', defaults.ticketIdleSeconds);
  return {
    lifetimeSeconds: positiveInt(env, `TICKET_LIFETIME_SECONDS${suffix}`, lifetime),
    idleSeconds: positiveInt(env, `TICKET_IDLE_SECONDS${suffix}`, idle),
  };
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
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
        limit: positiveInt(env, 'WS_FRAME_RATE_LIMIT', defaults.frameRate.limit),
        windowSeconds: positiveInt(env, 'WS_FRAME_RATE_WINDOW_SECONDS', defaults.frameRate.windowSeconds),
      },
    },
    legacyUrl: optionalUrl(env, 'LEGACY_URL'),
    regulation: {
      maxFailures: positiveInt(env, 'REGULATION_MAX_FAILURES', defaults.regulation.maxFailures),
      maxFailuresPerAddress: positiveInt(
        env,
        'REGULATION_MAX_FAILURES_PER_ADDRESS',
        defaults.regulation.maxFailuresPerAddress,
      ),
      findTimeSeconds: positiveInt(env, 'REGULATION_FIND_TIME_SECONDS', defaults.regulation.findTimeSeconds),
      banTimeSeconds: positiveInt(env, 'REGULATION_BAN_TIME_SECONDS', defaults.regulation.banTimeSeconds),
    },
    connectionsEndpoint: optionalUrl(env, 'CONNECTIONS_ENDPOINT'),
  };
}
