/**
 * The product's operational figures, named once. Domain code records them through `Metrics`; the
 * Lambda and local builds print them as CloudWatch Embedded Metric Format lines
 * (`emf-metrics.ts`), and the stack's dashboard and alarms read them by these names.
 */
export const metricNamespace = 'WebCommunicator';

export const metricNames = {
  /** A sign-in ended; dimensions `Method`, `Outcome` (`success` or the refusal code). */
  signIns: 'SignIns',
  /** A sign-in was refused, for any reason (no dimensions: what the failure alarm watches). */
  signInFailures: 'SignInFailures',
  /** A sign-in refused because the account or the address is locked out (`too_many_attempts`). */
  throttledSignIns: 'ThrottledSignIns',
  /** The ticket authorizer decided; dimensions `Api` (`http`, `websocket`), `Verdict`, `Reason`. */
  authorizerDecisions: 'AuthorizerDecisions',
  /** A WebSocket connection was accepted / ended. */
  connections: 'Connections',
  disconnections: 'Disconnections',
  /** An IM reached at least one of the recipient's connections / did not (dimension `Reason`). */
  imsDelivered: 'ImsDelivered',
  imsFailed: 'ImsFailed',
  /** How many watchers one presence change was sent to. */
  presenceFanOut: 'PresenceFanOut',
  /** A session ended before its time: signed out, revoked by an administrator, or refused by policy (`Reason`). */
  ticketRevocations: 'TicketRevocations',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** Dimension names and values; keep values to small fixed sets (methods, reasons), never user data. */
export type Dimensions = Readonly<Record<string, string>>;

/** Where figures go. Implementations never throw: a lost figure must not fail a sign-in or an IM. */
export interface Metrics {
  /** Adds `value` (default 1) to a count. */
  count(name: MetricName, dimensions?: Dimensions, value?: number): void;
}

/** Records nothing (tests and tools that do not report figures). */
export const noMetrics: Metrics = { count: () => undefined };
