import { installKerberosTools, kerberosTools } from '../../local/mit-kdc.ts';
import { toolsAvailable } from './daemon.ts';

export { kerberosTools, startKdc, type Kdc, type KdcOptions, type KdcUser } from '../../local/mit-kdc.ts';

/**
 * Whether a real KDC can be started here. In CI a missing tool fails the suite loudly (`.ci/run`
 * installs them); on a developer's machine the suite is skipped with the reason printed.
 */
export function kdcAvailable(): true | string {
  return toolsAvailable(kerberosTools, installKerberosTools);
}
