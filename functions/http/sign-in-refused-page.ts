import { escapeHtml } from './pages.ts';

/** How a sign-in method names itself on its refusal page, and where trying again starts. */
export interface SignInMethodPage {
  readonly title: string;
  readonly retryPath: string;
  /**
   * The site's origin, for a page served from another one (a site's mutual-TLS sign-in domain):
   * its links lead back to the site, and it goes without the site's stylesheet.
   * @default - the page is the site's own
   */
  readonly siteOrigin?: string;
}

/** What a browser shows when a sign-in method did not sign it in: why, and the ways to try again. */
export function signInRefusedPage(method: SignInMethodPage, message: string): string {
  const site = method.siteOrigin ?? '';
  const stylesheet = method.siteOrigin ? '' : '<link rel="stylesheet" href="/app/style.css">\n';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(method.title)} · Web Communicator</title>
${stylesheet}</head>
<body class="page">
<main class="card">
<h1>Web Communicator</h1>
<h2>${escapeHtml(method.title)}</h2>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(site + method.retryPath)}">Try again</a></p>
<p><a href="${escapeHtml(`${site}/`)}">Other ways to sign in</a></p>
</main>
</body>
</html>`;
}
