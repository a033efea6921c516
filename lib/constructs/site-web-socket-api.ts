import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerModule, WebSocketRoute } from '../../functions/routes.ts';
import { idOf } from './ids.ts';

export interface SiteWebSocketApiProps {
  /** The site's name, handed to the handlers as the `site` stage variable. */
  readonly site: string;
  /** Every route key and its handler. */
  readonly routes: readonly WebSocketRoute[];
  /** The function of each handler module the routes name. */
  readonly functionOf: (module: HandlerModule) => IFunction;
  /** The Lambda authorizer of `$connect` (API Gateway runs WebSocket authorizers only there). */
  readonly connectAuthorizer: IFunction;
  /**
   * The stage name, which is also the path the API answers on, so a proxy can forward that path
   * unchanged.
   * @default 'ws'
   */
  readonly stageName?: string;
  /**
   * Further headers `$connect` must carry before API Gateway even runs the authorizer (such as the
   * origin-verify header CloudFront adds), so direct calls cost no Lambda invocation.
   * @default - the Cookie header only
   */
  readonly requiredHeaders?: readonly string[];
  /** Where the stage writes one access-log line per request (API Gateway's default JSON format). */
  readonly accessLogs: ILogGroup;
  /**
   * Steady requests (or WebSocket messages) per second and burst the stage admits before answering 429.
   * @default - the account's regional limits only
   */
  readonly throttle?: ThrottleSettings;
}

/**
 * One site's WebSocket API: route selection on the frame's `action`, one auto-deployed stage that
 * names the site, the ticket authorizer on `$connect`, and every route key wired to its handler.
 */
export class SiteWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: SiteWebSocketApiProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `communicator-${props.site}-ws`,
      description: `WebSocket API of the ${props.site} site`,
      routeSelectionExpression: '$request.body.action',
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'ws',
      autoDeploy: true,
      stageVariables: { site: props.site },
      accessLogSettings: { destination: new LogGroupLogDestination(props.accessLogs) },
      ...(props.throttle && { throttle: props.throttle }),
    });

    const authorizer = new WebSocketLambdaAuthorizer('TicketAuthorizer', props.connectAuthorizer, {
      identitySource: [
        'route.request.header.Cookie',
        ...(props.requiredHeaders ?? []).map((name) => `route.request.header.${name}`),
      ],
    });
    const integrations = new Map<HandlerModule, WebSocketLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new WebSocketLambdaIntegration(idOf(route.handler), props.functionOf(route.handler));
        integrations.set(route.handler, integration);
      }
      this.api.addRoute(route.routeKey, {
        integration,
        // A `$default` route response: the handler's answer goes straight back to the caller.
        returnResponse: route.replies,
        ...(route.routeKey === '$connect' && { authorizer }),
      });
    }
  }

  /** Lets `grantee` push frames to and close this API's connections (`@connections`). */
  grantManageConnections(grantee: IGrantable): void {
    this.api.grantManageConnections(grantee);
  }
}
