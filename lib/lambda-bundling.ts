import { tables } from '../functions/core/storage/tables.ts';
import { directoryProviderOf } from '../functions/directory-config.ts';

/**
 * How every handler is bundled for Lambda, shared by the stack (NodejsFunction) and the benchmark
 * that measures the bundles: ESM for Node.js 22, minified, the AWS SDK included at the lock file's
 * tested versions.
 */

/**
 * Lets CommonJS dependencies call `require` inside the ESM bundle. The alias keeps the banner's names
 * clear of anything esbuild emits at the top level.
 */
export const requireBanner =
  "import { createRequire as __bannerCreateRequire } from 'node:module'; const require = __bannerCreateRequire(import.meta.url);";

/**
 * Modules replaced in the Lambda bundles, and by what: paths relative to the repository root, the
 * working directory esbuild runs in.
 */
export const lambdaAliases: Readonly<Record<string, string>> = {
  // Lambda's credentials are always in the environment (see functions/lambda-credentials.ts).
  '@aws-sdk/credential-provider-node': './functions/lambda-credentials.ts',
};

/** The aliases as esbuild command-line arguments (how NodejsFunction passes extra options). */
export const lambdaAliasArgs: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(lambdaAliases).map(([module, replacement]) => [`--alias:${module}`, replacement]),
);

/**
 * Replacements made at bundling for what a deployment leaves out. Without LDAP (the built-in
 * directory, `DIRECTORY_PROVIDER` unset or `builtin`) the LDAP client is a dead branch of
 * `functions/directory-deps.ts` that esbuild drops: 50 KB less in every handler that builds the
 * directory, to download and compile at each cold start.
 */
export function lambdaDefines(settings: Readonly<Record<string, string>> = {}): Record<string, string> {
  // Read as the handlers read it, so a value they take for `ldap` (` ldap `) is bundled with LDAP.
  return directoryProviderOf(settings) === 'ldap' ? {} : { 'process.env.CWA_BUNDLE_LDAP': '"false"' };
}

/**
 * The same bundling as esbuild build options, for code that bundles handlers itself (the benchmark,
 * the bundling test): ESM for Node.js 22, minified, the banner and the aliases above, and the
 * replacements of a deployment with the built-in directory (add `lambdaDefines(settings)` for others).
 */
export const lambdaBuildOptions = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: requireBanner },
  alias: { ...lambdaAliases },
  define: lambdaDefines(),
} as const;

/**
 * An environment like the one the stack gives every function (lib/constructs/handler-function.ts,
 * lib/communicator-stack.ts: table names, secret ARNs, the sites' public origins) and Lambda itself
 * (the region, the function's name), for loading a bundle outside Lambda (the benchmark's cold
 * loads, the cold start tests): every function checks its settings as it loads when Lambda names it
 * (functions/startup-check.ts). Nothing named here is reached at load.
 */
export const lambdaLikeEnvironment: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.values(tables).map((table) => [table.envVar, `cwa-${table.envVar}`])),
  SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TicketSigningKey-AbCdEf',
  ORIGIN_VERIFY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OriginVerify-AbCdEf',
  PUBLIC_ORIGIN_INTERNAL: 'https://im.contoso.test',
  PUBLIC_ORIGIN_EXTERNAL: 'https://d111111abcdef8.cloudfront.net',
  POWERTOOLS_SERVICE_NAME: 'web-communicator',
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'cwa-cold-start',
};
