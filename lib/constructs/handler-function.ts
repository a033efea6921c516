import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { metricNamespace } from '../../functions/core/metrics/metrics.ts';
import { startRefusal } from '../../functions/start-refusal.ts';
import { lambdaAliasArgs, lambdaDefines, requireBanner } from '../lambda-bundling.ts';
import type { DataTables } from './data-tables.ts';

/** What a handler reaches at run time; anything not granted here is denied. */
export interface HandlerAccess {
  /** Reads and writes items in every data table. */
  readonly data: boolean;
  /** Reads the ticket signing key material (every handler that builds its dependencies does). */
  readonly signingKey: boolean;
}

export interface HandlerFunctionProps {
  /** The handler module under `sourceDir`, without `.ts` (for example `http/session`); it exports `handler`. */
  readonly module: string;
  /** Absolute path of the folder holding the handler modules. */
  readonly sourceDir: string;
  /** Absolute path of the lock file pinning what the bundle contains. */
  readonly depsLockFilePath: string;
  readonly tables: DataTables<string>;
  readonly signingKey: ISecret;
  /**
   * The secret CloudFront sends in its origin-verify header; every handler reads it (at cold start)
   * to refuse requests that did not come through CloudFront.
   * @default - none: no origin check (as locally)
   */
  readonly originSecret?: ISecret;
  /**
   * What the function may reach; its environment always names every table and the key secret,
   * because the handlers read their whole configuration at cold start.
   * @default - no data and no key access
   */
  readonly access?: HandlerAccess;
  /**
   * Further settings for the handlers' environment (ticket lifetimes, legacy URL).
   * @default - none: the handlers use their own defaults
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Further secrets the handler reads, environment variable → complete secret ARN: each is named in
   * the environment (never its value) and readable by this function only
   * (`secretsmanager:GetSecretValue` on exactly that secret).
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Memory, which also sets the CPU share (signing and verifying tickets is CPU work).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
}

/**
 * Counts, across every function, the cold starts refused for a wrong setting (the log line
 * `functions/start-refusal.ts` writes); `Monitoring` alarms at the first.
 */
export const startRefusalsMetric = 'StartRefusals';

/**
 * One Lambda function for one handler module: ESM bundle for Node.js 22 on arm64, its own log
 * group, and its environment and IAM grants set together so the two cannot drift apart.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const access = props.access ?? { data: false, signingKey: false };
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    // A setting the handler refuses fails every cold start (never a request) with this line in its log.
    logGroup.addMetricFilter('StartRefusals', {
      filterPattern: FilterPattern.literal(`"${startRefusal}"`),
      metricNamespace,
      metricName: startRefusalsMetric,
      metricValue: '1',
    });
    // Its own role, writing to its own log group only (not the managed basic-execution policy, which
    // may write to any log group in the account).
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.module} handler`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      description: `${props.module} handler`,
      entry: join(props.sourceDir, `${props.module}.ts`),
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      // X-Ray traces of each invocation (initialisation, the handler, Lambda's overhead): where the
      // time of a slow sign-in or IM went, cold start or not.
      tracing: Tracing.ACTIVE,
      environment: {
        ...props.tables.environment,
        SIGNING_KEY_SECRET_ARN: props.signingKey.secretArn,
        ...(props.originSecret && { ORIGIN_VERIFY_SECRET_ARN: props.originSecret.secretArn }),
        POWERTOOLS_SERVICE_NAME: 'web-communicator',
        ...props.settings,
        ...props.secrets,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        // No source maps: Node.js parses a bundle's map at import when they are enabled
        // (NODE_OPTIONS=--enable-source-maps), which made every cold start's module load about half
        // as long again (ws/actions: 99-106 ms without, 144-168 ms with; docs/performance.md). Stack
        // traces in the logs name the minified bundle; the structured log lines carry what happened.
        sourceMap: false,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: requireBanner,
        // The tested SDK versions from the lock file, not whatever the runtime ships: bundled and
        // minified, the SDK also loads faster than the runtime's copy (docs/performance.md).
        bundleAwsSDK: true,
        // Shared with the benchmark that measures these bundles (lib/lambda-bundling.ts).
        esbuildArgs: { ...lambdaAliasArgs },
        // What this deployment leaves out of the bundle (the LDAP client, unless its directory is LDAP).
        define: lambdaDefines(props.settings),
      },
    });
    if (access.data) props.tables.grantReadWriteData(this.function);
    if (access.signingKey) props.signingKey.grantRead(this.function);
    props.originSecret?.grantRead(this.function);
    for (const secretArn of Object.values(props.secrets ?? {})) {
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
      );
    }
  }
}
