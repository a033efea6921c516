import { createInterface } from 'node:readline';
import { UsageError } from './failures.ts';

/** Reads a line from the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const c of chunk) {
          if (c === '\r' || c === '\n') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(typed);
            return;
          }
          if (c === '\u0003') {
            stdin.off('data', onData);
            reject(new UsageError('Cancelled.'));
            return;
          }
          if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
          else typed += c;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/**
 * A password, never an argument: asked for twice without echo on a terminal (the prompts on standard
 * error), otherwise the first line of standard input.
 */
export async function readPassword(whose: string): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden(`Password for ${whose}: `);
    const second = await promptHidden('Again: ');
    if (first !== second) throw new UsageError('The two passwords differ; nothing was changed.');
    return first;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new UsageError('No password on standard input (pipe it in, or run on a terminal to be asked).');
}
