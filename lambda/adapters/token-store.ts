import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Flavour } from '../domain/flavour.js';
import { NotConfiguredError } from '../domain/errors.js';
import { PLACEHOLDER, tokensSecretSchema } from './tokens-secret.js';

export interface Tokens {
  /** Valid `x-seller-token` values (legacy callback). */
  readonly legacy: readonly string[];
  /** Valid `authorization` values (checkout webhook). */
  readonly checkout: readonly string[];
  /** `x-picpay-token` for the legacy status API, or null when not configured. */
  readonly picpay: string | null;
  /** `client_id`/`client_secret` for checkout find-charge, or null: checkout reconciliation is off. */
  readonly checkoutClient: { readonly clientId: string; readonly clientSecret: string } | null;
}

function usable(value: string | readonly string[] | undefined): string[] {
  const list = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  return list.map((t) => t.trim()).filter((t) => t !== '' && t !== PLACEHOLDER);
}

export function tokensFromSecret(json: unknown): Tokens {
  const parsed = tokensSecretSchema.safeParse(json);
  if (!parsed.success) throw new NotConfiguredError('The tokens secret is not in the expected JSON shape');
  const picpay = usable(parsed.data.picpayToken)[0] ?? null;
  const clientId = usable(parsed.data.picpayClientId)[0];
  const clientSecret = usable(parsed.data.picpayClientSecret)[0];
  const checkoutClient = clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : null;
  return { legacy: usable(parsed.data.sellerToken), checkout: usable(parsed.data.checkoutToken), picpay, checkoutClient };
}

/**
 * The secret's text as JSON. A parse error is thrown without its message or cause: JSON.parse
 * quotes the text around the error, which here is a token.
 */
export function parseSecret(raw: unknown): unknown {
  if (typeof raw !== 'string') throw new NotConfiguredError('The tokens secret is not a string (SecretBinary is not supported)');
  try {
    return JSON.parse(raw);
  } catch {
    throw new NotConfiguredError('The tokens secret is not JSON');
  }
}

export interface TokenStore {
  /** Throws NotConfiguredError when the secret cannot be read or parsed. */
  get(): Promise<Tokens>;
}

/** Reads the secret through Powertools Parameters, cached in memory for `maxAgeSeconds`. */
export class SecretTokenStore implements TokenStore {
  private readonly provider: SecretsProvider;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async get(): Promise<Tokens> {
    let raw: unknown;
    try {
      // No `transform: 'json'`: its parse error would quote the secret's first characters (a token).
      raw = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      throw new NotConfiguredError('The tokens secret could not be read', { cause: error });
    }
    if (raw !== this.lastRaw || this.lastTokens === null) {
      this.lastTokens = tokensFromSecret(parseSecret(raw));
      this.lastRaw = raw;
    }
    return this.lastTokens;
  }

  /** The secret string last parsed, and its tokens: parsed once per value, not per request. */
  private lastRaw: unknown = undefined;
  private lastTokens: Tokens | null = null;

  /** Forget the cached value (tests; an operator-triggered refresh). */
  clearCache(): void {
    this.provider.clearCache();
  }
}

export function tokensFor(tokens: Tokens, flavour: Flavour): readonly string[] {
  return flavour === 'legacy' ? tokens.legacy : tokens.checkout;
}
