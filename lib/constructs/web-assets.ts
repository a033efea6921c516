import { Duration } from 'aws-cdk-lib';
import {
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { hstsMaxAgeSeconds, pageSecurityHeaders } from '../../functions/http/security-headers.ts';

export interface WebAssetsProps {
  /** Folder of the built browser client, copied to the bucket root as it is (the client lives under `app/`). */
  readonly sourcePath: string;
  /**
   * How long browsers and CloudFront may keep scripts, styles and images; pages are always
   * revalidated so a deployment shows up at once. File names carry no content hash, so keep it short.
   * @default Duration.minutes(5)
   */
  readonly assetMaxAge?: Duration;
  /**
   * How long the copy job's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Where the bucket's server access logs go.
   * @default - no server access logs
   */
  readonly accessLogBucket?: IBucket;
}

// The local gateway serves `/app/` the same way (local/gateway/static-site.ts): a folder URL
// means its index.html, and `/app` is redirected to `/app/`.
const directoryIndex = `function handler(event) {
  var request = event.request;
  if (request.uri === '/app') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/app/' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`;

// The same headers as the local gateway's static client (local/gateway/static-site.ts), in
// CloudFront's vocabulary; a value CloudFront cannot express fails the synth.
const expressible = <T extends string>(kind: Record<string, T>, value: string): T => {
  const option = Object.values(kind).find((candidate) => candidate === value);
  if (!option) throw new Error(`CloudFront cannot send the security header value "${value}"`);
  return option;
};

/**
 * The product's security headers in CloudFront's vocabulary. `override`: replace what the origin
 * sent (the static client, which sends none of its own), or only fill in what it left out (API
 * answers, whose handlers set their own and whose API Gateway errors set none).
 */
export function securityHeadersBehavior(override: boolean): ResponseSecurityHeadersBehavior {
  return {
    contentSecurityPolicy: {
      contentSecurityPolicy: pageSecurityHeaders['content-security-policy'],
      override,
    },
    // CloudFront's only X-Content-Type-Options value is nosniff.
    contentTypeOptions: { override },
    frameOptions: {
      frameOption: expressible(HeadersFrameOption, pageSecurityHeaders['x-frame-options']),
      override,
    },
    referrerPolicy: {
      referrerPolicy: expressible(HeadersReferrerPolicy, pageSecurityHeaders['referrer-policy']),
      override,
    },
    strictTransportSecurity: { accessControlMaxAge: Duration.seconds(hstsMaxAgeSeconds), override },
  };
}

/**
 * The browser client's static files and how they are served: a private, encrypted, TLS-only
 * bucket (readable only through CloudFront), the deployment that copies the built client into it
 * (removing stale files), the viewer-request function that resolves folder URLs to their
 * index page, and the security headers every static response carries.
 */
export class WebAssets extends Construct {
  readonly bucket: Bucket;
  /** Viewer-request function for the behaviours that serve the client. */
  readonly directoryIndex: CloudFrontFunction;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: WebAssetsProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      ...(props.accessLogBucket && {
        serverAccessLogsBucket: props.accessLogBucket,
        serverAccessLogsPrefix: 'web-assets/',
      }),
    });

    const logGroup = new LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    const deploy = (
      id: string,
      filters: { include?: string[]; exclude: string[] },
      cacheControl: CacheControl[],
    ) =>
      new BucketDeployment(this, id, {
        sources: [Source.asset(props.sourcePath)],
        destinationBucket: this.bucket,
        ...filters,
        cacheControl,
        // Object keys in the response would outgrow CloudFormation's limit as the client grows.
        outputObjectKeys: false,
        logGroup,
      });
    // Two copies with disjoint filters, so each prunes only its own kind of file.
    deploy('Pages', { exclude: ['*'], include: ['*.html'] }, [CacheControl.noCache()]);
    deploy('Assets', { exclude: ['*.html'] }, [
      CacheControl.setPublic(),
      CacheControl.maxAge(props.assetMaxAge ?? Duration.minutes(5)),
    ]);

    this.directoryIndex = new CloudFrontFunction(this, 'DirectoryIndex', {
      comment: 'Serves index.html for folder URLs of the web client',
      code: FunctionCode.fromInline(directoryIndex),
      runtime: FunctionRuntime.JS_2_0,
    });
    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Security headers of the web client',
      securityHeadersBehavior: securityHeadersBehavior(true),
    });
  }
}
