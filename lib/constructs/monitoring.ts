import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi, IWebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmRule,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IAlarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { metricNames, metricNamespace } from '../../functions/core/metrics/metrics.ts';
import { startRefusal } from '../../functions/start-refusal.ts';
import { startRefusalsMetric } from './handler-function.ts';

/** The thresholds the alarms use; each is the value that pages someone. */
export interface AlarmThresholds {
  /** Percentage of an HTTP API's requests answered 5xx in five minutes (with at least 20 requests). @default 5 */
  readonly serverErrorPercent?: number;
  /** Refused sign-ins in five minutes across both sites (a password-guessing run). @default 50 */
  readonly signInFailures?: number;
  /** Errors (crashes, timeouts) of a ticket authorizer in five minutes. @default 3 */
  readonly authorizerErrors?: number;
  /** Errors of any other function in five minutes. @default 5 */
  readonly functionErrors?: number;
  /** Throttled read or write requests of a table in five minutes. @default 1 */
  readonly tableThrottles?: number;
}

export interface MonitoringProps {
  /** Every handler function, by handler module. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** The ticket authorizers' handler modules (their errors lock everyone out, so they alarm sooner). */
  readonly authorizerModules: readonly string[];
  readonly httpApis: Readonly<Record<string, IHttpApi>>;
  readonly webSocketApis: Readonly<Record<string, IWebSocketApi>>;
  readonly tables: readonly ITable[];
  /**
   * Who is e-mailed when an alarm goes off (the address must confirm the subscription once).
   * @default - no subscription: alarms show in the console and the topic can be subscribed later
   */
  readonly alarmEmail?: string;
  /** @default - the defaults of each threshold */
  readonly thresholds?: AlarmThresholds;
}

const period = Duration.minutes(5);
/** Powertools adds the service name as a dimension of every figure. */
const service = { service: 'web-communicator' };

/**
 * What the operations team watches: one CloudWatch dashboard (the product's own figures, Lambda
 * errors/duration/throttles, API Gateway 4xx/5xx/latency, DynamoDB throttles) and the alarms
 * (5xx rate, sign-in failure spike, start refusals, authorizer errors, function errors, DynamoDB
 * throttling), all
 * sent to one SNS topic, encrypted with its own key.
 */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly topic: Topic;
  /** Every alarm that notifies the topic, by purpose. */
  readonly alarms: Readonly<Record<string, IAlarm>>;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const thresholds = props.thresholds ?? {};
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the communicator alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarms to an encrypted topic only if it may use the topic's key.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Alarms', {
      displayName: 'Web communicator alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.topic);

    const product = (name: string, dimensions: Record<string, string> = {}, statistic = 'Sum') =>
      new Metric({
        namespace: metricNamespace,
        metricName: name,
        dimensionsMap: { ...service, ...dimensions },
        statistic,
        period,
      });
    /** Every dimension combination of a product figure (the dashboard may search; alarms may not). */
    const byDimensions = (name: string, dimensions: readonly string[], label: string) =>
      new MathExpression({
        expression: `SEARCH('{${metricNamespace},${['service', ...dimensions].join(',')}} MetricName="${name}"', 'Sum', 300)`,
        label,
        usingMetrics: {},
        period,
      });
    const stackName = Stack.of(this).stackName;
    const lambdaSearch = (metric: string, statistic: string) =>
      new MathExpression({
        expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metric}" "${stackName}-"', '${statistic}', 300)`,
        label: metric,
        usingMetrics: {},
        period,
      });

    // Alarms.
    const alarms: Record<string, IAlarm> = {};
    for (const [site, api] of Object.entries(props.httpApis)) {
      const rate = new MathExpression({
        expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: api.metricServerError({ period, statistic: 'Sum' }),
          requests: api.metricCount({ period, statistic: 'Sum' }),
        },
        label: `${site} site: % of requests answered 5xx`,
        period,
      });
      alarms[`${site}ServerErrors`] = rate.createAlarm(this, `${site}ServerErrorRate`, {
        alarmDescription: `More than ${thresholds.serverErrorPercent ?? 5}% of the ${site} site's API requests answered 5xx for 10 minutes`,
        threshold: thresholds.serverErrorPercent ?? 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    alarms.signInFailures = product(metricNames.signInFailures).createAlarm(this, 'SignInFailureSpike', {
      alarmDescription:
        'Many refused sign-ins in five minutes: password guessing or a broken identity provider (see the SignIns figures by method and outcome)',
      threshold: thresholds.signInFailures ?? 50,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Written by the functions' log metric filters (HandlerFunction): no service dimension.
    alarms.startRefusals = new Metric({
      namespace: metricNamespace,
      metricName: startRefusalsMetric,
      statistic: 'Sum',
      period,
    }).createAlarm(this, 'StartRefusals', {
      alarmDescription: `A function refused to start: a setting is wrong or its file unusable, and every request it gets fails (its log names the setting after "${startRefusal}")`,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const errorAlarm = (module: string, fn: IFunction, threshold: number) =>
      fn
        .metricErrors({ period, statistic: 'Sum' })
        .createAlarm(this, `Errors${module.replace(/[^A-Za-z0-9]/g, '')}`, {
          alarmDescription: `${module}: ${threshold} or more errors in five minutes`,
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
    const authorizerAlarms: Alarm[] = [];
    const functionAlarms: Alarm[] = [];
    for (const [module, fn] of props.functions) {
      if (props.authorizerModules.includes(module)) {
        authorizerAlarms.push(errorAlarm(module, fn, thresholds.authorizerErrors ?? 3));
      } else functionAlarms.push(errorAlarm(module, fn, thresholds.functionErrors ?? 5));
    }
    // One notification for any of many alarms (an alarm's math may name at most ten metrics).
    const anyOf = (id: string, description: string, children: readonly IAlarm[]) =>
      new CompositeAlarm(this, id, {
        alarmDescription: description,
        alarmRule: AlarmRule.anyOf(...children),
      });
    alarms.authorizerErrors = anyOf(
      'AuthorizerErrors',
      'A ticket authorizer is failing: signed-in users are being refused',
      authorizerAlarms,
    );
    alarms.functionErrors = anyOf('FunctionErrors', 'A handler function is failing', functionAlarms);
    const tableThrottles = props.tables.map((table, index) =>
      new MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: table.metric('ReadThrottleEvents', { period, statistic: 'Sum' }),
          writes: table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
        },
        label: 'throttled requests',
        period,
      }).createAlarm(this, `TableThrottles${index}`, {
        alarmDescription: `DynamoDB throttled requests of a table (${table.node.id})`,
        threshold: thresholds.tableThrottles ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    alarms.tableThrottles = anyOf('TableThrottling', 'DynamoDB is throttling a table', tableThrottles);
    for (const alarm of Object.values(alarms)) {
      if (alarm instanceof Alarm || alarm instanceof CompositeAlarm) alarm.addAlarmAction(notify);
    }
    this.alarms = alarms;

    // The dashboard.
    const graph = (title: string, metrics: IMetric[], width = 8) =>
      new GraphWidget({ title, left: metrics, width, height: 6 });
    const apiMetric = (api: { apiId: string }, metricName: string, statistic: string, label: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: api.apiId },
        statistic,
        period,
        label,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Web communicator\nSign-ins, sessions and messages (namespace `WebCommunicator`), then Lambda, API Gateway and DynamoDB. Alarms go to the SNS topic of this stack.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Sign-ins by method and outcome', [byDimensions(metricNames.signIns, ['Method', 'Outcome'], '')]),
      graph('Refused and throttled sign-ins', [
        product(metricNames.signInFailures),
        byDimensions(metricNames.throttledSignIns, ['Method'], 'throttled'),
      ]),
      graph('Authorizer decisions by verdict and reason', [
        byDimensions(metricNames.authorizerDecisions, ['Api', 'Reason', 'Verdict'], ''),
      ]),
    );
    this.dashboard.addWidgets(
      graph('WebSocket connections opened and closed', [
        product(metricNames.connections),
        product(metricNames.disconnections),
      ]),
      graph('IMs delivered and failed', [
        product(metricNames.imsDelivered),
        byDimensions(metricNames.imsFailed, ['Reason'], 'failed'),
      ]),
      graph('Presence fan-out (watchers per change)', [
        product(metricNames.presenceFanOut, {}, 'Average'),
        product(metricNames.presenceFanOut, {}, 'Maximum'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Ticket revocations by reason', [byDimensions(metricNames.ticketRevocations, ['Reason'], '')]),
      graph('Lambda errors', [lambdaSearch('Errors', 'Sum')]),
      graph('Lambda throttles', [lambdaSearch('Throttles', 'Sum')]),
    );
    this.dashboard.addWidgets(
      graph('Lambda duration (p90)', [lambdaSearch('Duration', 'p90')], 12),
      graph(
        'DynamoDB throttled requests',
        props.tables.flatMap((table) => [
          table.metric('ReadThrottleEvents', { period, statistic: 'Sum', label: `${table.node.id} reads` }),
          table.metric('WriteThrottleEvents', { period, statistic: 'Sum', label: `${table.node.id} writes` }),
        ]),
        12,
      ),
    );
    for (const [site, api] of Object.entries(props.httpApis)) {
      const socket = props.webSocketApis[site];
      this.dashboard.addWidgets(
        graph(`${site} HTTP API: 4xx and 5xx`, [
          apiMetric(api, '4xx', 'Sum', '4xx'),
          apiMetric(api, '5xx', 'Sum', '5xx'),
        ]),
        graph(`${site} HTTP API: latency`, [
          apiMetric(api, 'Latency', 'p50', 'p50'),
          apiMetric(api, 'Latency', 'p90', 'p90'),
        ]),
        graph(
          `${site} WebSocket API: connects, messages, errors`,
          socket
            ? [
                apiMetric(socket, 'ConnectCount', 'Sum', 'connects'),
                apiMetric(socket, 'MessageCount', 'Sum', 'messages'),
                apiMetric(socket, 'ClientError', 'Sum', 'client errors'),
                apiMetric(socket, 'ExecutionError', 'Sum', 'execution errors'),
              ]
            : [],
        ),
      );
    }
  }
}
