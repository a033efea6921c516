import { Duration } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  PayloadFormatVersion,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerModule, HttpRoute as HttpRouteDefinition } from '../../functions/routes.ts';
import { idOf } from './ids.ts';

export interface SiteHttpApiProps {
  /** The site's name, handed to the handlers as the `site` stage variable. */
  readonly site: string;
  /** The routes this site publishes. */
  readonly routes: readonly HttpRouteDefinition[];
  /** The handler for requests no route matches (the `$default` route). */
  readonly fallback: HandlerModule;
  /** The function of each handler module the routes name. */
  readonly functionOf: (module: HandlerModule) => IFunction;
  /** The Lambda authorizer guarding routes with `auth: 'ticket'`. */
  readonly authorizer: IFunction;
  /** Where the stage writes one access-log line per request (API Gateway's default JSON format). */
  readonly accessLogs: ILogGroup;
  /**
   * Steady requests (or WebSocket messages) per second and burst the stage admits before answering 429.
   * @default - the account's regional limits only
   */
  readonly throttle?: ThrottleSettings;
}

/**
 * One site's HTTP API: a `$default` stage that auto-deploys and names the site, one route per
 * published route (payload 2.0), the authorizer on the routes that need a ticket, and a catch-all.
 */
export class SiteHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: SiteHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `communicator-${props.site}`,
      description: `HTTP API of the ${props.site} site`,
      createDefaultStage: false,
    });
    new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      stageVariables: { site: props.site },
      accessLogSettings: { destination: new LogGroupLogDestination(props.accessLogs) },
      ...(props.throttle && { throttle: props.throttle }),
    });

    // Uncached with no identity source, so it runs on every request, with or without a cookie,
    // and always sees the ticket's and the user's current state.
    const ticketAuthorizer = new HttpLambdaAuthorizer('TicketAuthorizer', props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: Duration.seconds(0),
      identitySource: [],
    });

    // An integration belongs to one API; routes of the same handler share it.
    const integrations = new Map<HandlerModule, HttpLambdaIntegration>();
    const integrationOf = (module: HandlerModule): HttpLambdaIntegration => {
      let integration = integrations.get(module);
      if (!integration) {
        integration = new HttpLambdaIntegration(idOf(module), props.functionOf(module), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(module, integration);
      }
      return integration;
    };

    for (const route of props.routes) {
      const authorizer: IHttpRouteAuthorizer | undefined =
        route.auth === 'ticket' ? ticketAuthorizer : undefined;
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationOf(route.handler),
        ...(authorizer && { authorizer }),
      });
    }
    new HttpRoute(this, 'Fallback', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrationOf(props.fallback),
    });
  }
}
