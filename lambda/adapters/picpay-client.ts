import { DependencyError, NotConfiguredError, UnprocessableNotificationError, UpstreamAuthError } from '../domain/errors.js';
import { type LegacyStatus, legacyStatusSchema } from '../domain/payloads.js';
import type { LegacyStatusSource } from '../domain/process.js';

export interface PicPayClientOptions {
  readonly baseUrl: string;
  /** Resolves the current `x-picpay-token` (from the secret, cached). */
  readonly token: () => Promise<string | null>;
  readonly timeoutMs: number;
  /** Attempts in all, including the first. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called for every failed attempt, for logs and metrics. */
  readonly onAttemptFailed?: (info: { attempt: number; reason: string; httpStatus?: number }) => void;
}

/**
 * Client for `GET /ecommerce/public/payments/{referenceId}/status`. Retries timeouts, network
 * errors, 429 and 5xx with exponential backoff and full jitter; 401/403 means our token is wrong
 * (UpstreamAuthError); 404 means PicPay does not know the reference (parked by the caller).
 */
export class PicPayStatusClient implements LegacyStatusSource {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: PicPayClientOptions) {
    this.attempts = options.attempts ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  async fetchStatus(referenceId: string): Promise<LegacyStatus> {
    const token = await this.options.token();
    if (token === null) throw new NotConfiguredError('picpayToken is not configured in the tokens secret');
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/ecommerce/public/payments/${encodeURIComponent(referenceId)}/status`;
    let lastReason = 'no attempt made';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: 'GET',
          headers: { 'x-picpay-token': token, accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        lastReason = isTimeout(error) ? 'timeout' : 'network_error';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason });
        continue;
      }
      if (response.status === 200) {
        const parsed = legacyStatusSchema.safeParse(await response.json().catch(() => undefined));
        if (parsed.success) return parsed.data;
        lastReason = 'invalid_response';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: 200 });
        continue;
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 401 || response.status === 403) {
        this.options.onAttemptFailed?.({ attempt, reason: 'unauthorized', httpStatus: response.status });
        throw new UpstreamAuthError(`PicPay rejected the x-picpay-token (HTTP ${response.status})`);
      }
      if (response.status === 404) {
        throw new UnprocessableNotificationError('unknown_reference', 'PicPay does not know this referenceId');
      }
      lastReason = `http_${response.status}`;
      this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
      if (response.status !== 429 && response.status < 500) break;
    }
    throw new DependencyError(`PicPay status API failed after ${this.attempts} attempts (${lastReason})`);
  }

  /** Full jitter: uniform in [0, min(max, base * 2^n)]. */
  private backoff(retry: number): number {
    return Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retry));
  }
}

/** By name, not instanceof: fetch rejects with a DOMException, which may come from another realm. */
function isTimeout(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  return name === 'TimeoutError' || name === 'AbortError';
}
