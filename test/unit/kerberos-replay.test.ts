import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { isAppError } from '../../functions/core/errors.ts';
import { acceptNegotiate, type AcceptorDeps } from '../../functions/core/kerberos/acceptor.ts';
import { oids } from '../../functions/core/kerberos/gss.ts';
import { parseKeytab, ServiceKeys, type KeytabEntry } from '../../functions/core/kerberos/keytab.ts';
import type { ApReq } from '../../functions/core/kerberos/messages.ts';
import { MemoryReplayCache } from '../../functions/core/kerberos/replay-cache.ts';
import { apReqOf, stretchLengths, tokenOf, type Wrapping } from '../support/kerberos-forge.ts';
import { initiate, mitGssapiAvailable } from '../support/kerberos-initiator.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';

// Real tickets from a real MIT KDC, through MIT's initiator (the optional kerberos package).
const kdcReady = kdcAvailable();
const available = kdcReady === true ? mitGssapiAvailable() : kdcReady;
const alice = { name: 'alice', password: 'alice-kerberos-pass' };
const alias = 'HTTP/alias.example.test';
let kdc: Kdc;
let entries: KeytabEntry[];
let ccache: string;

before(async () => {
  if (available !== true) return;
  kdc = await startKdc({ users: [alice], services: ['HTTP/localhost'] });
  entries = parseKeytab(await readFile(kdc.keytab));
  ccache = await kdc.kinit(alice);
});
after(async () => kdc?.close());

/**
 * The acceptor with one replay cache. `withAlias`: the keytab also lists HTTP/localhost's keys
 * under a second name, as a Windows service account with two SPNs has one key for both.
 */
function acceptor(withAlias = false): AcceptorDeps {
  const aliased = entries.map((e) => ({
    ...e,
    components: alias.split('/'),
    principal: `${alias}@${e.realm}`,
  }));
  return {
    keys: new ServiceKeys(withAlias ? [...entries, ...aliased] : entries),
    replayCache: new MemoryReplayCache(),
    clock: frozenClock(Date.now()),
    clockSkewMs: 5 * 60_000,
  };
}

/** One change to what travels in clear around the same ticket and authenticator ciphertexts. */
interface Alteration {
  readonly what: string;
  readonly apReq?: (apReq: ApReq) => ApReq;
  readonly wrapping?: Wrapping;
}

const ticketField = (apReq: ApReq, change: Partial<ApReq['ticket']>): ApReq => ({
  ...apReq,
  ticket: { ...apReq.ticket, ...change },
});

const alterations: readonly Alteration[] = [
  {
    what: 'ticket realm in lower case',
    apReq: (r) => ticketField(r, { realm: r.ticket.realm.toLowerCase() }),
  },
  { what: 'ticket realm in mixed case', apReq: (r) => ticketField(r, { realm: 'Example.Test' }) },
  { what: 'ticket realm replaced', apReq: (r) => ticketField(r, { realm: 'OTHER.TEST' }) },
  {
    what: 'sname name-type',
    apReq: (r) =>
      ticketField(r, { sname: { ...r.ticket.sname, nameType: r.ticket.sname.nameType === 1 ? 3 : 1 } }),
  },
  {
    what: 'sname in another case',
    apReq: (r) =>
      ticketField(r, {
        sname: { ...r.ticket.sname, names: r.ticket.sname.names.map((n) => n.toUpperCase()) },
      }),
  },
  {
    what: 'ticket enc-part kvno left out',
    apReq: (r) => ticketField(r, { encPart: { ...r.ticket.encPart, kvno: undefined } }),
  },
  {
    what: 'ticket enc-part kvno changed',
    apReq: (r) =>
      ticketField(r, { encPart: { ...r.ticket.encPart, kvno: (r.ticket.encPart.kvno ?? 0) + 1 } }),
  },
  {
    what: 'ticket enc-part etype changed',
    apReq: (r) =>
      ticketField(r, { encPart: { ...r.ticket.encPart, etype: r.ticket.encPart.etype === 18 ? 17 : 18 } }),
  },
  {
    what: 'authenticator kvno added',
    apReq: (r) => ({ ...r, authenticator: { ...r.authenticator, kvno: 7 } }),
  },
  {
    what: 'authenticator etype changed',
    apReq: (r) => ({
      ...r,
      authenticator: { ...r.authenticator, etype: r.authenticator.etype === 18 ? 17 : 18 },
    }),
  },
  {
    what: 'ap-options mutual-required flipped',
    apReq: (r) => ({ ...r, apOptions: Buffer.from([(r.apOptions[0] ?? 0) ^ 0x20, 0, 0, 0]) }),
  },
  { what: 'ap-options reserved bit set', apReq: (r) => ({ ...r, apOptions: Buffer.from([0x80, 0, 0, 0]) }) },
  { what: 'ap-options cleared', apReq: (r) => ({ ...r, apOptions: Buffer.alloc(4) }) },
  { what: 're-encoded with nothing changed' },
  { what: 'SPNEGO left off (bare Kerberos token)', wrapping: { mechTypes: 'bare' } },
  {
    what: "SPNEGO offering Windows' Kerberos OID first",
    wrapping: { mechTypes: [oids.msKerberos, oids.kerberos] },
  },
  { what: 'SPNEGO also offering NTLM', wrapping: { mechTypes: [oids.kerberos, oids.ntlm] } },
  { what: "inner token framed with Windows' Kerberos OID", wrapping: { innerMech: oids.msKerberos } },
  { what: 'AP-REQ DER with non-minimal lengths', wrapping: { reencode: stretchLengths } },
];

function altered(token: Buffer, alteration: Alteration): Buffer {
  const apReq = apReqOf(token);
  return tokenOf(alteration.apReq ? alteration.apReq(apReq) : apReq, alteration.wrapping);
}

/** Whether the acceptor signs the token in; any refusal must be a typed one, never a fault. */
async function signsIn(deps: AcceptorDeps, token: Buffer): Promise<boolean> {
  try {
    await acceptNegotiate(deps, token);
    return true;
  } catch (err) {
    assert.ok(isAppError(err), `expected a typed refusal, got ${String(err)}`);
    return false;
  }
}

describe(
  'replaying a captured Kerberos token with what travels in clear changed',
  { skip: available === true ? false : available },
  () => {
    it('refuses a replay whose ticket realm differs only in letter case, with the original accepted once', async () => {
      const deps = acceptor();
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);

      const original = await signsIn(deps, token);
      const lower = await signsIn(deps, tokenOf(ticketField(apReq, { realm: 'example.test' })));
      const again = await signsIn(deps, token);

      assert.deepEqual({ original, lower, again }, { original: true, lower: false, again: false });
    });

    for (const alteration of alterations) {
      it(`signs in at most once from one authenticator: ${alteration.what}`, async () => {
        // Prepare: two fresh authenticators for the same ticket, one per order of play.
        const first = (await initiate(kdc, ccache)).token;
        const second = (await initiate(kdc, ccache)).token;
        const deps = acceptor();

        // Act: the original then the altered copy; and the altered copy first, then the original.
        const originalFirst = [await signsIn(deps, first), await signsIn(deps, altered(first, alteration))];
        const alteredFirst = [await signsIn(deps, altered(second, alteration)), await signsIn(deps, second)];

        // Assess
        assert.deepEqual(originalFirst, [true, false], 'the original is accepted, its altered copy is not');
        assert.equal(alteredFirst.filter(Boolean).length, 1, 'exactly one of the pair signs in');
      });
    }

    it('refuses a replay that names another SPN holding the same key (an account with two SPNs)', async () => {
      const deps = acceptor(true);
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);
      const [service, host] = alias.split('/') as [string, string];
      const renamed = tokenOf(
        ticketField(apReq, { sname: { ...apReq.ticket.sname, names: [service, host] } }),
      );

      const original = await signsIn(deps, token);
      const other = await signsIn(deps, renamed);

      assert.deepEqual({ original, other }, { original: true, other: false });
    });

    it('answers the service and realm of the key that opened the ticket, not its clear-text names', async () => {
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);
      const renamed = tokenOf(ticketField(apReq, { sname: { ...apReq.ticket.sname, nameType: 10 } }));

      const accepted = await acceptNegotiate(acceptor(), renamed);

      assert.equal(accepted.service, 'HTTP/localhost@EXAMPLE.TEST');
      assert.equal(accepted.serviceRealm, 'EXAMPLE.TEST');
      assert.equal(accepted.client.principal, 'alice@EXAMPLE.TEST');
    });
  },
);
