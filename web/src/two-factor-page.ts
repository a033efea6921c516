/**
 * Security keys on the two-factor pages (WebAuthn): signing in with one on the second-step page,
 * adding one on the enrolment page. The server sends WebAuthn options as JSON (binary fields in
 * base64url) and takes the browser's credential back the same way.
 */

type Json = Record<string, unknown>;

const fromBase64Url = (text: string): ArrayBuffer => {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
};

const toBase64Url = (buffer: ArrayBuffer | null): string | undefined =>
  buffer === null
    ? undefined
    : btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');

async function post(path: string, body: Json): Promise<Json> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as Json;
  if (!response.ok)
    throw new Error(
      typeof answer.message === 'string' ? answer.message : `the server answered ${response.status}`,
    );
  return answer;
}

const descriptors = (list: unknown): PublicKeyCredentialDescriptor[] =>
  ((list as { id: string; transports?: AuthenticatorTransport[] }[] | undefined) ?? []).map((d) => ({
    type: 'public-key',
    id: fromBase64Url(d.id),
    ...(d.transports ? { transports: d.transports } : {}),
  }));

/** A key's answer as the server reads it (WebAuthn's JSON form): the same fields in both ceremonies. */
const credentialJson = (credential: PublicKeyCredential, response: Record<string, unknown>) => ({
  id: credential.id,
  rawId: toBase64Url(credential.rawId),
  type: credential.type,
  response,
  clientExtensionResults: credential.getClientExtensionResults(),
});

async function signInWithSecurityKey(): Promise<string> {
  const options = await post('/auth/two-factor/security-key/options', {});
  const credential = (await navigator.credentials.get({
    publicKey: {
      ...(options as unknown as PublicKeyCredentialRequestOptions),
      challenge: fromBase64Url(String(options.challenge)),
      allowCredentials: descriptors(options.allowCredentials),
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error('No security key answered.');
  const response = credential.response as AuthenticatorAssertionResponse;
  const answer = await post('/auth/two-factor/security-key', {
    credential: credentialJson(credential, {
      clientDataJSON: toBase64Url(response.clientDataJSON),
      authenticatorData: toBase64Url(response.authenticatorData),
      signature: toBase64Url(response.signature),
      userHandle: toBase64Url(response.userHandle),
    }),
  });
  return typeof answer.location === 'string' ? answer.location : '/app/';
}

async function addSecurityKey(): Promise<number> {
  const options = await post('/auth/two-factor/enrol/security-key/options', {});
  const user = options.user as { id: string; name: string; displayName: string };
  const credential = (await navigator.credentials.create({
    publicKey: {
      ...(options as unknown as PublicKeyCredentialCreationOptions),
      challenge: fromBase64Url(String(options.challenge)),
      user: { ...user, id: fromBase64Url(user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error('No security key answered.');
  const response = credential.response as AuthenticatorAttestationResponse;
  const answer = await post('/auth/two-factor/enrol/security-key', {
    credential: credentialJson(credential, {
      clientDataJSON: toBase64Url(response.clientDataJSON),
      attestationObject: toBase64Url(response.attestationObject),
      transports: response.getTransports?.() ?? [],
    }),
  });
  return Number(answer.securityKeys ?? 0);
}

function wire(buttonId: string, run: (status: HTMLElement) => Promise<void>): void {
  const button = document.getElementById(buttonId);
  const status = document.getElementById('security-key-status');
  if (!(button instanceof HTMLButtonElement) || !status) return;
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Touch your security key…';
    run(status)
      .catch((err: unknown) => {
        status.textContent = err instanceof Error ? err.message : 'The security key did not answer.';
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

wire('use-security-key', async () => {
  location.assign(await signInWithSecurityKey());
});

wire('add-security-key', async (status) => {
  const count = await addSecurityKey();
  const counter = document.getElementById('security-key-count');
  if (counter) counter.textContent = String(count);
  status.textContent = 'Your security key is added.';
});
