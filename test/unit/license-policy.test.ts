import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { licenseReport, licenseVerdict, productionPackages } from '../../scripts/license-policy.ts';

const checkScript = fileURLToPath(new URL('../../scripts/check-licenses.ts', import.meta.url));

describe('license policy for production dependencies', () => {
  it('allows permissive licenses, and an OR when one side is allowed', () => {
    for (const license of [
      'MIT',
      'Apache-2.0',
      'BSD-3-Clause',
      '0BSD',
      '(MIT OR WTFPL)',
      'GPL-3.0-only OR MIT',
    ]) {
      assert.equal(licenseVerdict(license), 'allowed', license);
    }
    assert.equal(licenseVerdict('(BSD-2-Clause OR MIT OR Apache-2.0)'), 'allowed');
    assert.equal(licenseVerdict('MIT AND ISC'), 'allowed');
  });

  it('refuses copyleft licenses, and an AND when one side is refused', () => {
    for (const license of [
      'GPL-3.0-only',
      'AGPL-3.0-or-later',
      'LGPL-2.1-only',
      'MPL-2.0',
      'MIT AND CC-BY-SA-4.0',
    ]) {
      assert.equal(licenseVerdict(license), 'refused', license);
    }
  });

  it('calls a missing or non-SPDX license unknown', () => {
    for (const license of [
      undefined,
      '',
      'UNLICENSED',
      'SEE LICENSE IN LICENSE.txt',
      'Custom',
      { type: 'MIT' },
    ]) {
      assert.equal(licenseVerdict(license), 'unknown', JSON.stringify(license));
    }
  });

  it('checks what a production install brings: optional and devOptional packages, not dev ones', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { version: '1.0.0', license: 'Apache-2.0' },
        'node_modules/runtime': { version: '1.0.0', license: 'MIT' },
        'node_modules/tool': { version: '1.0.0', license: 'GPL-3.0-only', dev: true },
        'node_modules/native': { version: '2.0.0', license: 'Apache-2.0', optional: true },
        'node_modules/shared': { version: '3.0.0', license: 'ISC', devOptional: true },
        'node_modules/runtime/node_modules/nested': { version: '0.1.0' },
        'node_modules/workspace': { link: true },
      },
    };

    const report = licenseReport(productionPackages(lock));

    assert.deepEqual(report.counts, [
      ['(none)', 1],
      ['Apache-2.0', 1],
      ['ISC', 1],
      ['MIT', 1],
    ]);
    assert.deepEqual(
      report.unknown.map((p) => p.path),
      ['node_modules/runtime/node_modules/nested'],
    );
    assert.deepEqual(report.refused, []);
  });

  it('refuses a lockfile without the packages section (lockfile v1)', () => {
    assert.throws(() => productionPackages({ lockfileVersion: 1 }), /lockfile v2 or v3/);
  });

  it("the check fails naming the package whose license is refused, and passes on the project's own lockfile", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cwa-licenses-'));
    try {
      const lockfile = join(dir, 'package-lock.json');
      await writeFile(
        lockfile,
        JSON.stringify({
          lockfileVersion: 3,
          packages: {
            '': {},
            'node_modules/fine': { version: '1.0.0', license: 'MIT' },
            'node_modules/copyleft': { version: '4.2.0', license: 'GPL-2.0-only' },
          },
        }),
      );

      const refused = await runCheck([lockfile]);
      const own = await runCheck([]);

      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /copyleft@4\.2\.0: GPL-2\.0-only is not allowed/);
      assert.match(refused.stdout, /1 {2}MIT/);
      assert.equal(own.code, 0, own.stderr);
      assert.match(own.stdout, /All compatible with Apache-2\.0/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function runCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', checkScript, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
