/**
 * Requests this process made, by label (`dynamodb GetItem cwa-tickets`, `lambda ws/actions`), so the
 * benchmark can state what each user action costs from counts rather than estimates. Always on, and
 * one Map update per request: cheap next to the request it counts.
 */
const counts = new Map<string, number>();

export function countRequest(label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

/** The counts since the last call; counting starts afresh. */
export function takeRequestCounts(): Record<string, number> {
  const taken = Object.fromEntries(counts);
  counts.clear();
  return taken;
}
