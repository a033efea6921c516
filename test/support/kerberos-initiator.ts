import type { Kdc } from './mit-kdc.ts';

/**
 * MIT's own GSSAPI, through the `kerberos` package, as initiator and acceptor. The library reads
 * KRB5_CONFIG, KRB5CCNAME and KRB5_KTNAME from the process environment on every call, so each
 * helper sets them first; tests run serially.
 *
 * The package is an optional dependency: it compiles against libkrb5-dev, which a bare machine
 * lacks, and `npm install` goes on without it. It is loaded here rather than imported, so the
 * suites that need it say so (see `mitGssapiAvailable`) instead of failing to load.
 */

/** What the tests use of the `kerberos` package (its own typings are absent when it is). */
export interface KerberosClient {
  step(challenge: string): Promise<string>;
  readonly contextComplete: boolean;
}
interface KerberosServer {
  step(challenge: string): Promise<string>;
  readonly username: string;
}
interface KerberosPackage {
  initializeClient(service: string, options: { mechOID: unknown; gssFlag: number }): Promise<KerberosClient>;
  initializeServer(service: string): Promise<KerberosServer>;
  readonly GSS_MECH_OID_SPNEGO: unknown;
  readonly GSS_MECH_OID_KRB5: unknown;
  readonly GSS_C_MUTUAL_FLAG: number;
  readonly GSS_C_SEQUENCE_FLAG: number;
}

// A specifier in a variable: the type checker must not need the package either.
const packageName = 'kerberos';
const loaded: KerberosPackage | Error = await import(packageName).then(
  (module: { default: KerberosPackage }) => module.default,
  (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
);

/**
 * Whether MIT's GSSAPI can be driven from the tests. As with the system tools (see
 * `toolsAvailable`), in CI its absence fails the suite loudly (`.ci/run` installs libkrb5-dev, so
 * `npm ci` builds the package); elsewhere the tests that need it are skipped with this reason.
 */
export function mitGssapiAvailable(): true | string {
  if (!(loaded instanceof Error)) return true;
  const reason =
    `the optional kerberos package did not load (${loaded.message.split('\n')[0] ?? ''}): ` +
    'apt-get install -y libkrb5-dev, then run npm install again';
  if (process.env.CI) throw new Error(reason);
  return reason;
}

function gssapi(): KerberosPackage {
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

function useEnv(kdc: Kdc, ccache: string | undefined): void {
  process.env.KRB5_CONFIG = kdc.krb5Config;
  if (ccache) process.env.KRB5CCNAME = `FILE:${ccache}`;
  process.env.KRB5_KTNAME = `FILE:${kdc.keytab}`;
}

export type Mechanism = 'spnego' | 'kerberos';

/** A client's first Negotiate token for `service` (GSS host-based form, e.g. `HTTP@localhost`). */
export async function initiate(
  kdc: Kdc,
  ccache: string,
  service = 'HTTP@localhost',
  mechanism: Mechanism = 'spnego',
): Promise<{ token: Buffer; client: KerberosClient }> {
  const kerberos = gssapi();
  useEnv(kdc, ccache);
  const client = await kerberos.initializeClient(service, {
    mechOID: mechanism === 'spnego' ? kerberos.GSS_MECH_OID_SPNEGO : kerberos.GSS_MECH_OID_KRB5,
    gssFlag: kerberos.GSS_C_MUTUAL_FLAG | kerberos.GSS_C_SEQUENCE_FLAG,
  });
  const token = await client.step('');
  return { token: Buffer.from(token, 'base64'), client };
}

/** MIT's acceptor with the fixture's keytab; answers the client principal or throws its refusal. */
export async function mitAccepts(kdc: Kdc, token: Buffer, service = 'HTTP@localhost'): Promise<string> {
  const kerberos = gssapi();
  useEnv(kdc, undefined);
  const server = await kerberos.initializeServer(service);
  await server.step(token.toString('base64'));
  return server.username;
}
