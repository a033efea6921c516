import { Logger } from '@aws-lambda-powertools/logger';
import type { AuditEvent, AuditLog } from './audit-log.ts';

/**
 * The audit trail as structured JSON log lines (Powertools Logger), one line per event, carrying
 * the correlation of the request that caused it (its request id, and connection id on WebSocket
 * events) when the caller supplies one.
 */
export class LoggerAuditLog implements AuditLog {
  private readonly logger = new Logger({ serviceName: 'web-communicator', logLevel: 'INFO' });

  constructor(private readonly correlation: () => object | undefined = () => undefined) {}

  record(event: AuditEvent): void {
    this.logger.info('audit', { ...this.correlation(), audit: event });
  }
}
