/**
 * How directory search matches people: words of the display name and of the SIP URI, compared
 * without case or accents, by prefix. The same words key the search index and filter its answers.
 */

/** Shortest query word the index can answer (its partition is a word's first two characters). */
export const minimumQueryCharacters = 2;

/** Lower case, accents removed (`Zoë` → `zoe`), so people find names however they type them. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a text: runs of letters and digits. */
export function wordsOf(text: string): string[] {
  return foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words a person is indexed under: display name words and the SIP URI's user part. */
export function indexedWords(user: { readonly sipUri: string; readonly displayName: string }): string[] {
  const userPart = user.sipUri.replace(/^sip:/i, '').split('@')[0] ?? '';
  const words = [...wordsOf(user.displayName), ...wordsOf(userPart)];
  return [...new Set(words.filter((w) => w.length >= minimumQueryCharacters))];
}

/** Every word a person matches on, including the SIP URI's host (`contoso`, `com`). */
export function matchableWords(user: { readonly sipUri: string; readonly displayName: string }): string[] {
  return [...new Set([...wordsOf(user.displayName), ...wordsOf(user.sipUri.replace(/^sip:/i, ''))])];
}

/** True when every query word starts some word of the person. */
export function matchesQuery(
  queryWords: readonly string[],
  user: { readonly sipUri: string; readonly displayName: string },
): boolean {
  const words = matchableWords(user);
  return queryWords.every((q) => words.some((w) => w.startsWith(q)));
}

/** The index partition a word falls in. */
export const bucketOf = (word: string): string => word.slice(0, minimumQueryCharacters);
