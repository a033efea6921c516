import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnIPSet, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { sites, type Site } from '../functions/core/model.ts';

export interface FirewallStackProps extends StackProps {
  /** The organisation's networks, the only sources the internal site admits. */
  readonly internalNetworks: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
  /** Requests one address may make in five minutes, on any path, before it is blocked for a while. */
  readonly requestsPerFiveMinutes: number;
  /** Requests one address may make to `/auth/*` (sign-in) in five minutes. */
  readonly signInRequestsPerFiveMinutes: number;
}

/** AWS managed rule groups every site runs, in order. */
export const managedRuleGroups = [
  // Reputation first: known-bad sources are dropped before anything else looks at them.
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

const visibilityOf = (name: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName: name,
  sampledRequestsEnabled: true,
});

/** What a site's web ACL is made of, wherever it stands (CloudFront, or a regional API). */
export interface SiteWebAclOptions {
  /** The IP sets of the organisation's networks (the ACL's own scope); the internal site admits only these. */
  readonly internalNetworks: readonly CfnIPSet[];
  readonly requestsPerFiveMinutes: number;
  readonly signInRequestsPerFiveMinutes: number;
  /** Starts every metric name of the ACL's rules. */
  readonly metricPrefix: string;
}

/**
 * A site's web ACL rules: on the internal site every address outside the internal networks blocked
 * first; the AWS managed rule groups; a rate limit per address on sign-in (`/auth/`) and a looser
 * one on everything.
 */
export function siteWebAclRules(site: Site, options: SiteWebAclOptions): CfnWebACL.RuleProperty[] {
  const visibility = (name: string) => visibilityOf(`${options.metricPrefix}-${name}`);
  const rules: CfnWebACL.RuleProperty[] = [];
  if (site === 'internal') {
    // Anything not from an internal network is blocked first, so no other rule sees it.
    const fromInternal: CfnWebACL.StatementProperty[] = options.internalNetworks.map((set) => ({
      ipSetReferenceStatement: { arn: set.attrArn },
    }));
    rules.push({
      name: 'OnlyInternalNetworks',
      priority: 0,
      action: { block: {} },
      statement: {
        notStatement: {
          statement:
            fromInternal.length === 1 ? fromInternal[0]! : { orStatement: { statements: fromInternal } },
        },
      },
      visibilityConfig: visibility('only-internal-networks'),
    });
  }
  managedRuleGroups.forEach((name, index) =>
    rules.push({
      name,
      priority: 10 + index,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          // Sign-in and API bodies may reach 16 KB (the handlers' own limit), over the 8 KB this rule allows.
          ...(name === 'AWSManagedRulesCommonRuleSet' && {
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          }),
        },
      },
      visibilityConfig: visibility(name),
    }),
  );
  rules.push(
    {
      name: 'SignInRateLimit',
      priority: 20,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: options.signInRequestsPerFiveMinutes,
          aggregateKeyType: 'IP',
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: 'STARTS_WITH',
              searchString: '/auth/',
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
        },
      },
      visibilityConfig: visibility('sign-in-rate-limit'),
    },
    {
      name: 'RateLimit',
      priority: 21,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: options.requestsPerFiveMinutes, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('rate-limit'),
    },
  );
  return rules;
}

/**
 * The web ACLs of the two CloudFront distributions. A web ACL for CloudFront must live in
 * us-east-1 whatever region the product runs in, so it is its own stack there; the main stack
 * takes the ACLs' ARNs through CDK's cross-region references (SSM parameters the deployment
 * copies across). Each site: AWS managed rule groups, a rate limit per address on everything and
 * a tighter one on sign-in; the internal site also blocks every address outside the internal
 * networks.
 */
export class FirewallStack extends Stack {
  readonly webAclArns: Readonly<Record<Site, string>>;
  readonly webAcls: Readonly<Record<Site, CfnWebACL>>;

  constructor(scope: Construct, id: string, props: FirewallStackProps) {
    super(scope, id, props);
    const ipSet = (family: 'IPV4' | 'IPV6', addresses: readonly string[]) =>
      new CfnIPSet(this, `InternalNetworks${family}`, {
        description: `Internal networks ${family} - deploy.config.json internalNetworks`,
        scope: 'CLOUDFRONT',
        ipAddressVersion: family,
        addresses: [...addresses],
      });
    const internalSets = [
      ...(props.internalNetworks.ipv4.length > 0 ? [ipSet('IPV4', props.internalNetworks.ipv4)] : []),
      ...(props.internalNetworks.ipv6.length > 0 ? [ipSet('IPV6', props.internalNetworks.ipv6)] : []),
    ];
    if (internalSets.length === 0) throw new Error('the internal site needs at least one internal network');

    const webAcls = {} as Record<Site, CfnWebACL>;
    const webAclArns = {} as Record<Site, string>;
    for (const site of sites) {
      const rules = siteWebAclRules(site, {
        internalNetworks: internalSets,
        requestsPerFiveMinutes: props.requestsPerFiveMinutes,
        signInRequestsPerFiveMinutes: props.signInRequestsPerFiveMinutes,
        metricPrefix: site,
      });
      const acl = new CfnWebACL(this, `${site === 'internal' ? 'Internal' : 'External'}SiteAcl`, {
        description: `Web communicator ${site} site`,
        scope: 'CLOUDFRONT',
        defaultAction: { allow: {} },
        rules,
        visibilityConfig: visibilityOf(`communicator-${site}`),
      });
      webAcls[site] = acl;
      webAclArns[site] = acl.attrArn;
    }
    this.webAcls = webAcls;
    this.webAclArns = webAclArns;
  }
}
