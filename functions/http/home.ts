import { httpRoutes } from '../routes.ts';
import { selfContainedRoute } from './adapter.ts';
import { chooserPage } from './pages.ts';
import { siteOf } from './request.ts';
import { html } from './respond.ts';

/** The sign-in chooser: one link per sign-in method this site publishes, each at its own URL. */
export const handler = selfContainedRoute(async (event, env) => {
  const site = siteOf(event);
  const methods = httpRoutes.flatMap((route) =>
    route.signIn &&
    route.method === 'GET' &&
    route.sites.includes(site) &&
    (route.signIn.offered?.(site, env) ?? true)
      ? [{ path: route.path, label: route.signIn.label }]
      : [],
  );
  return html(200, chooserPage(methods));
});
