import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { localEndpointConfig } from '../storage/dynamo.ts';

/** Where a connection can be reached. */
export interface ConnectionAddress {
  readonly connectionId: string;
  readonly endpoint: string;
}

/** Server → client frames (the contract: docs/contract.md). */
export type ServerFrame = { readonly type: string } & Record<string, unknown>;

/** Pushes frames to live connections and closes them. */
export interface Notifier {
  /** Answers `gone` when the connection no longer exists (its row should be removed). */
  send(to: ConnectionAddress, frame: ServerFrame): Promise<'sent' | 'gone'>;
  /** Closes a connection; a connection already gone is not an error. */
  close(to: ConnectionAddress): Promise<void>;
}

/**
 * Asks whether a connection still exists: API Gateway answers an `@connections` GET with Gone
 * (410) once a connection has ended, even when its `$disconnect` never reached the handler.
 */
export interface ConnectionProbe {
  /** False only when the answer was Gone; any other failure is thrown. */
  exists(to: ConnectionAddress): Promise<boolean>;
}

const isGone = (err: unknown): boolean =>
  err instanceof Error &&
  (err.name === 'GoneException' ||
    (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410);

/**
 * The API Gateway `@connections` management API. On AWS each connection's endpoint comes from the
 * request it arrived with; the local runtime overrides it with its own emulation of that API.
 */
export class ApiGatewayNotifier implements Notifier, ConnectionProbe {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();

  constructor(private readonly endpointOverride: string | undefined) {}

  async send(to: ConnectionAddress, frame: ServerFrame): Promise<'sent' | 'gone'> {
    try {
      await this.client(to.endpoint).send(
        new PostToConnectionCommand({ ConnectionId: to.connectionId, Data: JSON.stringify(frame) }),
      );
      return 'sent';
    } catch (err) {
      if (isGone(err)) return 'gone';
      throw err;
    }
  }

  async close(to: ConnectionAddress): Promise<void> {
    try {
      await this.client(to.endpoint).send(new DeleteConnectionCommand({ ConnectionId: to.connectionId }));
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  }

  async exists(to: ConnectionAddress): Promise<boolean> {
    try {
      await this.client(to.endpoint).send(new GetConnectionCommand({ ConnectionId: to.connectionId }));
      return true;
    } catch (err) {
      if (isGone(err)) return false;
      throw err;
    }
  }

  private client(endpoint: string): ApiGatewayManagementApiClient {
    const url = this.endpointOverride ?? endpoint;
    let client = this.clients.get(url);
    if (!client) {
      client = new ApiGatewayManagementApiClient(
        this.endpointOverride ? localEndpointConfig(url) : { endpoint: url },
      );
      this.clients.set(url, client);
    }
    return client;
  }
}
