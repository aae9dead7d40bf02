// zod/mini: the same validation, tree-shakable, so the authenticator bundle stays small.
import * as z from 'zod/mini';

/**
 * The one definition of the tokens secret's JSON: the stack writes its placeholder, the local
 * runtime its development values, the handlers and the CLI parse it with this schema. No AWS SDK
 * here, so the stack and the CLI can import it without loading a client.
 */

/** Value the stack writes into the secret until the operator fills it in. */
export const PLACEHOLDER = 'REPLACE_ME';

/**
 * Each token may be one string or a list, so an operator can add the new token next to the old
 * one, switch PicPay over, then remove the old one: no window of 401s.
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

export type TokensSecret = z.infer<typeof tokensSecretSchema>;

/** What a new stack's secret holds: every required token a placeholder, refused until replaced. */
export const PLACEHOLDER_SECRET = {
  sellerToken: PLACEHOLDER,
  checkoutToken: PLACEHOLDER,
  picpayToken: PLACEHOLDER,
} as const satisfies TokensSecret;

/** The newest of a token's values (the last one listed), or '' when there is none. */
export function newestToken(value: string | readonly string[] | undefined): string {
  return (typeof value === 'string' ? value : value?.at(-1)) ?? '';
}
