import { AppError } from '../errors.ts';
import type { Principal } from '../model.ts';
import { minimumQueryCharacters } from './search-terms.ts';
import type { DirectoryEntry, DirectoryStore } from './store.ts';

/** How many people one search answers at most. */
export const directorySearchLimit = 20;
export const maximumQueryCharacters = 100;

/**
 * Finds people to add as contacts. The searcher sees only people enabled for the service with
 * enhanced presence (anyone else could not be talked to), only their name and SIP URI, never
 * themselves, and at most `directorySearchLimit` per query.
 */
export async function searchDirectory(
  directory: DirectoryStore,
  searcher: Principal,
  query: string,
): Promise<DirectoryEntry[]> {
  const trimmed = query.trim();
  if (trimmed.length < minimumQueryCharacters || trimmed.length > maximumQueryCharacters) {
    throw new AppError(
      'bad_request',
      `"q" must be ${minimumQueryCharacters} to ${maximumQueryCharacters} characters`,
    );
  }
  const found = await directory.search(trimmed, directorySearchLimit + 1);
  const self = searcher.sipUri.toLowerCase();
  return found.filter((entry) => entry.sipUri !== self).slice(0, directorySearchLimit);
}
