import { publicRoute } from './adapter.ts';
import { formsPage } from './pages.ts';
import { html } from './respond.ts';

/** The forms sign-in page: domain, user name, password. */
export const handler = publicRoute(async () => html(200, formsPage()));
