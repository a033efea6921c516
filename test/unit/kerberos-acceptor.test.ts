import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { isAppError, type ErrorCode } from '../../functions/core/errors.ts';
import { acceptNegotiate, type AcceptorDeps } from '../../functions/core/kerberos/acceptor.ts';
import { parseKeytab, ServiceKeys } from '../../functions/core/kerberos/keytab.ts';
import { MemoryReplayCache } from '../../functions/core/kerberos/replay-cache.ts';
import { apReqOf, resealAuthenticator, ticketTimes, tokenOf } from '../support/kerberos-forge.ts';
import { initiate, mitAccepts, mitGssapiAvailable } from '../support/kerberos-initiator.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';

// Every test here compares with MIT's own initiator and acceptor (the optional kerberos package).
const kdcReady = kdcAvailable();
const available = kdcReady === true ? mitGssapiAvailable() : kdcReady;
const alice = { name: 'alice', password: 'alice-kerberos-pass' };
const service = 'HTTP/localhost@EXAMPLE.TEST';
const skew = 5 * 60_000;
let kdc: Kdc;
let keys: ServiceKeys;
let ccache: string;

before(async () => {
  if (available !== true) return;
  kdc = await startKdc({ users: [alice], services: ['HTTP/localhost', 'HTTP/elsewhere.test'] });
  keys = new ServiceKeys(parseKeytab(await readFile(kdc.keytab)), service);
  ccache = await kdc.kinit(alice);
});
after(async () => kdc?.close());

function deps(clock = frozenClock(Date.now())): AcceptorDeps {
  return { keys, replayCache: new MemoryReplayCache(), clock, clockSkewMs: skew };
}

const refusedWith = (code: ErrorCode) => (err: unknown) => {
  assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return true;
};

describe(
  'the Kerberos acceptor against a real MIT KDC',
  { skip: available === true ? false : available },
  () => {
    it("accepts a SPNEGO token from MIT's initiator, whose client then verifies our AP-REP", async () => {
      const { token, client } = await initiate(kdc, ccache);

      const accepted = await acceptNegotiate(deps(), token);

      assert.equal(accepted.client.principal, 'alice@EXAMPLE.TEST');
      assert.equal(accepted.client.name, 'alice');
      assert.equal(accepted.service, service);
      assert.equal(accepted.serviceRealm, 'EXAMPLE.TEST');
      await client.step(accepted.responseToken.toString('base64'));
      assert.equal(client.contextComplete, true);
    });

    it('accepts a bare Kerberos GSS token (no SPNEGO), mutual authentication included', async () => {
      const { token, client } = await initiate(kdc, ccache, 'HTTP@localhost', 'kerberos');

      const accepted = await acceptNegotiate(deps(), token);

      assert.equal(accepted.client.principal, 'alice@EXAMPLE.TEST');
      await client.step(accepted.responseToken.toString('base64'));
      assert.equal(client.contextComplete, true);
    });

    it("accepts the same tokens MIT's own acceptor accepts", async () => {
      const { token } = await initiate(kdc, ccache);
      const both = deps();

      assert.equal(await mitAccepts(kdc, token), 'alice@EXAMPLE.TEST');
      assert.equal((await acceptNegotiate(both, token)).client.principal, 'alice@EXAMPLE.TEST');
    });

    it('refuses a replayed token, as MIT does', async () => {
      const { token } = await initiate(kdc, ccache);
      const shared = deps();
      await acceptNegotiate(shared, token);

      await assert.rejects(acceptNegotiate(shared, token), refusedWith('kerberos_replay'));
      await mitAccepts(kdc, token);
      await assert.rejects(mitAccepts(kdc, token), /replay/i);
    });

    it('refuses a ticket for another service', async () => {
      const { token } = await initiate(kdc, ccache, 'HTTP@elsewhere.test');

      await assert.rejects(acceptNegotiate(deps(), token), refusedWith('kerberos_wrong_service'));
    });

    it('refuses a ticket sealed with a key version the keytab does not hold', async () => {
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);
      const stale = tokenOf({
        ...apReq,
        ticket: { ...apReq.ticket, encPart: { ...apReq.ticket.encPart, kvno: 99 } },
      });

      await assert.rejects(acceptNegotiate(deps(), stale), refusedWith('kerberos_wrong_key_version'));
    });

    it('refuses RC4 and DES tickets by their encryption type', async () => {
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);
      for (const etype of [23, 3]) {
        const weak = tokenOf({
          ...apReq,
          ticket: { ...apReq.ticket, encPart: { ...apReq.ticket.encPart, etype } },
        });
        await assert.rejects(acceptNegotiate(deps(), weak), refusedWith('kerberos_unsupported_etype'));
      }
    });

    it('refuses a ticket whose sealed part was altered', async () => {
      const { token } = await initiate(kdc, ccache);
      const apReq = apReqOf(token);
      const cipher = Buffer.from(apReq.ticket.encPart.cipher);
      cipher[40] = (cipher[40] ?? 0) ^ 0x10;
      const altered = tokenOf({
        ...apReq,
        ticket: { ...apReq.ticket, encPart: { ...apReq.ticket.encPart, cipher } },
      });

      await assert.rejects(acceptNegotiate(deps(), altered), refusedWith('kerberos_integrity_failed'));
    });

    it('refuses an authenticator written more than the allowed skew away from our clock', async () => {
      const { token } = await initiate(kdc, ccache);
      const { ctime } = ticketTimes(token, keys);

      await assert.rejects(
        acceptNegotiate(deps(frozenClock(ctime + skew + 2000)), token),
        refusedWith('kerberos_clock_skew'),
      );
      await assert.rejects(
        acceptNegotiate(deps(frozenClock(ctime - skew - 2000)), token),
        refusedWith('kerberos_clock_skew'),
      );
      assert.ok(await acceptNegotiate(deps(frozenClock(ctime + skew - 2000)), token));
    });

    it('refuses a short-lived ticket from the KDC once it has expired, even with a fresh authenticator', async () => {
      const shortLived = await kdc.kinit(alice, { lifetime: '10s' });
      const { token } = await initiate(kdc, shortLived);
      const { endtime } = ticketTimes(token, keys);
      const later = endtime + skew + 5000;

      const replayedLate = resealAuthenticator(token, keys, { ctime: later });

      await assert.rejects(
        acceptNegotiate(deps(frozenClock(later)), replayedLate),
        refusedWith('kerberos_ticket_expired'),
      );
    });

    it("refuses an authenticator that names someone other than the ticket's client", async () => {
      const { token } = await initiate(kdc, ccache);
      const forged = resealAuthenticator(token, keys, { cname: { nameType: 1, names: ['bob'] } });

      await assert.rejects(acceptNegotiate(deps(), forged), refusedWith('kerberos_principal_mismatch'));
    });
  },
);
