import { selfContainedRoute } from './adapter.ts';
import { formsPage } from './pages.ts';
import { html } from './respond.ts';

/** The forms sign-in page: domain, user name, password. */
export const handler = selfContainedRoute(async () => html(200, formsPage()));
