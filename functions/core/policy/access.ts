import { AppError } from '../errors.ts';
import type { DirectoryUser, Site } from '../model.ts';

export interface AccessOptions {
  readonly site: Site;
  /** Where users without enhanced presence go instead; unset = they are refused. */
  readonly legacyUrl: string | undefined;
}

/**
 * The authorization rules of the original product, checked after the credentials and the SIP URI:
 * the user must be enabled for the service, must hold the remote-access right when the request came
 * through the external site, and must be enabled for enhanced presence. Sign-in and the authorizer
 * both call this, so a rule changed in the directory takes effect on the next request.
 */
export function assertAccess(user: DirectoryUser, options: AccessOptions): void {
  if (!user.enabled) {
    throw new AppError('user_disabled', 'This account is not enabled for communications.');
  }
  if (options.site === 'external' && !user.remoteAccess) {
    throw new AppError('remote_access_denied', 'This account may not sign in from outside the organisation.');
  }
  if (!user.enhancedPresence) {
    throw new AppError(
      'enhanced_presence_required',
      'This account is not enabled for enhanced presence.',
      options.legacyUrl ? { location: options.legacyUrl } : {},
    );
  }
}

/** The access policy as a yes or no, for a session already open (its ticket's site). */
export function isAllowed(user: DirectoryUser, site: Site): boolean {
  try {
    assertAccess(user, { site, legacyUrl: undefined });
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}
