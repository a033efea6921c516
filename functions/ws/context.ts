import type { Principal } from '../core/model.ts';
import type { ConnectionAddress } from '../core/realtime/notifier.ts';

/**
 * The `$connect` authorizer's context (the principal) as API Gateway repeats it on every later event
 * of the connection: every value a string (`expiresAt` too), with `principalId` and
 * `integrationLatency` added.
 */
export type WebSocketAuthorizerContext = { readonly [K in keyof Principal]?: string } & {
  readonly principalId?: string;
  readonly integrationLatency?: number;
};

export interface WebSocketEvent {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly stageVariables?: Record<string, string | undefined> | null;
  readonly requestContext: {
    readonly routeKey: string;
    readonly connectionId: string;
    readonly domainName: string;
    readonly stage: string;
    readonly authorizer?: WebSocketAuthorizerContext | null;
  };
}

export interface WebSocketResult {
  readonly statusCode: number;
  readonly body?: string;
}

/** The principal `$connect` established; every later event of the connection carries it. */
export function principalOfConnection(event: WebSocketEvent): Principal {
  const context = event.requestContext.authorizer;
  const expiresAt = Number(context?.expiresAt);
  const site = context?.site;
  if (
    !context?.sipUri ||
    !context.ticketId ||
    !context.authMethod ||
    (site !== 'internal' && site !== 'external') ||
    !Number.isFinite(expiresAt)
  ) {
    throw new Error('the connection carries no authorizer context');
  }
  return {
    sipUri: context.sipUri,
    displayName: context.displayName ?? '',
    ticketId: context.ticketId,
    authMethod: context.authMethod as Principal['authMethod'],
    ...(context.account ? { account: context.account } : {}),
    site,
    expiresAt,
  };
}

/** The `@connections` endpoint of the API this connection came through. */
export function connectionOf(event: WebSocketEvent): ConnectionAddress {
  const { connectionId, domainName, stage } = event.requestContext;
  return { connectionId, endpoint: `https://${domainName}/${stage}` };
}
