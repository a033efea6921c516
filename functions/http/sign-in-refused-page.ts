import { escapeHtml } from './pages.ts';

/** How a sign-in method names itself on its refusal page, and where trying again starts. */
export interface SignInMethodPage {
  readonly title: string;
  readonly retryPath: string;
}

/** What a browser shows when a sign-in method did not sign it in: why, and the ways to try again. */
export function signInRefusedPage(method: SignInMethodPage, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(method.title)} · Web Communicator</title>
<link rel="stylesheet" href="/app/style.css">
</head>
<body class="page">
<main class="card">
<h1>Web Communicator</h1>
<h2>${escapeHtml(method.title)}</h2>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(method.retryPath)}">Try again</a></p>
<p><a href="/">Other ways to sign in</a></p>
</main>
</body>
</html>`;
}
