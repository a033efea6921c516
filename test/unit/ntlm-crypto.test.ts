import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../functions/core/errors.ts';
import { md4, ntHash } from '../../functions/core/ntlm/md4.ts';
import { ntowfv2, verifyNtlmv2 } from '../../functions/core/ntlm/ntlmv2.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('MD4 (RFC 1320 appendix A.5)', () => {
  const vectors: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [input, expected] of vectors) {
    it(`MD4("${input.slice(0, 16)}${input.length > 16 ? '…' : ''}")`, () => {
      assert.equal(md4(Buffer.from(input)).toString('hex'), expected);
    });
  }
});

describe('NTLMv2 (MS-NLMP §4.2.4)', () => {
  // User "User", domain "Domain", password "Password", server challenge 0123456789abcdef,
  // client challenge aaaaaaaaaaaaaaaa, time 0, target info: NbDomainName "Domain", NbComputerName "Server".
  const serverChallenge = hex('0123456789abcdef');
  const avPairs = Buffer.concat([
    hex('0200 0c00'),
    Buffer.from('Domain', 'utf16le'),
    hex('0100 0c00'),
    Buffer.from('Server', 'utf16le'),
    hex('0000 0000'),
  ]);
  const blob = Buffer.concat([
    hex('0101 0000 00000000'),
    Buffer.alloc(8),
    hex('aaaaaaaaaaaaaaaa'),
    Buffer.alloc(4),
    avPairs,
    Buffer.alloc(4),
  ]);
  const proof = hex('68cd0ab851e51c96aabc927bebef6a1c');

  it('derives the NT hash and NTOWFv2 of the specification', () => {
    assert.equal(ntHash('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
    assert.equal(
      ntowfv2(ntHash('Password'), 'User', 'Domain').toString('hex'),
      '0c868a403bfd7a93a3001ef22ef02e3f',
    );
  });

  it("accepts the specification's NTLMv2 response and refuses it for another password or challenge", () => {
    const response = Buffer.concat([proof, blob]);
    assert.equal(verifyNtlmv2(response, serverChallenge, ntHash('Password'), 'User', 'Domain'), true);
    assert.equal(verifyNtlmv2(response, serverChallenge, ntHash('password'), 'User', 'Domain'), false);
    assert.equal(
      verifyNtlmv2(response, hex('0123456789abcdee'), ntHash('Password'), 'User', 'Domain'),
      false,
    );
  });

  it('refuses NTLMv1 and LM responses', () => {
    assert.throws(
      () => verifyNtlmv2(Buffer.alloc(24, 1), serverChallenge, ntHash('Password'), 'User', 'Domain'),
      (err: unknown) => isAppError(err) && err.code === 'ntlm_unsupported',
    );
  });
});
