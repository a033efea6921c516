import { escapeHtml } from './pages.ts';

/**
 * What a browser shows when it could not sign in with Windows: a 401 body is displayed only when the
 * browser gives up on Negotiate/NTLM, so it says why and offers the other ways in (the NTLM
 * fallback at `ntlmFallback`, when the server has one the browser has not tried).
 */
export function windowsRefusedPage(message: string, ntlmFallback?: string): string {
  const fallback = ntlmFallback
    ? `<p><a href="${escapeHtml(ntlmFallback)}">Sign in with your Windows user name and password</a></p>\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Windows sign-in · Web Communicator</title>
<link rel="stylesheet" href="/app/style.css">
</head>
<body class="page">
<main class="card">
<h1>Web Communicator</h1>
<h2>Windows sign-in</h2>
<p class="error" role="alert">${escapeHtml(message)}</p>
${fallback}<p><a href="/">Other ways to sign in</a></p>
</main>
</body>
</html>`;
}
