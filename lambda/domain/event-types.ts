/**
 * Every event type a notification can carry, in one place: the values PicPay sends in the
 * `event-type`/`event_type` header, and the ones this receiver records for notifications that
 * carry none. Each ends up as an event's `source.eventType` (docs/events.md).
 */

/** Checkout event types: header value and the body `type` each implies. */
export const CHECKOUT_EVENT_TYPES = {
  TransactionUpdateMessage: 'PAYMENT',
  Challenge3dsUpdateMessage: 'THREE_DS_CHALLENGE',
} as const;
export type CheckoutEventType = keyof typeof CHECKOUT_EVENT_TYPES;

/** The Payment Link webhook's event type header value. */
export const PAYMENT_LINK_EVENT_TYPE = 'TransactionPaymentMessage';

/** Event type recorded for legacy callbacks (they carry none). */
export const LEGACY_EVENT_TYPE = 'LegacyCallback';
/** The reconciler's own checks (only a `reconciler` queue message may carry it: process.ts). */
export const RECONCILIATION_EVENT_TYPE = 'Reconciliation';
/** Event type of a legacy payment the merchant registered (`POST /charges`, IAM-authorized). */
export const REGISTRATION_EVENT_TYPE = 'Registration';

/** Header value the doctor sends as `event-type` on the checkout webhook (probe.ts). */
export const PROBE_EVENT_TYPE_HEADER = 'PicPayWebhooksProbe';
