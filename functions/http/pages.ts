/** Server-rendered pages: the sign-in chooser and the forms sign-in page. Plain HTML, no scripts. */
const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Web Communicator</title>
<link rel="stylesheet" href="/app/style.css">
</head>
<body class="page">
<main class="card">
<h1>Web Communicator</h1>
${body}
</main>
</body>
</html>`;
}

export function chooserPage(methods: readonly { path: string; label: string }[]): string {
  const links = methods
    .map((m) => `<li><a class="button" href="${escapeHtml(m.path)}">${escapeHtml(m.label)}</a></li>`)
    .join('\n');
  return layout('Sign in', `<p>Choose how to sign in.</p>\n<ul class="methods">\n${links}\n</ul>`);
}

export interface FormsPageState {
  readonly domain?: string;
  readonly username?: string;
  readonly error?: string;
}

export function formsPage(state: FormsPageState = {}): string {
  const error = state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : '';
  return layout(
    'Sign in',
    `<h2>Sign in</h2>
${error}
<form method="post" action="/auth/forms">
<label>Domain <input name="domain" required autocomplete="off" maxlength="64" value="${escapeHtml(state.domain ?? '')}" placeholder="CONTOSO"></label>
<label>User name <input name="username" required autocomplete="username" maxlength="256" value="${escapeHtml(state.username ?? '')}"></label>
<label>Password <input name="password" type="password" required autocomplete="current-password" maxlength="1024"></label>
<button type="submit">Sign in</button>
</form>
<p><a href="/">Other ways to sign in</a></p>`,
  );
}
