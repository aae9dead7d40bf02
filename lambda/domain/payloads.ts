import * as z from 'zod/mini';
import { pathSegmentMessage, pathSegmentProblem } from './ids.js';
import { MAX_ID_LENGTH, MAX_TEXT_LENGTH } from './limits.js';

/**
 * Wire formats, as lenient as the PicPay documentation requires (unknown fields pass, unknown
 * status values are strings) and as strict as processing needs: only the charge id and the
 * status are required. Fields the state rules merely carry (amounts, dates, 3DS details) are
 * read leniently: a numeric string is a number, and a value that cannot be read is null rather
 * than a reason to park a real status change.
 * Customer data (document, e-mail, name) is deliberately not extracted: it is never stored,
 * published or logged (LGPD).
 */

/** A charge id: also one segment of PicPay's API path, so `.`, `..` and control characters park (ids.ts). */
const idSchema = z.pipe(
  z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
  z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(MAX_ID_LENGTH),
    z.refine((id) => pathSegmentProblem(id) === null, { error: (issue) => pathSegmentMessage(String(issue.input)) }),
  ),
);

/** An id when the value is one (idSchema's rules), otherwise null. */
export function lenientId(value: unknown): string | null {
  const parsed = idSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Free text we keep: bounded so no value can grow the stored item past its limit. */
export function boundedText(value: string): string {
  return value.length > MAX_TEXT_LENGTH ? `${value.slice(0, MAX_TEXT_LENGTH - 1)}…` : value;
}
const text = z.pipe(z.string().check(z.trim(), z.minLength(1)), z.transform(boundedText));
/** A value read leniently by `read`: optional outermost, since zod 4 treats a transformed key as required unless it is marked optional. */
const lenient = <T>(read: (value: unknown) => T) => z.optional(z.pipe(z.unknown(), z.transform(read)));
const optionalText = lenient((v) => (typeof v === 'string' && v.trim() !== '' ? boundedText(v.trim()) : typeof v === 'number' ? String(v) : null));

/** Integer centavos; a numeric string is read as a number; anything else is unknown (null). */
export function lenientCents(value: unknown): number | null {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
}
const cents = lenient(lenientCents);

/** A number of reais, or a numeric string; anything else is unknown (null). */
function lenientReais(value: unknown): number | null {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
const reais = lenient(lenientReais);

/** The first transaction's `paymentType` (a Pix charge says `PIX`), or null. */
function firstPaymentType(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  const first: unknown = value[0];
  const type = typeof first === 'object' && first !== null && 'paymentType' in first ? first.paymentType : undefined;
  return typeof type === 'string' && type.trim() !== '' ? boundedText(type.trim()) : null;
}

/** Legacy e-commerce callback body: `{referenceId, authorizationId?}`. */
export const legacyCallbackSchema = z.looseObject({
  referenceId: idSchema,
  authorizationId: optionalText,
});
export type LegacyCallback = z.infer<typeof legacyCallbackSchema>;

/** Legacy `GET /ecommerce/public/payments/{referenceId}/status` response. Amounts in reais. */
export const legacyStatusSchema = z.looseObject({
  referenceId: z.optional(idSchema),
  status: text,
  authorizationId: optionalText,
  summary: z.catch(z.nullish(z.looseObject({ authorized: reais, paid: reais, refunded: reais })), null),
  /**
   * Undocumented, seen in live answers (`2023-06-26T16:47:52.000000Z`, reais): read leniently, a
   * value that cannot be read is absent. `updatedAt` is PicPay's time of the status.
   */
  createdAt: z.optional(z.unknown()),
  updatedAt: z.optional(z.unknown()),
  value: reais,
});
/** What PicPay's status API answered, as the port hands it over; `observeLegacy` normalizes it. */
export interface LegacyStatus {
  readonly status: string;
  readonly referenceId?: string | number;
  readonly authorizationId?: string | null;
  readonly summary?: { readonly authorized?: unknown; readonly paid?: unknown; readonly refunded?: unknown } | null;
  readonly createdAt?: unknown;
  readonly updatedAt?: unknown;
  readonly value?: unknown;
}

export const checkoutPaymentSchema = z.looseObject({
  type: z.literal('PAYMENT'),
  /** Read by `eventTime()`; missing or unreadable means "when we received it". */
  eventDate: z.optional(z.unknown()),
  data: z.looseObject({
    status: text,
    amount: cents,
    originalAmount: cents,
    refundedAmount: cents,
    merchantChargeId: idSchema,
    /** Read for `paymentType` only (`WALLET`, `CREDIT`, `PIX`); anything unreadable is ignored. */
    transactions: lenient(firstPaymentType),
  }),
});
export type CheckoutPayment = z.infer<typeof checkoutPaymentSchema>;

export const checkoutThreeDsSchema = z.looseObject({
  type: z.literal('THREE_DS_CHALLENGE'),
  /** Not in PicPay's example; a Java SDK's fixture sends one (`2025-04-16T11:30:04.157929932`, no offset). */
  eventDate: z.optional(z.unknown()),
  data: z.looseObject({
    status: text,
    paresStatus: optionalText,
    eciRaw: optionalText,
    merchantChargeId: idSchema,
    chargeId: optionalText,
  }),
});
export type CheckoutThreeDs = z.infer<typeof checkoutThreeDsSchema>;

/**
 * Payment Link webhook (developers-business.picpay.com/payment-link/docs/webhook): header
 * `event_type: TransactionPaymentMessage`, fields under `data.transaction`. Only `id` and
 * `status` are required; `originalTransactionId` (a UUID or null) points a refund at its payment.
 */
export const paymentLinkSchema = z.looseObject({
  /** Not documented for this product; read like checkout's `eventDate` when present. */
  eventDate: z.optional(z.unknown()),
  /** `PAYMENT` or `REFUND` (several integrators read it; not on PicPay's page). */
  type: optionalText,
  data: z.looseObject({
    /**
     * The link the merchant created (`data.charge.paymentLinkId`, read by several unrelated
     * integrators to find the order; not on PicPay's page): null when absent or not an id, never
     * a reason to park a payment.
     */
    charge: z.catch(z.nullish(z.looseObject({ paymentLinkId: lenient(lenientId) })), null),
    transaction: z.looseObject({
      id: idSchema,
      originalTransactionId: lenient((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, MAX_ID_LENGTH) : null)),
      status: text,
      amount: cents,
      paymentType: optionalText,
      createdAt: z.optional(z.unknown()),
      updatedAt: z.optional(z.unknown()),
    }),
  }),
});
export type PaymentLinkNotification = z.infer<typeof paymentLinkSchema>;

/**
 * Checkout "find charge" (`GET /charge/{merchantChargeId}`) response: `chargeStatus` and the
 * amounts in centavos; lenient like the webhook (unknown fields pass, unknown statuses are kept).
 */
export const findChargeSchema = z.looseObject({
  merchantChargeId: z.optional(idSchema),
  chargeStatus: text,
  amount: cents,
  originalAmount: cents,
  refundedAmount: cents,
  /** Read for `paymentType` only: it decides what `PRE_AUTHORIZED` means (status.ts). */
  transactions: lenient(firstPaymentType),
});
export type FoundCharge = z.infer<typeof findChargeSchema>;

/**
 * Payment Link find-transactions (PicPay's reference, `/paymentlink/{payment_link_id}/transactions`):
 * `{originId, transactions: [{transactionId, status, amount, createdAt, updatedAt}], perPage,
 * currentPage, nextPage, previousPage}`. A refund is listed as its own transaction, naming no
 * payment. Dates are `2025-04-15 09:47:19` (Sao Paulo time, no offset).
 */
export const linkTransactionSchema = z.looseObject({
  transactionId: idSchema,
  status: text,
  amount: cents,
  createdAt: z.optional(z.unknown()),
  updatedAt: z.optional(z.unknown()),
});
export type LinkTransaction = z.infer<typeof linkTransactionSchema>;
export const linkTransactionsSchema = z.looseObject({
  transactions: z.array(linkTransactionSchema),
  nextPage: z.pipe(
    z.unknown(),
    z.transform((v) => (typeof v === 'string' && v !== '' ? v : null)),
  ),
});

/** Reais (a double) to integer centavos, rounding away the binary fraction (10.29 -> 1029). */
export function reaisToCents(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100);
}
