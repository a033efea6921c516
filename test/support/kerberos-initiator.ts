import kerberos from 'kerberos';
import type { Kdc } from './mit-kdc.ts';

/**
 * MIT's own GSSAPI, through the `kerberos` package, as initiator and acceptor. The library reads
 * KRB5_CONFIG, KRB5CCNAME and KRB5_KTNAME from the process environment on every call, so each
 * helper sets them first; tests run serially.
 */
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
): Promise<{ token: Buffer; client: kerberos.KerberosClient }> {
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
  useEnv(kdc, undefined);
  const server = await kerberos.initializeServer(service);
  await server.step(token.toString('base64'));
  return server.username;
}
