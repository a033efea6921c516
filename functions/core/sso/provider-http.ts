import { AppError } from '../errors.ts';

/** What came back from the provider, when it answered at all. */
export interface ProviderResponse {
  readonly status: number;
  readonly body: ArrayBuffer;
}

/**
 * The one way the product talks to an identity provider (discovery, token endpoint, JWKS): bounded
 * in time and size, and a provider that cannot be reached or times out becomes one clear refusal,
 * `sso_provider_unavailable`, rather than an unhandled error.
 */
export class ProviderHttp {
  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes = 256 * 1024,
  ) {}

  async request(
    url: string,
    init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
  ) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: { accept: 'application/json', ...init.headers },
        body: init.body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw unavailable();
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > this.maxBytes) throw unavailable();
    const body = await response.arrayBuffer().catch(() => {
      throw unavailable();
    });
    if (body.byteLength > this.maxBytes) throw unavailable();
    return { status: response.status, body } satisfies ProviderResponse;
  }

  /** A JSON object from a GET that must answer 200 (discovery, JWKS). */
  async getJson(url: string): Promise<Record<string, unknown>> {
    const { status, body } = await this.request(url);
    if (status !== 200) throw unavailable();
    return parseObject(body) ?? throwUnavailable();
  }
}

export const unavailable = (): AppError =>
  new AppError(
    'sso_provider_unavailable',
    'The identity provider could not be reached. Try again in a moment, or use another way to sign in.',
  );

const throwUnavailable = (): never => {
  throw unavailable();
};

/** A JSON object, or undefined for anything else. */
export function parseObject(body: ArrayBuffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
