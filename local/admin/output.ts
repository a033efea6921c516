/**
 * Standard output carries the command's answer and nothing else, so `npm run -s admin -- … | …` and
 * scripts read only the answer. Everything else the process prints goes to standard error: the audit
 * trail and the EMF metrics the domain writes (Powertools Logger and Metrics print to whatever
 * `process.stdout` is when they are built, and take no stream of their own), `console.log` of any
 * library, the SDK's notices. Call once, before any of them is loaded; answers the real standard
 * output, for the answer.
 */
export function keepStdoutForTheAnswer(): NodeJS.WritableStream {
  const answer = process.stdout;
  // The global console and Powertools' own Console read `process.stdout` when they first write or
  // are built: from here on that is standard error.
  Object.defineProperty(process, 'stdout', { value: process.stderr, configurable: true, enumerable: true });
  return answer;
}
