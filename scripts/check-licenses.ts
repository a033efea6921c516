import { readFile } from 'node:fs/promises';
import { allowedLicenses, licenseReport, productionPackages } from './license-policy.ts';

/**
 * `npm run check:licenses` (part of `npm run check`, so CI runs it): every production dependency
 * in package-lock.json must carry a license compatible with the project's Apache-2.0. Prints the
 * packages per license; exits 1 naming each package whose license is refused or unknown.
 * An argument names another lockfile to check.
 */
const lockPath = process.argv[2] ?? new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(await readFile(lockPath, 'utf8')) as Parameters<typeof productionPackages>[0];
const packages = productionPackages(lock);
const report = licenseReport(packages);

console.log(`Licenses of the ${packages.length} production packages in package-lock.json:`);
for (const [license, count] of report.counts) console.log(`  ${String(count).padStart(4)}  ${license}`);

const name = (path: string) => path.replace(/^.*node_modules\//, '');
const problems = [
  ...report.refused.map((p) => `  ${name(p.path)}@${p.version}: ${String(p.license)} is not allowed`),
  ...report.unknown.map(
    (p) => `  ${name(p.path)}@${p.version}: license ${JSON.stringify(p.license ?? null)} is unknown`,
  ),
];
if (problems.length > 0) {
  console.error(
    `${problems.length} production package(s) need a review:\n${problems.join('\n')}\n` +
      `Allowed (any side of an OR, every side of an AND): ${allowedLicenses.join(', ')}.`,
  );
  process.exit(1);
}
console.log(`All compatible with Apache-2.0 (allowed: ${allowedLicenses.join(', ')}).`);
