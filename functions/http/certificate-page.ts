/** The path of smart card sign-in, on a site and on its mutual-TLS sign-in domain alike. */
export const certificatePath = '/auth/certificate';

/** How smart card refusal pages name the method. */
export const certificatePage = { title: 'Smart card sign-in', retryPath: certificatePath } as const;

/**
 * The handler module of a site's mutual-TLS sign-in domain (AWS): on no site's API, so not in the
 * route table; the stack gives each such domain its function.
 */
export const certificateDomainModule = 'http/certificate-domain-sign-in';
