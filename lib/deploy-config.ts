import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import { certificatesOfPem } from '../functions/core/signin/certificate-chain.ts';
import { parseRevocationLists } from '../functions/core/signin/certificate-revocation.ts';
import { sites, type AuthMethod, type Site } from '../functions/core/model.ts';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type {
  CertificateSignInProps,
  CommunicatorStackProps,
  WindowsSignInProps,
} from './communicator-stack.ts';
import { signInSettingsEnvironment } from './sign-in-settings.ts';

/**
 * The deployment configuration (`deploy.config.json`, example in `deploy.config.example.json`,
 * docs/deploy-aws.md): one typed, validated file for everything a deployment chooses. Secrets
 * are named by ARN, never given. `readDeployConfig` refuses a bad file naming each bad field, so a
 * mistake fails `cdk synth`, not the first sign-in.
 */
export interface DeployConfig {
  /** Twelve digits. @default - the account of the CLI's credentials (`CDK_DEFAULT_ACCOUNT`) */
  readonly account?: string;
  /** Where the APIs, functions and tables live (the firewall is always in us-east-1, as CloudFront requires). */
  readonly region: string;
  readonly sites: Readonly<Record<Site, SiteConfig>>;
  /** The organisation's networks (IPv4/IPv6 CIDRs): the only sources the internal site admits. */
  readonly internalNetworks: readonly string[];
  readonly tickets?: TicketConfig;
  /** Where users without enhanced presence are sent. @default - refused */
  readonly legacyUrl?: string;
  /** Where a browser lands after signing out, one for both sites or per site. @default '/' */
  readonly signOutPage?: string | Readonly<Partial<Record<Site, string>>>;
  /**
   * Identity-provider settings, named as the handlers read them (docs/settings.md): `SSO_ISSUER`,
   * `SSO_CLIENT_ID`, `SSO_CLIENT_SECRET_ARN`, `ASSERTION_HEADER`, `TWO_FACTOR_REQUIRED_SITES`, …
   * Which sites offer a method comes from `sites.*.signInMethods`, not from `*_SITES` here.
   */
  readonly identityProviders?: Readonly<Record<string, string>>;
  readonly windowsSignIn?: WindowsSignInProps;
  readonly monitoring?: {
    /** Who the alarms e-mail (confirm the subscription once). @default - no subscription: alarms only show in the console */
    readonly alarmEmail?: string;
  };
  readonly firewall?: {
    /** Requests one address may make in five minutes, on any path. @default 3000 */
    readonly requestsPerFiveMinutes?: number;
    /** Requests one address may make to `/auth/*` in five minutes. @default 300 */
    readonly signInRequestsPerFiveMinutes?: number;
  };
  /** API Gateway stage throttling of each HTTP API: steady requests per second and burst. @default 200 / 400 */
  readonly throttling?: { readonly rateLimit?: number; readonly burstLimit?: number };
  /** Days logs are kept (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays?: number;
}

export interface SiteConfig {
  /** The site's own host name (needs `certificateArn`). @default - CloudFront's `*.cloudfront.net` name */
  readonly domainName?: string;
  /** An ACM certificate in us-east-1 covering `domainName`. */
  readonly certificateArn?: string;
  /** The sign-in methods the site offers; `forms` always. */
  readonly signInMethods: readonly AuthMethod[];
  /** The site's mutual-TLS sign-in domain, required when `signInMethods` lists `certificate`. */
  readonly certificateSignIn?: CertificateSignInConfig;
}

/**
 * Smart card sign-in on AWS (docs/sign-in/smart-cards.md, "On AWS"): a domain of its own where API
 * Gateway asks for the client certificate. Files are read at synthesis, relative to the
 * configuration file.
 */
export interface CertificateSignInConfig {
  /** Its host name, such as `smartcard.im.contoso.com` (its DNS name points at the stack output). */
  readonly domainName: string;
  /** An ACM certificate covering `domainName`, in the deployment's `region`. */
  readonly certificateArn: string;
  /** PEM file of every CA from the users' certificates up to the root (API Gateway's truststore). */
  readonly truststoreFile: string;
  /** The CAs' revocation lists (PEM or DER), bundled with the function; deploy again to update. @default - not checked */
  readonly crlFile?: string;
}

interface TicketLifetimes {
  readonly lifetimeSeconds?: number;
  readonly idleSeconds?: number;
}

export interface TicketConfig extends TicketLifetimes {
  readonly internal?: TicketLifetimes;
  readonly external?: TicketLifetimes;
}

/** What the app builds from a valid configuration. */
export interface Deployment {
  readonly account: string | undefined;
  readonly region: string;
  readonly internalNetworks: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
  readonly firewall: {
    readonly requestsPerFiveMinutes: number;
    readonly signInRequestsPerFiveMinutes: number;
  };
  readonly stack: Omit<CommunicatorStackProps, 'webAclArns' | 'env' | 'webAssetPath'>;
}

export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${source} is not a valid deployment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const methods: readonly AuthMethod[] = ['forms', 'windows', 'sso', 'assertion', 'certificate', 'two-factor'];
const retentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d$/;
const acmCertificateArn = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/;
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const eMail = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Which handler setting names the sites offering each configurable method. */
const siteSettingOf: Partial<Record<AuthMethod, string>> = {
  sso: 'SSO_SITES',
  assertion: 'ASSERTION_SITES',
  'two-factor': 'TWO_FACTOR_SITES',
};
/** The setting without which a method cannot work. */
const enablingSettingOf: Partial<Record<AuthMethod, string>> = {
  sso: 'SSO_ISSUER',
  assertion: 'ASSERTION_HEADER',
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Field checks that note every problem with its path, so one run names them all. */
class Checker {
  readonly problems: string[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push(`${path} ${message}`);
    return undefined;
  }

  object(value: unknown, path: string, known: readonly string[]): Json | undefined {
    if (!isObject(value)) return this.problem(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!known.includes(key) && key !== '$comment')
        this.problem(`${path}.${key}`, 'is not a known setting');
    }
    return value;
  }

  string(value: unknown, path: string, pattern?: RegExp, expected?: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '')
      return this.problem(path, 'must be a non-empty string');
    if (pattern && !pattern.test(value))
      return this.problem(path, `must be ${expected ?? `like ${String(pattern)}`}`);
    return value;
  }

  positiveInteger(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
      return this.problem(path, `must be a whole number from 1 to ${max}`);
    }
    return value;
  }

  url(value: unknown, path: string): string | undefined {
    const raw = this.string(value, path);
    if (raw === undefined) return undefined;
    if (!URL.canParse(raw) || new URL(raw).protocol !== 'https:')
      return this.problem(path, 'must be an absolute https URL');
    return raw;
  }
}

function cidrFamily(cidr: string): 'ipv4' | 'ipv6' | undefined {
  const [address, bits, ...rest] = cidr.split('/');
  if (!address || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (isIPv4(address) && prefix >= 1 && prefix <= 32) return 'ipv4';
  if (isIPv6(address) && prefix >= 1 && prefix <= 128) return 'ipv6';
  return undefined;
}

function ticketLifetimes(check: Checker, value: unknown, path: string, perSite: boolean): Json | undefined {
  const known = ['lifetimeSeconds', 'idleSeconds', ...(perSite ? sites : [])];
  const tickets = check.object(value, path, known);
  if (!tickets) return undefined;
  const year = 365 * 24 * 3600;
  check.positiveInteger(tickets.lifetimeSeconds, `${path}.lifetimeSeconds`, year);
  check.positiveInteger(tickets.idleSeconds, `${path}.idleSeconds`, year);
  return tickets;
}

/**
 * Checks a parsed configuration file (`source` names it in messages) and turns it into what the
 * stacks take. Throws `DeployConfigError` listing every bad field.
 */
export function readDeployConfig(raw: unknown, source = 'deploy.config.json'): Deployment {
  const check = new Checker();
  const config = check.object(raw, 'the configuration', [
    'account',
    'region',
    'sites',
    'internalNetworks',
    'tickets',
    'legacyUrl',
    'signOutPage',
    'identityProviders',
    'windowsSignIn',
    'monitoring',
    'firewall',
    'throttling',
    'logRetentionDays',
  ]);
  if (!config) throw new DeployConfigError(source, check.problems);

  const account = check.string(config.account, 'account', /^\d{12}$/, 'twelve digits');
  const region =
    config.region === undefined
      ? check.problem('region', 'is required: the AWS region to deploy to, such as eu-west-1')
      : check.string(config.region, 'region', regionPattern, 'an AWS region such as eu-west-1');

  // Sites: every site present, its domain and certificate together, its methods known and possible.
  const siteSettings: Partial<
    Record<Site, { domainName?: string; certificateArn?: string; methods: AuthMethod[] }>
  > = {};
  const certificateDomains: Partial<Record<Site, CertificateSignInProps>> = {};
  const siteMap = check.object(config.sites, 'sites', sites);
  for (const site of sites) {
    const path = `sites.${site}`;
    const entry =
      siteMap &&
      check.object(siteMap[site], path, [
        'domainName',
        'certificateArn',
        'signInMethods',
        'certificateSignIn',
      ]);
    if (!entry) continue;
    const domainName = check.string(entry.domainName, `${path}.domainName`, hostName, 'a host name');
    const certificateArn = check.string(
      entry.certificateArn,
      `${path}.certificateArn`,
      acmCertificateArn,
      'the ARN of an ACM certificate in us-east-1 (CloudFront reads certificates only there)',
    );
    if ((domainName === undefined) !== (certificateArn === undefined)) {
      check.problem(path, 'needs domainName and certificateArn together');
    }
    const listed = entry.signInMethods;
    const chosen: AuthMethod[] = [];
    if (!Array.isArray(listed)) {
      check.problem(`${path}.signInMethods`, `must be a list of: ${methods.join(', ')}`);
    } else {
      for (const [index, method] of listed.entries()) {
        if (!methods.includes(method as AuthMethod)) {
          check.problem(`${path}.signInMethods[${index}]`, `must be one of: ${methods.join(', ')}`);
        } else if (chosen.includes(method as AuthMethod)) {
          check.problem(`${path}.signInMethods[${index}]`, `lists ${String(method)} twice`);
        } else chosen.push(method as AuthMethod);
      }
      if (!chosen.includes('forms')) {
        check.problem(`${path}.signInMethods`, 'must include forms (the contract’s sign-in, always offered)');
      }
      if (chosen.includes('windows') && site !== 'internal') {
        check.problem(
          `${path}.signInMethods`,
          'cannot include windows: Windows sign-in is for the internal site only',
        );
      }
    }
    const certificateSignIn =
      entry.certificateSignIn === undefined
        ? undefined
        : certificateSignInOf(check, entry.certificateSignIn, `${path}.certificateSignIn`, {
            region: typeof config.region === 'string' ? config.region : undefined,
            siteDomain: domainName,
            baseDir: dirname(resolve(source)),
          });
    if (chosen.includes('certificate') && entry.certificateSignIn === undefined) {
      check.problem(
        `${path}.signInMethods`,
        'lists certificate, which needs certificateSignIn: a domain of its own where API Gateway asks for the smart card (docs/sign-in/smart-cards.md)',
      );
    }
    if (!chosen.includes('certificate') && entry.certificateSignIn !== undefined) {
      check.problem(`${path}.certificateSignIn`, 'is set, but signInMethods does not list certificate');
    }
    if (certificateSignIn) certificateDomains[site] = certificateSignIn;
    siteSettings[site] = {
      ...(domainName && { domainName }),
      ...(certificateArn && { certificateArn }),
      methods: chosen,
    };
  }

  // The internal site's networks.
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  if (!Array.isArray(config.internalNetworks) || config.internalNetworks.length === 0) {
    check.problem('internalNetworks', 'must list the organisation’s networks as CIDRs (e.g. "10.0.0.0/8")');
  } else {
    for (const [index, cidr] of config.internalNetworks.entries()) {
      const family = typeof cidr === 'string' ? cidrFamily(cidr) : undefined;
      if (family === 'ipv4') ipv4.push(cidr as string);
      else if (family === 'ipv6') ipv6.push(cidr as string);
      else check.problem(`internalNetworks[${index}]`, 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8');
    }
  }

  const tickets =
    config.tickets === undefined ? undefined : ticketLifetimes(check, config.tickets, 'tickets', true);
  const perSite: Partial<Record<Site, TicketLifetimes>> = {};
  for (const site of sites) {
    const value = tickets?.[site];
    if (value === undefined) continue;
    const lifetimes = ticketLifetimes(check, value, `tickets.${site}`, false);
    if (lifetimes) perSite[site] = lifetimes as TicketLifetimes;
  }
  const legacyUrl = check.url(config.legacyUrl, 'legacyUrl');

  // Handler settings: identity providers as given, sign-out pages and who offers what from above.
  const settings: Record<string, string> = {};
  let providers: Json = {};
  if (config.identityProviders !== undefined) {
    if (isObject(config.identityProviders)) providers = config.identityProviders;
    else check.problem('identityProviders', 'must be an object of setting names and values');
  }
  for (const [name, value] of Object.entries(providers)) {
    if (typeof value !== 'string') check.problem(`identityProviders.${name}`, 'must be a string');
    else if (/_SITES$/.test(name) && name !== 'TWO_FACTOR_REQUIRED_SITES') {
      check.problem(`identityProviders.${name}`, 'is set from sites.*.signInMethods; remove it here');
    } else if (/^CLIENT_CERT_(CA|CA_FILE|CRL_FILE)$/.test(name)) {
      check.problem(`identityProviders.${name}`, 'is set from sites.*.certificateSignIn; remove it here');
    } else if (/^SIGNOUT_PAGE_URL/.test(name)) {
      check.problem(`identityProviders.${name}`, 'is set from signOutPage; remove it here');
    } else settings[name] = value;
  }
  const signOut = config.signOutPage;
  if (typeof signOut === 'string') settings.SIGNOUT_PAGE_URL = signOut;
  else if (signOut !== undefined) {
    const pages = check.object(signOut, 'signOutPage', sites);
    for (const site of sites) {
      const page = check.string(pages?.[site], `signOutPage.${site}`);
      if (page) settings[`SIGNOUT_PAGE_URL_${site.toUpperCase()}`] = page;
    }
  }
  for (const [method, setting] of Object.entries(siteSettingOf) as [AuthMethod, string][]) {
    const offering = sites.filter((site) => siteSettings[site]?.methods.includes(method));
    const enabling = enablingSettingOf[method];
    if (enabling && offering.length > 0 && !settings[enabling]) {
      check.problem(
        `sites.${offering[0]}.signInMethods`,
        `lists ${method}, which needs identityProviders.${enabling}`,
      );
    }
    if (enabling && offering.length === 0 && settings[enabling]) {
      check.problem(`identityProviders.${enabling}`, `is set, but no site lists ${method} in signInMethods`);
    }
    if (offering.length > 0 || !enabling)
      settings[setting] = offering.length > 0 ? offering.join(',') : 'none';
  }

  const certificateSites = sites.filter((site) => siteSettings[site]?.methods.includes('certificate'));
  if (certificateSites.length > 0) settings.CLIENT_CERT_SITES = certificateSites.join(',');

  let windowsSignIn: WindowsSignInProps | undefined;
  if (config.windowsSignIn !== undefined) {
    const windows = check.object(config.windowsSignIn, 'windowsSignIn', [
      'keytabSecretArn',
      'servicePrincipal',
      'realmDomains',
      'ntlmDomain',
    ]);
    if (windows) {
      windowsSignIn = {
        ...(windows.keytabSecretArn !== undefined && {
          keytabSecretArn: check.string(windows.keytabSecretArn, 'windowsSignIn.keytabSecretArn'),
        }),
        ...(windows.servicePrincipal !== undefined && {
          servicePrincipal: check.string(windows.servicePrincipal, 'windowsSignIn.servicePrincipal'),
        }),
        ...(windows.realmDomains !== undefined && {
          realmDomains: check.string(windows.realmDomains, 'windowsSignIn.realmDomains'),
        }),
        ...(windows.ntlmDomain !== undefined && {
          ntlmDomain: check.string(windows.ntlmDomain, 'windowsSignIn.ntlmDomain'),
        }),
      } as WindowsSignInProps;
    }
  }
  const windowsListed = siteSettings.internal?.methods.includes('windows') ?? false;
  const windowsConfigured = Boolean(windowsSignIn?.keytabSecretArn || windowsSignIn?.ntlmDomain);
  if (windowsListed && !windowsConfigured) {
    check.problem(
      'sites.internal.signInMethods',
      'lists windows, which needs windowsSignIn.keytabSecretArn or windowsSignIn.ntlmDomain',
    );
  }
  if (!windowsListed && windowsConfigured) {
    check.problem('windowsSignIn', 'is set, but sites.internal.signInMethods does not list windows');
  }

  const monitoring =
    config.monitoring === undefined
      ? undefined
      : check.object(config.monitoring, 'monitoring', ['alarmEmail']);
  const alarmEmail = check.string(
    monitoring?.alarmEmail,
    'monitoring.alarmEmail',
    eMail,
    'an e-mail address',
  );
  const firewall =
    config.firewall === undefined
      ? undefined
      : check.object(config.firewall, 'firewall', ['requestsPerFiveMinutes', 'signInRequestsPerFiveMinutes']);
  // WAF rate-based rules count from 10 (the service's minimum) to 2,000,000,000.
  const atLeastTen = (value: unknown, path: string) => {
    const n = check.positiveInteger(value, path, 2_000_000_000);
    return n !== undefined && n < 10 ? check.problem(path, 'must be at least 10 (the WAF minimum)') : n;
  };
  const requestsPerFiveMinutes = atLeastTen(
    firewall?.requestsPerFiveMinutes,
    'firewall.requestsPerFiveMinutes',
  );
  const signInRequestsPerFiveMinutes = atLeastTen(
    firewall?.signInRequestsPerFiveMinutes,
    'firewall.signInRequestsPerFiveMinutes',
  );
  const throttling =
    config.throttling === undefined
      ? undefined
      : check.object(config.throttling, 'throttling', ['rateLimit', 'burstLimit']);
  const rateLimit = check.positiveInteger(throttling?.rateLimit, 'throttling.rateLimit', 10_000);
  const burstLimit = check.positiveInteger(throttling?.burstLimit, 'throttling.burstLimit', 5_000);
  let logRetentionDays: number | undefined;
  if (config.logRetentionDays !== undefined) {
    if (!retentionDays.includes(config.logRetentionDays as number)) {
      check.problem('logRetentionDays', `must be one of ${retentionDays.join(', ')}`);
    } else logRetentionDays = config.logRetentionDays as number;
  }

  // The handlers' own checks of the identity-provider settings, as at their cold start.
  if (check.problems.length === 0) {
    try {
      signInSettingsEnvironment(settings);
    } catch (err) {
      check.problem('identityProviders', (err as Error).message.replace(/^signInSettings: /, ''));
    }
  }
  if (check.problems.length > 0) throw new DeployConfigError(source, check.problems);

  const siteOptions = Object.fromEntries(
    sites.map((site) => {
      const { domainName, certificateArn } = siteSettings[site] ?? {};
      return [site, { ...(domainName && certificateArn && { domainName, certificateArn }) }];
    }),
  ) as Record<Site, { domainName?: string; certificateArn?: string }>;
  return {
    account,
    region: region!,
    internalNetworks: { ipv4, ipv6 },
    firewall: {
      requestsPerFiveMinutes: requestsPerFiveMinutes ?? 3000,
      signInRequestsPerFiveMinutes: signInRequestsPerFiveMinutes ?? 300,
    },
    stack: {
      ...(tickets?.lifetimeSeconds !== undefined && {
        ticketLifetimeSeconds: tickets.lifetimeSeconds as number,
      }),
      ...(tickets?.idleSeconds !== undefined && { ticketIdleSeconds: tickets.idleSeconds as number }),
      siteTickets: perSite,
      ...(legacyUrl && { legacyUrl }),
      signInSettings: settings,
      ...(windowsSignIn && { windowsSignIn }),
      ...(alarmEmail && { alarmEmail }),
      sites: siteOptions,
      ...(Object.keys(certificateDomains).length > 0 && {
        certificateSignIn: certificateDomains,
        certificateFirewall: {
          internalNetworks: { ipv4, ipv6 },
          requestsPerFiveMinutes: requestsPerFiveMinutes ?? 3000,
          signInRequestsPerFiveMinutes: signInRequestsPerFiveMinutes ?? 300,
        },
      }),
      throttling: { rateLimit: rateLimit ?? 200, burstLimit: burstLimit ?? 400 },
      ...(logRetentionDays && { logRetention: logRetentionDays as RetentionDays }),
    },
  };
}

/** Checks a site's `certificateSignIn`, reading its files; answers what the stack takes. */
function certificateSignInOf(
  check: Checker,
  value: unknown,
  path: string,
  context: {
    readonly region: string | undefined;
    readonly siteDomain: string | undefined;
    readonly baseDir: string;
  },
): CertificateSignInProps | undefined {
  const entry = check.object(value, path, ['domainName', 'certificateArn', 'truststoreFile', 'crlFile']);
  if (!entry) return undefined;
  const domainName = check.string(entry.domainName, `${path}.domainName`, hostName, 'a host name');
  if (domainName === undefined) check.problem(`${path}.domainName`, 'is required');
  else if (domainName === context.siteDomain) {
    check.problem(
      `${path}.domainName`,
      'must differ from the site’s own domainName (CloudFront serves that one)',
    );
  }
  const regional = new RegExp(
    `^arn:aws[a-z-]*:acm:${context.region ?? '[a-z0-9-]+'}:\\d{12}:certificate/[0-9a-f-]{36}$`,
  );
  const certificateArn = check.string(
    entry.certificateArn,
    `${path}.certificateArn`,
    regional,
    `the ARN of an ACM certificate in ${context.region ?? 'the deployment region'} (API Gateway reads a regional domain’s certificate there)`,
  );
  if (entry.certificateArn === undefined) check.problem(`${path}.certificateArn`, 'is required');
  const fileAt = (field: 'truststoreFile' | 'crlFile'): { file: string; data: Buffer } | undefined => {
    const named = check.string(entry[field], `${path}.${field}`);
    if (named === undefined) return undefined;
    const file = isAbsolute(named) ? named : resolve(context.baseDir, named);
    try {
      return { file, data: readFileSync(file) };
    } catch {
      return check.problem(`${path}.${field}`, `cannot be read (${file})`);
    }
  };
  if (entry.truststoreFile === undefined) check.problem(`${path}.truststoreFile`, 'is required');
  const truststore = fileAt('truststoreFile');
  if (truststore) {
    let certificates: X509Certificate[] = [];
    try {
      certificates = certificatesOfPem(truststore.data.toString('utf8'));
    } catch {
      check.problem(`${path}.truststoreFile`, 'holds a certificate that cannot be read');
    }
    if (certificates.length === 0)
      check.problem(`${path}.truststoreFile`, 'must hold PEM certificates (the CAs)');
    else if (!certificates.every((certificate) => certificate.ca)) {
      check.problem(`${path}.truststoreFile`, 'must hold CA certificates only (basic constraints CA:true)');
    }
  }
  const crl = entry.crlFile === undefined ? undefined : fileAt('crlFile');
  if (crl) {
    try {
      parseRevocationLists(crl.data);
    } catch (err) {
      check.problem(`${path}.crlFile`, (err as Error).message);
    }
  }
  if (!domainName || !certificateArn || !truststore) return undefined;
  return {
    domainName,
    certificateArn,
    truststoreFile: truststore.file,
    ...(crl && { crlFile: crl.file }),
  };
}
