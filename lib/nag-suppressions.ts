import { Validations, type Stack } from 'aws-cdk-lib';
import { CfnMethod, CfnStage } from 'aws-cdk-lib/aws-apigateway';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag (AWS Solutions) findings this product accepts, each with the reason it is right here.
 * Anything else fails `cdk synth` and the infrastructure tests. Findings are acknowledged one by
 * one on the resource they concern, recognised by what they are, not by path, so that a new
 * resource of the same kind is held to the same reasoning and a new kind of finding is not
 * waved through.
 */
export const reasons = {
  publicRoute:
    'A public route by design (health check, sign-in pages and sign-in methods, the not-found fallback): it is how a person gets a ticket. Every handler still refuses requests that did not come through CloudFront (origin-verify header), and routes that need a ticket use the ticket authorizer.',
  webSocketRoute:
    'API Gateway runs WebSocket authorizers only at $connect; this route is reached only on a connection the ticket authorizer allowed, and the handler re-checks the ticket on every frame.',
  node22:
    'Node.js 22 is the runtime this product targets and tests (esbuild target node22, engines); it is supported by Lambda until 2027. Moving to a newer runtime is a tested change of its own.',
  cdkProvider:
    'A function CDK itself provides (BucketDeployment copying the web client to S3): its runtime and its role are CDK’s, used only during deployment.',
  cdkProviderRole:
    'The role of CDK’s own BucketDeployment function: the managed basic-execution policy for its logs, and wildcards over the CDK asset bucket and the client bucket, which it copies between.',
  tableIndexes:
    'The wildcard is the table’s own global secondary indexes (`<table ARN>/index/*`), which the handlers query; the grant names each table and item-level actions only.',
  connections:
    'Connection ids exist only at run time, so pushing frames to and closing connections (`execute-api:ManageConnections`) is granted on this WebSocket API’s `@connections/*`, nothing else.',
  xray: 'X-Ray’s PutTraceSegments and PutTelemetryRecords take no resource-level permissions, so active tracing is granted on `*` (what Lambda’s own tracing policy grants).',
  rebuildableTable:
    'Short-lived or rebuildable data (tickets, connections, presence, sign-in failure counts, challenges, replay caches): each item expires within hours, and losing it signs people out or forgets a lock, nothing more. Tables holding users, contacts, Windows identities and two-factor enrolments have point-in-time recovery.',
  geoRestriction:
    'Who may reach the sites is decided by network, not by country: the internal site admits only the organisation’s networks (WAF IP set), and the external site serves staff wherever they travel, behind WAF managed rules and rate limits.',
  defaultCertificate:
    'No custom domain is configured for this site, and CloudFront’s default *.cloudfront.net certificate cannot require TLS 1.2. Give the site domainName and certificateArn in deploy.config.json: the distribution then requires TLS 1.2 (TLSv1.2_2021).',
  signingKeyRotation:
    'The ticket signing key is rotated by the documented staged procedure (docs/deploy-aws.md, "Rotating the ticket signing key": AWSPENDING, then AWSCURRENT, with AWSPREVIOUS still accepted until its tickets expire), so nobody is signed out. A Secrets Manager rotation function running that procedure on a schedule is possible later.',
  smartCardRoute:
    'The smart card sign-in route of a site’s mutual-TLS domain: the client certificate is its authorization. API Gateway completes the TLS handshake only with a certificate its truststore accepts, the handler checks it again (chain, validity, use, revocation) and signs nothing but a one-minute hand-off back to the site; a ticket needs a Cognito or Lambda authorizer nowhere on this path.',
  smartCardExecutionLogs:
    'Execution logs of a REST API stage need an account-wide API Gateway CloudWatch role (a setting of every API in the account and region); the smart card stage writes an access-log line per request to its own log group, and its function logs every sign-in attempt.',
  originSecretRotation:
    'The origin-verify value is resolved by CloudFormation when it deploys the distributions and read by the handlers at cold start; a scheduled rotation would leave CloudFront and the handlers disagreeing until both were redeployed. It never leaves AWS (no template, log or client sees it).',
} as const;

/** A resolved CloudFormation value as cdk-nag names it in a finding (`<Logical.Arn>`, joins flattened). */
function nagName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const sub = object['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, '<$1>');
    const join = object['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(nagName).join(String(join[0]));
  }
  return JSON.stringify(value);
}

/** One acknowledged finding: the rule (and finding) id, where, and why. */
export interface Acknowledgement {
  readonly id: string;
  readonly path: string;
  readonly reason: string;
}

interface Statement {
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

const isCdkProvider = (construct: IConstruct) => construct.node.path.includes('Custom::CDKBucketDeployment');

/** Acknowledges the reviewed findings of `stack` (see `reasons`); answers what it acknowledged. */
export function suppressReviewedFindings(stack: Stack): Acknowledgement[] {
  const acknowledged: Acknowledgement[] = [];
  const acknowledge = (scope: IConstruct, id: string, reason: string) => {
    Validations.of(scope).acknowledge({ id, reason });
    acknowledged.push({ id, path: scope.node.path, reason });
  };
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnMethod && stack.resolve(construct.authorizationType) === 'NONE') {
      acknowledge(construct, 'AwsSolutions-APIG4', reasons.smartCardRoute);
      acknowledge(construct, 'AwsSolutions-COG4', reasons.smartCardRoute);
    } else if (construct instanceof CfnStage) {
      acknowledge(construct, 'AwsSolutions-APIG6', reasons.smartCardExecutionLogs);
    } else if (construct instanceof CfnRoute) {
      if (construct.authorizationType === 'CUSTOM') continue;
      const reason =
        construct.routeKey.startsWith('$') || !construct.routeKey.includes(' ')
          ? reasons.webSocketRoute
          : reasons.publicRoute;
      acknowledge(
        construct,
        'AwsSolutions-APIG4',
        construct.routeKey === '$default' ? reasons.publicRoute : reason,
      );
    } else if (construct instanceof CfnFunction) {
      if (isCdkProvider(construct)) acknowledge(construct, 'AwsSolutions-L1', reasons.cdkProvider);
      else if (stack.resolve(construct.runtime) === 'nodejs22.x')
        acknowledge(construct, 'AwsSolutions-L1', reasons.node22);
    } else if (construct instanceof CfnRole && isCdkProvider(construct)) {
      for (const arn of (stack.resolve(construct.managedPolicyArns) as unknown[] | undefined) ?? []) {
        acknowledge(construct, `AwsSolutions-IAM4[Policy::${nagName(arn)}]`, reasons.cdkProviderRole);
      }
    } else if (construct instanceof CfnPolicy) {
      const document = stack.resolve(construct.policyDocument) as { Statement: Statement[] };
      for (const statement of document.Statement) {
        for (const action of [statement.Action ?? []].flat()) {
          if (action.includes('*') && isCdkProvider(construct)) {
            acknowledge(construct, `AwsSolutions-IAM5[Action::${action}]`, reasons.cdkProviderRole);
          }
        }
        for (const resource of [statement.Resource ?? []].flat()) {
          const name = nagName(resource);
          if (!name.includes('*')) continue;
          const id = `AwsSolutions-IAM5[Resource::${name}]`;
          const actions = [statement.Action ?? []].flat();
          if (isCdkProvider(construct)) acknowledge(construct, id, reasons.cdkProviderRole);
          else if (name === '*' && actions.every((action) => action.startsWith('xray:'))) {
            acknowledge(construct, id, reasons.xray);
          } else if (/^<Tables[A-Za-z0-9]+\.Arn>\/index\/\*$/.test(name))
            acknowledge(construct, id, reasons.tableIndexes);
          else if (
            /^arn:[^:]+:execute-api:[^:]+:(<AWS::AccountId>|\d{12}):<[A-Za-z0-9]+>\/\*\/\*\/@connections\/\*$/.test(
              name,
            )
          ) {
            acknowledge(construct, id, reasons.connections);
          }
        }
      }
    } else if (construct instanceof CfnTable) {
      const recovery = stack.resolve(construct.pointInTimeRecoverySpecification) as
        { PointInTimeRecoveryEnabled?: boolean; pointInTimeRecoveryEnabled?: boolean } | undefined;
      if (!(recovery?.PointInTimeRecoveryEnabled ?? recovery?.pointInTimeRecoveryEnabled)) {
        acknowledge(construct, 'AwsSolutions-DDB3', reasons.rebuildableTable);
      }
    } else if (construct instanceof CfnDistribution) {
      acknowledge(construct, 'AwsSolutions-CFR1', reasons.geoRestriction);
      const config = stack.resolve(construct.distributionConfig) as {
        viewerCertificate?: { acmCertificateArn?: string };
      };
      if (!config.viewerCertificate?.acmCertificateArn) {
        acknowledge(construct, 'AwsSolutions-CFR4', reasons.defaultCertificate);
      }
    } else if (construct instanceof CfnSecret) {
      const isSigningKey = construct.node.path.includes('TicketSigningKey');
      acknowledge(
        construct,
        'AwsSolutions-SMG4',
        isSigningKey ? reasons.signingKeyRotation : reasons.originSecretRotation,
      );
    }
  }
  return acknowledged;
}
