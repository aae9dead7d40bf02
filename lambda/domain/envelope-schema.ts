import * as z from 'zod/mini';
import type { Envelope } from './envelope.js';

export const envelopeSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  flavour: z.enum(['legacy', 'checkout']),
  eventType: z.nullable(z.string()),
  receivedAt: z.string(),
  requestId: z.string(),
  body: z.string(),
  bodyEncoding: z.optional(z.enum(['utf8', 'base64'])),
  contentEncoding: z.optional(z.string()),
  redacted: z.optional(z.array(z.string())),
  origin: z.optional(z.enum(['picpay', 'merchant', 'reconciler'])),
  withheld: z.optional(z.object({ reason: z.literal('too_deep'), depth: z.number(), bytes: z.number() })),
});

/** Parses a queue message; throws on anything that is not an envelope. */
export function parseEnvelope(raw: string): Envelope {
  return envelopeSchema.parse(JSON.parse(raw));
}
