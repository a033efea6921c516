/**
 * What a function logs when it refuses to start: the alarm on start refusals counts log lines
 * holding it (lib/constructs/monitoring.ts), as `npm start` prints it before it exits.
 */
export const startRefusal = 'Could not start';

/**
 * Runs what a handler module checks as it loads (its settings, its keys), logging a failure as a
 * start refusal (one JSON line, naming the setting) before it fails the module's import: on Lambda
 * the cold start fails, and every request to that instance, with the same message in the log.
 */
export async function checkedAtStart<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.error(JSON.stringify({ level: 'error', message: startRefusal, error }));
    throw err;
  }
}
