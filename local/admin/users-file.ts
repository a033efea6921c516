import type { UserChange } from '../../functions/core/directory/user-admin.ts';

/** A bulk-import file that cannot be read as users; exit code 2, with the line or entry at fault. */
export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
}

const booleanFields = ['enabled', 'enhancedPresence', 'remoteAccess', 'twoFactorRequired', 'ntlm'] as const;
const stringFields = ['username', 'sipUri', 'displayName', 'password', 'passwordHash'] as const;
const knownFields = new Set<string>([...booleanFields, ...stringFields, 'contacts', 'kerberosPrincipal']);

function booleanOf(value: unknown, where: string, field: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^(true|yes|1)$/i.test(value.trim())) return true;
    if (/^(false|no|0)$/i.test(value.trim())) return false;
  }
  throw new ImportFileError(`${where}: "${field}" must be true or false`);
}

function changeOf(raw: Record<string, unknown>, where: string): UserChange {
  const unknown = Object.keys(raw).filter((key) => !knownFields.has(key));
  if (unknown.length > 0)
    throw new ImportFileError(`${where}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const field of stringFields) {
    const value = raw[field];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw new ImportFileError(`${where}: "${field}" must be text`);
    out[field] = value;
  }
  for (const field of booleanFields) {
    const value = booleanOf(raw[field], where, field);
    if (value !== undefined) out[field] = value;
  }
  if (typeof out.username !== 'string' || out.username.trim() === '') {
    throw new ImportFileError(`${where}: "username" is required`);
  }
  return out as unknown as UserChange;
}

/** RFC 4180 CSV: fields separated by commas, quoted with `"` when they hold commas, quotes or line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const body = text.replace(/^\uFEFF/, '');
  while (i < body.length) {
    const c = body[i] as string;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) throw new ImportFileError('the CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]?.trim() === ''));
}

/**
 * The users of a bulk-import file: JSON (a list of users, or a directory seed `{domain, users}`)
 * or CSV with a header row naming the same fields (`username,sipUri,displayName,enabled,…`).
 * Answers the users and, for a seed, its domain.
 */
export function parseUsersFile(text: string, name: string): { users: UserChange[]; domain?: string } {
  const trimmed = text.trim();
  if (name.toLowerCase().endsWith('.json') || trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new ImportFileError(`${name} is not valid JSON: ${(err as Error).message}`);
    }
    const seed = parsed as { domain?: unknown; users?: unknown };
    const list = Array.isArray(parsed) ? parsed : seed.users;
    if (!Array.isArray(list))
      throw new ImportFileError(`${name}: expected a list of users or {"domain", "users": [...]}`);
    const users = list.map((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new ImportFileError(`${name}: users[${i}] must be an object`);
      }
      return changeOf(entry as Record<string, unknown>, `${name}: users[${i}]`);
    });
    return {
      users,
      ...(typeof seed.domain === 'string' && !Array.isArray(parsed) ? { domain: seed.domain } : {}),
    };
  }
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new ImportFileError(`${name} is empty`);
  const columns = header.map((h) => h.trim());
  const users = rows.map((cells, i) => {
    const where = `${name}: line ${i + 2}`;
    if (cells.length !== columns.length) {
      throw new ImportFileError(`${where}: ${cells.length} fields where the header names ${columns.length}`);
    }
    // Passwords are taken as written; every other field without surrounding spaces.
    return changeOf(
      Object.fromEntries(
        columns.map((c, j) => [c, c === 'password' ? (cells[j] ?? '') : (cells[j]?.trim() ?? '')]),
      ),
      where,
    );
  });
  return { users };
}
