import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import { metricNames, type Metrics } from './metrics.ts';

/**
 * The audit trail, counted: every sign-in method already ends in one audit event, so counting here
 * covers all of them (sign-ins by method and outcome, throttled sign-ins, sessions ended early)
 * without touching the methods themselves.
 */
export class MeteredAuditLog implements AuditLog {
  constructor(
    private readonly audit: AuditLog,
    private readonly metrics: Metrics,
  ) {}

  record(event: AuditEvent): void {
    this.audit.record(event);
    switch (event.event) {
      case 'signin.succeeded':
        this.metrics.count(metricNames.signIns, { Method: event.method, Outcome: 'success' });
        break;
      case 'signin.failed':
        this.metrics.count(metricNames.signIns, { Method: event.method, Outcome: event.reason });
        this.metrics.count(metricNames.signInFailures);
        if (event.reason === 'too_many_attempts') {
          this.metrics.count(metricNames.throttledSignIns, { Method: event.method });
        }
        break;
      case 'signout':
        this.metrics.count(metricNames.ticketRevocations, { Reason: 'signed_out' });
        break;
      case 'session.ended':
        if (event.reason !== 'expired')
          this.metrics.count(metricNames.ticketRevocations, { Reason: event.reason });
        break;
    }
  }
}
