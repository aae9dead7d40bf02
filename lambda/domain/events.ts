import * as z from 'zod/mini';
import { CANONICAL_STATUSES, TRANSITION_REASONS } from './status.js';

/**
 * The event contract on the SNS topic, version 1. Documented in docs/events.md; the JSON
 * Schema there is generated from `chargeEventSchema` (`npm run schema`).
 *
 * Compatibility promise: within a major `specVersion`, fields are only added, never removed
 * or retyped. Consumers deduplicate on `transitionId` (delivery is at least once).
 */
export const EVENT_SPEC_VERSION = '1.4';

export const EVENT_TYPES = {
  statusChanged: 'picpay.charge.status_changed',
  threeDsUpdated: 'picpay.charge.three_ds_updated',
  /** PicPay sent a status value we do not know: a known status is kept (a charge with none
   * takes UNKNOWN), and the raw value is published so someone can look. */
  unrecognizedStatus: 'picpay.charge.unrecognized_status',
} as const;

const statusSchema = z.enum(CANONICAL_STATUSES);

export const chargeEventSchema = z.object({
  specVersion: z.literal(EVENT_SPEC_VERSION),
  type: z.enum([EVENT_TYPES.statusChanged, EVENT_TYPES.threeDsUpdated, EVENT_TYPES.unrecognizedStatus]),
  /** Stable id of this transition: the same on every redelivery. */
  transitionId: z.string(),
  /**
   * `legacy#<referenceId>`, `checkout#<merchantChargeId>` or `paymentLink#<transaction id>` (the
   * payment's transaction id; a refund's `originalTransactionId` points at it).
   */
  chargeKey: z.string(),
  /** The PicPay product (added in 1.2: `paymentLink`). Pix charges are `checkout` charges. */
  flavour: z.enum(['legacy', 'checkout', 'paymentLink']),
  /** The merchant's id for the charge: legacy `referenceId`, checkout `merchantChargeId`, Payment Link payment transaction `id`. */
  chargeId: z.string(),
  previousStatus: z.nullable(statusSchema),
  status: z.nullable(statusSchema),
  /** PicPay's own status value, as received. */
  rawStatus: z.nullable(z.string()),
  /**
   * Why a transition goes against the usual lifecycle (added in 1.1): `retry_after_failure`
   * (an authorization after DENIED or ERROR), `chargeback_reversed` (a payment after a
   * chargeback: the dispute was won), `refund_reversed`, `refunded_amount_raised` (an older
   * notification carried a larger refunded amount); null for an ordinary step.
   */
  reason: z.nullable(z.enum(TRANSITION_REASONS)),
  amounts: z.nullable(
    z.object({
      currency: z.literal('BRL'),
      /** All amounts in centavos (integers). */
      amount: z.nullable(z.int()),
      originalAmount: z.nullable(z.int()),
      paidAmount: z.nullable(z.int()),
      refundedAmount: z.nullable(z.int()),
    }),
  ),
  authorizationId: z.nullable(z.string()),
  /** How the buyer paid, as PicPay names it (`WALLET`, `CREDIT`, `PIX`), when PicPay said (added in 1.2). */
  paymentType: z.nullable(z.string()),
  /**
   * Payment Link: the link the merchant created (`paymentLinkId` when it created the link), so
   * the merchant's system can find the order; null for other flavours, or when PicPay did not
   * name it (added in 1.4; also the SNS message attribute `paymentLinkId`).
   */
  paymentLinkId: z.nullable(z.string()),
  threeDs: z.nullable(
    z.object({
      status: z.string(),
      paresStatus: z.nullable(z.string()),
      eci: z.nullable(z.string()),
      picpayChargeId: z.nullable(z.string()),
    }),
  ),
  /** When PicPay says it happened (checkout `eventDate`), or when the legacy status was read. */
  occurredAt: z.string(),
  /** When this pipeline recorded the transition. */
  recordedAt: z.string(),
  /**
   * Whether the status and amounts were read from PicPay's API (added in 1.3): always for the
   * legacy flavour and for reconciliation; for checkout and Pix when the PicPay credentials secret holds
   * PicPay API credentials (the notification is then only a prompt to ask PicPay). `false`: the
   * state is what a notification's body said, as trustworthy as the token that came with it.
   */
  confirmed: z.boolean(),
  source: z.object({
    /**
     * `TransactionUpdateMessage`, `Challenge3dsUpdateMessage`, `TransactionPaymentMessage`,
     * `LegacyCallback`, `Registration` or `Reconciliation`.
     */
    eventType: z.string(),
    requestId: z.string(),
  }),
});

export type ChargeEvent = z.infer<typeof chargeEventSchema>;

/** SNS message attributes, for subscription filter policies. */
export function eventAttributes(event: ChargeEvent): Record<string, string> {
  return {
    type: event.type,
    status: event.status ?? 'NONE',
    previousStatus: event.previousStatus ?? 'NONE',
    flavour: event.flavour,
    eventType: event.source.eventType,
    confirmed: String(event.confirmed),
    ...(event.paymentLinkId === null ? {} : { paymentLinkId: event.paymentLinkId }),
  };
}

/**
 * A probe event: published by `picpay-webhooks doctor` through the whole pipeline, never a
 * charge. Its own `type` (and no `status` attribute), so a subscription that filters on `type`
 * or `status` never receives it; a consumer without a filter must ignore types it does not know.
 */
export const PROBE_EVENT_TYPE = 'picpay.webhooks.probe';

export const probeEventSchema = z.object({
  specVersion: z.literal(EVENT_SPEC_VERSION),
  type: z.literal(PROBE_EVENT_TYPE),
  probeId: z.string(),
  flavour: z.enum(['legacy', 'checkout']),
  /** When the doctor sent it, and when this pipeline recorded it. */
  sentAt: z.string(),
  recordedAt: z.string(),
  source: z.object({ requestId: z.string() }),
});

export type ProbeEvent = z.infer<typeof probeEventSchema>;

export function probeEventAttributes(event: ProbeEvent): Record<string, string> {
  return { type: event.type, flavour: event.flavour };
}
