import { NotConfiguredError, ParkError, PicPayAuthError, PicPayCircuitOpenError, PicPayUnavailableError } from '../domain/errors.js';
import { pathSegmentMessage, pathSegmentProblem } from '../domain/ids.js';
import { type FoundCharge, findChargeSchema, type LegacyStatus, type LinkTransaction, legacyStatusSchema, linkTransactionsSchema } from '../domain/payloads.js';
import type { LegacyStatusSource } from '../domain/ports.js';
import type { PicPayCircuit } from './picpay-circuit.js';

/**
 * Largest PicPay answer read (bytes, after any content decoding). Real answers are a few KB: the
 * legacy status is a dozen fields, find-charge one charge with its transactions. 1 MiB is two
 * orders of magnitude above them and a small slice of the processor's memory (512 MB), so a broken
 * or hostile endpoint streaming hundreds of MB costs one cut-off read, not the function.
 */
export const MAX_PICPAY_RESPONSE_BYTES = 1024 * 1024;

const TOO_LARGE = Symbol('too_large');

/**
 * The body as JSON, read as a stream and cut off at `MAX_PICPAY_RESPONSE_BYTES` (a declared
 * Content-Length over it is refused before reading): `too_large`, or undefined when not JSON.
 */
async function readJson(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_PICPAY_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    return TOO_LARGE;
  }
  if (response.body === null) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_PICPAY_RESPONSE_BYTES) {
        await reader.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
/** A 3xx: never followed (it would carry our credentials to wherever it points), a PicPay error. */
function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

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
  /** Every request goes through it; while it is open, PicPayCircuitOpenError at once. */
  readonly circuit?: PicPayCircuit;
}

/**
 * Client for `GET /ecommerce/public/payments/{referenceId}/status`. Retries timeouts, network
 * errors, 429 and 5xx with exponential backoff and full jitter; 401/403 means our token is wrong
 * (PicPayAuthError); 404 means PicPay does not know the reference (parked by the caller). A redirect
 * is never followed (it would carry the token elsewhere) and an answer over
 * MAX_PICPAY_RESPONSE_BYTES is not read on: both are PicPay errors, retried.
 * With a circuit, an open circuit ends the attempts at once (PicPayCircuitOpenError).
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
    if (token === null) throw new NotConfiguredError('picpayToken is not configured in the PicPay credentials secret');
    // The domain parks such ids before they get here; this adapter never builds a path from one.
    if (pathSegmentProblem(referenceId) !== null) throw new ParkError('unexpected_shape', `referenceId ${pathSegmentMessage(referenceId)}`);
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/ecommerce/public/payments/${encodeURIComponent(referenceId)}/status`;
    let lastReason = 'no attempt made';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      let response: Response;
      const send = () =>
        this.fetchImpl(url, {
          method: 'GET',
          headers: { 'x-picpay-token': token, accept: 'application/json' },
          // A redirect would re-send x-picpay-token to wherever it points: never followed.
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      try {
        response = await (this.options.circuit ? this.options.circuit.request(send) : send());
      } catch (error) {
        if (error instanceof PicPayCircuitOpenError) throw error;
        lastReason = isTimeout(error) ? 'timeout' : 'network_error';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason });
        continue;
      }
      if (response.status === 200) {
        const json = await readJson(response);
        const parsed = legacyStatusSchema.safeParse(json);
        if (parsed.success) return parsed.data;
        lastReason = json === TOO_LARGE ? 'response_too_large' : 'invalid_response';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: 200 });
        continue;
      }
      await response.body?.cancel().catch(() => undefined);
      if (isRedirect(response.status)) {
        lastReason = 'redirect';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        this.options.onAttemptFailed?.({ attempt, reason: 'unauthorized', httpStatus: response.status });
        throw new PicPayAuthError(`PicPay rejected the x-picpay-token (HTTP ${response.status})`);
      }
      if (response.status === 404) {
        throw new ParkError('unknown_reference', 'PicPay does not know this referenceId');
      }
      lastReason = `http_${response.status}`;
      this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
      if (response.status !== 429 && response.status < 500) break;
    }
    throw new PicPayUnavailableError(`PicPay status API failed after ${this.attempts} attempts (${lastReason})`);
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

/**
 * Payment Link API base: `https://api.picpay.com/v1/paymentlink`, as several unrelated
 * integrators call it (PicPay's reference gives the paths, `/paymentlink/{id}/transactions`).
 */
export const DEFAULT_PAYMENT_LINK_BASE_URL = 'https://api.picpay.com/v1/paymentlink';
/** find-transactions pages: 100 transactions each, at most 10 (a link paid 1,000 times is not a lookup). */
const LINK_PAGE_SIZE = 100;
const MAX_LINK_PAGES = 10;

export interface CheckoutClientOptions {
  /** Checkout API base, e.g. `https://checkout-api.picpay.com/api/v1` (find-charge is `{base}/charge/{id}`). */
  readonly baseUrl: string;
  /** Payment Link API base (find-transactions is `{base}/{paymentLinkId}/transactions`). Default DEFAULT_PAYMENT_LINK_BASE_URL. */
  readonly paymentLinkBaseUrl?: string;
  /** Token endpoint, e.g. `https://checkout-api.picpay.com/oauth2/token`. */
  readonly tokenUrl: string;
  /** The OAuth2 client from the PicPay credentials secret, or null: checkout reconciliation is off. */
  readonly credentials: () => Promise<{ clientId: string; clientSecret: string } | null>;
  readonly timeoutMs: number;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A token is renewed this long before PicPay says it expires. Default 60 s. */
  readonly refreshBeforeMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly onAttemptFailed?: (info: { attempt: number; reason: string; httpStatus?: number }) => void;
  /** The token endpoint and find-charge requests go through it (one API, one host). */
  readonly circuit?: PicPayCircuit;
}

/** PicPay documents 5-minute tokens; used when the answer carries no readable `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 300;

/**
 * Client for checkout "find charge" (`GET /charge/{merchantChargeId}`), authenticated with an
 * OAuth2 `client_credentials` bearer token that is cached until shortly before it expires.
 * 401 from the token endpoint, or twice from find-charge (once more with a fresh token), is a
 * configuration error (PicPayAuthError); 404 means PicPay does not know the charge
 * (ParkError 'unknown_charge', parked: recorded for an operator); timeouts,
 * network errors, 429 and 5xx are retried with full-jitter backoff (a 429's `Retry-After` is
 * honoured up to the maximum delay), then PicPayUnavailableError so the queue retries later; an open
 * circuit ends the attempts at once (PicPayCircuitOpenError, retried later too). Redirects are never
 * followed and answers are cut off at MAX_PICPAY_RESPONSE_BYTES, as for the status client.
 */
export class PicPayCheckoutClient {
  private cached: { token: string; renewAt: number; clientId: string } | null = null;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: CheckoutClientOptions) {
    this.attempts = options.attempts ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** How many access tokens this client has obtained (tests, metrics). */
  tokensIssued = 0;

  async findCharge(merchantChargeId: string): Promise<FoundCharge | null> {
    const credentials = await this.options.credentials();
    if (credentials === null) return null;
    if (pathSegmentProblem(merchantChargeId) !== null) throw new ParkError('unexpected_shape', `merchantChargeId ${pathSegmentMessage(merchantChargeId)}`);
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/charge/${encodeURIComponent(merchantChargeId)}`;
    return await this.authorizedGet(
      url,
      credentials,
      'find-charge',
      (json) => findChargeSchema.safeParse(json),
      () => {
        throw new ParkError('unknown_charge', 'PicPay find-charge does not know this merchantChargeId');
      },
    );
  }

  /**
   * Payment Link find-transactions (`GET {paymentLinkBaseUrl}/{paymentLinkId}/transactions`):
   * every transaction of the link, page after page (`perPage` 100, at most MAX_LINK_PAGES pages),
   * or null without an OAuth client. 404: PicPay does not know the link (ParkError
   * 'unknown_payment_link').
   */
  async findLinkTransactions(paymentLinkId: string): Promise<LinkTransaction[] | null> {
    const credentials = await this.options.credentials();
    if (credentials === null) return null;
    if (pathSegmentProblem(paymentLinkId) !== null) throw new ParkError('unexpected_shape', `paymentLinkId ${pathSegmentMessage(paymentLinkId)}`);
    const base = `${(this.options.paymentLinkBaseUrl ?? DEFAULT_PAYMENT_LINK_BASE_URL).replace(/\/+$/, '')}/${encodeURIComponent(paymentLinkId)}/transactions`;
    const all: LinkTransaction[] = [];
    for (let page = 1; page <= MAX_LINK_PAGES; page++) {
      const answer = await this.authorizedGet(
        `${base}?page=${page}&perPage=${LINK_PAGE_SIZE}`,
        credentials,
        'find-transactions',
        (json) => linkTransactionsSchema.safeParse(json),
        () => {
          throw new ParkError('unknown_payment_link', 'PicPay find-transactions does not know this paymentLinkId');
        },
      );
      all.push(...answer.transactions);
      // The last page: PicPay names no next one, or it is not full.
      if (answer.nextPage === null || answer.transactions.length < LINK_PAGE_SIZE) break;
    }
    return all;
  }

  /**
   * One GET with the bearer token, retried as the class comment says; `parse` reads a 200's JSON
   * (a failed parse is retried as an invalid answer), `notFound` decides what a 404 means.
   */
  private async authorizedGet<T>(
    url: string,
    credentials: { clientId: string; clientSecret: string },
    what: string,
    parse: (json: unknown) => { success: true; data: T } | { success: false },
    notFound: () => never,
  ): Promise<T> {
    let renewed = false;
    let lastReason = 'no attempt made';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const token = await this.accessToken(credentials);
      const response = await this.call(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, attempt);
      if (typeof response === 'string') {
        lastReason = response;
        continue;
      }
      if (response.status === 200) {
        const json = await readJson(response);
        const parsed = parse(json);
        if (parsed.success) return parsed.data;
        lastReason = json === TOO_LARGE ? 'response_too_large' : 'invalid_response';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: 200 });
        continue;
      }
      await response.body?.cancel().catch(() => undefined);
      if (isRedirect(response.status)) {
        lastReason = 'redirect';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        this.cached = null;
        this.options.onAttemptFailed?.({ attempt, reason: 'unauthorized', httpStatus: response.status });
        // A token revoked before its time: one more try with a fresh one, then it is our setup.
        if (!renewed) {
          renewed = true;
          attempt--;
          continue;
        }
        throw new PicPayAuthError(`PicPay ${what} rejected the access token (HTTP ${response.status})`);
      }
      if (response.status === 404) notFound();
      lastReason = `http_${response.status}`;
      this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
      if (response.status !== 429 && response.status < 500) break;
      if (response.status === 429 && attempt < this.attempts) await this.sleep(this.retryAfterMs(response));
    }
    throw new PicPayUnavailableError(`PicPay ${what} failed after ${this.attempts} attempts (${lastReason})`);
  }

  private async accessToken(credentials: { clientId: string; clientSecret: string }): Promise<string> {
    const now = this.now();
    if (this.cached !== null && this.cached.clientId === credentials.clientId && now < this.cached.renewAt) return this.cached.token;
    let lastReason = 'no attempt made';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const response = await this.call(
        this.options.tokenUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }),
        },
        attempt,
      );
      if (typeof response === 'string') {
        lastReason = response;
        continue;
      }
      if (response.status === 200) {
        const json = await readJson(response);
        const body = typeof json === 'object' && json !== null ? (json as { access_token?: unknown; expires_in?: unknown }) : undefined;
        const token = typeof body?.access_token === 'string' && body.access_token !== '' ? body.access_token : null;
        if (token !== null) {
          const seconds = Number(body?.expires_in);
          const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOKEN_SECONDS) * 1000;
          const margin = Math.min(this.options.refreshBeforeMs ?? 60_000, lifetimeMs / 2);
          this.cached = { token, renewAt: this.now() + lifetimeMs - margin, clientId: credentials.clientId };
          this.tokensIssued++;
          return token;
        }
        lastReason = json === TOO_LARGE ? 'token_response_too_large' : 'invalid_token_response';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: 200 });
        continue;
      }
      await response.body?.cancel().catch(() => undefined);
      if (isRedirect(response.status)) {
        // Following it would re-send client_secret (a 307/308 keeps the POST body) elsewhere.
        lastReason = 'token_redirect';
        this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
        continue;
      }
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        this.options.onAttemptFailed?.({ attempt, reason: 'unauthorized', httpStatus: response.status });
        throw new PicPayAuthError(`PicPay refused the OAuth client credentials (HTTP ${response.status})`);
      }
      lastReason = `token_http_${response.status}`;
      this.options.onAttemptFailed?.({ attempt, reason: lastReason, httpStatus: response.status });
      if (response.status !== 429 && response.status < 500) break;
    }
    throw new PicPayUnavailableError(`PicPay token endpoint failed after ${this.attempts} attempts (${lastReason})`);
  }

  /** One request, after the backoff for its attempt; a string is why it failed to get an answer. */
  private async call(url: string, init: RequestInit, attempt: number): Promise<Response | string> {
    if (attempt > 1) await this.sleep(Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1))));
    // redirect 'manual': a redirect would carry the bearer token or the client secret elsewhere.
    const send = () => this.fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs) });
    try {
      return await (this.options.circuit ? this.options.circuit.request(send) : send());
    } catch (error) {
      if (error instanceof PicPayCircuitOpenError) throw error;
      const reason = isTimeout(error) ? 'timeout' : 'network_error';
      this.options.onAttemptFailed?.({ attempt, reason });
      return reason;
    }
  }

  private retryAfterMs(response: Response): number {
    const seconds = Number(response.headers.get('retry-after'));
    return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, this.maxDelayMs) : 0;
  }
}
