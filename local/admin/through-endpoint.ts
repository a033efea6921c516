import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import { LoggerAuditLog } from '../../functions/core/audit/logger-audit-log.ts';
import type { Product } from './connect.ts';
import { ChangeRefused, ProductUnreachable, UsageError } from './failures.ts';
import type { Reached } from './reach.ts';
import { adminPath, requestLimitBytes, type ProductAnswer, type ProductRequest } from './request.ts';

/** A change may hash many passwords (an import); the product answers when it is done. */
const answerWithinMs = 10 * 60_000;

function answerOf(payload: unknown): ProductAnswer | undefined {
  const answer = payload as Partial<ProductAnswer> | undefined;
  if (
    typeof answer?.text !== 'string' ||
    ![0, 1, 2].includes(answer.code as number) ||
    !Array.isArray(answer.audit)
  ) {
    return undefined;
  }
  return answer as ProductAnswer;
}

/**
 * The embedded mode's running product, through its admin endpoint: each request runs in the product,
 * on its own state; its answer is printed here as if it had run here (the report, the audit lines on
 * standard error, the exit code).
 */
export function throughEndpoint(product: Extract<Product, { reach: 'endpoint' }>): Reached {
  const { url, secret } = product.endpoint;
  let audit: LoggerAuditLog | undefined;
  const echo = (events: readonly AuditEvent[]) => {
    for (const event of events) (audit ??= new LoggerAuditLog()).record(event);
  };
  return {
    async perform(request: ProductRequest): Promise<string> {
      const body = JSON.stringify(request);
      if (Buffer.byteLength(body) > requestLimitBytes) {
        throw new ChangeRefused(
          `The request is larger than the running product takes (${requestLimitBytes / 1024 / 1024} MiB): ` +
            'split the import, or stop the product and run the command again. Nothing was changed.',
        );
      }
      let response: Response;
      try {
        response = await fetch(`${url}${adminPath}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(answerWithinMs),
        });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        throw new ProductUnreachable(
          `Could not reach the product's admin endpoint at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`,
        );
      }
      const payload: unknown = await response.json().catch(() => undefined);
      const answer = response.status === 200 ? answerOf(payload) : undefined;
      if (!answer) {
        const said = (payload as { error?: unknown } | undefined)?.error;
        throw new ProductUnreachable(
          `The product's admin endpoint answered ${response.status}: ${typeof said === 'string' ? said : 'not an answer'}`,
        );
      }
      echo(answer.audit);
      if (answer.code === 2) throw new UsageError(answer.text);
      if (answer.code === 1) throw new ChangeRefused(answer.text);
      return answer.text;
    },
    close: () => Promise.resolve(),
  };
}
