import { z } from 'zod';
import { ENVELOPE_VERSION, type Envelope } from './envelope.js';

export const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  flavour: z.enum(['legacy', 'checkout']),
  eventType: z.string().nullable(),
  receivedAt: z.string(),
  requestId: z.string(),
  body: z.string(),
});

/** Parses a queue message; throws on anything that is not an envelope. */
export function parseEnvelope(raw: string): Envelope {
  return envelopeSchema.parse(JSON.parse(raw));
}
