import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { isAppError, type ErrorCode } from '../../functions/core/errors.ts';
import {
  answerProves,
  assertTargetName,
  issueChallenge,
  readAnswer,
  type NtlmAcceptorDeps,
} from '../../functions/core/ntlm/acceptor.ts';
import { MemoryNtlmChallengeStore, type IssuedChallenge } from '../../functions/core/ntlm/challenge-store.ts';
import { ntHash } from '../../functions/core/ntlm/md4.ts';
import { avIds, parseAvPairs } from '../../functions/core/ntlm/messages.ts';
import { accountOfAnswer } from '../../functions/core/signin/windows-ntlm.ts';
import { authenticateMessage, negotiateMessage, readChallenge } from '../support/ntlm-client.ts';

const alice = { user: 'alice', domain: 'CONTOSO', password: 'alice-ntlm-pass' };

function acceptor(): NtlmAcceptorDeps & { clock: ReturnType<typeof frozenClock> } {
  return {
    challenges: new MemoryNtlmChallengeStore(),
    clock: frozenClock(Date.parse('2025-03-01T10:00:00Z')),
    domain: 'CONTOSO',
    computerName: 'COMMUNICATOR',
    challengeMs: 60_000,
  };
}

const refusedWith = (code: ErrorCode) => (err: unknown) => isAppError(err) && err.code === code;

describe('NTLM acceptor', () => {
  it('challenges with the target information NTLMv2 needs, in Unicode when the client asks for it', async () => {
    const deps = acceptor();

    const challenge = readChallenge(await issueChallenge(deps, negotiateMessage()));

    assert.ok(challenge.flags & 0x00800000, 'NTLMSSP_NEGOTIATE_TARGET_INFO');
    assert.ok(challenge.flags & 0x1, 'Unicode');
    assert.equal(challenge.flags & 0x40000000, 0, 'no key exchange');
    const pairs = parseAvPairs(challenge.targetInfo);
    assert.equal(pairs.find((p) => p.id === avIds.nbDomainName)?.value.toString('utf16le'), 'CONTOSO');
    assert.ok(pairs.some((p) => p.id === avIds.timestamp));
  });

  it('speaks OEM to a client that does not offer Unicode (curl)', async () => {
    const deps = acceptor();
    const curlFlags = 0x000a8206; // OEM, request target, NTLM, always sign, NTLM2 key

    const message = await issueChallenge(deps, negotiateMessage(curlFlags));
    const answer = await readAnswer(deps, authenticateMessage(message, alice));

    assert.equal(readChallenge(message).flags & 0x1, 0);
    assert.equal(answer.user, 'alice');
    assert.equal(answerProves(answer, ntHash(alice.password)), true);
  });

  it("accepts the right password's answer and refuses another password's", async () => {
    const deps = acceptor();
    const first = await issueChallenge(deps, negotiateMessage());
    const second = await issueChallenge(deps, negotiateMessage());

    const right = await readAnswer(deps, authenticateMessage(first, alice));
    const wrong = await readAnswer(deps, authenticateMessage(second, { ...alice, password: 'guess' }));

    assert.equal(answerProves(right, ntHash(alice.password)), true);
    assert.equal(answerProves(wrong, ntHash(alice.password)), false);
  });

  it('checks the MIC over the three messages when the client sends one', async () => {
    const deps = acceptor();
    const negotiate = negotiateMessage();
    const good = await issueChallenge(deps, negotiate);
    const forged = await issueChallenge(deps, negotiate);
    // A MIC computed over a NEGOTIATE message other than the one we saw (flags changed in transit).
    const otherNegotiate = negotiateMessage(0x00088205);

    const accepted = await readAnswer(deps, authenticateMessage(good, { ...alice, mic: true, negotiate }));
    const tampered = await readAnswer(
      deps,
      authenticateMessage(forged, { ...alice, mic: true, negotiate: otherNegotiate }),
    );

    assert.ok(accepted.mic);
    assert.equal(answerProves(accepted, ntHash(alice.password)), true);
    assert.equal(answerProves(tampered, ntHash(alice.password)), false);
  });

  it('finds the challenge from the answer alone: no cookie, any instance sharing the store', async () => {
    const store = new MemoryNtlmChallengeStore();
    const first = { ...acceptor(), challenges: store };
    const second = { ...acceptor(), challenges: store };

    const message = await issueChallenge(first, negotiateMessage());
    const answer = await readAnswer(second, authenticateMessage(message, alice));

    assert.equal(answerProves(answer, ntHash(alice.password)), true);
  });

  it('lets each challenge be answered once', async () => {
    const deps = acceptor();
    const answer = authenticateMessage(await issueChallenge(deps, negotiateMessage()), alice);
    await readAnswer(deps, answer);

    await assert.rejects(readAnswer(deps, answer), refusedWith('ntlm_challenge_expired'));
  });

  it('refuses an answer that comes after the challenge expired', async () => {
    const deps = acceptor();
    const answer = authenticateMessage(await issueChallenge(deps, negotiateMessage()), alice);
    deps.clock.advance(60_000);

    await assert.rejects(readAnswer(deps, answer), refusedWith('ntlm_challenge_expired'));
  });

  it('refuses NTLMv1 and anonymous answers', async () => {
    const deps = acceptor();
    const v1 = authenticateMessage(await issueChallenge(deps, negotiateMessage()), {
      ...alice,
      ntlmv1: true,
    });
    const anonymous = authenticateMessage(await issueChallenge(deps, negotiateMessage()), {
      ...alice,
      user: '',
    });

    await assert.rejects(readAnswer(deps, v1), refusedWith('ntlm_unsupported'));
    await assert.rejects(readAnswer(deps, anonymous), refusedWith('ntlm_unsupported'));
  });

  it('answers 2,000 mutated messages with a clear refusal code, never anything else', async () => {
    // A store that never forgets, so mutated answers also reach the proof and MIC checks.
    const issued = new Map<string, IssuedChallenge>();
    const deps: NtlmAcceptorDeps = {
      ...acceptor(),
      challenges: {
        put: async (challenge) => void issued.set(challenge.challengeId, challenge),
        take: async (id) => issued.get(id),
      },
    };
    const negotiate = negotiateMessage();
    const real = [
      negotiate,
      authenticateMessage(await issueChallenge(deps, negotiate), { ...alice, mic: true }),
    ];
    let state = 0x9e3779b9;
    const next = (limit: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % limit;
    };
    const allowed = new Set(['negotiate_malformed', 'ntlm_unsupported', 'ntlm_challenge_expired']);

    for (let i = 0; i < 2000; i++) {
      const source = real[next(real.length)] ?? negotiate;
      const copy = Buffer.from(source);
      if (next(2) === 0) for (let n = 0; n < 1 + next(4); n++) copy[next(copy.length)] = next(256);
      const mutated = next(3) === 0 ? copy.subarray(0, next(copy.length)) : copy;
      try {
        if (mutated.length >= 12 && mutated.readUInt32LE(8) === 1) await issueChallenge(deps, mutated);
        else {
          const answer = await readAnswer(deps, mutated);
          answerProves(answer, ntHash(alice.password));
        }
      } catch (err) {
        assert.ok(isAppError(err) && allowed.has(err.code), `case ${i}: ${String(err)}`);
      }
    }
  });
});

describe('NTLM relay protection: the target name (MsvAvTargetName) must be this site', () => {
  /** A Chromium-like answer (MIC, zero channel bindings, target name) for `targetName`. */
  async function answerFor(targetName: string | undefined) {
    const deps = acceptor();
    const negotiate = negotiateMessage();
    const message = await issueChallenge(deps, negotiate);
    return readAnswer(
      deps,
      authenticateMessage(message, {
        ...alice,
        mic: true,
        negotiate,
        ...(targetName === undefined ? {} : { targetName }),
      }),
    );
  }
  const mismatch = (run: () => void) => assert.throws(run, refusedWith('ntlm_target_mismatch'));

  it('reads the target name and channel bindings Chromium sends, and accepts an answer made for this host', async () => {
    const answer = await answerFor('HTTP/localhost:8443');

    assert.equal(answer.targetName, 'HTTP/localhost:8443');
    assert.deepEqual(answer.channelBindings, Buffer.alloc(16));
    assert.equal(answerProves(answer, ntHash(alice.password)), true);
    assertTargetName(answer, ['https://localhost:8443']);
    assertTargetName(answer, ['https://LocalHost:8443']);
  });

  it('accepts the SPN without a port (Windows), and the default port of an origin that names none', () => {
    assertTargetName({ targetName: 'HTTP/communicator.contoso.com' }, ['https://communicator.contoso.com']);
    assertTargetName({ targetName: 'http/Communicator.Contoso.COM' }, [
      'https://communicator.contoso.com:8443',
    ]);
    assertTargetName({ targetName: 'HTTP/communicator.contoso.com:443' }, [
      'https://communicator.contoso.com',
    ]);
    assertTargetName({ targetName: 'HTTP/communicator:80' }, ['http://communicator']);
    assertTargetName({ targetName: 'HTTP/[::1]:8443' }, ['https://[::1]:8443']);
  });

  it('accepts a name made for any of the site’s public origins', () => {
    const origins = ['http://localhost:8080', 'http://127.0.0.1:8080'];
    assertTargetName({ targetName: 'HTTP/localhost:8080' }, origins);
    assertTargetName({ targetName: 'HTTP/127.0.0.1:8080' }, origins);
    mismatch(() => assertTargetName({ targetName: 'HTTP/127.0.0.2:8080' }, origins));
  });

  it('refuses a forged or relayed answer made for another server', async () => {
    // The victim's client answered evil.example; the attacker relays the answer to this site.
    const relayed = await answerFor('HTTP/evil.example');
    assert.equal(answerProves(relayed, ntHash(alice.password)), true, 'a genuine answer, for another host');
    const site = ['https://communicator.contoso.com'];
    mismatch(() => assertTargetName(relayed, site));
    mismatch(() => assertTargetName({ targetName: 'HTTP/localhost:9999' }, ['https://localhost:8443']));
    mismatch(() => assertTargetName({ targetName: 'HTTP/localhost:8443' }, ['https://localhost']));
    mismatch(() => assertTargetName({ targetName: 'HTTP/communicator.contoso.com:80' }, site));
    mismatch(() => assertTargetName({ targetName: 'CIFS/communicator.contoso.com' }, site));
    mismatch(() => assertTargetName({ targetName: 'communicator.contoso.com' }, site));
    mismatch(() => assertTargetName({ targetName: 'HTTP/communicator.contoso.com.evil.example' }, site));
    mismatch(() => assertTargetName({ targetName: 'HTTP/communicator.contoso.com' }, []));
  });

  it('cannot be rewritten by a relay: the target name is under the NTLMv2 proof', async () => {
    const deps = acceptor();
    const message = await issueChallenge(deps, negotiateMessage());
    const token = authenticateMessage(message, { ...alice, targetName: 'HTTP/evil.example' });
    // Same length, so the message stays well formed: only the signed bytes change.
    const from = Buffer.from('HTTP/evil.example', 'utf16le');
    const to = Buffer.from('HTTP/good.example', 'utf16le');
    const at = token.indexOf(from);
    assert.ok(at > 0);
    to.copy(token, at);

    const rewritten = await readAnswer(deps, token);
    assert.equal(rewritten.targetName, 'HTTP/good.example');
    assert.equal(answerProves(rewritten, ntHash(alice.password)), false);
  });

  it("accepts an answer without a target name (curl's), and refuses a target name that is not UTF-16", async () => {
    const curl = await answerFor(undefined);
    assert.equal(curl.targetName, undefined);
    assertTargetName(curl, ['https://communicator.contoso.com']);

    const deps = acceptor();
    const message = await issueChallenge(deps, negotiateMessage());
    const token = authenticateMessage(message, { ...alice, targetName: 'HTTP/x' });
    // MsvAvTargetName (9) of 12 bytes becomes 11: the pairs still parse, the name is not UTF-16.
    const header = Buffer.from([9, 0, 12, 0]);
    const at = token.indexOf(header);
    token.writeUInt16LE(11, at + 2);
    await assert.rejects(readAnswer(deps, token), refusedWith('negotiate_malformed'));
  });
});

describe('Which account an NTLM answer names', () => {
  const deps = { realmDomains: new Map([['CONTOSO.COM', 'CONTOSO']]) };

  it('takes a NetBIOS domain as it is, a DNS domain as its realm, and none as the server domain', () => {
    assert.deepEqual(accountOfAnswer({ user: 'alice', domain: 'contoso' }, deps, 'CONTOSO'), {
      domain: 'CONTOSO',
      username: 'alice',
    });
    assert.deepEqual(accountOfAnswer({ user: 'alice', domain: 'contoso.com' }, deps, 'CONTOSO'), {
      domain: 'CONTOSO',
      username: 'alice',
    });
    assert.deepEqual(accountOfAnswer({ user: 'alice', domain: '' }, deps, 'CONTOSO'), {
      domain: 'CONTOSO',
      username: 'alice',
    });
    assert.deepEqual(accountOfAnswer({ user: 'alice@contoso.com', domain: '' }, deps, 'CONTOSO'), {
      domain: 'CONTOSO',
      username: 'alice',
    });
  });
});
