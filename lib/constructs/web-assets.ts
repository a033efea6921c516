import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface WebAssetsProps {
  /** Folder of the built browser client, copied to the bucket root as it is. */
  readonly sourcePath: string;
  /**
   * How long the copy job's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The browser client's static files: a private, encrypted, TLS-only bucket (readable only through
 * CloudFront) and the deployment that copies the built client into it, removing stale files.
 */
export class WebAssets extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: WebAssetsProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
    });
    new BucketDeployment(this, 'Deployment', {
      sources: [Source.asset(props.sourcePath)],
      destinationBucket: this.bucket,
      // Object keys in the response would outgrow CloudFormation's limit as the client grows.
      outputObjectKeys: false,
      logGroup: new LogGroup(this, 'DeploymentLogs', {
        retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      }),
    });
  }
}
