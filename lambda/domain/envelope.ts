/**
 * The message the authenticator puts on the queue for the processor: everything the
 * processor needs, nothing it does not (no headers, no token, no source IP).
 * Its validating schema lives in envelope-schema.ts, which only the processor loads, so the
 * authenticator bundle carries no schema library for it.
 */
export const ENVELOPE_VERSION = 1;

/** Event type recorded for legacy callbacks (they carry none), and for the reconciler's. */
export const LEGACY_EVENT_TYPE = 'LegacyCallback';
export const RECONCILIATION_EVENT_TYPE = 'Reconciliation';
/** Event type of a legacy payment the merchant registered (`POST /charges`, IAM-authorized). */
export const REGISTRATION_EVENT_TYPE = 'Registration';

export interface Envelope {
  readonly v: typeof ENVELOPE_VERSION;
  readonly flavour: 'legacy' | 'checkout';
  /** Checkout only: from the `event-type`/`event_type` header; null when absent. */
  readonly eventType: string | null;
  readonly receivedAt: string;
  readonly requestId: string;
  /** The raw request body, decoded to UTF-8. */
  readonly body: string;
}

export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}
