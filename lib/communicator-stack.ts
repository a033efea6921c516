import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ResponseHeadersPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { sites, type Site } from '../functions/core/model.ts';
import { tables } from '../functions/core/storage/tables.ts';
import {
  allHandlerModules,
  authorizers,
  httpFallback,
  httpRoutes,
  scheduledTasks,
  webSocketPath,
  webSocketRoutes,
  type HandlerModule,
} from '../functions/routes.ts';
import { DataTables } from './constructs/data-tables.ts';
import { HandlerFunction } from './constructs/handler-function.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { idOf } from './constructs/ids.ts';
import { SigningKey } from './constructs/signing-key.ts';
import { SiteDistribution } from './constructs/site-distribution.ts';
import { SiteHttpApi } from './constructs/site-http-api.ts';
import { SiteWebSocketApi } from './constructs/site-web-socket-api.ts';
import { securityHeadersBehavior, WebAssets } from './constructs/web-assets.ts';
import { accessOf, connectionPushers, namedModules, windowsSignInModules } from './handler-access.ts';
import { signInSettingsEnvironment } from './sign-in-settings.ts';
import { originVerifyHeader } from '../functions/http/origin-verify.ts';
import { publicOriginSetting } from '../functions/public-origin-config.ts';

/** Integrated Windows sign-in (docs/sign-in/windows.md); the settings reach its handler only. */
export interface WindowsSignInProps {
  /**
   * Complete ARN of the Secrets Manager secret holding the Kerberos service keytab (binary, or
   * base64 text) (`KERBEROS_KEYTAB_SECRET_ARN`); only the Windows sign-in handler may read it.
   * @default - none: Kerberos tokens are refused
   */
  readonly keytabSecretArn?: string;
  /**
   * Accept tickets for this principal only (`KERBEROS_SERVICE_PRINCIPAL`, `HTTP/host@REALM`).
   * @default - any principal in the keytab
   */
  readonly servicePrincipal?: string;
  /**
   * Realm-to-directory-domain map (`KERBEROS_REALM_DOMAINS`, `EXAMPLE.TEST=CONTOSO`).
   * @default - each realm's first label
   */
  readonly realmDomains?: string;
  /**
   * The NetBIOS domain NTLM announces; setting it turns the NTLM fallback on (`NTLM_DOMAIN`).
   * @default - NTLM off
   */
  readonly ntlmDomain?: string;
}

export interface CommunicatorStackProps extends StackProps {
  /**
   * Absolute ticket lifetime (`TICKET_LIFETIME_SECONDS`).
   * @default - unset: the handlers' default
   */
  readonly ticketLifetimeSeconds?: number;
  /**
   * Ticket idle timeout (`TICKET_IDLE_SECONDS`).
   * @default - unset: the handlers' default
   */
  readonly ticketIdleSeconds?: number;
  /**
   * Where users without enhanced presence are sent (`LEGACY_URL`).
   * @default - unset: such users are refused
   */
  readonly legacyUrl?: string;
  /**
   * Single sign-on and sign-out page settings, named as the handlers read them (docs/settings.md):
   * `SSO_ISSUER`, `SSO_CLIENT_ID`, `SSO_CLIENT_SECRET_ARN`, `SSO_USER_CLAIM`,
   * `SSO_IDLE_SECONDS_EXTERNAL`, `SIGNOUT_PAGE_URL`, …; checked at synthesis. The callback handler
   * may read the client secret named by `SSO_CLIENT_SECRET_ARN`.
   * @default - none: no single sign-on, and sign-out lands on the sign-in chooser
   */
  readonly signInSettings?: Readonly<Record<string, string>>;
  /**
   * The built browser client (`npx tsx web/build.ts` writes it), relative to the repository root
   * or absolute.
   * @default 'web/dist'
   */
  readonly webAssetPath?: string;
  /**
   * How long function logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * The ARN of a WAF web ACL (scope CLOUDFRONT, in us-east-1: `FirewallStack`) per site, such as one
   * admitting only the organisation's networks to the internal site.
   * @default - none: both sites are reachable from anywhere
   */
  readonly webAclArns?: Readonly<Partial<Record<Site, string>>>;
  /**
   * Per-site ticket lifetimes (`TICKET_LIFETIME_SECONDS_<SITE>`, `TICKET_IDLE_SECONDS_<SITE>`).
   * @default - the general lifetimes
   */
  readonly siteTickets?: Readonly<
    Partial<Record<Site, { readonly lifetimeSeconds?: number; readonly idleSeconds?: number }>>
  >;
  /**
   * A site's own host name and the ARN of its ACM certificate (in us-east-1).
   * @default - CloudFront's own name for each site
   */
  readonly sites?: Readonly<
    Partial<Record<Site, { readonly domainName?: string; readonly certificateArn?: string }>>
  >;
  /**
   * Who the alarms e-mail.
   * @default - nobody: alarms show in the console, and the topic can be subscribed later
   */
  readonly alarmEmail?: string;
  /**
   * Stage throttling of every API (requests or WebSocket messages per second, and burst), so a flood
   * is answered 429 by API Gateway before it reaches the functions and the tables.
   * @default { rateLimit: 200, burstLimit: 400 }
   */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Integrated Windows sign-in: Kerberos keytab, principal mapping, NTLM.
   * @default - no keytab and NTLM off: `/auth/windows` refuses every token
   */
  readonly windowsSignIn?: WindowsSignInProps;
}

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The whole communicator: data tables, the signing key, one function per handler module, and per
 * site an HTTP API, a WebSocket API and a CloudFront distribution in front of both and the client.
 * Routes, tables and sites all come from the shared tables in `functions/`.
 */
export class CommunicatorStack extends Stack {
  /** The function of each handler module. */
  readonly handlers: ReadonlyMap<HandlerModule, NodejsFunction>;
  readonly httpApis: Readonly<Record<Site, SiteHttpApi>>;
  readonly webSocketApis: Readonly<Record<Site, SiteWebSocketApi>>;
  readonly distributions: Readonly<Record<Site, SiteDistribution>>;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: CommunicatorStackProps = {}) {
    super(scope, id, props);
    const modules = allHandlerModules();
    const unknown = namedModules.filter((module) => !modules.includes(module));
    if (unknown.length > 0) throw new Error(`handler access names unknown modules: ${unknown.join(', ')}`);
    const webAssetPath = resolve(repositoryRoot, props.webAssetPath ?? 'web/dist');
    if (!existsSync(webAssetPath)) {
      throw new Error(`no web client at ${webAssetPath}: build it first (npx tsx web/build.ts)`);
    }

    const data = new DataTables(this, 'Tables', {
      definitions: tables,
      durable: ['users', 'contacts', 'windowsIdentities', 'twoFactor'],
    });
    const signingKey = new SigningKey(this, 'TicketSigningKey');
    // What CloudFront adds to every request to the APIs and the handlers require (docs/deploy-aws.md:
    // "Why the APIs cannot be reached around CloudFront"); generated by Secrets Manager, never in
    // the template.
    const originSecret = new Secret(this, 'OriginVerifySecret', {
      description: 'The header value CloudFront sends the APIs so the handlers can refuse direct calls',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const windows = windowsSignInSettings(props.windowsSignIn ?? {});
    const settings = { ...handlerSettings(props), ...signInSettingsEnvironment(props.signInSettings) };

    const handlers = new Map<HandlerModule, NodejsFunction>();
    for (const module of modules) {
      const isWindowsSignIn = windowsSignInModules.includes(module);
      const handler = new HandlerFunction(this, idOf(module), {
        module,
        sourceDir: join(repositoryRoot, 'functions'),
        depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
        tables: data,
        signingKey: signingKey.secret,
        originSecret,
        access: accessOf(module),
        settings: isWindowsSignIn ? { ...settings, ...windows.settings } : settings,
        ...(isWindowsSignIn && { secrets: windows.secrets }),
        logRetention,
      });
      handlers.set(module, handler.function);
    }
    this.handlers = handlers;
    const functionOf = (module: HandlerModule): NodejsFunction => {
      const fn = handlers.get(module);
      if (!fn) throw new Error(`no function for handler module ${module}`);
      return fn;
    };

    const ssoSecretArn = props.signInSettings?.SSO_CLIENT_SECRET_ARN;
    if (ssoSecretArn) {
      // Only the callback redeems codes, so only it reads the client secret.
      Secret.fromSecretCompleteArn(this, 'SsoClientSecret', ssoSecretArn).grantRead(
        functionOf('http/sso-callback'),
      );
    }
    const directorySecretArn = props.signInSettings?.LDAP_BIND_PASSWORD_SECRET_ARN;
    if (directorySecretArn) {
      // Every handler may read users and policy, so every handler may bind as the service account.
      const secret = Secret.fromSecretCompleteArn(this, 'DirectoryServicePassword', directorySecretArn);
      for (const fn of handlers.values()) secret.grantRead(fn);
    }

    // CloudFront's access logs, and the client bucket's server access logs. CloudFront's standard
    // logging writes with ACLs, so this bucket (alone) lets the object writer's ACL apply.
    const logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(logRetention > 0 ? logRetention : 365) }],
    });
    const assets = new WebAssets(this, 'WebAssets', {
      sourcePath: webAssetPath,
      logRetention,
      accessLogBucket: logBucket,
    });
    // API Gateway's own answers (throttling, its errors) carry no security headers; CloudFront adds
    // them to any API answer that lacks them, leaving the handlers' own headers as they are.
    const apiHeaders = new ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'Security headers for API answers that have none of their own',
      securityHeadersBehavior: securityHeadersBehavior(false),
    });
    const throttle = props.throttling ?? { rateLimit: 200, burstLimit: 400 };
    const accessLogsOf = (name: string) =>
      new LogGroup(this, `${name}AccessLogs`, { retention: logRetention });

    const httpApis = {} as Record<Site, SiteHttpApi>;
    const webSocketApis = {} as Record<Site, SiteWebSocketApi>;
    const distributions = {} as Record<Site, SiteDistribution>;
    for (const site of sites) {
      const siteId = idOf(site);
      httpApis[site] = new SiteHttpApi(this, `${siteId}Http`, {
        site,
        routes: httpRoutes.filter((route) => route.sites.includes(site)),
        fallback: httpFallback,
        functionOf,
        authorizer: functionOf(authorizers.http),
        accessLogs: accessLogsOf(`${siteId}Http`),
        throttle,
      });
      webSocketApis[site] = new SiteWebSocketApi(this, `${siteId}WebSocket`, {
        site,
        routes: webSocketRoutes,
        functionOf,
        connectAuthorizer: functionOf(authorizers.webSocket),
        stageName: webSocketPath.replace(/^\//, ''),
        accessLogs: accessLogsOf(`${siteId}WebSocket`),
        requiredHeaders: [originVerifyHeader],
        throttle,
      });
      const webAclArn = props.webAclArns?.[site];
      const domain = props.sites?.[site];
      distributions[site] = new SiteDistribution(this, `${siteId}Site`, {
        site,
        httpApi: httpApis[site].api,
        webSocketApi: webSocketApis[site].api,
        webSocketPath,
        client: assets,
        ...(webAclArn && { webAclArn }),
        originVerify: { headerName: originVerifyHeader, value: originSecret.secretValue.unsafeUnwrap() },
        apiResponseHeadersPolicy: apiHeaders,
        logBucket,
        ...(domain?.domainName &&
          domain.certificateArn && {
            customDomain: {
              domainName: domain.domainName,
              certificate: Certificate.fromCertificateArn(
                this,
                `${siteId}Certificate`,
                domain.certificateArn,
              ),
            },
          }),
      });
      // The site's one public origin: its configured domain name, else CloudFront's. The handlers
      // build addresses and check Origins and NTLM target names against it, never against a
      // request's Host or X-Forwarded-Host.
      const publicOrigin = `https://${(domain?.certificateArn && domain.domainName) || distributions[site].distribution.distributionDomainName}`;
      for (const fn of handlers.values()) fn.addEnvironment(publicOriginSetting(site), publicOrigin);
      new CfnOutput(this, `${siteId}Url`, { description: `The ${site} site`, value: publicOrigin });
      new CfnOutput(this, `${siteId}DistributionDomain`, {
        description: `Where the ${site} site's DNS name (CNAME or alias) must point`,
        value: distributions[site].distribution.distributionDomainName,
      });
    }
    for (const task of scheduledTasks) {
      new Rule(this, `${idOf(task.handler)}Schedule`, {
        description: `Runs ${task.handler}`,
        schedule: Schedule.rate(Duration.minutes(task.everyMinutes)),
        targets: [new LambdaFunction(functionOf(task.handler))],
      });
    }
    // Signing out on one site ends the ticket's connections on either.
    for (const module of connectionPushers) {
      for (const site of sites) webSocketApis[site].grantManageConnections(functionOf(module));
    }
    this.httpApis = httpApis;
    this.webSocketApis = webSocketApis;
    this.distributions = distributions;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: handlers,
      authorizerModules: [authorizers.http, authorizers.webSocket],
      httpApis: Object.fromEntries(sites.map((site) => [site, httpApis[site].api])),
      webSocketApis: Object.fromEntries(sites.map((site) => [site, webSocketApis[site].api])),
      tables: Object.values(data.tables),
      ...(props.alarmEmail && { alarmEmail: props.alarmEmail }),
    });
    new CfnOutput(this, 'Dashboard', {
      description: 'The operations dashboard',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'TicketSigningKeySecret', {
      description: 'The ticket signing key material (docs/deploy-aws.md, "Rotating the ticket signing key")',
      value: signingKey.secret.secretArn,
    });
    new CfnOutput(this, 'AlarmTopic', {
      description: 'Alarms are published here',
      value: this.monitoring.topic.topicArn,
    });
  }
}

function positiveInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return String(value);
}

const completeSecretArn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/** The Windows sign-in handler's settings and the secret it reads, as environment. */
function windowsSignInSettings(props: WindowsSignInProps): {
  settings: Record<string, string>;
  secrets: Record<string, string>;
} {
  const settings: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  if (props.keytabSecretArn !== undefined) {
    if (!completeSecretArn.test(props.keytabSecretArn)) {
      throw new Error('keytabSecretArn must be a complete Secrets Manager secret ARN (ending in -XXXXXX)');
    }
    secrets.KERBEROS_KEYTAB_SECRET_ARN = props.keytabSecretArn;
  }
  if (props.servicePrincipal !== undefined) settings.KERBEROS_SERVICE_PRINCIPAL = props.servicePrincipal;
  if (props.realmDomains !== undefined) settings.KERBEROS_REALM_DOMAINS = props.realmDomains;
  if (props.ntlmDomain !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,14}$/.test(props.ntlmDomain)) {
      throw new Error('ntlmDomain must be a NetBIOS domain name (up to 15 letters, digits, dots or hyphens)');
    }
    settings.NTLM_DOMAIN = props.ntlmDomain;
  }
  return { settings, secrets };
}

/** The optional handler settings, as environment; anything unset keeps the handlers' default. */
function handlerSettings(props: CommunicatorStackProps): Record<string, string> {
  const settings: Record<string, string> = {};
  if (props.ticketLifetimeSeconds !== undefined) {
    settings.TICKET_LIFETIME_SECONDS = positiveInteger('ticketLifetimeSeconds', props.ticketLifetimeSeconds);
  }
  if (props.ticketIdleSeconds !== undefined) {
    settings.TICKET_IDLE_SECONDS = positiveInteger('ticketIdleSeconds', props.ticketIdleSeconds);
  }
  for (const [site, policy] of Object.entries(props.siteTickets ?? {})) {
    const suffix = site.toUpperCase();
    if (policy.lifetimeSeconds !== undefined) {
      settings[`TICKET_LIFETIME_SECONDS_${suffix}`] = positiveInteger(
        `${site} lifetimeSeconds`,
        policy.lifetimeSeconds,
      );
    }
    if (policy.idleSeconds !== undefined) {
      settings[`TICKET_IDLE_SECONDS_${suffix}`] = positiveInteger(`${site} idleSeconds`, policy.idleSeconds);
    }
  }
  if (props.legacyUrl !== undefined) {
    if (!URL.canParse(props.legacyUrl)) throw new Error('legacyUrl must be an absolute URL');
    settings.LEGACY_URL = props.legacyUrl;
  }
  return settings;
}
