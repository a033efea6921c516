import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import { frozenClock } from '../../functions/core/clock.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import {
  holderOf,
  signInWithCertificate,
  type CertificateSignInDeps,
} from '../../functions/core/signin/certificate.ts';
import type { Tickets } from '../../functions/core/tickets/tickets.ts';
import { makeCa, makeClientCertificate, type TestCa } from '../support/certificates.ts';

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
  findByAccount: async (domain: string, username: string) =>
    domain.toUpperCase() === 'CONTOSO' && username.toLowerCase() === 'alice' ? alice : undefined,
} as unknown as DirectoryStore;
const tickets = {
  issue: async (user: DirectoryUser) => ({
    token: 'token',
    record: { ticketId: `ticket-of-${user.username}` },
  }),
} as unknown as Tickets;

let ca: TestCa;
before(async () => {
  ca = await makeCa('Contoso Smart Card CA');
});

function deps(now: number, overrides: Partial<CertificateSignInDeps> = {}) {
  const audit: AuditEvent[] = [];
  const built: CertificateSignInDeps = {
    rules: { sites: ['internal'], userField: 'email', userMapping: 'sip', accountDomains: new Map() },
    issuers: [new X509Certificate(ca.cert)],
    directory,
    tickets,
    audit: { record: (event) => audit.push(event) },
    clock: frozenClock(now),
    legacyUrl: undefined,
    ...overrides,
  };
  return { deps: built, audit };
}

const context = { site: 'internal', sourceAddress: '192.0.2.10' } as const;

describe('certificate sign-in in the domain (the checks made after the TLS layer)', () => {
  it('signs the holder in and records it with the certificate method', async () => {
    const card = await makeClientCertificate(ca, { cn: 'Alice Ahn', email: 'alice@contoso.com' });
    const { deps: built, audit } = deps(Date.now());

    const { user } = await signInWithCertificate(built, card.cert, context);

    assert.equal(user.sipUri, alice.sipUri);
    assert.deepEqual(
      audit.map((e) => [e.event, 'method' in e ? e.method : '']),
      [['signin.succeeded', 'certificate']],
    );
  });

  it('checks validity against the injected clock, so a certificate that expired since the handshake is refused', async () => {
    const card = await makeClientCertificate(ca, { cn: 'Alice Ahn', email: 'alice@contoso.com' });
    const later = Date.now() + 60 * 24 * 60 * 60 * 1000;
    await assert.rejects(signInWithCertificate(deps(later).deps, card.cert, context), {
      code: 'certificate_expired',
    });
  });

  it('refuses a certificate not for client authentication, or not issued by a trusted CA', async () => {
    const serverOnly = await makeClientCertificate(
      ca,
      { cn: 'Alice', email: 'alice@contoso.com' },
      { serverAuthOnly: true },
    );
    const foreign = await makeClientCertificate(await makeCa('Another CA'), {
      cn: 'Alice',
      email: 'alice@contoso.com',
    });
    for (const card of [serverOnly, foreign]) {
      await assert.rejects(signInWithCertificate(deps(Date.now()).deps, card.cert, context), {
        code: 'certificate_invalid',
      });
    }
    await assert.rejects(signInWithCertificate(deps(Date.now()).deps, 'not a certificate', context), {
      code: 'certificate_invalid',
    });
  });

  it('maps the common name (user@dns.domain) as an account when configured so', async () => {
    const card = await makeClientCertificate(ca, { cn: 'alice@contoso.com' });
    assert.equal(holderOf(new X509Certificate(card.cert), 'cn'), 'alice@contoso.com');
    const { deps: built } = deps(Date.now(), {
      rules: { sites: ['internal'], userField: 'cn', userMapping: 'account', accountDomains: new Map() },
    });
    assert.equal((await signInWithCertificate(built, card.cert, context)).user.sipUri, alice.sipUri);
  });

  it('refuses on a site that does not offer it', async () => {
    const card = await makeClientCertificate(ca, { cn: 'Alice Ahn', email: 'alice@contoso.com' });
    await assert.rejects(
      signInWithCertificate(deps(Date.now()).deps, card.cert, { ...context, site: 'external' }),
      { code: 'certificate_not_configured' },
    );
  });
});
