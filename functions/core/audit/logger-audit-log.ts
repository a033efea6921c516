import { Logger } from '@aws-lambda-powertools/logger';
import type { AuditEvent, AuditLog } from './audit-log.ts';

/** The audit trail as structured JSON log lines (Powertools Logger), one line per event. */
export class LoggerAuditLog implements AuditLog {
  private readonly logger = new Logger({ serviceName: 'web-communicator', logLevel: 'INFO' });

  record(event: AuditEvent): void {
    this.logger.info('audit', { audit: event });
  }
}
