import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildWeb } from '../web/build.ts';
import { CommunicatorStack } from './communicator-stack.ts';
import { DeployConfigError, readDeployConfig } from './deploy-config.ts';
import { FirewallStack } from './firewall-stack.ts';
import { applyBestPracticeChecks } from './checks.ts';

/**
 * The deployment comes from one configuration file (docs/deploy-aws.md):
 * `-c config=path/to/file.json`, else `deploy.config.json`, else the committed example (so
 * `cdk synth` works on a fresh checkout; never deploy the example as it is).
 */
const app = new App();
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const named: unknown = app.node.tryGetContext('config');
const candidates =
  named === undefined ? ['deploy.config.json', 'deploy.config.example.json'] : [String(named)];
const configPath = candidates.map((path) => resolve(repositoryRoot, path)).find((path) => existsSync(path));
if (!configPath) throw new Error(`no deployment configuration at ${candidates.join(' or ')}`);
if (configPath.endsWith('deploy.config.example.json')) {
  console.warn(
    'Using deploy.config.example.json: copy it to deploy.config.json and fill in your own values.',
  );
}

let deployment;
try {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new DeployConfigError(configPath, [`is not valid JSON: ${(err as Error).message}`]);
  }
  deployment = readDeployConfig(parsed, configPath);
} catch (err) {
  if (!(err instanceof DeployConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const webAssetPath: unknown = app.node.tryGetContext('webAssetPath');
// Without a prebuilt client, build the current one so `cdk synth` and `cdk deploy` need no extra step.
if (webAssetPath === undefined) await buildWeb();

const account = deployment.account ?? process.env.CDK_DEFAULT_ACCOUNT;
// CloudFront takes web ACLs from us-east-1 only, so the firewall is a stack of its own there.
const firewall = new FirewallStack(app, 'CommunicatorFirewall', {
  env: { account, region: 'us-east-1' },
  internalNetworks: deployment.internalNetworks,
  ...deployment.firewall,
  description: 'Web communicator: WAF web ACLs of the two sites (CloudFront scope, us-east-1)',
});
const communicator = new CommunicatorStack(app, 'Communicator', {
  env: { account, region: deployment.region },
  crossRegionReferences: deployment.region !== 'us-east-1',
  ...deployment.stack,
  webAclArns: firewall.webAclArns,
  ...(webAssetPath !== undefined && { webAssetPath: String(webAssetPath) }),
  description: 'Serverless web communicator: sign-in, tickets, presence and instant messaging',
});
communicator.addStackDependency(firewall);

// cdk-nag (AWS Solutions rules) on every synthesis: an unreviewed finding is an error.
applyBestPracticeChecks(app, [firewall, communicator]);
