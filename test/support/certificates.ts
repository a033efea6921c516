import { generate } from 'selfsigned';

/** A certification authority for the tests: its PEM certificate and key. */
export interface TestCa {
  readonly cert: string;
  readonly key: string;
}

/** A user certificate (smart card) and its private key, PEM. */
export interface TestClientCertificate {
  readonly cert: string;
  readonly key: string;
}

const day = 24 * 60 * 60 * 1000;

/** Makes a CA that may sign user certificates. */
export async function makeCa(name: string): Promise<TestCa> {
  const made = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - day),
    notAfterDate: new Date(Date.now() + 30 * day),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: made.cert, key: made.private };
}

/**
 * Makes a user certificate signed by `ca`: subject CN, the e-mail address as SAN, and client
 * authentication as extended key use, valid from yesterday for a month unless told otherwise.
 */
export async function makeClientCertificate(
  ca: TestCa,
  holder: { readonly cn: string; readonly email?: string },
  options: { readonly notBefore?: Date; readonly notAfter?: Date; readonly serverAuthOnly?: boolean } = {},
): Promise<TestClientCertificate> {
  const made = await generate([{ name: 'commonName', value: holder.cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { cert: ca.cert, key: ca.key },
    notBeforeDate: options.notBefore ?? new Date(Date.now() - day),
    notAfterDate: options.notAfter ?? new Date(Date.now() + 30 * day),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      options.serverAuthOnly
        ? { name: 'extKeyUsage', serverAuth: true }
        : { name: 'extKeyUsage', clientAuth: true },
      ...(holder.email
        ? [{ name: 'subjectAltName' as const, altNames: [{ type: 1 as const, value: holder.email }] }]
        : []),
    ],
  });
  return { cert: made.cert, key: made.private };
}
