import type {
  ConnectionAddress,
  ConnectionProbe,
  Notifier,
  ServerFrame,
} from '../../functions/core/realtime/notifier.ts';
import type { WebSocketGateway } from './websocket-api.ts';

/**
 * The embedded mode's notifier: frames go straight to the gateway's sockets, as `@connections`
 * would put them there on AWS, without the HTTP round trip. A connection the gateway no longer
 * holds answers `gone`, as API Gateway's 410 does.
 */
export class SocketNotifier implements Notifier, ConnectionProbe {
  constructor(private readonly gateway: WebSocketGateway) {}

  send(to: ConnectionAddress, frame: ServerFrame): Promise<'sent' | 'gone'> {
    return Promise.resolve(this.gateway.post(to.connectionId, JSON.stringify(frame)));
  }

  close(to: ConnectionAddress): Promise<void> {
    this.gateway.remove(to.connectionId);
    return Promise.resolve();
  }

  exists(to: ConnectionAddress): Promise<boolean> {
    return Promise.resolve(this.gateway.has(to.connectionId));
  }
}
