import { z } from 'zod';

/**
 * Wire formats, as lenient as the PicPay documentation requires (unknown fields pass, unknown
 * status values are strings) and as strict as processing needs (the keys we act on).
 * Customer data (document, e-mail, name) is deliberately not extracted: it is never stored,
 * published or logged (LGPD).
 */

const idSchema = z.union([z.string().trim().min(1), z.number().finite()]).transform(String);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 date');
const cents = z.number().int().nullish();

/** Legacy e-commerce callback body: `{referenceId, authorizationId?}`. */
export const legacyCallbackSchema = z.looseObject({
  referenceId: idSchema,
  authorizationId: z.string().nullish(),
});
export type LegacyCallback = z.infer<typeof legacyCallbackSchema>;

/** Legacy `GET /ecommerce/public/payments/{referenceId}/status` response. Amounts in reais. */
export const legacyStatusSchema = z.looseObject({
  referenceId: idSchema.optional(),
  status: z.string().trim().min(1),
  authorizationId: z.string().nullish(),
  summary: z
    .looseObject({
      authorized: z.number().nullish(),
      paid: z.number().nullish(),
      refunded: z.number().nullish(),
    })
    .nullish(),
});
export type LegacyStatus = z.infer<typeof legacyStatusSchema>;

export const checkoutPaymentSchema = z.looseObject({
  type: z.literal('PAYMENT'),
  eventDate: isoDate,
  id: z.string().nullish(),
  data: z.looseObject({
    status: z.string().trim().min(1),
    amount: cents,
    originalAmount: cents,
    refundedAmount: cents,
    merchantChargeId: z.string().trim().min(1),
  }),
});
export type CheckoutPayment = z.infer<typeof checkoutPaymentSchema>;

export const checkoutThreeDsSchema = z.looseObject({
  type: z.literal('THREE_DS_CHALLENGE'),
  id: z.string().nullish(),
  data: z.looseObject({
    status: z.string().trim().min(1),
    paresStatus: z.string().nullish(),
    eciRaw: z.string().nullish(),
    merchantChargeId: z.string().trim().min(1),
    chargeId: z.string().nullish(),
  }),
});
export type CheckoutThreeDs = z.infer<typeof checkoutThreeDsSchema>;

/** Checkout event types: header value and the body `type` each implies. */
export const CHECKOUT_EVENT_TYPES = {
  TransactionUpdateMessage: 'PAYMENT',
  Challenge3dsUpdateMessage: 'THREE_DS_CHALLENGE',
} as const;
export type CheckoutEventType = keyof typeof CHECKOUT_EVENT_TYPES;

export function reaisToCents(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100);
}
