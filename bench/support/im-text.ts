/** The IM body size the figures and the XMPP peers use. */
export const imTextBytes = 100;

/**
 * A 100-character (ASCII, so 100-byte) IM body that starts with `tag`, so a receiver can tell which
 * message it got from the text alone (`im.message` carries no client id).
 */
export function imText(tag: string): string {
  const head = `${tag} `;
  return head.length >= imTextBytes ? head : head + 'x'.repeat(imTextBytes - head.length);
}

/** The tag `imText` put at the start of a body. */
export const imTextTag = (text: string): string => text.slice(0, text.indexOf(' '));
