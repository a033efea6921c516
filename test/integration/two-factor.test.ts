import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { URI, type TOTP } from 'otpauth';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSeedPath } from '../../local/runtime.ts';
import { demo, postJson, signIn, ticketCookieOf, type DemoUser } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
let seedDir: string;
/** A user whose directory entry requires two-factor sign-in. */
const frank = { username: 'frank', password: 'frank-demo-pass', sipUri: 'sip:frank@contoso.com' } as const;
/** A user who enrols here, for the step-up tests. */
const grace = { username: 'grace', password: 'grace-demo-pass', sipUri: 'sip:grace@contoso.com' } as const;

before(async () => {
  seedDir = await mkdtemp(join(tmpdir(), 'cwa-two-factor-seed-'));
  const seed = JSON.parse(await readFile(defaultSeedPath, 'utf8')) as { users: unknown[] };
  seed.users.push({
    ...frank,
    displayName: 'Frank Fox',
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    twoFactorRequired: true,
  });
  seed.users.push({
    ...grace,
    displayName: 'Grace Green',
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
  });
  await writeFile(join(seedDir, 'directory.json'), JSON.stringify(seed));
  rt = await startTestRuntime({
    seedPath: join(seedDir, 'directory.json'),
    handlerSettings: { TWO_FACTOR_REQUIRED_SITES: 'external', REGULATION_MAX_FAILURES: '3' },
  });
});
after(async () => {
  await rt?.close();
  if (seedDir) await rm(seedDir, { recursive: true, force: true });
});

const credentials = (user: { readonly username: string; readonly password: string }) => ({
  domain: demo.domain,
  username: user.username,
  password: user.password,
});
const cookieOf = (response: Response, prefix: string) =>
  (response.headers.getSetCookie().find((c) => c.startsWith(prefix)) ?? '').split(';')[0] ?? '';

async function expectError(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(body.error, code, body.message);
}

/** The authenticator app: the code for `offsetSteps` steps from now. */
const codeOf = (secret: string, offsetSteps = 0) =>
  (URI.parse(`otpauth://totp/x?secret=${secret}`) as TOTP).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

/** Enrols an authenticator app for `user` (signed in with forms on the internal site); answers its secret. */
async function enrolTotp(user: DemoUser): Promise<string> {
  const cookie = await signIn(rt.internal, user);
  const begun = await postJson(rt.internal, '/auth/two-factor/enrol/totp', {}, { cookie });
  assert.equal(begun.status, 200);
  const { secret } = (await begun.json()) as { secret: string };
  const confirmed = await postJson(
    rt.internal,
    '/auth/two-factor/enrol/totp/confirm',
    { code: codeOf(secret) },
    { cookie },
  );
  assert.equal(confirmed.status, 200);
  return secret;
}

/** Step 1: the password; answers the two-factor cookie. */
async function passwordStep(
  base: string,
  user: { readonly username: string; readonly password: string },
): Promise<string> {
  const response = await postJson(base, '/auth/two-factor', credentials(user));
  assert.equal(response.status, 200, await response.clone().text());
  return cookieOf(response, '__Host-cwa-2fa-');
}

const totpStep = (base: string, cookie: string, code: string) =>
  postJson(base, '/auth/two-factor/totp', { code }, cookie ? { cookie } : {});

describe('two-factor sign-in with an authenticator app (TOTP)', () => {
  let aliceSecret: string;
  let usedCode: string;

  it('links two-factor sign-in from the chooser of both sites', async () => {
    for (const base of [rt.internal, rt.external]) {
      assert.match(await (await fetch(`${base}/`)).text(), /href="\/auth\/two-factor"/);
    }
  });

  it('enrols an app for a signed-in user: an RFC 6238 secret, active only after a correct code', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const begun = await postJson(rt.internal, '/auth/two-factor/enrol/totp', {}, { cookie });
    const { secret, uri } = (await begun.json()) as { secret: string; uri: string };
    const parsed = URI.parse(uri) as TOTP;
    assert.equal(parsed.digits, 6);
    assert.equal(parsed.period, 30);
    assert.equal(parsed.algorithm, 'SHA1');
    assert.equal(parsed.secret.base32, secret);
    assert.equal(parsed.label, 'alice@contoso.com');

    await expectError(
      await postJson(rt.internal, '/auth/two-factor/enrol/totp/confirm', { code: '000000' }, { cookie }),
      401,
      'second_factor_invalid',
    );
    const confirmed = await postJson(
      rt.internal,
      '/auth/two-factor/enrol/totp/confirm',
      { code: codeOf(secret) },
      { cookie },
    );
    assert.deepEqual(await confirmed.json(), { totp: 'active', securityKeys: 0 });
    // The app is now a second factor: this password session may not replace it (step-up below).
    await expectError(
      await postJson(rt.internal, '/auth/two-factor/enrol/totp', {}, { cookie }),
      403,
      'two_factor_step_up_required',
    );
    aliceSecret = secret;
  });

  it('signs in with the password and then a code; the session says two-factor', async () => {
    const pending = await passwordStep(rt.internal, demo.alice);
    // The current step's code was spent confirming the enrolment; the next one is within the window.
    usedCode = codeOf(aliceSecret, 1);
    const response = await totpStep(rt.internal, pending, usedCode);

    assert.equal(response.status, 200);
    const session = await fetch(`${rt.internal}/api/session`, {
      headers: { cookie: ticketCookieOf(response) },
    });
    assert.equal(((await session.json()) as { authMethod: string }).authMethod, 'two-factor');
    assert.match(response.headers.getSetCookie().join('\n'), /__Host-cwa-2fa-internal=;/);
  });

  it('refuses a code that was used already, even in a new sign-in', async () => {
    const pending = await passwordStep(rt.internal, demo.alice);
    await expectError(await totpStep(rt.internal, pending, usedCode), 401, 'second_factor_reused');
  });

  it('keeps the pending sign-in in a short-lived strict cookie and refuses a second step without it', async () => {
    const response = await postJson(rt.internal, '/auth/two-factor', credentials(demo.alice));
    const cookie =
      response.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-2fa-internal=')) ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Max-Age=300/);
    assert.deepEqual(
      ((await response.json()) as { secondFactor: { methods: string[] } }).secondFactor.methods,
      ['totp'],
    );

    await expectError(await totpStep(rt.internal, '', codeOf(aliceSecret)), 401, 'two_factor_expired');
    await expectError(
      await totpStep(rt.external, cookie.split(';')[0] ?? '', codeOf(aliceSecret)),
      401,
      'two_factor_expired',
    );
  });

  it('refuses a wrong password as forms sign-in does, and an account without a second factor', async () => {
    await expectError(
      await postJson(rt.internal, '/auth/two-factor', { ...credentials(demo.carol), password: 'wrong' }),
      401,
      'invalid_credentials',
    );
    await expectError(
      await postJson(rt.internal, '/auth/two-factor', credentials(demo.carol)),
      403,
      'two_factor_not_enrolled',
    );
  });

  it('counts wrong codes against the same lock as wrong passwords', async () => {
    await enrolTotp(demo.bob);
    const pending = await passwordStep(rt.internal, demo.bob);
    for (const code of ['111111', '222222', '333333']) {
      await expectError(await totpStep(rt.internal, pending, code), 401, 'second_factor_invalid');
    }

    const locked = await totpStep(rt.internal, pending, '444444');
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    await expectError(
      await postJson(rt.internal, '/auth/forms', credentials(demo.bob)),
      429,
      'too_many_attempts',
    );
  });

  it('walks a browser form through both steps into the client app', async () => {
    const first = await fetch(`${rt.internal}/auth/two-factor`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(credentials(demo.alice)).toString(),
    });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/auth/two-factor/verify');
    const pending = cookieOf(first, '__Host-cwa-2fa-');
    const page = await (
      await fetch(`${rt.internal}/auth/two-factor/verify`, { headers: { cookie: pending } })
    ).text();
    assert.match(page, /name="code"/);

    const second = await fetch(`${rt.internal}/auth/two-factor/totp`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pending },
      body: new URLSearchParams({ code: codeOf(aliceSecret, -1) }).toString(),
    });
    // The previous step is in the window but older than the last one used: refused, with the form again.
    assert.equal(second.status, 401);
    assert.match(await second.text(), /used already/);
  });
});

describe('requiring two-factor sign-in', () => {
  it('refuses password-only sign-in on a site that requires two-factor (403 two_factor_required)', async () => {
    await expectError(
      await postJson(rt.external, '/auth/forms', credentials(demo.alice)),
      403,
      'two_factor_required',
    );
    assert.equal((await postJson(rt.internal, '/auth/forms', credentials(demo.alice))).status, 200);
  });

  it('refuses password-only sign-in of a user the directory requires it of, anywhere', async () => {
    await expectError(
      await postJson(rt.internal, '/auth/forms', credentials(frank)),
      403,
      'two_factor_required',
    );
  });
});

describe('step-up for enrolment: a second factor once the account has one needs a two-factor session', () => {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  before(() => {
    // Handlers run in this process, so their audit lines pass through this stream.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  after(() => {
    process.stdout.write = write;
  });
  const audited = (event: string) =>
    lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; audit?: Record<string, string> })
      .filter((entry) => entry.message === 'audit' && entry.audit?.event === event)
      .map((entry) => entry.audit as Record<string, string>);

  const user = grace;
  const keyOptions = (cookie: string) =>
    postJson(rt.internal, '/auth/two-factor/enrol/security-key/options', {}, { cookie });
  const beginTotp = (cookie: string) => postJson(rt.internal, '/auth/two-factor/enrol/totp', {}, { cookie });
  /** A well-formed registration: refused before it would be verified. */
  const someKey = {
    credential: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {}, clientExtensionResults: {} },
  };
  let secret: string;
  let passwordCookie: string;

  it('lets a password session enrol the first factor, and audits it', async () => {
    passwordCookie = await signIn(rt.internal, user);
    // Security-key registration may start: the account has no factor yet.
    const options = await keyOptions(passwordCookie);
    assert.equal(options.status, 200, await options.clone().text());
    assert.ok(((await options.json()) as { challenge?: string }).challenge);

    const begun = await beginTotp(passwordCookie);
    assert.equal(begun.status, 200);
    ({ secret } = (await begun.json()) as { secret: string });
    const confirmed = await postJson(
      rt.internal,
      '/auth/two-factor/enrol/totp/confirm',
      { code: codeOf(secret) },
      { cookie: passwordCookie },
    );
    assert.equal(confirmed.status, 200, await confirmed.clone().text());

    const [enrolled] = audited('two_factor.enrolled').filter((e) => e.sipUri === user.sipUri);
    assert.ok(enrolled, 'two_factor.enrolled audited');
    assert.equal(enrolled.method, 'totp');
    assert.equal(enrolled.sessionMethod, 'forms');
    assert.match(enrolled.session ?? '', /^[\w-]{12}$/);
  });

  it('refuses a password session another factor (403 two_factor_step_up_required), start and finish alike', async () => {
    for (const cookie of [passwordCookie, await signIn(rt.internal, user)]) {
      await expectError(await beginTotp(cookie), 403, 'two_factor_step_up_required');
      await expectError(await keyOptions(cookie), 403, 'two_factor_step_up_required');
      // A registration begun before the first factor existed cannot be finished now either.
      await expectError(
        await postJson(rt.internal, '/auth/two-factor/enrol/security-key', someKey, { cookie }),
        403,
        'two_factor_step_up_required',
      );
      await expectError(
        await postJson(
          rt.internal,
          '/auth/two-factor/enrol/totp/confirm',
          { code: codeOf(secret, 1) },
          { cookie },
        ),
        403,
        'two_factor_step_up_required',
      );
    }
    const refused = audited('two_factor.enrolment_refused').filter((e) => e.sipUri === user.sipUri);
    assert.ok(refused.some((e) => e.method === 'totp' && e.reason === 'two_factor_step_up_required'));
    assert.ok(refused.some((e) => e.method === 'security-key' && e.sessionMethod === 'forms'));
  });

  it('says so on the enrolment page, and a browser form gets the page with the reason', async () => {
    const page = await (
      await fetch(`${rt.internal}/auth/two-factor/enrol`, { headers: { cookie: passwordCookie } })
    ).text();
    assert.match(page, /id="step-up-note"/);
    assert.match(page, /href="\/auth\/two-factor"/);
    const form = await fetch(`${rt.internal}/auth/two-factor/enrol/totp`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: passwordCookie },
      body: '',
    });
    assert.equal(form.status, 403);
    assert.match(await form.text(), /role="alert"[^<]*already has a second factor/);
  });

  it('lets a session signed in with two-factor add a security key (the app itself is not replaced)', async () => {
    const pending = await passwordStep(rt.internal, user);
    const signedIn = await totpStep(rt.internal, pending, codeOf(secret, 1));
    assert.equal(signedIn.status, 200, await signedIn.clone().text());
    const cookie = ticketCookieOf(signedIn);

    const options = await keyOptions(cookie);
    assert.equal(options.status, 200, await options.clone().text());
    assert.ok(((await options.json()) as { challenge?: string }).challenge);
    await expectError(await beginTotp(cookie), 409, 'two_factor_already_enrolled');
    const page = await (await fetch(`${rt.internal}/auth/two-factor/enrol`, { headers: { cookie } })).text();
    assert.doesNotMatch(page, /id="step-up-note"/);
  });
});
