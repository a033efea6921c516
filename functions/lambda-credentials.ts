import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node`'s `defaultProvider` in the Lambda bundles (an
 * esbuild alias, see lib/lambda-bundling.ts). Lambda gives every function its role's credentials in
 * environment variables, the first source the default chain tries; its other sources (SSO, web
 * identity, profile files, processes, instance metadata) and the STS and SSO clients they carry are
 * dead code in Lambda, and about a quarter of each bundle. Locally the full chain still runs.
 */
export const defaultProvider = (init?: FromEnvInit): ReturnType<typeof fromEnv> => fromEnv(init);
