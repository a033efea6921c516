import { Stack } from 'aws-cdk-lib';
import type { IApi } from 'aws-cdk-lib/aws-apigatewayv2';
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
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type IFunction,
  type IResponseHeadersPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

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
   * A WAF web ACL (in us-east-1) to put in front of the site, for example to admit only the
   * organisation's networks to the internal site.
   * @default - no web ACL: the site is reachable from anywhere
   */
  readonly webAclId?: string;
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
      });
    // Every viewer header (cookies, WebSocket upgrade headers) reaches API Gateway, except Host,
    // which must name the API for API Gateway to route the request.
    // Host itself cannot go through, so the site's own host travels as X-Forwarded-Host: the
    // handlers compare it with Origin to refuse cross-site WebSocket upgrades.
    const forwardHost = new CloudFrontFunction(this, 'ForwardHost', {
      comment: `Communicator ${props.site}: pass the site host to the API as X-Forwarded-Host`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  request.headers['x-forwarded-host'] = { value: request.headers.host.value };",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    const uncached: Omit<BehaviorOptions, 'origin'> = {
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
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
      ...(props.webAclId && { webAclId: props.webAclId }),
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
