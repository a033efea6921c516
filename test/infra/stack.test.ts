import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { sites } from '../../functions/core/model.ts';
import { tables } from '../../functions/core/storage/tables.ts';
import { pageSecurityHeaders } from '../../functions/http/security-headers.ts';
import {
  allHandlerModules,
  authorizers,
  httpFallback,
  httpRoutes,
  scheduledTasks,
  webSocketRoutes,
  type HandlerModule,
} from '../../functions/routes.ts';
import { CommunicatorStack } from '../../lib/communicator-stack.ts';

// One synthesis (it bundles every handler with esbuild) shared by every test below, with the same
// feature flags `cdk synth` uses and a stand-in for the built web client. The built-in rule check
// (about ten seconds of WebAssembly) is left to `cdk synth`, which runs it on the same template.
const webDist = mkdtempSync(join(tmpdir(), 'communicator-web-'));
mkdirSync(join(webDist, 'app'));
writeFileSync(join(webDist, 'app', 'index.html'), '<!doctype html>');
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const app = new App({
  context: cdkJson.context,
  outdir: mkdtempSync(join(tmpdir(), 'communicator-cdk-')),
  builtinCloudFormationValidation: false,
});
const keytabSecretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:communicator/keytab-AbCdEf';
const stack = new CommunicatorStack(app, 'Communicator', {
  webAssetPath: webDist,
  env: { account: '111111111111', region: 'eu-west-1' },
  windowsSignIn: { keytabSecretArn, realmDomains: 'CONTOSO.COM=CONTOSO', ntlmDomain: 'CONTOSO' },
});
const template = Template.fromStack(stack);
after(() => {
  rmSync(webDist, { recursive: true, force: true });
  rmSync(app.outdir, { recursive: true, force: true });
});

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const logicalId = (construct: IConstruct): string => {
  const element = construct.node.defaultChild ?? construct;
  return stack.getLogicalId(element as CfnElement);
};
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
const resources = (type: string, props: Record<string, unknown> = {}): Record<string, Resource> =>
  template.findResources(type, { Properties: props }) as Record<string, Resource>;

const functionOf = (module: HandlerModule) => {
  const fn = stack.handlers.get(module);
  assert.ok(fn, `no function for ${module}`);
  return fn;
};

/** The handler module whose function an API route's integration invokes. */
function handlerBehind(route: Resource): HandlerModule {
  const target = JSON.stringify(route.Properties.Target);
  const [integrationId] = Object.keys(template.toJSON().Resources as object).filter((id) =>
    target.includes(`"${id}"`),
  );
  assert.ok(integrationId, `route ${String(route.Properties.RouteKey)} has no integration`);
  const uri = JSON.stringify(
    (template.toJSON().Resources as Record<string, Resource>)[integrationId]!.Properties.IntegrationUri,
  );
  const module = allHandlerModules().find((m) => uri.includes(`"${logicalId(functionOf(m))}"`));
  assert.ok(module, `integration ${integrationId} invokes no handler function`);
  return module;
}

/** Every Allow statement of the IAM policies attached to a function's role. */
function statementsOf(module: HandlerModule): Statement[] {
  const role = functionOf(module).role;
  assert.ok(role);
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${logicalId(role)}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow');
}
const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

describe('HTTP APIs', () => {
  for (const site of sites) {
    const api = stack.httpApis[site];
    const routesOf = () => Object.values(resources('AWS::ApiGatewayV2::Route', { ApiId: ref(api.api) }));

    it(`deploys on the ${site} site exactly the routes that list it, guarded as the table says`, () => {
      const authorizerIds = Object.keys(resources('AWS::ApiGatewayV2::Authorizer', { ApiId: ref(api.api) }));
      assert.equal(authorizerIds.length, 1);
      const deployed = new Map(routesOf().map((route) => [route.Properties.RouteKey as string, route]));

      for (const definition of httpRoutes) {
        const route = deployed.get(`${definition.method} ${definition.path}`);
        if (!definition.sites.includes(site)) {
          assert.equal(
            route,
            undefined,
            `${definition.method} ${definition.path} is not published on ${site}`,
          );
          continue;
        }
        assert.ok(route, `${definition.method} ${definition.path} is missing on ${site}`);
        assert.equal(handlerBehind(route), definition.handler);
        if (definition.auth === 'ticket') {
          assert.equal(route.Properties.AuthorizationType, 'CUSTOM');
          assert.deepEqual(route.Properties.AuthorizerId, { Ref: authorizerIds[0] });
        } else {
          assert.equal(route.Properties.AuthorizationType, 'NONE');
          assert.equal(route.Properties.AuthorizerId, undefined);
        }
      }
      const published = httpRoutes.filter((definition) => definition.sites.includes(site));
      assert.equal(deployed.size, published.length + 1, 'only the table’s routes and $default');
    });

    it(`sends requests no route matches on the ${site} site to the fallback handler`, () => {
      const fallback = routesOf().find((route) => route.Properties.RouteKey === '$default');
      assert.ok(fallback);
      assert.equal(handlerBehind(fallback), httpFallback);
      assert.equal(fallback.Properties.AuthorizationType, 'NONE');
    });
  }

  it('runs the ticket authorizer on every request: simple responses, no cache, no identity source', () => {
    const found = Object.values(
      resources('AWS::ApiGatewayV2::Authorizer', { AuthorizerPayloadFormatVersion: '2.0' }),
    );
    assert.equal(found.length, sites.length);
    for (const authorizer of found) {
      assert.equal(authorizer.Properties.AuthorizerResultTtlInSeconds, 0);
      assert.equal(authorizer.Properties.EnableSimpleResponses, true);
      assert.deepEqual(authorizer.Properties.IdentitySource, []);
      assert.ok(
        JSON.stringify(authorizer.Properties.AuthorizerUri).includes(logicalId(functionOf(authorizers.http))),
      );
    }
  });

  it('integrates the HTTP handlers with payload format 2.0', () => {
    for (const site of sites) {
      const integrations = Object.values(
        resources('AWS::ApiGatewayV2::Integration', { ApiId: ref(stack.httpApis[site].api) }),
      );
      assert.ok(integrations.length > 0);
      for (const integration of integrations)
        assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
    }
  });
});

describe('WebSocket APIs', () => {
  for (const site of sites) {
    it(`wires every route key on the ${site} site, with the authorizer on $connect only`, () => {
      const api = stack.webSocketApis[site].api;
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        Name: `communicator-${site}-ws`,
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      });
      const [authorizerId, ...others] = Object.keys(
        resources('AWS::ApiGatewayV2::Authorizer', { ApiId: ref(api) }),
      );
      assert.ok(authorizerId);
      assert.equal(others.length, 0);
      const deployed = Object.values(resources('AWS::ApiGatewayV2::Route', { ApiId: ref(api) }));
      assert.deepEqual(
        deployed.map((route) => route.Properties.RouteKey).sort(),
        webSocketRoutes.map((route) => route.routeKey).sort(),
      );
      for (const definition of webSocketRoutes) {
        const route = deployed.find((candidate) => candidate.Properties.RouteKey === definition.routeKey);
        assert.ok(route);
        assert.equal(handlerBehind(route), definition.handler);
        if (definition.routeKey === '$connect') {
          assert.equal(route.Properties.AuthorizationType, 'CUSTOM');
          assert.deepEqual(route.Properties.AuthorizerId, { Ref: authorizerId });
        } else {
          assert.equal(route.Properties.AuthorizerId, undefined);
          assert.notEqual(route.Properties.AuthorizationType, 'CUSTOM');
        }
      }
    });
  }

  it('authorizes $connect with the WebSocket authorizer, from the Cookie header', () => {
    const found = Object.values(
      resources('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST' }),
    ).filter((authorizer) => authorizer.Properties.AuthorizerPayloadFormatVersion === undefined);
    assert.equal(found.length, sites.length);
    for (const authorizer of found) {
      assert.deepEqual(authorizer.Properties.IdentitySource, ['route.request.header.Cookie']);
      assert.ok(
        JSON.stringify(authorizer.Properties.AuthorizerUri).includes(
          logicalId(functionOf(authorizers.webSocket)),
        ),
      );
    }
  });
});

describe('stages', () => {
  it('names the site in the `site` stage variable of all four auto-deployed stages', () => {
    for (const site of sites) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: ref(stack.httpApis[site].api),
        StageName: '$default',
        AutoDeploy: true,
        StageVariables: { site },
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: ref(stack.webSocketApis[site].api),
        StageName: 'ws',
        AutoDeploy: true,
        StageVariables: { site },
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 2 * sites.length);
  });
});

describe('tables', () => {
  it('creates every table as defined: keys, on-demand billing, TTL, indexes projecting all attributes', () => {
    const deployed = Object.values(resources('AWS::DynamoDB::Table'));
    assert.equal(deployed.length, Object.keys(tables).length);
    for (const [key, definition] of Object.entries(tables)) {
      const table = stack.node.findChild('Tables').node.findChild(key);
      const properties = template.toJSON().Resources[logicalId(table)].Properties as Record<string, unknown>;
      const keys = (partitionKey: string, sortKey?: string) => [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' }] : []),
      ];
      const sortKey = 'sortKey' in definition ? definition.sortKey : undefined;
      assert.deepEqual(properties.KeySchema, keys(definition.partitionKey, sortKey), key);
      assert.equal(properties.BillingMode, 'PAY_PER_REQUEST', key);
      assert.deepEqual(properties.SSESpecification, { SSEEnabled: true }, key);
      const ttl = 'ttlAttribute' in definition ? definition.ttlAttribute : undefined;
      assert.deepEqual(
        properties.TimeToLiveSpecification,
        ttl ? { AttributeName: ttl, Enabled: true } : undefined,
        key,
      );
      const indexes = 'indexes' in definition ? definition.indexes : [];
      assert.deepEqual(
        properties.GlobalSecondaryIndexes,
        indexes.length === 0
          ? undefined
          : indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: keys(index.partitionKey, 'sortKey' in index ? index.sortKey : undefined),
              Projection: { ProjectionType: 'ALL' },
            })),
        key,
      );
    }
  });

  it('keeps users, contacts and Windows identities recoverable: point-in-time recovery, retained on delete', () => {
    for (const key of Object.keys(tables)) {
      const id = logicalId(stack.node.findChild('Tables').node.findChild(key));
      const resource = template.toJSON().Resources[id] as Resource;
      const durable = ['users', 'contacts', 'windowsIdentities'].includes(key);
      assert.equal(resource.DeletionPolicy, durable ? 'Retain' : 'Delete', key);
      assert.deepEqual(
        resource.Properties.PointInTimeRecoverySpecification,
        { PointInTimeRecoveryEnabled: durable },
        key,
      );
    }
  });
});

describe('functions', () => {
  it('deploys every handler module once as an arm64 Node.js 22 ESM bundle', () => {
    assert.deepEqual([...stack.handlers.keys()].sort(), allHandlerModules().sort());
    for (const module of allHandlerModules()) {
      const properties = template.toJSON().Resources[logicalId(functionOf(module))].Properties;
      assert.equal(properties.Runtime, 'nodejs22.x', module);
      assert.deepEqual(properties.Architectures, ['arm64'], module);
      assert.equal(properties.Handler, 'index.handler', module);
    }
  });

  it('runs every scheduled task on its EventBridge schedule', () => {
    for (const task of scheduledTasks) {
      const fn = logicalId(functionOf(task.handler));
      const rules = Object.values(resources('AWS::Events::Rule')).filter((rule) =>
        JSON.stringify(rule.Properties.Targets).includes(`"${fn}"`),
      );
      assert.equal(rules.length, 1, task.handler);
      assert.equal(
        rules[0]?.Properties.ScheduleExpression,
        `rate(${task.everyMinutes} minute)`,
        task.handler,
      );
    }
  });

  it('gives every handler each table name and the signing key secret in its environment', () => {
    for (const module of allHandlerModules()) {
      const variables = template.toJSON().Resources[logicalId(functionOf(module))].Properties.Environment
        .Variables as Record<string, unknown>;
      for (const definition of Object.values(tables))
        assert.ok(variables[definition.envVar], `${module}: ${definition.envVar}`);
      assert.ok(variables.SIGNING_KEY_SECRET_ARN, module);
      assert.equal(variables.TICKET_LIFETIME_SECONDS, undefined, 'unset settings keep the handler defaults');
      assert.equal(variables.LEGACY_URL, undefined);
    }
  });

  it('keeps every handler log for a month', () => {
    for (const module of allHandlerModules()) {
      const logging = template.toJSON().Resources[logicalId(functionOf(module))].Properties.LoggingConfig;
      const logGroup = template.toJSON().Resources[logging.LogGroup.Ref as string] as Resource;
      assert.equal(logGroup.Properties.RetentionInDays, 30, module);
    }
  });

  it('generates 64 characters of signing key material without punctuation', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });
});

describe('Windows sign-in', () => {
  const windowsModule: HandlerModule = 'http/windows-sign-in';
  const variablesOf = (module: HandlerModule) =>
    template.toJSON().Resources[logicalId(functionOf(module))].Properties.Environment.Variables as Record<
      string,
      unknown
    >;

  it("names the keytab secret by its ARN, and the Kerberos and NTLM settings, in the Windows sign-in handler's environment only", () => {
    for (const module of allHandlerModules()) {
      const variables = variablesOf(module);
      const isWindows = module === windowsModule;
      assert.equal(variables.KERBEROS_KEYTAB_SECRET_ARN, isWindows ? keytabSecretArn : undefined, module);
      assert.equal(variables.NTLM_DOMAIN, isWindows ? 'CONTOSO' : undefined, module);
      assert.equal(variables.KERBEROS_REALM_DOMAINS, isWindows ? 'CONTOSO.COM=CONTOSO' : undefined, module);
    }
  });

  it('lets only the Windows sign-in handler read the keytab secret, and that secret only', () => {
    for (const module of allHandlerModules()) {
      const reads = statementsOf(module).filter((statement) =>
        JSON.stringify(statement.Resource).includes('keytab'),
      );
      if (module !== windowsModule) {
        assert.deepEqual(reads, [], module);
        continue;
      }
      assert.equal(reads.length, 1);
      assert.deepEqual(actionsOf(reads[0]!), ['secretsmanager:GetSecretValue']);
      assert.equal(reads[0]!.Resource, keytabSecretArn);
    }
  });

  it('refuses at synthesis a keytab secret named by a partial ARN, and an NTLM domain that is no NetBIOS name', () => {
    const synth = (windowsSignIn: Record<string, string>) => () =>
      new CommunicatorStack(new App({ context: cdkJson.context }), 'Refused', {
        webAssetPath: webDist,
        windowsSignIn,
      });

    assert.throws(
      synth({ keytabSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:keytab' }),
      /complete/,
    );
    assert.throws(synth({ ntlmDomain: 'contoso domain' }), /NetBIOS/);
  });
});

describe('least privilege', () => {
  it('grants no wildcard action anywhere and no dynamodb:* on the tables', () => {
    for (const [id, policy] of Object.entries(resources('AWS::IAM::Policy'))) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of actionsOf(statement)) {
          assert.notEqual(action, '*', id);
          assert.notEqual(action, 'dynamodb:*', id);
        }
      }
    }
  });

  it('lets only the handlers that read or write data reach the tables', () => {
    const nothing = ['http/healthz', 'http/not-found', 'http/home', 'http/forms-page'];
    for (const module of allHandlerModules()) {
      const actions = statementsOf(module).flatMap(actionsOf);
      const dataActions = actions.filter((action) => action.startsWith('dynamodb:'));
      const readsKey = actions.includes('secretsmanager:GetSecretValue');
      if (nothing.includes(module)) {
        assert.deepEqual(actions, [], module);
      } else {
        assert.ok(dataActions.includes('dynamodb:PutItem') && dataActions.includes('dynamodb:Query'), module);
        assert.ok(readsKey, module);
      }
      assert.ok(!actions.some((action) => action.startsWith('secretsmanager:Put')), module);
    }
  });

  it('lets exactly the handlers that push to or close connections manage them, on both sites’ APIs', () => {
    const pushers = [
      'ws/connect',
      'ws/disconnect',
      'ws/actions',
      'http/sign-out',
      'scheduled/end-expired-sessions',
    ];
    for (const module of allHandlerModules()) {
      const manage = statementsOf(module).filter((statement) =>
        actionsOf(statement).includes('execute-api:ManageConnections'),
      );
      const resourcesText = JSON.stringify(manage.map((statement) => statement.Resource));
      for (const site of sites) {
        const apiId = logicalId(stack.webSocketApis[site].api);
        assert.equal(resourcesText.includes(`"${apiId}"`), pushers.includes(module), `${module} ${site}`);
      }
    }
  });
});

describe('CloudFront', () => {
  const behaviorsOf = (site: (typeof sites)[number]) => {
    const id = logicalId(stack.distributions[site].distribution);
    const config = template.toJSON().Resources[id].Properties.DistributionConfig as {
      DefaultCacheBehavior: {
        TargetOriginId: string;
        ViewerProtocolPolicy: string;
        AllowedMethods: string[];
      };
      CacheBehaviors: {
        PathPattern: string;
        TargetOriginId: string;
        ViewerProtocolPolicy: string;
        FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
        ResponseHeadersPolicyId?: unknown;
      }[];
      Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown }[];
    };
    const domainOf = (originId: string) =>
      JSON.stringify(config.Origins.find((origin) => origin.Id === originId)?.DomainName);
    return { config, domainOf };
  };

  for (const site of sites) {
    it(`puts the ${site} site behind one distribution: /app/* from S3, /auth/* /api/* and the rest from the HTTP API, /ws to the WebSocket API`, () => {
      const { config, domainOf } = behaviorsOf(site);
      const httpApi = logicalId(stack.httpApis[site].api);
      const webSocketApi = logicalId(stack.webSocketApis[site].api);
      const byPath = new Map(config.CacheBehaviors.map((behavior) => [behavior.PathPattern, behavior]));
      assert.deepEqual([...byPath.keys()].sort(), ['/api/*', '/app', '/app/*', '/auth/*', '/ws']);

      assert.ok(domainOf(config.DefaultCacheBehavior.TargetOriginId).includes(`"${httpApi}"`));
      assert.equal(config.DefaultCacheBehavior.AllowedMethods.length, 7);
      assert.ok(domainOf(byPath.get('/auth/*')!.TargetOriginId).includes(`"${httpApi}"`));
      assert.ok(domainOf(byPath.get('/api/*')!.TargetOriginId).includes(`"${httpApi}"`));
      assert.ok(domainOf(byPath.get('/ws')!.TargetOriginId).includes(`"${webSocketApi}"`));
      for (const path of ['/app', '/app/*']) {
        assert.ok(domainOf(byPath.get(path)!.TargetOriginId).includes('RegionalDomainName'), path);
      }
      for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
        assert.equal(behavior.ViewerProtocolPolicy, 'redirect-to-https');
      }
    });
  }

  it('never caches API responses and forwards every viewer header but Host', () => {
    const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
    const allViewerExceptHost = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
    for (const site of sites) {
      const { config } = behaviorsOf(site);
      const apiBehaviors = [
        config.DefaultCacheBehavior,
        ...config.CacheBehaviors.filter((behavior) => !behavior.PathPattern.startsWith('/app')),
      ] as unknown as { CachePolicyId: string; OriginRequestPolicyId: string }[];
      for (const behavior of apiBehaviors) {
        assert.equal(behavior.CachePolicyId, cachingDisabled);
        assert.equal(behavior.OriginRequestPolicyId, allViewerExceptHost);
      }
    }
  });

  it('tells the API each site’s own host (X-Forwarded-Host) on every API and WebSocket behaviour', () => {
    const forwarders = Object.entries(resources('AWS::CloudFront::Function'))
      .filter(([, fn]) => String(fn.Properties.FunctionCode).includes("headers['x-forwarded-host']"))
      .map(([id]) => id);
    assert.ok(forwarders.length > 0);
    for (const site of sites) {
      const { config } = behaviorsOf(site);
      const apiBehaviors = [
        config.DefaultCacheBehavior,
        ...config.CacheBehaviors.filter((behavior) => !behavior.PathPattern.startsWith('/app')),
      ] as unknown as { FunctionAssociations?: { EventType: string; FunctionARN: unknown }[] }[];
      for (const behavior of apiBehaviors) {
        const [association] = behavior.FunctionAssociations ?? [];
        assert.equal(association?.EventType, 'viewer-request');
        const arn = JSON.stringify(association?.FunctionARN);
        assert.ok(
          forwarders.some((id) => arn.includes(`"${id}"`)),
          'the forward-host function',
        );
      }
    }
  });

  it('serves the web client with folder URLs resolved to index.html and its security headers', () => {
    const [functionId] = Object.keys(template.findResources('AWS::CloudFront::Function'));
    const [headersId] = Object.keys(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    assert.ok(functionId && headersId);
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          // The same values the local static server sends (one shared constant).
          ContentSecurityPolicy: { ContentSecurityPolicy: pageSecurityHeaders['content-security-policy'] },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
          FrameOptions: { FrameOption: 'DENY' },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 365 * 24 * 3600 },
        },
      },
    });
    for (const site of sites) {
      const clientBehaviors = behaviorsOf(site).config.CacheBehaviors.filter((b) =>
        b.PathPattern.startsWith('/app'),
      );
      assert.equal(clientBehaviors.length, 2);
      for (const behavior of clientBehaviors) {
        assert.deepEqual(behavior.ResponseHeadersPolicyId, { Ref: headersId });
        assert.deepEqual(behavior.FunctionAssociations, [
          { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
        ]);
      }
    }
  });

  it('revalidates client pages on every load and lets scripts and styles be cached briefly', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Include: ['*.html'],
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Exclude: ['*.html'],
      SystemMetadata: { 'cache-control': 'public, max-age=300' },
    });
  });

  it('publishes each site’s URL as a stack output', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const site of sites) {
      const distribution = logicalId(stack.distributions[site].distribution);
      assert.ok(
        Object.values(outputs).some((output) => JSON.stringify(output.Value).includes(`"${distribution}"`)),
        site,
      );
    }
  });
});
