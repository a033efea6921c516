import { Stack } from 'aws-cdk-lib';
import type { IApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionRuntime,
  FunctionEventType,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type IFunction,
  type IResponseHeadersPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { viewerAddressHeader } from '../../functions/http/request.ts';

/** Where the browser client's files are and how they are served. */
export interface StaticClient {
  /** Holds the client under `app/`. */
  readonly bucket: IBucket;
  /** Viewer-request function resolving `/app` and folder URLs. */
  readonly directoryIndex: IFunction;
  readonly responseHeadersPolicy: IResponseHeadersPolicy;
}

export interface SiteDistributionProps {
  /** The site's name, for descriptions. */
  readonly site: string;
  /** The site's HTTP API: pages, sign-in and `/api`. */
  readonly httpApi: IApi;
  /** The site's WebSocket API, whose stage is named like `webSocketPath` (without the slash). */
  readonly webSocketApi: IApi;
  /** The path the browser opens its WebSocket on, forwarded unchanged to the stage of that name. */
  readonly webSocketPath: string;
  /** The browser client, served under `/app/`. */
  readonly client: StaticClient;
  /**
   * The ARN of a WAF web ACL (scope CLOUDFRONT, so in us-east-1) to put in front of the site, for
   * example to admit only the organisation's networks to the internal site.
   * @default - no web ACL: the site is reachable from anywhere
   */
  readonly webAclArn?: string;
  /**
   * A header CloudFront adds to every request to the APIs, whose value only CloudFront and the
   * handlers know (a Secrets Manager dynamic reference, never the value itself), so the handlers
   * can refuse requests sent to the APIs' own addresses, around the web ACL.
   */
  readonly originVerify: { readonly headerName: string; readonly value: string };
  /**
   * Security headers for API answers, added where an answer has none of its own (the answers API
   * Gateway makes itself: throttling, its own errors).
   */
  readonly apiResponseHeadersPolicy: IResponseHeadersPolicy;
  /**
   * The site's own host name and its certificate (ACM, us-east-1); viewers then need TLS 1.2.
   * @default - CloudFront's own name and certificate (which allow TLS 1.0)
   */
  readonly customDomain?: { readonly domainName: string; readonly certificate: ICertificate };
  /** Where CloudFront writes its access logs. */
  readonly logBucket: IBucket;
}

/**
 * One site's single origin for the browser: static client files from S3 under `/app/`, the
 * WebSocket API at `/ws`, and everything else (pages, `/auth/*`, `/api/*`) from the HTTP API,
 * so the ticket cookie is first-party on every request. API responses are never cached.
 */
export class SiteDistribution extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    const origin = (api: IApi) =>
      new HttpOrigin(`${api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        customHeaders: { [props.originVerify.headerName]: props.originVerify.value },
      });
    // Every viewer header (cookies, WebSocket upgrade headers) reaches API Gateway, except Host,
    // which must name the API for API Gateway to route the request.
    // Host itself cannot go through, so the host the viewer addressed travels as X-Forwarded-Host
    // (the handlers take the site's address from its configured public origin, PUBLIC_ORIGIN_*, and
    // use this only to tell which of those a request came to). The viewer's address
    // travels as X-Viewer-Address (API Gateway sees CloudFront's), for per-address sign-in
    // regulation; both are set here, replacing anything the viewer sent. (The managed policy that
    // forwards all viewer headers but Host does not forward CloudFront-Viewer-Address.)
    const forwardHost = new CloudFrontFunction(this, 'ForwardHost', {
      comment: `Communicator ${props.site}: pass the site host and the viewer address to the API`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  request.headers['x-forwarded-host'] = { value: request.headers.host.value };",
          `  request.headers['${viewerAddressHeader}'] = { value: event.viewer.ip };`,
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    const uncached: Omit<BehaviorOptions, 'origin'> = {
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      responseHeadersPolicy: props.apiResponseHeadersPolicy,
      functionAssociations: [{ function: forwardHost, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    const toHttpApi: BehaviorOptions = {
      origin: origin(props.httpApi),
      allowedMethods: AllowedMethods.ALLOW_ALL,
      ...uncached,
    };

    const toClient: BehaviorOptions = {
      origin: S3BucketOrigin.withOriginAccessControl(props.client.bucket),
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: props.client.responseHeadersPolicy,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      functionAssociations: [
        { function: props.client.directoryIndex, eventType: FunctionEventType.VIEWER_REQUEST },
      ],
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Communicator ${props.site} site`,
      ...(props.webAclArn && { webAclId: props.webAclArn }),
      ...(props.customDomain && {
        domainNames: [props.customDomain.domainName],
        certificate: props.customDomain.certificate,
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: `cloudfront/${props.site}/`,
      defaultBehavior: toHttpApi,
      additionalBehaviors: {
        '/app': toClient,
        '/app/*': toClient,
        '/auth/*': toHttpApi,
        '/api/*': toHttpApi,
        [props.webSocketPath]: {
          origin: origin(props.webSocketApi),
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          ...uncached,
        },
      },
    });
  }
}
