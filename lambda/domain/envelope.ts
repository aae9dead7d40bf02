import { z } from 'zod';

/**
 * The message the authenticator puts on the queue for the processor: everything the
 * processor needs, nothing it does not (no headers, no token, no source IP).
 */
export const ENVELOPE_VERSION = 1;

export const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  flavour: z.enum(['legacy', 'checkout']),
  /** Checkout only: from the `event-type`/`event_type` header; null when absent. */
  eventType: z.string().nullable(),
  receivedAt: z.string(),
  requestId: z.string(),
  /** The raw request body, decoded to UTF-8. */
  body: z.string(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

export function parseEnvelope(raw: string): Envelope {
  return envelopeSchema.parse(JSON.parse(raw));
}
