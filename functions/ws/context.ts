import type { Principal } from '../core/model.ts';
import type { ConnectionAddress } from '../core/realtime/notifier.ts';

/** The `$connect` authorizer's context (the principal); API Gateway repeats it on every event. */
export type WebSocketAuthorizerContext = Principal;

export interface WebSocketEvent {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly stageVariables?: Record<string, string | undefined> | null;
  readonly requestContext: {
    readonly routeKey: string;
    readonly connectionId: string;
    readonly domainName: string;
    readonly stage: string;
    readonly authorizer?: Partial<WebSocketAuthorizerContext> | null;
  };
}

export interface WebSocketResult {
  readonly statusCode: number;
  readonly body?: string;
}

/** The principal `$connect` established; every later event of the connection carries it. */
export function principalOfConnection(event: WebSocketEvent): Principal {
  const context = event.requestContext.authorizer;
  if (!context?.sipUri || !context.ticketId || !context.site || !context.authMethod) {
    throw new Error('the connection carries no authorizer context');
  }
  return {
    sipUri: context.sipUri,
    displayName: context.displayName ?? '',
    ticketId: context.ticketId,
    authMethod: context.authMethod,
    site: context.site,
    expiresAt: Number(context.expiresAt),
  };
}

/** The `@connections` endpoint of the API this connection came through. */
export function connectionOf(event: WebSocketEvent): ConnectionAddress {
  const { connectionId, domainName, stage } = event.requestContext;
  return { connectionId, endpoint: `https://${domainName}/${stage}` };
}
