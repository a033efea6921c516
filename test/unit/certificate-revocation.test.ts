import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCertificateSettings } from '../../functions/certificate-config.ts';
import { frozenClock } from '../../functions/core/clock.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { buildChain, certificatesOfPem } from '../../functions/core/signin/certificate-chain.ts';
import {
  parseRevocationLists,
  RevocationListError,
  type RevocationList,
} from '../../functions/core/signin/certificate-revocation.ts';
import {
  signInWithCertificate,
  type CertificateSignInDeps,
} from '../../functions/core/signin/certificate.ts';
import type { Tickets } from '../../functions/core/tickets/tickets.ts';
import { makePki, opensslAvailable, type Pki, type PkiCard } from '../support/openssl-pki.ts';

const available = opensslAvailable();
const day = 24 * 60 * 60 * 1000;
const alice: DirectoryUser = {
  sipUri: 'sip:alice@contoso.com',
  domain: 'CONTOSO',
  username: 'alice',
  displayName: 'Alice Ahn',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
};
const directory = {
  findBySipUri: async (sipUri: string) => (sipUri === alice.sipUri ? alice : undefined),
} as unknown as DirectoryStore;
const tickets = {
  issue: async () => ({ token: 'token', record: { ticketId: 'ticket' } }),
} as unknown as Tickets;
const context = { site: 'internal', sourceAddress: '192.0.2.10' } as const;

let dir: string;
let pki: Pki;
let good: PkiCard;
let lost: PkiCard;
before(() => {
  if (available !== true) return;
  dir = mkdtempSync(join(tmpdir(), 'cwa-crl-unit-'));
  pki = makePki(join(dir, 'pki'));
  good = pki.issue('good', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  lost = pki.issue('lost', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  pki.revoke(lost);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Sign-in dependencies trusting `issuers` (PEM) with these revocation lists, at `now`. */
function deps(issuers: string, lists: readonly RevocationList[] | undefined, now = Date.now()) {
  return {
    rules: { sites: ['internal'], userField: 'email', userMapping: 'sip', accountDomains: new Map() },
    issuers: certificatesOfPem(issuers),
    ...(lists && { revocation: { lists: async () => lists } }),
    directory,
    tickets,
    audit: { record: () => undefined },
    clock: frozenClock(now),
    legacyUrl: undefined,
  } satisfies CertificateSignInDeps;
}

describe('certificate revocation lists', { skip: available === true ? false : available }, () => {
  it('refuses a revoked card even when the CA file holds the issuing CA as well as the root', async () => {
    const lists = parseRevocationLists(pki.crl());
    const trusted = pki.root + pki.issuing;

    await assert.rejects(signInWithCertificate(deps(trusted, lists), lost.cert, context), {
      code: 'certificate_revoked',
    });
    assert.equal(
      (await signInWithCertificate(deps(trusted, lists), good.cert, context)).user.sipUri,
      alice.sipUri,
    );
  });

  it('reads PEM and DER alike, and a PEM file holding the lists of several CAs', () => {
    const [pem] = parseRevocationLists(pki.crl());
    const [derList] = parseRevocationLists(pki.crl({ der: true }));
    const both = parseRevocationLists(Buffer.concat([pki.crl({ of: 'root' }), pki.crl()]));

    const serial = new X509Certificate(lost.cert).serialNumber.replace(/^0+/, '');
    assert.ok(pem?.revoked.has(serial));
    assert.deepEqual([...(derList?.revoked ?? [])], [...(pem?.revoked ?? [])]);
    assert.equal(both.length, 2);
    assert.ok(both[1]?.signedBy(new X509Certificate(pki.issuing)));
    assert.ok(!both[1]?.signedBy(new X509Certificate(pki.root)), 'the issuing CA signed it, not the root');
    assert.ok(both[0]?.signedBy(new X509Certificate(pki.root)));
  });

  it('refuses a card whose issuing CA the root revoked, from the root’s list', async () => {
    const before = parseRevocationLists(Buffer.concat([pki.crl({ of: 'root' }), pki.crl()]));
    pki.revoke('issuing');
    const after = parseRevocationLists(Buffer.concat([pki.crl({ of: 'root' }), pki.crl()]));

    assert.equal(
      (await signInWithCertificate(deps(pki.root, before), good.chain, context)).user.sipUri,
      alice.sipUri,
    );
    await assert.rejects(signInWithCertificate(deps(pki.root, after), good.chain, context), {
      code: 'certificate_revoked',
      message: /Contoso Smart Card Issuing CA/,
    });
  });

  it('fails closed: no list from the card’s CA, or one past its next update, refuses the card (certificate_status_unavailable)', async () => {
    const rootOnly = parseRevocationLists(pki.crl({ of: 'root' }));
    await assert.rejects(signInWithCertificate(deps(pki.root, rootOnly), good.chain, context), {
      code: 'certificate_status_unavailable',
      message: /no revocation list from Contoso Smart Card Issuing CA/,
    });

    const lists = parseRevocationLists(pki.crl());
    const afterNextUpdate = Date.now() + 2 * day; // the list says the next one comes within a day
    await assert.rejects(signInWithCertificate(deps(pki.root, lists, afterNextUpdate), good.chain, context), {
      code: 'certificate_status_unavailable',
      message: /out of date/,
    });
  });

  it('ignores a list whose signature does not verify (another key under the same CA name)', async () => {
    const impostor = makePki(join(dir, 'impostor'));
    const forged = parseRevocationLists(impostor.crl());
    assert.ok(!forged[0]?.signedBy(new X509Certificate(pki.issuing)));
    await assert.rejects(signInWithCertificate(deps(pki.root, forged), good.chain, context), {
      code: 'certificate_status_unavailable',
    });
  });

  it('refuses files that are no CRL, cut off, or partitioned, saying why', () => {
    const refusals: [Buffer, RegExp][] = [
      [Buffer.from('not a revocation list\n'), /holds no CRL/],
      [Buffer.from('-----BEGIN X509 CRL-----\nMIIB'), /cut off/],
      [pki.crl({ der: true }).subarray(0, 40), /not DER/],
      [pki.crl({ partitioned: true }), /partitioned CRL \(critical extension 2\.5\.29\.28\)/],
    ];
    for (const [data, message] of refusals) {
      assert.throws(
        () => parseRevocationLists(data),
        (err: Error) => {
          assert.ok(err instanceof RevocationListError);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  it('checks CLIENT_CERT_CRL_FILE when the settings are read, naming it', () => {
    const file = join(dir, 'smart-card.crl');
    writeFileSync(file, pki.crl());
    const caFile = pki.rootFile;
    const base = { CLIENT_CERT_SITES: 'internal', CLIENT_CERT_CA_FILE: caFile };

    assert.equal(readCertificateSettings({ ...base, CLIENT_CERT_CRL_FILE: file })?.crlFile, file);
    assert.throws(
      () => readCertificateSettings({ CLIENT_CERT_SITES: 'internal', CLIENT_CERT_CRL_FILE: file }),
      {
        name: 'ConfigError',
        message: /CLIENT_CERT_CRL_FILE needs CLIENT_CERT_CA_FILE/,
      },
    );
    writeFileSync(join(dir, 'garbage.crl'), 'garbage');
    assert.throws(
      () => readCertificateSettings({ ...base, CLIENT_CERT_CRL_FILE: join(dir, 'garbage.crl') }),
      {
        name: 'ConfigError',
        message: /^CLIENT_CERT_CRL_FILE \S+garbage\.crl: holds no CRL/,
      },
    );
  });
});

describe('certificate chains', { skip: available === true ? false : available }, () => {
  it('builds leaf → issuing CA (sent by the client) → root (trusted), and nothing from an untrusted root', () => {
    const [leaf, issuing] = certificatesOfPem(good.chain);
    const root = new X509Certificate(pki.root);
    const stranger = new X509Certificate(makePki(join(dir, 'stranger')).root);

    assert.deepEqual(
      buildChain(leaf!, [issuing!], [root], Date.now())?.map((c) => c.subject),
      ['CN=Alice Ahn', 'CN=Contoso Smart Card Issuing CA', 'CN=Contoso Root CA'],
    );
    assert.equal(buildChain(leaf!, [issuing!], [stranger], Date.now()), undefined);
    assert.equal(buildChain(leaf!, [], [root], Date.now()), undefined, 'no issuing CA to chain through');
  });

  it('refuses an issuing CA that is not valid at the time of the sign-in', () => {
    const [leaf, issuing] = certificatesOfPem(good.chain);
    const root = new X509Certificate(pki.root);
    assert.equal(buildChain(leaf!, [issuing!], [root], Date.now() + 400 * day), undefined);
  });
});
