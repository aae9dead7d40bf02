import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Flavour } from '../domain/flavour.js';
import { NotConfiguredError } from '../domain/errors.js';
import { inboundTokensSchema, PLACEHOLDER, picpayCredentialsSchema } from './tokens-secret.js';

/** The tokens secret, read by the authenticator: the tokens PicPay's notifications carry. */
export interface Tokens {
  /** Valid `x-seller-token` values (legacy callback). */
  readonly legacy: readonly string[];
  /** Valid `authorization` values (checkout webhook). */
  readonly checkout: readonly string[];
}

/** The PicPay credentials secret, read by the processor: what it calls PicPay's APIs with. */
export interface PicPayCredentials {
  /** `x-picpay-token` for the legacy status API, or null when not configured. */
  readonly picpay: string | null;
  /** `client_id`/`client_secret` for checkout find-charge, or null: checkout confirmation and reconciliation are off. */
  readonly checkoutClient: { readonly clientId: string; readonly clientSecret: string } | null;
}

function usable(value: string | readonly string[] | undefined): string[] {
  const list = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  return list.map((t) => t.trim()).filter((t) => t !== '' && t !== PLACEHOLDER);
}

/** The tokens secret's JSON. Other keys (a one-secret stack's PicPay credentials) are ignored here: doctor warns of them. */
export function tokensFromSecret(json: unknown): Tokens {
  const parsed = inboundTokensSchema.safeParse(json);
  if (!parsed.success) throw new NotConfiguredError('The tokens secret is not in the expected JSON shape');
  return { legacy: usable(parsed.data.sellerToken), checkout: usable(parsed.data.checkoutToken) };
}

/** The PicPay credentials secret's JSON. */
export function credentialsFromSecret(json: unknown): PicPayCredentials {
  const parsed = picpayCredentialsSchema.safeParse(json);
  if (!parsed.success) throw new NotConfiguredError('The PicPay credentials secret is not in the expected JSON shape');
  const picpay = usable(parsed.data.picpayToken)[0] ?? null;
  const clientId = usable(parsed.data.picpayClientId)[0];
  const clientSecret = usable(parsed.data.picpayClientSecret)[0];
  const checkoutClient = clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : null;
  return { picpay, checkoutClient };
}

/**
 * The secret's text as JSON. A parse error is thrown without its message or cause: JSON.parse
 * quotes the text around the error, which here is a token.
 */
export function parseSecret(raw: unknown, what = 'The tokens secret'): unknown {
  if (typeof raw !== 'string') throw new NotConfiguredError(`${what} is not a string (SecretBinary is not supported)`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new NotConfiguredError(`${what} is not JSON`);
  }
}

/** One secret's parsed value. */
export interface SecretStore<T> {
  /** Throws NotConfiguredError when the secret cannot be read or parsed. */
  get(): Promise<T>;
}

export type TokenStore = SecretStore<Tokens>;
export type CredentialsStore = SecretStore<PicPayCredentials>;

/** Reads a secret through Powertools Parameters, cached in memory for `maxAgeSeconds`, parsed once per value. */
class CachedSecret<T> implements SecretStore<T> {
  private readonly provider: SecretsProvider;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
    private readonly what: string,
    private readonly read: (json: unknown) => T,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async get(): Promise<T> {
    let raw: unknown;
    try {
      // No `transform: 'json'`: its parse error would quote the secret's first characters (a token).
      raw = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      throw new NotConfiguredError(`${this.what} could not be read`, { cause: error });
    }
    if (raw !== this.lastRaw || this.lastValue === null) {
      this.lastValue = this.read(parseSecret(raw, this.what));
      this.lastRaw = raw;
    }
    return this.lastValue;
  }

  /** The secret string last parsed, and its value: parsed once per value, not per request. */
  private lastRaw: unknown = undefined;
  private lastValue: T | null = null;

  /** Forget the cached value (tests; an operator-triggered refresh). */
  clearCache(): void {
    this.provider.clearCache();
  }
}

/** The authenticator's store: the tokens secret. */
export class SecretTokenStore extends CachedSecret<Tokens> {
  constructor(client: SecretsManagerClient, secretId: string, maxAgeSeconds: number) {
    super(client, secretId, maxAgeSeconds, 'The tokens secret', tokensFromSecret);
  }
}

/** The processor's store: the PicPay credentials secret. */
export class SecretCredentialsStore extends CachedSecret<PicPayCredentials> {
  constructor(client: SecretsManagerClient, secretId: string, maxAgeSeconds: number) {
    super(client, secretId, maxAgeSeconds, 'The PicPay credentials secret', credentialsFromSecret);
  }
}

export function tokensFor(tokens: Tokens, flavour: Flavour): readonly string[] {
  return flavour === 'legacy' ? tokens.legacy : tokens.checkout;
}
