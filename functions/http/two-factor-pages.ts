import type { SecondFactorKind } from '../core/signin/two-factor.ts';
import { escapeHtml, layout } from './pages.ts';

/** Server-rendered pages of two-factor sign-in and enrolment. Plain HTML forms; scripts only for security keys. */

const errorOf = (error: string | undefined): string =>
  error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';

export function passwordStepPage(state: { domain?: string; username?: string; error?: string } = {}): string {
  return layout(
    'Two-factor sign-in',
    `<h2>Two-factor sign-in</h2>
${errorOf(state.error)}
<p>Step 1 of 2: your domain, user name and password.</p>
<form method="post" action="/auth/two-factor">
<label>Domain <input name="domain" required autocomplete="off" maxlength="64" value="${escapeHtml(state.domain ?? '')}" placeholder="CONTOSO"></label>
<label>User name <input name="username" required autocomplete="username" maxlength="256" value="${escapeHtml(state.username ?? '')}"></label>
<label>Password <input name="password" type="password" required autocomplete="current-password" maxlength="1024"></label>
<button type="submit">Continue</button>
</form>
<p><a href="/">Other ways to sign in</a></p>`,
  );
}

export function secondStepPage(state: { methods: readonly SecondFactorKind[]; error?: string }): string {
  const totp = state.methods.includes('totp')
    ? `<form method="post" action="/auth/two-factor/totp">
<label>Code from your authenticator app <input name="code" required inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"></label>
<button type="submit">Sign in</button>
</form>`
    : '';
  const securityKey = state.methods.includes('security-key')
    ? `<p><button id="use-security-key" type="button" class="button">Use your security key</button></p>
<p id="security-key-status" role="status"></p>
<script type="module" src="/app/two-factor.js"></script>`
    : '';
  return layout(
    'Two-factor sign-in',
    `<h2>Two-factor sign-in</h2>
${errorOf(state.error)}
<p>Step 2 of 2: your second factor.</p>
${totp}
${securityKey}
<p><a href="/auth/two-factor">Start again</a></p>`,
  );
}

export function expiredStepPage(message: string): string {
  return layout(
    'Two-factor sign-in',
    `<h2>Two-factor sign-in</h2>
${errorOf(message)}
<p><a href="/auth/two-factor">Sign in again</a></p>`,
  );
}

export function enrolPage(state: {
  totp: 'active' | 'pending' | 'none';
  securityKeys: number;
  /** The account has a second factor and this session did not sign in with it. */
  stepUp?: boolean;
  message?: string;
  error?: string;
}): string {
  const totp =
    state.totp === 'active'
      ? '<p>Authenticator app: set up.</p>'
      : `<form method="post" action="/auth/two-factor/enrol/totp">
<button type="submit">Set up an authenticator app</button>
</form>`;
  return layout(
    'Second factors',
    `<h2>Second factors</h2>
${errorOf(state.error)}
${state.message ? `<p role="status">${escapeHtml(state.message)}</p>` : ''}
${
  state.stepUp
    ? '<p id="step-up-note">This account already has a second factor. To add another or change it, <a href="/auth/two-factor">sign in with two-factor sign-in</a> first.</p>'
    : ''
}
${totp}
<p>Security keys: <span id="security-key-count">${state.securityKeys}</span>.</p>
<p><button id="add-security-key" type="button" class="button">Add a security key</button></p>
<p id="security-key-status" role="status"></p>
<script type="module" src="/app/two-factor.js"></script>
<p><a href="/app/">Back to the communicator</a></p>`,
  );
}

export function totpSetupPage(state: { secret: string; uri: string; error?: string }): string {
  const grouped = state.secret.replace(/(.{4})/g, '$1 ').trim();
  return layout(
    'Set up an authenticator app',
    `<h2>Set up an authenticator app</h2>
${errorOf(state.error)}
<p>Add this account to your authenticator app with the key below (or open the link on the phone
that has the app), then type the code it shows.</p>
<p>Key: <code id="totp-secret" data-secret="${escapeHtml(state.secret)}">${escapeHtml(grouped)}</code></p>
<p><a id="totp-uri" href="${escapeHtml(state.uri)}">Open in an authenticator app</a></p>
<form method="post" action="/auth/two-factor/enrol/totp/confirm">
<label>Code <input name="code" required inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"></label>
<button type="submit">Confirm</button>
</form>
<p><a href="/auth/two-factor/enrol">Back</a></p>`,
  );
}
