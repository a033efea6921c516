/** Entry point of the browser client, loaded by /app/index.html. */
import { Banner } from './banner.ts';
import { Controller } from './controller.ts';
import { byId } from './dom.ts';
import { fetchSession, signInPath, type SessionAnswer } from './session-api.ts';

async function main(): Promise<void> {
  const banner = new Banner(byId('banner', HTMLDivElement));
  let answer: SessionAnswer;
  try {
    answer = await fetchSession();
  } catch {
    banner.showProblem('Could not reach the server.', 'Try again', () => location.reload());
    return;
  }
  if (answer.kind === 'signed-out') {
    location.replace(signInPath);
    return;
  }
  new Controller(answer.session, banner).start();
}

void main();
