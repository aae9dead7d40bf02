import * as z from 'zod';
import type { Envelope } from './envelope.js';

export const envelopeSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  flavour: z.enum(['legacy', 'checkout']),
  eventType: z.string().nullable(),
  receivedAt: z.string(),
  requestId: z.string(),
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']).optional(),
  contentEncoding: z.string().optional(),
  redacted: z.array(z.string()).optional(),
  origin: z.enum(['picpay', 'merchant', 'reconciler']).optional(),
  withheld: z.object({ reason: z.literal('too_deep'), depth: z.number(), bytes: z.number() }).optional(),
});

/** Parses a queue message; throws on anything that is not an envelope. */
export function parseEnvelope(raw: string): Envelope {
  return envelopeSchema.parse(JSON.parse(raw));
}
