/** Directory search (`GET /api/directory?q=`): people the user may add as contacts. */

export interface DirectoryEntry {
  readonly sipUri: string;
  readonly displayName: string;
}

/** Searching starts at this many characters (the server refuses fewer). */
export const minimumSearchCharacters = 2;

export async function searchDirectory(query: string, signal?: AbortSignal): Promise<DirectoryEntry[]> {
  const response = await fetch(`/api/directory?q=${encodeURIComponent(query)}`, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    cache: 'no-store',
    ...(signal && { signal }),
  });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const body = (await response.json()) as { results?: unknown };
  if (!Array.isArray(body.results)) return [];
  return body.results.flatMap((r: unknown) => {
    const entry = r as Partial<DirectoryEntry>;
    return typeof entry.sipUri === 'string' && typeof entry.displayName === 'string'
      ? [{ sipUri: entry.sipUri, displayName: entry.displayName }]
      : [];
  });
}
