// zod/mini: the same validation, tree-shakable, so the authenticator bundle stays small.
import * as z from 'zod/mini';

/**
 * The one definition of the two secrets' JSON: the stack writes their placeholders, the local
 * runtime its development values, the handlers and the CLI parse them with these schemas. No AWS
 * SDK here, so the stack and the CLI can import it without loading a client.
 *
 * Two secrets, split by reader (docs/security.md, "Who reads which secret"):
 * - the tokens secret: what PicPay sends us (inbound), read by the authenticator only;
 * - the PicPay credentials secret: what we send PicPay (outbound), read by the processor only.
 * The internet-facing authenticator never holds a credential that can call PicPay's API.
 */

/** Value the stack writes into a secret until the operator fills it in. */
export const PLACEHOLDER = 'REPLACE_ME';

/**
 * Each token may be one string or a list, so an operator can add the new token next to the old
 * one, switch PicPay over, then remove the old one: no window of 401s.
 */
const tokenList = z.optional(z.union([z.string(), z.array(z.string())]));

/** The tokens secret: the tokens PicPay's notifications carry, checked by the authenticator. */
export const inboundTokensSchema = z.looseObject({
  sellerToken: tokenList,
  checkoutToken: tokenList,
});

/** The PicPay credentials secret: what the processor calls PicPay's APIs with. */
export const picpayCredentialsSchema = z.looseObject({
  /** `x-picpay-token` of the legacy status API. */
  picpayToken: z.optional(z.string()),
  /** OAuth2 client of PicPay's checkout API (Painel Lojista credentials): optional; without both, checkout confirmation and reconciliation are off. */
  picpayClientId: z.optional(z.string()),
  picpayClientSecret: z.optional(z.string()),
});

export type InboundTokensSecret = z.infer<typeof inboundTokensSchema>;
export type PicPayCredentialsSecret = z.infer<typeof picpayCredentialsSchema>;

/** The keys that belong in the credentials secret; in the tokens secret they are left from a one-secret stack. */
export const OUTBOUND_KEYS = Object.keys(picpayCredentialsSchema.shape) as ReadonlyArray<keyof PicPayCredentialsSecret>;

/**
 * What a new stack's tokens secret holds. The picpayToken member is a leftover of the one-secret
 * stack and means nothing here (only the credentials secret's picpayToken is read); it stays
 * because CloudFormation writes this text into the secret whenever it changes: changing it would
 * overwrite the tokens an operator of an existing stack has put there (docs/operations.md,
 * "Upgrading from one secret").
 */
export const PLACEHOLDER_TOKENS_SECRET = {
  sellerToken: PLACEHOLDER,
  checkoutToken: PLACEHOLDER,
  picpayToken: PLACEHOLDER,
} as const;

/** What a new stack's PicPay credentials secret holds: refused until replaced. */
export const PLACEHOLDER_CREDENTIALS_SECRET = {
  picpayToken: PLACEHOLDER,
} as const satisfies PicPayCredentialsSecret;

/** The newest of a token's values (the last one listed), or '' when there is none. */
export function newestToken(value: string | readonly string[] | undefined): string {
  return (typeof value === 'string' ? value : value?.at(-1)) ?? '';
}
