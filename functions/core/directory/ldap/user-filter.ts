import { FilterParser, type Filter } from 'ldapts';
import { ConfigError } from '../../../config.ts';

/**
 * The configured filter every user lookup is narrowed by (`LDAP_USER_FILTER`, or the schema's), parsed
 * once: by the LDAP directory when it is built, and by `cdk synth` when it checks a deployment's
 * settings. Kept out of `directory-config.ts` so a deployment without LDAP bundles no LDAP code.
 */
export function parseUserFilter(value: string): Filter {
  try {
    return FilterParser.parseString(value);
  } catch (err) {
    throw new ConfigError(`LDAP_USER_FILTER is not an LDAP filter: ${(err as Error).message}`);
  }
}
