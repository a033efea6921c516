import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ResponseHeadersPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnIPSet } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { secondsRange } from '../functions/config.ts';
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
import { certificateDomainSetting } from '../functions/certificate-config.ts';
import { certificateDomainModule, certificatePath } from '../functions/http/certificate-page.ts';
import { CertificateSignInDomain } from './constructs/certificate-sign-in-domain.ts';
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
import { siteWebAclRules } from './firewall-stack.ts';
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

/**
 * A site's smart card sign-in on AWS (docs/sign-in/smart-cards.md, "On AWS"): its mutual-TLS domain,
 * where API Gateway asks browsers for the client certificate.
 */
export interface CertificateSignInProps {
  /** The domain's host name; its DNS name must point at the stack's `SmartCardDomainTarget` output. */
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the stack's region. */
  readonly certificateArn: string;
  /**
   * A PEM file of every CA from the users' certificates up to the root: uploaded as the domain's
   * truststore, and the function's `CLIENT_CERT_CA_FILE`.
   */
  readonly truststoreFile: string;
  /**
   * The CAs' revocation lists (PEM or DER), the function's `CLIENT_CERT_CRL_FILE`; a new list needs
   * a deployment.
   * @default - revocation is not checked
   */
  readonly crlFile?: string;
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
  /**
   * Smart card sign-in per site: the site's mutual-TLS sign-in domain (`signInSettings` must list the
   * site in `CLIENT_CERT_SITES`).
   * @default - none: no site offers smart cards
   */
  readonly certificateSignIn?: Readonly<Partial<Record<Site, CertificateSignInProps>>>;
  /**
   * The web ACL rules of the smart card domains (regional: CloudFront's ACLs cannot guard them):
   * the internal networks, and the rate limits per address, as the sites' own ACLs have them.
   * @default - required when `certificateSignIn` is given
   */
  readonly certificateFirewall?: {
    readonly internalNetworks: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
    readonly requestsPerFiveMinutes: number;
    readonly signInRequestsPerFiveMinutes: number;
  };
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
  /** Each smart card sign-in domain and its function, for the sites that have one. */
  readonly certificateDomains: Readonly<
    Partial<Record<Site, { readonly domain: CertificateSignInDomain; readonly handler: NodejsFunction }>>
  >;
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
    // Where each site sends browsers to present their smart card.
    for (const [site, domain] of Object.entries(props.certificateSignIn ?? {}) as [
      Site,
      CertificateSignInProps,
    ][]) {
      settings[certificateDomainSetting(site)] = `https://${domain.domainName}`;
    }

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

    // Each smart card domain's own function (on no site's API), with the CA file and the CRL in a layer.
    const certificateFunctions: Partial<Record<Site, NodejsFunction>> = {};
    for (const [site, domain] of Object.entries(props.certificateSignIn ?? {}) as [
      Site,
      CertificateSignInProps,
    ][]) {
      const files = clientCertificateFiles(domain);
      const handler = new HandlerFunction(this, `${idOf(site)}SmartCardSignIn`, {
        module: certificateDomainModule,
        sourceDir: join(repositoryRoot, 'functions'),
        depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
        tables: data,
        signingKey: signingKey.secret,
        // It signs the hand-off back to the site with the ticket key, and reads nothing else.
        access: { data: false, signingKey: true },
        settings: { ...settings, ...files.settings },
        logRetention,
      });
      handler.function.addLayers(
        new LayerVersion(this, `${idOf(site)}SmartCardFiles`, {
          description: `The ${site} site's smart card CAs and revocation lists`,
          code: Code.fromAsset(files.directory),
          compatibleRuntimes: [Runtime.NODEJS_22_X],
          compatibleArchitectures: [Architecture.ARM_64],
        }),
      );
      certificateFunctions[site] = handler.function;
    }

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
      for (const fn of [...handlers.values(), ...Object.values(certificateFunctions)]) {
        fn.addEnvironment(publicOriginSetting(site), publicOrigin);
      }
      new CfnOutput(this, `${siteId}Url`, { description: `The ${site} site`, value: publicOrigin });
      new CfnOutput(this, `${siteId}DistributionDomain`, {
        description: `Where the ${site} site's DNS name (CNAME or alias) must point`,
        value: distributions[site].distribution.distributionDomainName,
      });
    }
    const certificateDomains: Partial<
      Record<Site, { domain: CertificateSignInDomain; handler: NodejsFunction }>
    > = {};
    const certificateSites = Object.keys(certificateFunctions) as Site[];
    if (certificateSites.length > 0) {
      const firewall = props.certificateFirewall;
      if (!firewall)
        throw new Error('certificateSignIn needs certificateFirewall (the regional web ACL rules)');
      const ipSet = (family: 'IPV4' | 'IPV6', addresses: readonly string[]) =>
        new CfnIPSet(this, `SmartCardInternalNetworks${family}`, {
          description: `Internal networks ${family} - deploy.config.json internalNetworks`,
          scope: 'REGIONAL',
          ipAddressVersion: family,
          addresses: [...addresses],
        });
      const internalNetworks = certificateSites.includes('internal')
        ? [
            ...(firewall.internalNetworks.ipv4.length > 0
              ? [ipSet('IPV4', firewall.internalNetworks.ipv4)]
              : []),
            ...(firewall.internalNetworks.ipv6.length > 0
              ? [ipSet('IPV6', firewall.internalNetworks.ipv6)]
              : []),
          ]
        : [];
      for (const site of certificateSites) {
        const config = props.certificateSignIn![site]!;
        const siteId = idOf(site);
        const truststore = new Asset(this, `${siteId}SmartCardTruststore`, { path: config.truststoreFile });
        const domain = new CertificateSignInDomain(this, `${siteId}SmartCardDomain`, {
          site,
          domainName: config.domainName,
          certificate: Certificate.fromCertificateArn(
            this,
            `${siteId}SmartCardCertificate`,
            config.certificateArn,
          ),
          truststore: { bucket: truststore.bucket, key: truststore.s3ObjectKey },
          handler: certificateFunctions[site]!,
          path: certificatePath,
          accessLogs: accessLogsOf(`${siteId}SmartCard`),
          throttle,
          firewallRules: siteWebAclRules(site, {
            internalNetworks,
            requestsPerFiveMinutes: firewall.requestsPerFiveMinutes,
            signInRequestsPerFiveMinutes: firewall.signInRequestsPerFiveMinutes,
            metricPrefix: `${site}-smart-card`,
          }),
        });
        certificateDomains[site] = { domain, handler: certificateFunctions[site]! };
        new CfnOutput(this, `${siteId}SmartCardDomainTarget`, {
          description: `Where the ${site} site's smart card domain (${config.domainName}) must point (CNAME or alias)`,
          value: domain.domain.domainNameAliasDomainName,
        });
      }
    }
    this.certificateDomains = certificateDomains;

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
      functions: new Map([
        ...handlers,
        ...Object.entries(certificateFunctions).map(
          ([site, fn]) => [`${certificateDomainModule}:${site}`, fn] as const,
        ),
      ]),
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

/** A duration in seconds within the range the handlers take (`secondsRange`, a year at most). */
function positiveInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value < secondsRange.min || value > secondsRange.max) {
    throw new Error(`${name} must be a positive integer up to ${secondsRange.max}`);
  }
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
    const protocol = URL.canParse(props.legacyUrl) ? new URL(props.legacyUrl).protocol : '';
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new Error('legacyUrl must be an absolute http or https URL');
    }
    settings.LEGACY_URL = props.legacyUrl;
  }
  return settings;
}

/** Where the smart card function finds its files (the layer's root is `/opt`). */
const clientCertificateDir = '/opt/client-certificates';

/**
 * The folder a smart card domain's layer is made from (its CA file and CRL, copied at synthesis so
 * the asset is exactly these files), and the settings naming them inside the function.
 */
function clientCertificateFiles(domain: CertificateSignInProps): {
  directory: string;
  settings: Record<string, string>;
} {
  const directory = mkdtempSync(join(tmpdir(), 'communicator-client-certificates-'));
  mkdirSync(join(directory, 'client-certificates'));
  copyFileSync(domain.truststoreFile, join(directory, 'client-certificates', 'truststore.pem'));
  const settings: Record<string, string> = {
    CLIENT_CERT_CA_FILE: `${clientCertificateDir}/truststore.pem`,
  };
  if (domain.crlFile) {
    copyFileSync(domain.crlFile, join(directory, 'client-certificates', 'revocation-lists.crl'));
    settings.CLIENT_CERT_CRL_FILE = `${clientCertificateDir}/revocation-lists.crl`;
  }
  return { directory, settings };
}
