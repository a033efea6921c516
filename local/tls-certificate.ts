import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsCredentials {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate: trust this file to reach the local runtime over HTTPS without a warning. */
  readonly cert: string;
  readonly certFile: string;
}

const hostNames = ['localhost'];
const addresses = ['127.0.0.1', '::1'];
const day = 24 * 60 * 60 * 1000;
const validDays = 365;

/** Usable when it names every local address, matches its key and stays valid for at least a day. */
function usable(key: string, cert: string, now: Date): boolean {
  try {
    const x509 = new X509Certificate(cert);
    return (
      x509.checkPrivateKey(createPrivateKey(key)) &&
      new Date(x509.validFrom) <= now &&
      new Date(x509.validTo).getTime() > now.getTime() + day &&
      hostNames.every((name) => x509.checkHost(name) === name) &&
      addresses.every((address) => x509.checkIP(address) === address)
    );
  } catch {
    return false;
  }
}

/**
 * The local runtime's self-signed certificate for localhost, 127.0.0.1 and ::1: made at the first
 * TLS start and kept under `dir` (the key owner-only), so a browser or client told to trust it
 * keeps trusting it across restarts. Made again when missing, damaged or about to expire.
 */
export async function ensureTlsCertificate(dir: string, now = new Date()): Promise<TlsCredentials> {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const [key, cert] = await Promise.all([
    readFile(keyFile, 'utf8').catch(() => ''),
    readFile(certFile, 'utf8').catch(() => ''),
  ]);
  if (usable(key, cert, now)) return { key, cert, certFile };

  const made = await generate([{ name: 'commonName', value: 'Web Communicator (local)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + validDays * day),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...hostNames.map((value) => ({ type: 2 as const, value })),
          ...addresses.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyFile, made.private, { mode: 0o600, flag: 'w' });
  await writeFile(certFile, made.cert, { flag: 'w' });
  return { key: made.private, cert: made.cert, certFile };
}
