import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  defaultCost,
  hashPassword,
  verifyPassword,
  type ScryptCost,
} from '../../functions/core/directory/passwords.ts';

/** Cheap enough for tests where the cost itself is not the point. */
const cheap: ScryptCost = { logN: 10, r: 8, p: 1 };

async function medianMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

void describe('passwords', () => {
  // The only hash made at the full default cost (~0.3 s); shared by the tests that need it.
  const knownPassword = 'known user password';
  let defaultCostHash: Promise<string>;
  before(() => {
    defaultCostHash = hashPassword(knownPassword);
  });

  void test('a hash verifies its own password and no other', async () => {
    const stored = await hashPassword('correct horse battery staple', cheap);

    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
    assert.equal(await verifyPassword('Correct horse battery staple', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  void test('hashing the same password twice gives different hashes (salted)', async () => {
    const [first, second] = await Promise.all([hashPassword('same', cheap), hashPassword('same', cheap)]);

    assert.notEqual(first, second);
    assert.equal(await verifyPassword('same', first), true);
    assert.equal(await verifyPassword('same', second), true);
  });

  void test('accepts a password typed in another Unicode form (NFKC)', async () => {
    const composed = 'caf\u00e9-\u00c5ngstr\u00f6m';
    const decomposed = 'cafe\u0301-A\u030angstro\u0308m';
    const stored = await hashPassword(composed, cheap);

    assert.equal(await verifyPassword(decomposed, stored), true);
    assert.equal(await verifyPassword(composed, await hashPassword(decomposed, cheap)), true);
    assert.equal(await verifyPassword('cafe-Angstrom', stored), false);
  });

  void test('accepts compatibility forms such as full-width digits and ligatures (NFKC)', async () => {
    const stored = await hashPassword('office2024', cheap);

    assert.equal(await verifyPassword('o\ufb03ce\uff12\uff10\uff12\uff14', stored), true);
  });

  void test('records its cost in the stored hash and verifies with that cost later', async () => {
    const stored = await hashPassword('s3cret', cheap);
    const raised = await hashPassword('s3cret', { logN: 11, r: 8, p: 2 });

    assert.match(stored, /^scrypt\$10\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    assert.match(raised, /^scrypt\$11\$8\$2\$/);
    // Neither matches the default cost, so they only verify if the embedded cost is used.
    assert.equal(await verifyPassword('s3cret', stored), true);
    assert.equal(await verifyPassword('s3cret', raised), true);
    assert.equal(await verifyPassword('s3cret', stored.replace(/^scrypt\$10\$/, 'scrypt$11$')), false);
  });

  void test('uses the default cost when none is given', async () => {
    const stored = await defaultCostHash;

    assert.ok(stored.startsWith(`scrypt$${defaultCost.logN}$${defaultCost.r}$${defaultCost.p}$`));
    assert.equal(await verifyPassword(knownPassword, stored), true);
  });

  void test('answers false for an unknown user (no stored hash)', async () => {
    assert.equal(await verifyPassword(knownPassword, undefined), false);
  });

  void test('answers false for a malformed stored hash without throwing', async () => {
    const good = await hashPassword('pw', cheap);
    const [scheme, logN, r, p, salt, hash] = good.split('$');
    // Each falls back to the dummy hash at the default cost, so keep the list short and run it at once.
    const malformed = [
      '',
      `bcrypt$${logN}$${r}$${p}$${salt}$${hash}`,
      `scrypt$${logN}$${r}$${p}$${salt}$`,
      `scrypt$abc$${r}$${p}$${salt}$${hash}`,
      `scrypt$21$${r}$${p}$${salt}$${hash}`,
      `${scheme}$${logN}$${r}$${p}$${salt}$${hash?.slice(0, 20)}`,
    ];

    const answers = await Promise.all(malformed.map((stored) => verifyPassword('pw', stored)));

    assert.deepEqual(
      answers,
      malformed.map(() => false),
    );
  });

  void test('answers false for a stored hash whose cost is within the parsed range but beyond the memory limit', async () => {
    const salt = Buffer.alloc(16, 1).toString('base64');
    const hash = Buffer.alloc(32, 2).toString('base64');

    for (const cost of ['20$8$1', '10$99999999$1', '10$8$999999999']) {
      assert.equal(await verifyPassword('pw', `scrypt$${cost}$${salt}$${hash}`), false, `cost ${cost}`);
    }
  });

  void test('takes about as long for an unknown user as for a known one', async () => {
    const stored = await defaultCostHash;

    const known = await medianMs(3, () => verifyPassword('wrong guess', stored));
    const unknown = await medianMs(3, () => verifyPassword('wrong guess', undefined));

    // A sanity check, not a measurement: the unknown-user path must do the same scrypt work.
    const ratio = unknown / known;
    assert.ok(ratio > 0.5 && ratio < 2, `unknown ${unknown.toFixed(0)} ms vs known ${known.toFixed(0)} ms`);
  });
});
