import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsAvailable } from './daemon.ts';

/**
 * A small certification hierarchy made with Debian's `openssl` command, as an organisation's smart
 * card PKI is run: a root, an issuing (intermediate) CA under it, user certificates from the issuing
 * CA, and certificate revocation lists from both (`openssl ca -revoke`, `openssl ca -gencrl`).
 */

const opensslTools = { openssl: '/usr/bin/openssl' };

/** Whether the `openssl` command is here; in CI its absence fails the suite (`.ci/run` installs it). */
export function opensslAvailable(): true | string {
  return toolsAvailable(opensslTools, 'apt-get install openssl');
}

/** A user certificate and its key, PEM. */
export interface PkiCard {
  readonly cert: string;
  readonly key: string;
  /** The certificate followed by the issuing CA's: what smart card middleware presents. */
  readonly chain: string;
  readonly file: string;
}

export type PkiAuthority = 'root' | 'issuing';

export interface CrlOptions {
  /** Whose list. @default 'issuing' */
  readonly of?: PkiAuthority;
  /** DER instead of PEM. */
  readonly der?: boolean;
  /** `thisUpdate` / `nextUpdate` (YYMMDDHHMMSSZ, `asn1Time`). @default - now, and a day from now */
  readonly lastUpdate?: string;
  readonly nextUpdate?: string;
  /** A partitioned CRL: with a (critical) issuing distribution point. */
  readonly partitioned?: boolean;
}

export interface Pki {
  /** The root CA certificate (PEM): a CA file holding only this is enough. */
  readonly root: string;
  readonly rootFile: string;
  /** The issuing CA certificate (PEM). */
  readonly issuing: string;
  readonly issuingFile: string;
  /** Makes a user certificate from the issuing CA, its e-mail address in the subject alternative name. */
  issue(name: string, holder: { readonly cn: string; readonly email?: string }): PkiCard;
  /** Marks a user certificate revoked by the issuing CA, or the issuing CA revoked by the root. */
  revoke(what: PkiCard | 'issuing'): void;
  /** A CA's CRL of everything it revoked so far. */
  crl(options?: CrlOptions): Buffer;
}

const caSection = (dir: string, name: PkiAuthority) => `
[ ${name} ]
dir = ${dir}/${name}
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_hours = 24
policy = any
unique_subject = no
`;

const config = (dir: string) => `
[ ca ]
default_ca = issuing
${caSection(dir, 'issuing')}
${caSection(dir, 'root')}
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ root_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ issuing_ca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ partitioned ]
issuingDistributionPoint = critical, @idp
[ idp ]
fullname = URI:http://pki.contoso.test/issuing-part1.crl
`;

/** A time as `openssl ca` takes it: YYMMDDHHMMSSZ (UTCTime). */
export function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

/**
 * Makes the hierarchy under `dir`: an EC P-256 root and an RSA issuing CA (so CRL signatures of
 * both kinds are exercised), valid for a year; user certificates (EC) from yesterday for a month.
 */
export function makePki(dir: string): Pki {
  const run = (...args: string[]): string =>
    execFileSync(opensslTools.openssl, args, {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const cnf = join(dir, 'openssl.cnf');
  for (const name of ['root', 'issuing'] as const) {
    mkdirSync(join(dir, name, 'issued'), { recursive: true });
    writeFileSync(join(dir, name, 'index.txt'), '');
    writeFileSync(join(dir, name, 'serial'), name === 'root' ? '10\n' : '1000\n');
    writeFileSync(join(dir, name, 'crlnumber'), '01\n');
  }
  writeFileSync(cnf, config(dir));
  const ecKey = (file: string) =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file);
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const yesterday = asn1Time(new Date(Date.now() - 24 * 60 * 60 * 1000));

  ecKey('root/ca.key');
  run(
    ...['req', '-config', cnf, '-new', '-x509', '-key', 'root/ca.key', '-subj', '/CN=Contoso Root CA'],
    ...['-days', '365', '-extensions', 'root_ca', '-out', 'root/ca.pem'],
  );
  run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'issuing/ca.key');
  run(
    ...['req', '-config', cnf, '-new', '-key', 'issuing/ca.key'],
    ...['-subj', '/CN=Contoso Smart Card Issuing CA', '-out', 'issuing/ca.csr'],
  );
  run(
    ...['ca', '-batch', '-config', cnf, '-name', 'root', '-notext', '-in', 'issuing/ca.csr'],
    ...['-extensions', 'issuing_ca', '-days', '365', '-startdate', yesterday, '-out', 'issuing/ca.pem'],
  );
  const root = read('root/ca.pem');
  const issuing = read('issuing/ca.pem');

  return {
    root,
    rootFile: join(dir, 'root', 'ca.pem'),
    issuing,
    issuingFile: join(dir, 'issuing', 'ca.pem'),
    issue(name, holder) {
      ecKey(`${name}.key`);
      run(
        'req',
        '-config',
        cnf,
        '-new',
        '-key',
        `${name}.key`,
        '-subj',
        `/CN=${holder.cn}`,
        '-out',
        `${name}.csr`,
      );
      writeFileSync(
        join(dir, `${name}.ext`),
        [
          '[ card ]',
          'basicConstraints = critical, CA:false',
          'keyUsage = critical, digitalSignature',
          'extendedKeyUsage = clientAuth',
          'subjectKeyIdentifier = hash',
          'authorityKeyIdentifier = keyid',
          ...(holder.email ? [`subjectAltName = email:${holder.email}`] : []),
        ].join('\n'),
      );
      run(
        ...['ca', '-batch', '-config', cnf, '-name', 'issuing', '-notext', '-in', `${name}.csr`],
        ...['-extfile', `${name}.ext`, '-extensions', 'card', '-startdate', yesterday, '-out', `${name}.pem`],
      );
      const cert = read(`${name}.pem`);
      return {
        cert,
        key: read(`${name}.key`),
        chain: `${cert.trim()}\n${issuing.trim()}\n`,
        file: join(dir, `${name}.pem`),
      };
    },
    revoke(what) {
      const [authority, file] = what === 'issuing' ? ['root', 'issuing/ca.pem'] : ['issuing', what.file];
      run(
        'ca',
        '-batch',
        '-config',
        cnf,
        '-name',
        authority,
        '-revoke',
        file,
        '-crl_reason',
        'keyCompromise',
      );
    },
    crl(options = {}) {
      run(
        ...['ca', '-batch', '-config', cnf, '-name', options.of ?? 'issuing', '-gencrl', '-out', 'crl.pem'],
        ...(options.lastUpdate ? ['-crl_lastupdate', options.lastUpdate] : []),
        ...(options.nextUpdate ? ['-crl_nextupdate', options.nextUpdate] : []),
        ...(options.partitioned ? ['-crlexts', 'partitioned'] : []),
      );
      if (!options.der) return readFileSync(join(dir, 'crl.pem'));
      run('crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der');
      return readFileSync(join(dir, 'crl.der'));
    },
  };
}
