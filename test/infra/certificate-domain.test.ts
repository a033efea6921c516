import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { applyBestPracticeChecks } from '../../lib/checks.ts';
import { CommunicatorStack } from '../../lib/communicator-stack.ts';
import { readDeployConfig } from '../../lib/deploy-config.ts';
import { FirewallStack, managedRuleGroups } from '../../lib/firewall-stack.ts';
import { reasons } from '../../lib/nag-suppressions.ts';

// Smart card sign-in as deployed (docs/sign-in/smart-cards.md, "On AWS"): the internal site offers
// it, from deploy.config.json, with a truststore and a CRL. Synthesized without bundling the
// handlers (test/infra/stack.test.ts bundles and checks them), with cdk-nag as `cdk synth` runs it.
const fixtures = fileURLToPath(new URL('../fixtures/smart-cards/', import.meta.url));
const webDist = mkdtempSync(join(tmpdir(), 'communicator-web-'));
mkdirSync(join(webDist, 'app'));
writeFileSync(join(webDist, 'app', 'index.html'), '<!doctype html>');
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const app = new App({
  context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  outdir: mkdtempSync(join(tmpdir(), 'communicator-cdk-')),
  builtinCloudFormationValidation: false,
});
const regionalCertificateArn =
  'arn:aws:acm:eu-west-1:111111111111:certificate/87654321-4321-4321-4321-210987654321';
const deployment = readDeployConfig(
  {
    region: 'eu-west-1',
    internalNetworks: ['10.0.0.0/8', '2001:db8::/32'],
    sites: {
      internal: {
        domainName: 'im.corp.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012',
        signInMethods: ['forms', 'certificate'],
        certificateSignIn: {
          domainName: 'smartcard.im.corp.example.com',
          certificateArn: regionalCertificateArn,
          truststoreFile: 'truststore.pem',
          crlFile: 'revocation-lists.crl',
        },
      },
      external: { signInMethods: ['forms'] },
    },
    identityProviders: { CLIENT_CERT_USER_FIELD: 'email' },
  },
  join(fixtures, 'deploy.config.json'),
);
const firewall = new FirewallStack(app, 'CommunicatorFirewall', {
  env: { account: '111111111111', region: 'us-east-1' },
  internalNetworks: deployment.internalNetworks,
  ...deployment.firewall,
});
const stack = new CommunicatorStack(app, 'Communicator', {
  ...deployment.stack,
  webAssetPath: webDist,
  env: { account: '111111111111', region: 'eu-west-1' },
  crossRegionReferences: true,
  webAclArns: firewall.webAclArns,
});
const acknowledged = applyBestPracticeChecks(app, [firewall, stack]);
let synthesisError: unknown;
try {
  app.synth();
} catch (err) {
  synthesisError = err;
}
const template = Template.fromStack(stack);
after(() => {
  rmSync(webDist, { recursive: true, force: true });
  rmSync(app.outdir, { recursive: true, force: true });
});

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
const resources = (type: string): Resource[] =>
  Object.values(template.findResources(type) as Record<string, Resource>);
const logicalId = (construct: IConstruct): string =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const json = (value: unknown) => JSON.stringify(value);
const smartCard = stack.certificateDomains.internal!;

describe('smart card sign-in domain (mutual TLS)', () => {
  it('is a regional custom domain requiring a client certificate from the truststore, TLS 1.2', () => {
    const [domain, ...others] = resources('AWS::ApiGateway::DomainName');
    assert.ok(domain);
    assert.equal(others.length, 0, 'only the internal site offers smart cards');
    assert.equal(domain.Properties.DomainName, 'smartcard.im.corp.example.com');
    assert.equal(domain.Properties.RegionalCertificateArn, regionalCertificateArn);
    assert.deepEqual(domain.Properties.EndpointConfiguration, { Types: ['REGIONAL'] });
    assert.equal(domain.Properties.SecurityPolicy, 'TLS_1_2');
    // The truststore: the configured file, uploaded as a file asset, named by its content hash.
    const manifest = JSON.parse(readFileSync(join(app.outdir, 'Communicator.assets.json'), 'utf8')) as {
      files: Record<
        string,
        { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }
      >;
    };
    const truststore = readFileSync(join(fixtures, 'truststore.pem'), 'utf8');
    const asset = Object.values(manifest.files).find(
      (file) =>
        file.source.packaging === 'file' &&
        readFileSync(join(app.outdir, file.source.path), 'utf8') === truststore,
    );
    assert.ok(asset, 'the truststore is an asset of the stack');
    const key = Object.values(asset.destinations)[0]?.objectKey ?? '?';
    const uri = json((domain.Properties.MutualTlsAuthentication as { TruststoreUri: unknown }).TruststoreUri);
    assert.match(uri, /s3:\/\//);
    assert.ok(uri.includes(key), `${uri} names ${key}`);
  });

  it('maps the domain to a REST API whose execute-api address is off, with the one sign-in route', () => {
    const [api] = resources('AWS::ApiGateway::RestApi');
    assert.equal(api?.Properties.DisableExecuteApiEndpoint, true);
    assert.deepEqual(api?.Properties.EndpointConfiguration, { Types: ['REGIONAL'] });
    const [mapping] = resources('AWS::ApiGateway::BasePathMapping');
    assert.deepEqual(mapping?.Properties.DomainName, { Ref: logicalId(smartCard.domain.domain) });
    assert.deepEqual(mapping?.Properties.RestApiId, { Ref: logicalId(smartCard.domain.api) });
    assert.equal(mapping?.Properties.BasePath, undefined, 'the whole domain');
    assert.deepEqual(mapping?.Properties.Stage, { Ref: logicalId(smartCard.domain.api.deploymentStage) });

    const paths = resources('AWS::ApiGateway::Resource').map((r) => r.Properties.PathPart);
    assert.deepEqual(paths.sort(), ['auth', 'certificate']);
    const methods = resources('AWS::ApiGateway::Method');
    assert.equal(methods.length, 1);
    const [method] = methods;
    assert.equal(method?.Properties.HttpMethod, 'GET');
    assert.deepEqual(method?.Properties.RequestParameters, { 'method.request.querystring.state': true });
    assert.ok(method?.Properties.RequestValidatorId, 'API Gateway refuses a request without the state');
    const integration = method?.Properties.Integration as { Type: string; Uri: unknown };
    assert.equal(integration.Type, 'AWS_PROXY');
    assert.match(json(integration.Uri), new RegExp(logicalId(smartCard.handler)));
  });

  it('guards the domain with its own regional web ACL: internal networks only, managed rules, rate limits', () => {
    const [acl, ...others] = resources('AWS::WAFv2::WebACL');
    assert.ok(acl);
    assert.equal(others.length, 0, 'the CloudFront ACLs live in the firewall stack');
    assert.equal(acl.Properties.Scope, 'REGIONAL');
    const rules = acl.Properties.Rules as { Name: string; Action?: unknown; Statement: unknown }[];
    assert.deepEqual(
      rules.map((rule) => rule.Name),
      ['OnlyInternalNetworks', ...managedRuleGroups, 'SignInRateLimit', 'RateLimit'],
    );
    const ipSets = resources('AWS::WAFv2::IPSet');
    assert.deepEqual(ipSets.map((set) => [set.Properties.Scope, set.Properties.Addresses]).sort(), [
      ['REGIONAL', ['10.0.0.0/8']],
      ['REGIONAL', ['2001:db8::/32']],
    ]);
    const [association] = resources('AWS::WAFv2::WebACLAssociation');
    assert.match(json(association?.Properties.ResourceArn), /restapis/);
    assert.match(
      json(association?.Properties.ResourceArn),
      new RegExp(logicalId(smartCard.domain.api.deploymentStage)),
    );
    assert.deepEqual(association?.Properties.WebACLArn, {
      'Fn::GetAtt': [logicalId(smartCard.domain.webAcl), 'Arn'],
    });
  });

  it('answers API Gateway’s own refusals (no state, throttled) with the handlers’ security headers', () => {
    const responses = resources('AWS::ApiGateway::GatewayResponse');
    assert.deepEqual(responses.map((r) => r.Properties.ResponseType).sort(), ['DEFAULT_4XX', 'DEFAULT_5XX']);
    for (const response of responses) {
      const headers = response.Properties.ResponseParameters as Record<string, string>;
      assert.equal(headers['gatewayresponse.header.x-content-type-options'], "'nosniff'");
      assert.equal(headers['gatewayresponse.header.x-frame-options'], "'DENY'");
      assert.equal(headers['gatewayresponse.header.referrer-policy'], "'no-referrer'");
      assert.match(headers['gatewayresponse.header.strict-transport-security'] ?? '', /^'max-age=\d{7,}'$/);
    }
  });

  it('throttles and logs its stage, which names the site', () => {
    const [stage] = resources('AWS::ApiGateway::Stage');
    assert.deepEqual(stage?.Properties.Variables, { site: 'internal' });
    assert.ok(stage?.Properties.AccessLogSetting);
    assert.equal(stage?.Properties.TracingEnabled, true);
    assert.deepEqual(
      (
        stage?.Properties.MethodSettings as { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }[]
      ).map((s) => [s.ThrottlingRateLimit, s.ThrottlingBurstLimit]),
      [[200, 400]],
    );
  });

  it('gives the domain’s function the CA file and CRL in a layer, the ticket key only, and no origin secret', () => {
    const fn = template.toJSON().Resources[logicalId(smartCard.handler)].Properties as {
      Environment: { Variables: Record<string, unknown> };
      Layers: unknown[];
    };
    const variables = fn.Environment.Variables;
    assert.equal(variables.CLIENT_CERT_CA_FILE, '/opt/client-certificates/truststore.pem');
    assert.equal(variables.CLIENT_CERT_CRL_FILE, '/opt/client-certificates/revocation-lists.crl');
    assert.equal(variables.CLIENT_CERT_SITES, 'internal');
    assert.equal(variables.CLIENT_CERT_DOMAIN_INTERNAL, 'https://smartcard.im.corp.example.com');
    assert.equal(variables.PUBLIC_ORIGIN_INTERNAL, 'https://im.corp.example.com');
    assert.equal(variables.ORIGIN_VERIFY_SECRET_ARN, undefined);
    assert.equal(fn.Layers.length, 1);

    const policies = resources('AWS::IAM::Policy').filter((policy) =>
      json(policy.Properties.Roles).includes(logicalId(smartCard.handler.role!)),
    );
    const actions = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (statement) => [statement.Action].flat(),
      ),
    );
    assert.ok(!actions.some((action) => action.startsWith('dynamodb:')), json(actions));
    assert.ok(actions.includes('secretsmanager:GetSecretValue'), 'reads the ticket key');
  });

  it('tells the site’s own handlers where the domain is, and publishes where its DNS name must point', () => {
    const site = template.toJSON().Resources[logicalId(stack.handlers.get('http/certificate-sign-in')!)]
      .Properties.Environment.Variables as Record<string, unknown>;
    assert.equal(site.CLIENT_CERT_DOMAIN_INTERNAL, 'https://smartcard.im.corp.example.com');
    assert.equal(site.CLIENT_CERT_CA_FILE, undefined, 'the site checks hand-offs, not certificates');
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs.InternalSmartCardDomainTarget?.Value, {
      'Fn::GetAtt': [logicalId(smartCard.domain.domain), 'RegionalDomainName'],
    });
  });

  it('synthesizes with no unacknowledged cdk-nag finding, each acknowledgement reviewed', () => {
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        violations: { ruleName: string; violatingResources: { resourceLogicalId: string }[] }[];
      }[];
    };
    const open = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
      ),
    );
    assert.deepEqual(open, []);
    assert.equal(synthesisError, undefined, String(synthesisError));
    const reviewed = new Set<string>(Object.values(reasons));
    for (const { id, path, reason } of acknowledged) assert.ok(reviewed.has(reason), `${id} at ${path}`);
    const onTheDomain = acknowledged.filter(({ path }) => path.includes('SmartCardDomain'));
    assert.deepEqual([...new Set(onTheDomain.map(({ id }) => id))].sort(), [
      'AwsSolutions-APIG4',
      'AwsSolutions-APIG6',
      'AwsSolutions-COG4',
    ]);
  });
});
