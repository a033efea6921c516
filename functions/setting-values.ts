import { X509Certificate } from 'node:crypto';
import { ConfigError } from './config.ts';
import { sites, type Site } from './core/model.ts';

/** Settings values shared by the sign-in methods' configuration readers. */

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `NAME=internal,external`: the sites a setting names. Unset or empty gives `whenUnset`; `none` gives
 * no site where `allowNone` says it may. Anything else fails at start, naming the setting.
 */
export function readSiteList(
  env: Env,
  name: string,
  whenUnset: readonly Site[],
  options: { readonly allowNone?: boolean } = {},
): Site[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...whenUnset];
  if (options.allowNone && raw.trim() === 'none') return [];
  const named = raw.split(',').map((s) => s.trim().toLowerCase());
  if (named.some((entry) => !sites.includes(entry as Site))) {
    throw new ConfigError(
      `${name} must list internal and/or external${options.allowNone ? ', or be none' : ''}`,
    );
  }
  return sites.filter((site) => named.includes(site));
}

/**
 * `NAME=contoso.com=CONTOSO,fabrikam.com=FABRIKAM`: which directory domain each DNS domain's accounts
 * belong to (DNS domains upper-cased for lookup). Unset gives an empty map.
 */
export function readAccountDomains(env: Env, name: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (env[name] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [dns, domain, ...rest] = pair.split('=').map((p) => p.trim());
    if (!dns || !domain || rest.length > 0) {
      throw new ConfigError(`${name} must look like contoso.com=CONTOSO,fabrikam.com=FABRIKAM`);
    }
    map.set(dns.toUpperCase(), domain);
  }
  return map;
}

/** PEM text holding one certificate or more, each of which parses; else a ConfigError naming `setting`. */
export function checkCertificatesPem(pem: string, setting: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${setting} holds no PEM certificate`);
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new ConfigError(`${setting}: certificate ${index + 1} does not parse: ${(err as Error).message}`);
    }
  });
}
