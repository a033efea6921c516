import satisfies from 'spdx-satisfies';

/**
 * Licenses a production dependency may carry in an Apache-2.0 project: permissive licenses that
 * ask at most for a notice (the Apache Software Foundation's "category A"). Copyleft (GPL, LGPL,
 * AGPL, MPL, EPL ...) and anything unknown need a person's review before they ship.
 */
export const allowedLicenses: readonly string[] = [
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'MIT-0',
  'Python-2.0',
  'Unlicense',
  'Zlib',
];

export type Verdict = 'allowed' | 'refused' | 'unknown';

/**
 * What the policy says of one package's declared license, an SPDX expression: `allowed` when the
 * allowed licenses satisfy it (one side of an OR is enough, both sides of an AND are needed),
 * `unknown` when it is missing or not SPDX (`UNLICENSED`, `SEE LICENSE IN ...`, `Custom`).
 */
export function licenseVerdict(license: unknown): Verdict {
  if (typeof license !== 'string' || license.trim() === '') return 'unknown';
  try {
    return satisfies(license.trim(), allowedLicenses) ? 'allowed' : 'refused';
  } catch {
    return 'unknown';
  }
}

/** One entry of package-lock.json's `packages` (lockfile v2/v3), as far as licenses go. */
export interface LockedPackage {
  readonly version?: string;
  readonly license?: unknown;
  readonly dev?: boolean;
  readonly link?: boolean;
}

export interface ProductionPackage {
  readonly path: string;
  readonly version: string;
  readonly license: unknown;
}

/**
 * The packages an install without dev dependencies (`npm ci --omit=dev`, what the Lambda bundles
 * are built from) brings. npm marks dev-only packages `"dev": true`; `"optional"` and
 * `"devOptional"` ones are installed in production too (devOptional: needed by a dev package
 * and by an optional one), so they are checked. A `link` is checked at its target's own entry.
 */
export function productionPackages(lock: {
  readonly lockfileVersion?: number;
  readonly packages?: Readonly<Record<string, LockedPackage>>;
}): ProductionPackage[] {
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new Error('package-lock.json has no "packages" (lockfile v2 or v3 is needed)');
  }
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true && entry.link !== true)
    .map(([path, entry]) => ({ path, version: entry.version ?? '?', license: entry.license }));
}

export interface LicenseReport {
  /** Production packages per declared license, most used first. */
  readonly counts: readonly (readonly [license: string, packages: number])[];
  readonly refused: readonly ProductionPackage[];
  readonly unknown: readonly ProductionPackage[];
}

export function licenseReport(packages: readonly ProductionPackage[]): LicenseReport {
  const counts = new Map<string, number>();
  const refused: ProductionPackage[] = [];
  const unknown: ProductionPackage[] = [];
  for (const pkg of packages) {
    const name = typeof pkg.license === 'string' ? pkg.license : '(none)';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const verdict = licenseVerdict(pkg.license);
    if (verdict === 'refused') refused.push(pkg);
    if (verdict === 'unknown') unknown.push(pkg);
  }
  return {
    counts: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    refused,
    unknown,
  };
}
