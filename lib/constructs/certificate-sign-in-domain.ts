import {
  AccessLogFormat,
  DomainName,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  ResponseType,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { pageSecurityHeaders, strictTransportSecurity } from '../../functions/http/security-headers.ts';

/**
 * The handlers' security headers on API Gateway's own answers (a refused request, throttling): a
 * static header value is written between single quotes, so the content security policy, which holds
 * some, cannot be one; these answers are JSON, which browsers do not render as a document anyway.
 */
const gatewayAnswerHeaders = Object.fromEntries(
  Object.entries({
    'x-content-type-options': pageSecurityHeaders['x-content-type-options'],
    'referrer-policy': pageSecurityHeaders['referrer-policy'],
    'x-frame-options': pageSecurityHeaders['x-frame-options'],
    'strict-transport-security': strictTransportSecurity,
  }).map(([name, value]) => [name, `'${value}'`]),
);

export interface CertificateSignInDomainProps {
  /** The site's name, handed to the handler as the `site` stage variable. */
  readonly site: string;
  /** The domain's host name (its DNS name must point at `regionalDomainName`). */
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the stack's region (API Gateway reads regional ones there). */
  readonly certificate: ICertificate;
  /**
   * The truststore API Gateway checks client certificates against: every CA from the users'
   * certificates up to the root, PEM, in S3.
   */
  readonly truststore: { readonly bucket: IBucket; readonly key: string };
  /** The function behind `GET /auth/certificate`: the domain's half of a smart card sign-in. */
  readonly handler: IFunction;
  /** The path it answers (the site's own sign-in path). */
  readonly path: string;
  /** Where the stage writes one access-log line per request. */
  readonly accessLogs: ILogGroup;
  /** Steady requests per second and burst the stage admits before answering 429. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** The rules of the domain's regional web ACL (the site's, in this region's scope). */
  readonly firewallRules: CfnWebACL.RuleProperty[];
}

/**
 * A site's mutual-TLS sign-in domain (docs/sign-in/smart-cards.md, "On AWS"): a regional REST API
 * with one route, reachable only on its custom domain, where API Gateway requires a client
 * certificate its truststore accepts (TLS 1.2) and hands it to the handler. Its `execute-api`
 * address is switched off, its stage throttled and logged, a regional web ACL in front (a REST
 * API's stage can take one; an HTTP API cannot), and API Gateway refuses a request without the
 * `state` the site issued before any function runs. CloudFront cannot sit in front of mutual TLS,
 * so this domain is the one place a certificate is presented.
 */
export class CertificateSignInDomain extends Construct {
  readonly api: RestApi;
  readonly domain: DomainName;
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: CertificateSignInDomainProps) {
    super(scope, id);
    this.api = new RestApi(this, 'Api', {
      restApiName: `communicator-${props.site}-smart-card`,
      description: `Smart card sign-in of the ${props.site} site (mutual TLS)`,
      endpointTypes: [EndpointType.REGIONAL],
      disableExecuteApiEndpoint: true,
      // Execution logs need an account-wide API Gateway role; the access log records every request.
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'sign-in',
        variables: { site: props.site },
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(props.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
      },
    });
    // No CloudFront here to add them: API Gateway's own 4xx/5xx carry the handlers' headers too.
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        responseHeaders: gatewayAnswerHeaders,
      });
    }
    const validator = this.api.addRequestValidator('StateRequired', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    let resource = this.api.root;
    for (const part of props.path.split('/').filter(Boolean)) resource = resource.addResource(part);
    resource.addMethod('GET', new LambdaIntegration(props.handler, { proxy: true }), {
      requestParameters: { 'method.request.querystring.state': true },
      requestValidator: validator,
    });

    this.domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: props.certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
      mtls: { bucket: props.truststore.bucket, key: props.truststore.key },
    });
    this.domain.addBasePathMapping(this.api, { stage: this.api.deploymentStage });

    this.webAcl = new CfnWebACL(this, 'Firewall', {
      description: `Web communicator ${props.site} site, smart card sign-in domain`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules: props.firewallRules,
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `communicator-${props.site}-smart-card`,
        sampledRequestsEnabled: true,
      },
    });
    new CfnWebACLAssociation(this, 'FirewallAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
