/** The path of smart card sign-in, on a site and on its mutual-TLS sign-in domain alike. */
export const certificatePath = '/auth/certificate';

/** How smart card refusal pages name the method. */
export const certificatePage = { title: 'Smart card sign-in', retryPath: certificatePath } as const;
