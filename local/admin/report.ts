import type { Revoked, UserSessions } from '../../functions/core/sessions/session-admin.ts';

/** UTC to the second: unambiguous wherever the administrator sits. */
const time = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A user's live sessions as a table, one row per session. */
export function describeSessions({ sipUri, sessions }: UserSessions): string {
  if (sessions.length === 0) return `${sipUri} has no live sessions.`;
  const rows = [
    ['SESSION', 'SITE', 'METHOD', 'ISSUED', 'EXPIRES', 'IDLE EXPIRES', 'CONNECTIONS'],
    ...sessions.map((s) => [
      s.session,
      s.site,
      s.authMethod,
      time(s.issuedAt),
      time(s.expiresAt),
      time(s.idleExpiresAt),
      String(s.connections),
    ]),
  ];
  return `${sipUri} has ${plural(sessions.length, 'live session')}:\n${table(rows)}`;
}

export function describeRevoked({ sipUri, sessions }: Revoked): string {
  if (sessions.length === 0) return `${sipUri} had no sessions to revoke.`;
  return `Revoked ${plural(sessions.length, 'session')} of ${sipUri}: ${sessions.join(', ')}.`;
}
