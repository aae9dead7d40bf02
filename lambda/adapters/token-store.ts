import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
// zod/mini: the same validation, tree-shakable, so the authenticator bundle stays small.
import * as z from 'zod/mini';
import type { Flavour } from '../domain/flavour.js';
import { NotConfiguredError } from '../domain/errors.js';

export const secretsClient = new SecretsManagerClient({});

/** Value the stack writes into the secret until the operator fills it in. */
export const PLACEHOLDER = 'REPLACE_ME';

/**
 * The secret's JSON. Each token may be one string or a list, so an operator can add the new
 * token next to the old one, switch PicPay over, then remove the old one: no window of 401s.
 */
const tokenList = z.optional(z.union([z.string(), z.array(z.string())]));
export const tokensSecretSchema = z.looseObject({
  sellerToken: tokenList,
  checkoutToken: tokenList,
  picpayToken: z.optional(z.string()),
  /** OAuth2 client of PicPay's checkout API (Painel Lojista credentials): optional; without both, checkout reconciliation is off. */
  picpayClientId: z.optional(z.string()),
  picpayClientSecret: z.optional(z.string()),
});

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
    let json: unknown;
    try {
      json = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds, transform: 'json' });
    } catch (error) {
      throw new NotConfiguredError('The tokens secret could not be read', { cause: error });
    }
    return tokensFromSecret(json);
  }

  /** Forget the cached value (tests; an operator-triggered refresh). */
  clearCache(): void {
    this.provider.clearCache();
  }
}

export function tokensFor(tokens: Tokens, flavour: Flavour): readonly string[] {
  return flavour === 'legacy' ? tokens.legacy : tokens.checkout;
}
