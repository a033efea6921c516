import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import { isAppError } from '../../functions/core/errors.ts';
import type { SessionMethod } from '../../functions/core/model.ts';
import {
  beginSecurityKeyEnrolment,
  finishSecurityKeyEnrolment,
} from '../../functions/core/signin/security-key.ts';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  type TwoFactorRules,
} from '../../functions/core/signin/two-factor.ts';
import type {
  FactorStore,
  SecurityKeyFactor,
  TotpFactor,
} from '../../functions/core/two-factor/factor-store.ts';

/** One user's factors in memory: enough for the enrolment rules, which only read them. */
function depsWith(factors: { totp?: TotpFactor; securityKeys?: SecurityKeyFactor[] }) {
  const audit: AuditEvent[] = [];
  const store = {
    factorsOf: () => Promise.resolve({ totp: factors.totp, securityKeys: factors.securityKeys ?? [] }),
    putPendingTotp: () => Promise.resolve(!factors.totp?.active),
    putEnrolmentChallenge: () => Promise.resolve(),
    takeEnrolmentChallenge: () => Promise.resolve(undefined),
  } as unknown as FactorStore;
  const rules: TwoFactorRules = {
    sites: ['internal'],
    requiredSites: [],
    pendingSeconds: 300,
    totpIssuer: 'Test',
  };
  return {
    audit,
    deps: {
      factors: store,
      clock: { now: () => Date.now() },
      rules,
      audit: { record: (e: AuditEvent) => audit.push(e) },
    },
  };
}

const key: SecurityKeyFactor = {
  credentialId: 'AQID',
  publicKey: 'AQID',
  counter: 0,
  transports: ['usb'],
  createdAt: 0,
};
const activeTotp: TotpFactor = { secret: 'JBSWY3DPEHPK3PXP', active: true, lastUsedStep: 0, createdAt: 0 };
const user = (authMethod: SessionMethod) => ({
  sipUri: 'sip:alice@contoso.com',
  displayName: 'Alice',
  ticketId: 'ticket-1',
  authMethod,
});
const party = { id: 'localhost', origin: 'https://localhost', name: 'Test' };
const stepUp = (err: unknown) =>
  isAppError(err) && err.code === 'two_factor_step_up_required' && err.status === 403;
const answer = { id: 'AAAA', type: 'public-key', response: {} };

describe('enrolment step-up', () => {
  it('lets any session enrol the first factor', async () => {
    for (const method of ['forms', 'kerberos', 'ntlm', 'sso'] as const) {
      const { deps } = depsWith({});
      assert.ok((await beginTotpEnrolment(deps, user(method))).secret);
      assert.ok((await beginSecurityKeyEnrolment(deps, user(method), party)).challenge);
    }
  });

  it('refuses an app to a password session of an account that has only a security key, and audits it', async () => {
    const { deps, audit } = depsWith({ securityKeys: [key] });
    await assert.rejects(beginTotpEnrolment(deps, user('forms')), stepUp);
    await assert.rejects(confirmTotpEnrolment(deps, user('forms'), '123456'), stepUp);
    assert.deepEqual(audit[0], {
      event: 'two_factor.enrolment_refused',
      method: 'totp',
      sipUri: 'sip:alice@contoso.com',
      session: audit[0]?.event === 'two_factor.enrolment_refused' ? audit[0].session : '',
      sessionMethod: 'forms',
      reason: 'two_factor_step_up_required',
    });
  });

  it('refuses another security key to any session but a two-factor one, start and finish alike', async () => {
    for (const factors of [{ securityKeys: [key] }, { totp: activeTotp }]) {
      for (const method of ['forms', 'kerberos', 'ntlm', 'sso', 'assertion', 'certificate'] as const) {
        const { deps } = depsWith(factors);
        await assert.rejects(beginSecurityKeyEnrolment(deps, user(method), party), stepUp);
        await assert.rejects(finishSecurityKeyEnrolment(deps, user(method), answer, party), stepUp);
      }
      const { deps } = depsWith(factors);
      assert.ok((await beginSecurityKeyEnrolment(deps, user('two-factor'), party)).challenge);
    }
  });

  it('does not count an app that was never confirmed as a factor', async () => {
    const { deps } = depsWith({ totp: { ...activeTotp, active: false } });
    assert.ok((await beginSecurityKeyEnrolment(deps, user('forms'), party)).challenge);
    assert.ok((await beginTotpEnrolment(deps, user('forms'))).secret);
  });

  it('lets a two-factor session add an app next to security keys', async () => {
    const { deps } = depsWith({ securityKeys: [key] });
    assert.ok((await beginTotpEnrolment(deps, user('two-factor'))).secret);
  });
});
