import { ParkError } from './errors.js';
import type { Flavour } from './flavour.js';
import { MAX_JSON_DEPTH } from './limits.js';

/**
 * The message the authenticator puts on the queue for the processor: everything the
 * processor needs, nothing it does not (no headers, no token, no source IP, no personal data).
 * Its validating schema lives in envelope-schema.ts, which only the processor loads, so the
 * authenticator bundle carries no schema library for it.
 *
 * Version 2 added `bodyEncoding`, `contentEncoding` and `redacted`; the processor still reads
 * version 1 messages (a text body). A version 1 processor refuses version 2 messages, so
 * during a rollback they wait in the queue or DLQ, unchanged, instead of being misread.
 */
export const ENVELOPE_VERSION = 2;

export interface Envelope {
  readonly v: 1 | 2;
  readonly flavour: Flavour;
  /** Checkout only: from the `event-type`/`event_type` header; null when absent. */
  readonly eventType: string | null;
  readonly receivedAt: string;
  readonly requestId: string;
  /**
   * The request body: after API Gateway's base64 and any `content-encoding` were undone, and
   * after personal data was removed (redact.ts). Text when those bytes are valid UTF-8
   * (`bodyEncoding` absent or `utf8`), otherwise their base64 (`bodyEncoding: 'base64'`).
   * Either way `bodyBytes()` gives back the exact bytes.
   */
  readonly body: string;
  readonly bodyEncoding?: 'utf8' | 'base64';
  /**
   * Set only when the body is still compressed because it could not be decoded (an unknown
   * or corrupt `content-encoding`): the header's value. The processor parks such a body.
   */
  readonly contentEncoding?: string;
  /** JSON paths of the personal members removed from the body (never their values). */
  readonly redacted?: readonly string[];
  /**
   * Who put the message on the queue: `picpay`, the authenticator for a PicPay route (a token
   * was presented); `merchant`, the authenticator for `POST /charges` (IAM); `reconciler`, the
   * reconciler's own check. Only a `reconciler` message may take the reconciliation path, so a
   * public request naming an internal event type cannot make us call PicPay's APIs. Absent on
   * messages queued before it existed, which are read as before.
   */
  readonly origin?: EnvelopeOrigin;
  /**
   * Set when the authenticator kept the request but not its body (then `body` is empty): a body
   * nested deeper than `MAX_JSON_DEPTH` cannot be searched for personal data safely. The
   * processor parks it (`too_deep`) with its size and depth.
   */
  readonly withheld?: { readonly reason: 'too_deep'; readonly depth: number; readonly bytes: number };
}

export type EnvelopeOrigin = 'picpay' | 'merchant' | 'reconciler';

/**
 * The envelope as a queue message. Every character outside printable ASCII is written as a
 * JSON `\uXXXX` escape, so the message is plain ASCII: SQS (which refuses U+FFFE, U+FFFF and
 * control characters) and its emulators accept any body, and `JSON.parse` gives back exactly
 * the same strings.
 */
export function serializeEnvelope(envelope: Envelope): string {
  return asciiJson(envelope);
}

/** `JSON.stringify`, with every non-ASCII or DEL character escaped (the value is unchanged). */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The body's exact bytes, as the authenticator kept them. */
export function bodyBytes(envelope: Envelope): Buffer {
  return envelope.bodyEncoding === 'base64' ? Buffer.from(envelope.body, 'base64') : Buffer.from(envelope.body); // a string is encoded as UTF-8
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (never a lossy decode). */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The body as text for parsing; throws ParkError (the processor parks)
 * when it is still compressed or is not UTF-8. Its byte length is checked against `maxBytes`.
 */
export function bodyText(envelope: Envelope, maxBytes: number): string {
  if (envelope.withheld !== undefined) {
    const { depth, bytes } = envelope.withheld;
    throw new ParkError(
      'too_deep',
      `Body of ${bytes} bytes nested ${depth} levels deep (limit ${MAX_JSON_DEPTH}) was not kept: it cannot be searched for personal data safely`,
    );
  }
  if (envelope.contentEncoding !== undefined) {
    throw new ParkError('undecodable_body', `Body could not be decoded from content-encoding ${JSON.stringify(envelope.contentEncoding.slice(0, 64))}`);
  }
  const bytes = bodyBytes(envelope);
  if (bytes.length > maxBytes) {
    throw new ParkError('body_too_large', `Body of ${bytes.length} bytes is over the ${maxBytes}-byte limit`);
  }
  if (envelope.bodyEncoding !== 'base64') return envelope.body;
  const text = utf8Text(bytes);
  if (text === null) throw new ParkError('invalid_utf8', 'Body is not valid UTF-8');
  return text;
}
