import { randomUUID } from 'node:crypto';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A time as API Gateway writes `requestContext.time` (HTTP APIs) and `requestTime` (WebSocket
 * APIs): the Common Log Format, `dd/MMM/yyyy:HH:mm:ss +0000`, in UTC.
 */
export function commonLogTime(date: Date): string {
  const day = `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${day}:${time} +0000`;
}

/**
 * A query string's parameters as HTTP API payload 2.0 gives them: a key sent more than once has its
 * values joined with commas. Undefined when there is no query string, as API Gateway leaves it out.
 */
export function joinedQueryParameters(search: URLSearchParams): Record<string, string> | undefined {
  const joined: Record<string, string> = {};
  for (const key of new Set(search.keys())) joined[key] = search.getAll(key).join(',');
  return Object.keys(joined).length > 0 ? joined : undefined;
}

/**
 * A query string's parameters as WebSocket (and REST) API events give them: the last value of each
 * key, and every value in `multiValueQueryStringParameters`. Left out without a query string.
 */
export function multiValueQueryParameters(search: URLSearchParams):
  | {
      queryStringParameters: Record<string, string>;
      multiValueQueryStringParameters: Record<string, string[]>;
    }
  | Record<string, never> {
  const keys = [...new Set(search.keys())];
  if (keys.length === 0) return {};
  return {
    queryStringParameters: Object.fromEntries(keys.map((k) => [k, search.getAll(k).at(-1) ?? ''])),
    multiValueQueryStringParameters: Object.fromEntries(keys.map((k) => [k, search.getAll(k)])),
  };
}

/**
 * The event an EventBridge schedule rule sends its target (`detail-type` `Scheduled Event`), as the
 * local runtime's schedule sends it to `rule`'s handler.
 */
export function scheduledEvent(rule: string, now: Date) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${rule.replace(/[^\w.-]/g, '-')}`],
    detail: {},
  };
}
