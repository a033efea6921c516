import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppError } from '../../functions/core/errors.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { assertAccess } from '../../functions/core/policy/access.ts';

const legacyUrl = 'https://legacy.contoso.com/communicator';

function user(flags: Partial<Pick<DirectoryUser, 'enabled' | 'remoteAccess' | 'enhancedPresence'>> = {}) {
  return {
    sipUri: 'sip:alice@contoso.com',
    domain: 'CONTOSO',
    username: 'alice',
    displayName: 'Alice Ahn',
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    ...flags,
  } satisfies DirectoryUser;
}

/** Runs the policy and answers the refusal it gave, or undefined when access was allowed. */
function refusal(...args: Parameters<typeof assertAccess>): AppError | undefined {
  try {
    assertAccess(...args);
    return undefined;
  } catch (err) {
    return err as AppError;
  }
}

void describe('access policy', () => {
  void test('lets a fully enabled user in on both sites', () => {
    for (const site of ['internal', 'external'] as const) {
      assert.doesNotThrow(() => assertAccess(user(), { site, legacyUrl: undefined }));
    }
  });

  void test('refuses a disabled user with user_disabled, even on the internal site', () => {
    for (const site of ['internal', 'external'] as const) {
      const err = refusal(user({ enabled: false }), { site, legacyUrl });

      assert.equal(err?.name, 'AppError');
      assert.equal(err?.code, 'user_disabled');
      assert.equal(err?.status, 403);
    }
  });

  void test('refuses a user without remote access on the external site with remote_access_denied', () => {
    const err = refusal(user({ remoteAccess: false }), { site: 'external', legacyUrl: undefined });

    assert.equal(err?.code, 'remote_access_denied');
    assert.equal(err?.status, 403);
  });

  void test('lets a user without remote access in on the internal site', () => {
    const err = refusal(user({ remoteAccess: false }), { site: 'internal', legacyUrl: undefined });

    assert.equal(err, undefined);
  });

  void test('refuses a user without enhanced presence and points them to the legacy client when one is set', () => {
    const err = refusal(user({ enhancedPresence: false }), { site: 'internal', legacyUrl });

    assert.equal(err?.code, 'enhanced_presence_required');
    assert.deepEqual(err?.details, { location: legacyUrl });
  });

  void test('refuses a user without enhanced presence with no redirect when no legacy client is set', () => {
    const err = refusal(user({ enhancedPresence: false }), { site: 'external', legacyUrl: undefined });

    assert.equal(err?.code, 'enhanced_presence_required');
    assert.deepEqual(err?.details, {});
  });

  void test('reports a disabled account before a missing remote-access right', () => {
    const err = refusal(user({ enabled: false, remoteAccess: false, enhancedPresence: false }), {
      site: 'external',
      legacyUrl,
    });

    assert.equal(err?.code, 'user_disabled');
  });

  void test('reports a missing remote-access right before missing enhanced presence', () => {
    const err = refusal(user({ remoteAccess: false, enhancedPresence: false }), {
      site: 'external',
      legacyUrl,
    });

    assert.equal(err?.code, 'remote_access_denied');
    assert.deepEqual(err?.details, {});
  });
});
