import { installSlapdTools, slapdTools } from '../../local/slapd.ts';
import { toolsAvailable } from './daemon.ts';

export {
  communicatorSchemaFile,
  installSlapdTools,
  ldapClientTools,
  slapdBaseDn,
  slapdTools,
  startSlapd,
  type Slapd,
  type SlapdOptions,
  type SlapdPerson,
} from '../../local/slapd.ts';

/**
 * Whether a real slapd can be started here. In CI a missing tool fails the suite loudly (`.ci/run`
 * installs it); on a developer's machine the suite is skipped with the reason printed.
 */
export function slapdAvailable(): true | string {
  return toolsAvailable(slapdTools, installSlapdTools);
}
