import { App } from 'aws-cdk-lib';
import { buildWeb } from '../web/build.ts';
import { CommunicatorStack } from './communicator-stack.ts';

/**
 * Optional settings come from CDK context, for example
 * `npx cdk deploy -c ticketIdleSeconds=900 -c legacyUrl=https://legacy.example.com/`.
 */
const app = new App();

function numberContext(name: string): number | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined ? undefined : Number(value);
}

function stringContext(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined ? undefined : String(value);
}

const webAssetPath = stringContext('webAssetPath');
// Without a prebuilt client, build the current one so `cdk synth` and `cdk deploy` need no extra step.
if (webAssetPath === undefined) await buildWeb();

/** `-c signInSettings='{"SSO_ISSUER":"https://…","SSO_CLIENT_ID":"…"}'` (JSON). */
function jsonContext(name: string): Record<string, string> | undefined {
  const value = stringContext(name);
  return value === undefined ? undefined : (JSON.parse(value) as Record<string, string>);
}

const windowsSignIn = {
  keytabSecretArn: stringContext('kerberosKeytabSecretArn'),
  servicePrincipal: stringContext('kerberosServicePrincipal'),
  realmDomains: stringContext('kerberosRealmDomains'),
  ntlmDomain: stringContext('ntlmDomain'),
};
const internalWebAclId = stringContext('internalWebAclId');
const externalWebAclId = stringContext('externalWebAclId');

new CommunicatorStack(app, 'Communicator', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ticketLifetimeSeconds: numberContext('ticketLifetimeSeconds'),
  ticketIdleSeconds: numberContext('ticketIdleSeconds'),
  legacyUrl: stringContext('legacyUrl'),
  signInSettings: jsonContext('signInSettings'),
  webAssetPath,
  windowsSignIn,
  webAclIds: {
    ...(internalWebAclId && { internal: internalWebAclId }),
    ...(externalWebAclId && { external: externalWebAclId }),
  },
  description: 'Serverless web communicator: sign-in, tickets, presence and instant messaging',
});
