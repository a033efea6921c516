import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { sites } from '../../functions/core/model.ts';
import { tables } from '../../functions/core/storage/tables.ts';
import { pageSecurityHeaders } from '../../functions/http/security-headers.ts';
import { startRefusal } from '../../functions/start-refusal.ts';
import {
  allHandlerModules,
  authorizers,
  httpFallback,
  httpRoutes,
  scheduledTasks,
  webSocketRoutes,
  type HandlerModule,
} from '../../functions/routes.ts';
import { applyBestPracticeChecks } from '../../lib/checks.ts';
import { reasons } from '../../lib/nag-suppressions.ts';
import { CommunicatorStack } from '../../lib/communicator-stack.ts';
import { readDeployConfig } from '../../lib/deploy-config.ts';
import { FirewallStack, managedRuleGroups } from '../../lib/firewall-stack.ts';

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
const firewall = new FirewallStack(app, 'CommunicatorFirewall', {
  env: { account: '111111111111', region: 'us-east-1' },
  internalNetworks: { ipv4: ['10.0.0.0/8'], ipv6: ['2001:db8::/32'] },
  requestsPerFiveMinutes: 3000,
  signInRequestsPerFiveMinutes: 300,
});
// The sites as deploy.config.json names them: the internal one on its own domain, the external one
// on CloudFront's name.
const deployedSites = readDeployConfig({
  region: 'eu-west-1',
  internalNetworks: ['10.0.0.0/8'],
  sites: {
    internal: {
      domainName: 'im.corp.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012',
      signInMethods: ['forms'],
    },
    external: { signInMethods: ['forms'] },
  },
}).stack.sites;
const stack = new CommunicatorStack(app, 'Communicator', {
  webAssetPath: webDist,
  env: { account: '111111111111', region: 'eu-west-1' },
  crossRegionReferences: true,
  webAclArns: firewall.webAclArns,
  windowsSignIn: { keytabSecretArn, realmDomains: 'CONTOSO.COM=CONTOSO', ntlmDomain: 'CONTOSO' },
  alarmEmail: 'operations@example.com',
  sites: deployedSites,
});
const acknowledged = applyBestPracticeChecks(app, [firewall, stack]);
// The whole app at once, as `cdk synth` does: validation plugins (cdk-nag) run here.
let synthesisError: unknown;
try {
  app.synth();
} catch (err) {
  synthesisError = err;
}
const template = Template.fromStack(stack);
const firewallTemplate = Template.fromStack(firewall);
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
      const routeResponses = Object.values(
        resources('AWS::ApiGatewayV2::RouteResponse', { ApiId: ref(api) }),
      );
      for (const definition of webSocketRoutes) {
        const [routeId, route] =
          Object.entries(resources('AWS::ApiGatewayV2::Route', { ApiId: ref(api) })).find(
            ([, candidate]) => candidate.Properties.RouteKey === definition.routeKey,
          ) ?? [];
        assert.ok(route && routeId);
        assert.equal(handlerBehind(route), definition.handler);
        // Two-way routes send the handler's answer back to the caller (a `$default` route response).
        const responses = routeResponses.filter(
          (r) => JSON.stringify(r.Properties.RouteId) === JSON.stringify({ Ref: routeId }),
        );
        assert.equal(responses.length, definition.replies ? 1 : 0, definition.routeKey);
        if (definition.replies) {
          assert.equal(responses[0]?.Properties.RouteResponseKey, '$default');
          assert.equal(route.Properties.RouteResponseSelectionExpression, '$default');
        }
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

  it('authorizes $connect with the WebSocket authorizer, from the Cookie and origin-verify headers', () => {
    const found = Object.values(
      resources('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST' }),
    ).filter((authorizer) => authorizer.Properties.AuthorizerPayloadFormatVersion === undefined);
    assert.equal(found.length, sites.length);
    for (const authorizer of found) {
      // Without either header API Gateway refuses before running the authorizer.
      assert.deepEqual(authorizer.Properties.IdentitySource, [
        'route.request.header.Cookie',
        'route.request.header.x-origin-verify',
      ]);
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

  it('keeps users, contacts, Windows identities and two-factor enrolments recoverable: point-in-time recovery, retained on delete', () => {
    for (const key of Object.keys(tables)) {
      const id = logicalId(stack.node.findChild('Tables').node.findChild(key));
      const resource = template.toJSON().Resources[id] as Resource;
      const durable = ['users', 'contacts', 'windowsIdentities', 'twoFactor'].includes(key);
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
  it('traces every function with X-Ray', () => {
    for (const module of allHandlerModules()) {
      const properties = template.toJSON().Resources[logicalId(functionOf(module))].Properties;
      assert.deepEqual(properties.TracingConfig, { Mode: 'Active' }, module);
      const xray = statementsOf(module).filter((statement) =>
        actionsOf(statement).some((a) => a.startsWith('xray:')),
      );
      assert.deepEqual(
        xray.flatMap(actionsOf).sort(),
        ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        module,
      );
    }
  });

  it('deploys every handler module once as an arm64 Node.js 22 ESM bundle', () => {
    assert.deepEqual([...stack.handlers.keys()].sort(), allHandlerModules().sort());
    for (const module of allHandlerModules()) {
      const properties = template.toJSON().Resources[logicalId(functionOf(module))].Properties;
      assert.equal(properties.Runtime, 'nodejs22.x', module);
      assert.deepEqual(properties.Architectures, ['arm64'], module);
      assert.equal(properties.Handler, 'index.handler', module);
    }
  });

  /** The handler bundles the synthesis wrote (one `index.mjs` per asset), at least one per handler. */
  function synthesizedBundles(): string[] {
    const bundles = readdirSync(app.outdir)
      .filter((entry) => entry.startsWith('asset.') && existsSync(join(app.outdir, entry, 'index.mjs')))
      .map((entry) => readFileSync(join(app.outdir, entry, 'index.mjs'), 'utf8'));
    assert.ok(bundles.length >= allHandlerModules().length, `${bundles.length} bundles`);
    return bundles;
  }

  it('bundles every handler with credentials from the environment only (no SSO, STS or profile sources)', () => {
    const bundles = synthesizedBundles();
    const withCredentials = bundles.filter((b) => b.includes('AWS_SECRET_ACCESS_KEY'));
    assert.ok(withCredentials.length >= allHandlerModules().length, 'every handler reaches AWS');
    for (const bundle of withCredentials) {
      assert.equal(bundle.includes('AWS_WEB_IDENTITY_TOKEN_FILE'), false);
      assert.equal(bundle.includes('AWS_CONTAINER_CREDENTIALS_FULL_URI'), false);
    }
  });

  it('starts every handler without source maps to parse (they lengthen each cold start by half)', () => {
    for (const module of allHandlerModules()) {
      const variables = template.toJSON().Resources[logicalId(functionOf(module))].Properties.Environment
        .Variables as Record<string, unknown>;
      assert.equal(String(variables.NODE_OPTIONS ?? '').includes('source-maps'), false, module);
    }
    const maps = readdirSync(app.outdir).filter((entry) =>
      existsSync(join(app.outdir, entry, 'index.mjs.map')),
    );
    assert.deepEqual(maps, []);
  });

  it('leaves the LDAP client out of every bundle when the directory is the built-in one', () => {
    const bundles = synthesizedBundles();
    // The StartTLS extended operation's OID, which only the LDAP client (ldapts) carries.
    const withLdap = bundles.filter((bundle) => bundle.includes('1.3.6.1.4.1.1466.20037'));
    assert.equal(withLdap.length, 0, `${withLdap.length} bundles carry the LDAP client`);
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

  it('refuses at synthesis what the handlers would refuse at their cold start: a ticket time past a year, a legacy URL that is no http(s) URL', () => {
    const synth = (props: Record<string, unknown>) => () =>
      new CommunicatorStack(new App({ context: cdkJson.context }), 'Refused', {
        webAssetPath: webDist,
        ...props,
      });

    assert.throws(
      synth({ ticketLifetimeSeconds: 1e9 }),
      /ticketLifetimeSeconds must be a positive integer up to 31536000/,
    );
    assert.throws(synth({ siteTickets: { external: { idleSeconds: 0 } } }), /external idleSeconds/);
    assert.throws(
      synth({ legacyUrl: 'javascript:alert(1)' }),
      /legacyUrl must be an absolute http or https URL/,
    );
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
    const originSecret = logicalId(stack.node.findChild('OriginVerifySecret'));
    const signingKey = logicalId(stack.node.findChild('TicketSigningKey').node.findChild('Secret'));
    for (const module of allHandlerModules()) {
      const statements = statementsOf(module);
      const actions = statements.flatMap(actionsOf);
      const dataActions = actions.filter((action) => action.startsWith('dynamodb:'));
      const readsKey = statements.some(
        (statement) =>
          actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(statement.Resource).includes(`"${signingKey}"`),
      );
      if (nothing.includes(module)) {
        assert.deepEqual(dataActions, [], module);
        assert.ok(!readsKey, module);
        const secrets = statements.filter((statement) =>
          actionsOf(statement).some((a) => a.startsWith('secretsmanager:')),
        );
        assert.deepEqual(
          secrets.map((statement) => statement.Resource),
          [{ Ref: originSecret }],
          `${module} reads the origin-verify secret only`,
        );
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
      // A refusal by policy ends the session with its connections.
      'http/authorizer',
      'ws/authorizer',
      'scheduled/recheck-policy',
      'scheduled/sweep-gone-connections',
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

  it('tells the API each site’s own host (X-Forwarded-Host) and the viewer’s address (X-Viewer-Address) on every API and WebSocket behaviour', () => {
    const forwarders = Object.entries(resources('AWS::CloudFront::Function'))
      .filter(
        ([, fn]) =>
          String(fn.Properties.FunctionCode).includes("headers['x-forwarded-host']") &&
          String(fn.Properties.FunctionCode).includes(
            "headers['x-viewer-address'] = { value: event.viewer.ip }",
          ),
      )
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
    const functionId = logicalId(stack.node.findChild('WebAssets').node.findChild('DirectoryIndex'));
    const headersId = logicalId(stack.node.findChild('WebAssets').node.findChild('Headers'));
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

describe('public origins', () => {
  it('gives every handler each site’s one public origin from deploy.config.json: its domain, else CloudFront’s name', () => {
    const external = logicalId(stack.distributions.external.distribution);
    for (const module of allHandlerModules()) {
      const variables = template.toJSON().Resources[logicalId(functionOf(module))].Properties.Environment
        .Variables as Record<string, unknown>;
      assert.equal(variables.PUBLIC_ORIGIN_INTERNAL, 'https://im.corp.example.com', module);
      assert.deepEqual(
        variables.PUBLIC_ORIGIN_EXTERNAL,
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [external, 'DomainName'] }]] },
        module,
      );
    }
  });
});

describe('origin protection', () => {
  const originSecretId = () => logicalId(stack.node.findChild('OriginVerifySecret'));
  const distributionConfig = (site: (typeof sites)[number]) =>
    template.toJSON().Resources[logicalId(stack.distributions[site].distribution)].Properties
      .DistributionConfig as {
      Origins: {
        DomainName: unknown;
        OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
      }[];
      DefaultCacheBehavior: { ResponseHeadersPolicyId?: unknown };
      CacheBehaviors: { PathPattern: string; ResponseHeadersPolicyId?: unknown }[];
      WebACLId?: unknown;
      Logging?: { Bucket: unknown; Prefix: string };
      ViewerCertificate?: { AcmCertificateArn?: string; MinimumProtocolVersion?: string };
      Aliases?: string[];
    };

  it('sends every API origin the origin-verify header as a Secrets Manager reference, never the value', () => {
    for (const site of sites) {
      const apiOrigins = distributionConfig(site).Origins.filter((origin) =>
        JSON.stringify(origin.DomainName).includes('execute-api'),
      );
      assert.equal(apiOrigins.length, 2, `${site}: the HTTP and the WebSocket API`);
      for (const origin of apiOrigins) {
        const [header] = origin.OriginCustomHeaders ?? [];
        assert.equal(header?.HeaderName, 'x-origin-verify');
        const value = JSON.stringify(header?.HeaderValue);
        assert.ok(value.includes('{{resolve:secretsmanager:') && value.includes(originSecretId()), value);
      }
    }
  });

  it('tells every handler where the origin secret is, so each refuses requests around CloudFront', () => {
    for (const module of allHandlerModules()) {
      const variables = template.toJSON().Resources[logicalId(functionOf(module))].Properties.Environment
        .Variables as Record<string, unknown>;
      assert.deepEqual(variables.ORIGIN_VERIFY_SECRET_ARN, { Ref: originSecretId() }, module);
    }
  });

  it('adds security headers to API answers that lack them (API Gateway’s own), without overriding the handlers’', () => {
    const apiHeaders = logicalId(stack.node.findChild('ApiHeaders'));
    const policy = template.toJSON().Resources[apiHeaders].Properties.ResponseHeadersPolicyConfig
      .SecurityHeadersConfig as Record<string, { Override: boolean }>;
    for (const header of Object.values(policy)) assert.equal(header.Override, false);
    assert.ok(policy.StrictTransportSecurity && policy.ContentSecurityPolicy && policy.FrameOptions);
    for (const site of sites) {
      const config = distributionConfig(site);
      const apiBehaviors = [
        config.DefaultCacheBehavior,
        ...config.CacheBehaviors.filter((behavior) => !behavior.PathPattern.startsWith('/app')),
      ];
      for (const behavior of apiBehaviors)
        assert.deepEqual(behavior.ResponseHeadersPolicyId, { Ref: apiHeaders });
    }
  });

  it('writes CloudFront access logs per site, and uses the configured domain with TLS 1.2', () => {
    for (const site of sites) {
      const config = distributionConfig(site);
      assert.equal(config.Logging?.Prefix, `cloudfront/${site}/`);
    }
    const internal = distributionConfig('internal');
    assert.deepEqual(internal.Aliases, ['im.corp.example.com']);
    assert.equal(internal.ViewerCertificate?.MinimumProtocolVersion, 'TLSv1.2_2021');
    assert.equal(distributionConfig('external').Aliases, undefined);
  });
});

describe('WAF', () => {
  const acls = () =>
    firewallTemplate.findResources('AWS::WAFv2::WebACL') as Record<
      string,
      { Properties: { Scope: string; DefaultAction: unknown; Rules: Record<string, never>[] } }
    >;

  it('creates one CloudFront-scope web ACL per site, in us-east-1, and puts each site behind its own', () => {
    assert.equal(firewall.region, 'us-east-1');
    assert.equal(Object.keys(acls()).length, sites.length);
    for (const site of sites) {
      const aclId = firewall.getLogicalId(firewall.webAcls[site]);
      assert.equal(acls()[aclId]?.Properties.Scope, 'CLOUDFRONT');
      const distribution = template.toJSON().Resources[logicalId(stack.distributions[site].distribution)];
      const reference = JSON.stringify(distribution.Properties.DistributionConfig.WebACLId);
      assert.ok(reference.includes('CommunicatorFirewall') && reference.includes('us-east-1'), reference);
      assert.ok(reference.includes(aclId), `${site} uses its own web ACL`);
    }
  });

  it('runs the AWS managed rule groups, a rate limit per address and a tighter one on sign-in, on both sites', () => {
    for (const acl of Object.values(acls())) {
      const rules = acl.Properties.Rules as unknown as {
        Name: string;
        Action?: unknown;
        Statement: {
          ManagedRuleGroupStatement?: { VendorName: string; Name: string };
          RateBasedStatement?: { Limit: number; AggregateKeyType: string; ScopeDownStatement?: unknown };
        };
      }[];
      const groups = rules.flatMap((rule) => rule.Statement.ManagedRuleGroupStatement ?? []);
      assert.deepEqual(
        groups.map((group) => group.Name),
        [...managedRuleGroups],
      );
      const rates = rules.flatMap((rule) => rule.Statement.RateBasedStatement ?? []);
      assert.deepEqual(rates.map((rate) => [rate.Limit, rate.AggregateKeyType]).sort(), [
        [300, 'IP'],
        [3000, 'IP'],
      ]);
      assert.ok(
        JSON.stringify(rates.find((rate) => rate.Limit === 300)?.ScopeDownStatement).includes('/auth/'),
      );
      assert.deepEqual(acl.Properties.DefaultAction, { Allow: {} });
    }
  });

  it('blocks the internal site to every address outside the internal networks, IPv4 and IPv6', () => {
    const sets = firewallTemplate.findResources('AWS::WAFv2::IPSet') as Record<
      string,
      { Properties: { Addresses: string[]; IPAddressVersion: string; Scope: string } }
    >;
    assert.deepEqual(
      Object.values(sets)
        .map((set) => [set.Properties.IPAddressVersion, set.Properties.Addresses, set.Properties.Scope])
        .sort(),
      [
        ['IPV4', ['10.0.0.0/8'], 'CLOUDFRONT'],
        ['IPV6', ['2001:db8::/32'], 'CLOUDFRONT'],
      ],
    );
    const internal = acls()[firewall.getLogicalId(firewall.webAcls.internal)]!;
    const [first] = internal.Properties.Rules as unknown as {
      Action: unknown;
      Statement: { NotStatement?: unknown };
    }[];
    assert.deepEqual(first?.Action, { Block: {} });
    const negated = JSON.stringify(first?.Statement.NotStatement);
    for (const id of Object.keys(sets))
      assert.ok(negated.includes(id), 'the block names every internal network set');
    const external = acls()[firewall.getLogicalId(firewall.webAcls.external)]!;
    assert.ok(!JSON.stringify(external.Properties.Rules).includes('IPSetReferenceStatement'));
  });
});

describe('throttling and logs', () => {
  it('throttles every API stage and writes its access log to a log group kept a month', () => {
    const stages = Object.values(resources('AWS::ApiGatewayV2::Stage'));
    assert.equal(stages.length, 2 * sites.length);
    for (const stage of stages) {
      const settings = stage.Properties.DefaultRouteSettings as {
        ThrottlingRateLimit: number;
        ThrottlingBurstLimit: number;
      };
      assert.equal(settings.ThrottlingRateLimit, 200);
      assert.equal(settings.ThrottlingBurstLimit, 400);
      const destination = (
        stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': string[] } }
      ).DestinationArn['Fn::GetAtt'][0]!;
      assert.equal((template.toJSON().Resources[destination] as Resource).Properties.RetentionInDays, 30);
    }
  });

  it('gives each function its own role that writes only to its own log group (no managed policies)', () => {
    for (const module of allHandlerModules()) {
      const fn = template.toJSON().Resources[logicalId(functionOf(module))].Properties;
      const roleId = (fn.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      assert.equal(
        (template.toJSON().Resources[roleId] as Resource).Properties.ManagedPolicyArns,
        undefined,
        module,
      );
      const logs = statementsOf(module).filter((statement) =>
        actionsOf(statement).some((a) => a.startsWith('logs:')),
      );
      assert.deepEqual(
        logs.map((statement) => statement.Resource),
        [{ 'Fn::GetAtt': [fn.LoggingConfig.LogGroup.Ref as string, 'Arn'] }],
        module,
      );
    }
  });
});

describe('monitoring', () => {
  const body = () => {
    const [dashboard] = Object.values(resources('AWS::CloudWatch::Dashboard'));
    assert.ok(dashboard);
    return JSON.stringify(stack.resolve(dashboard.Properties.DashboardBody));
  };

  it('builds a dashboard with the product’s figures, Lambda, API Gateway and DynamoDB', () => {
    const text = body();
    for (const figure of [
      'SignIns',
      'SignInFailures',
      'ThrottledSignIns',
      'AuthorizerDecisions',
      'Connections',
      'Disconnections',
      'ImsDelivered',
      'ImsFailed',
      'PresenceFanOut',
      'TicketRevocations',
    ]) {
      assert.ok(text.includes(figure), figure);
    }
    for (const metric of [
      'AWS/Lambda',
      'Errors',
      'Duration',
      'Throttles',
      'AWS/ApiGateway',
      '4xx',
      '5xx',
      'Latency',
    ]) {
      assert.ok(text.includes(metric), metric);
    }
    for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents', 'ConnectCount', 'MessageCount']) {
      assert.ok(text.includes(metric), metric);
    }
  });

  it('alarms on the 5xx rate of each site, sign-in failure spikes, authorizer and function errors and table throttling, all to the SNS topic', () => {
    const topic = logicalId(stack.monitoring.topic);
    const alarms = {
      ...resources('AWS::CloudWatch::Alarm'),
      ...resources('AWS::CloudWatch::CompositeAlarm'),
    };
    const notifying = Object.values(alarms).filter((alarm) =>
      JSON.stringify(alarm.Properties.AlarmActions ?? []).includes(`"${topic}"`),
    );
    const described = notifying.map((alarm) => String(alarm.Properties.AlarmDescription));
    for (const site of sites)
      assert.ok(
        described.some((d) => d.includes(`${site} site's API requests answered 5xx`)),
        site,
      );
    assert.ok(described.some((d) => d.startsWith('Many refused sign-ins')));
    assert.ok(described.some((d) => d.startsWith('A ticket authorizer is failing')));
    assert.ok(described.some((d) => d.startsWith('A handler function is failing')));
    assert.ok(described.some((d) => d.startsWith('DynamoDB is throttling')));

    const failures = Object.values(resources('AWS::CloudWatch::Alarm', { MetricName: 'SignInFailures' }));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.Properties.Namespace, 'WebCommunicator');
    assert.deepEqual(failures[0]!.Properties.Dimensions, [{ Name: 'service', Value: 'web-communicator' }]);
    const errorAlarms = Object.values(resources('AWS::CloudWatch::Alarm', { MetricName: 'Errors' }));
    assert.equal(errorAlarms.length, allHandlerModules().length, 'one error alarm per function');
    const composite = Object.values(resources('AWS::CloudWatch::CompositeAlarm'));
    const authorizerRule = composite.find((alarm) =>
      String(alarm.Properties.AlarmDescription).startsWith('A ticket authorizer'),
    );
    assert.equal(JSON.stringify(authorizerRule?.Properties.AlarmRule).match(/ALARM\(/g)?.length, 2);
  });

  it('alarms at the first cold start a function refuses for a wrong setting, from every function’s log', () => {
    const filters = Object.values(resources('AWS::Logs::MetricFilter'));
    const refusals = filters.filter((filter) =>
      JSON.stringify(filter.Properties.MetricTransformations).includes('"StartRefusals"'),
    );
    assert.equal(refusals.length, allHandlerModules().length, 'one filter per function');
    for (const module of allHandlerModules()) {
      const logGroup = (functionOf(module).node.defaultChild as CfnFunction).loggingConfig as {
        logGroup: unknown;
      };
      const group = JSON.stringify(stack.resolve(logGroup.logGroup));
      const filter = refusals.find((candidate) =>
        group.includes(`"${(candidate.Properties.LogGroupName as { Ref: string }).Ref}"`),
      );
      assert.ok(filter, `no start refusal filter on the log group of ${module}`);
      // The line `checkedAtStart` logs (functions/start-refusal.ts), as a phrase.
      assert.equal(filter.Properties.FilterPattern, `"${startRefusal}"`);
      assert.deepEqual(filter.Properties.MetricTransformations, [
        { MetricNamespace: 'WebCommunicator', MetricName: 'StartRefusals', MetricValue: '1' },
      ]);
    }
    const [alarm, ...others] = Object.values(
      resources('AWS::CloudWatch::Alarm', { MetricName: 'StartRefusals' }),
    );
    assert.ok(alarm);
    assert.equal(others.length, 0);
    assert.equal(alarm.Properties.Namespace, 'WebCommunicator');
    assert.equal(alarm.Properties.Dimensions, undefined, 'the filters write no dimension');
    assert.equal(alarm.Properties.Threshold, 1);
    assert.equal(alarm.Properties.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.deepEqual(alarm.Properties.AlarmActions, [ref(stack.monitoring.topic)]);
  });

  it('sends alarms to an encrypted topic with the configured e-mail subscription', () => {
    const topic = Object.values(resources('AWS::SNS::Topic'))[0]!;
    assert.ok(topic.Properties.KmsMasterKeyId);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'operations@example.com',
      TopicArn: { Ref: logicalId(stack.monitoring.topic) },
    });
  });
});

describe('best practice (cdk-nag, AWS Solutions)', () => {
  it('synthesizes with no unacknowledged finding, each acknowledgement carrying a reason', () => {
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        pluginName: string;
        violations: {
          ruleName: string;
          violatingResources: { resourceLogicalId: string; templatePath: string }[];
        }[];
      }[];
    };
    const open = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((violation) => ({
        rule: violation.ruleName,
        resources: violation.violatingResources.map((r) => `${r.templatePath}:${r.resourceLogicalId}`),
      })),
    );
    assert.deepEqual(open, [], JSON.stringify(open, null, 1));
    assert.equal(synthesisError, undefined, String(synthesisError));
  });

  it('acknowledges only reviewed kinds of finding, each with its written reason', () => {
    const reviewed = new Set<string>(Object.values(reasons));
    for (const { id, path, reason } of acknowledged) {
      assert.ok(reviewed.has(reason) && reason.length > 60, `${id} at ${path}`);
    }
    const rules = new Set(acknowledged.map(({ id }) => id.replace(/\[.*$/, '')));
    assert.deepEqual([...rules].sort(), [
      'AwsSolutions-APIG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR4',
      'AwsSolutions-DDB3',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
    ]);
    // The site with its own domain requires TLS 1.2, so only the other is acknowledged.
    assert.deepEqual(
      acknowledged.filter(({ id }) => id === 'AwsSolutions-CFR4').map(({ path }) => path),
      ['Communicator/ExternalSite/Distribution/Resource'],
    );
    // Wildcards only on table indexes, the APIs' @connections, X-Ray and CDK's own deployment function.
    for (const { id, reason } of acknowledged.filter(({ id }) => id.startsWith('AwsSolutions-IAM5'))) {
      assert.ok(
        [reasons.tableIndexes, reasons.connections, reasons.cdkProviderRole, reasons.xray].includes(
          reason as never,
        ),
        id,
      );
    }
  });
});
