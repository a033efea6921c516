import { escapeHtml } from './pages.ts';

/** What a browser shows when single sign-on did not sign it in: why, and the ways to try again. */
export function ssoRefusedPage(message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Single sign-on · Web Communicator</title>
<link rel="stylesheet" href="/app/style.css">
</head>
<body class="page">
<main class="card">
<h1>Web Communicator</h1>
<h2>Single sign-on</h2>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p><a href="/auth/sso">Try single sign-on again</a></p>
<p><a href="/">Other ways to sign in</a></p>
</main>
</body>
</html>`;
}
