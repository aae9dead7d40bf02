import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import type { Flavour } from './flavour.js';
import { ENVELOPE_VERSION, type Envelope, serializeEnvelope, utf8Text } from './envelope.js';
import { type HeaderMap, TOKEN_HEADER } from './headers.js';
import { MAX_JSON_DEPTH } from './limits.js';
import { jsonDepth, redactPersonalData } from './redact.js';
import { stripBearer, tokenMatches } from './token.js';

/** What the authenticator knows about a request, already taken out of the API Gateway event. */
export interface IngestRequest {
  readonly flavour: Flavour;
  readonly headers: HeaderMap;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
  readonly requestId: string;
  readonly receivedAt: string;
}

export type IngestDecision =
  | { readonly kind: 'unauthorized'; readonly reason: 'missing_token' | 'wrong_token' }
  | { readonly kind: 'too_large'; readonly bytes: number; readonly reason: 'body' | 'decompressed' | 'message' }
  | { readonly kind: 'accept'; readonly envelope: Envelope };

/**
 * Largest queue message the authenticator sends: SQS takes 256 KiB (262,144 bytes) including
 * the message attributes; 1 KiB is left for those.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024 - 1024;

export function presentedToken(flavour: Flavour, headers: HeaderMap): string | undefined {
  const raw = headers[TOKEN_HEADER[flavour]];
  const token = flavour === 'checkout' ? stripBearer(raw) : raw?.trim();
  return token === '' ? undefined : token;
}

/** Checkout event type: `event-type` (PicPay's curl examples) or `event_type` (its prose). */
export function headerEventType(headers: HeaderMap): string | null {
  const value = headers['event-type'] ?? headers.event_type;
  return value === undefined || value.trim() === '' ? null : value.trim();
}

/**
 * The authenticator's decision. The token is checked first, so nothing about an
 * unauthenticated request (not even its size) changes the answer beyond 401.
 * An authenticated body is accepted whatever its bytes: the processor parses it and parks
 * what it cannot process, so a genuine notification is never lost at the door.
 *
 * The body goes through, in order: API Gateway's base64 (`isBase64Encoded`), the
 * `content-encoding` (gzip, deflate, br, zstd; decompressed to at most `maxBodyBytes`, so a
 * decompression bomb is a 413), removal of personal data (redact.ts), then the envelope
 * (text when UTF-8, base64 otherwise). Apart from the personal members removed, the bytes
 * the processor reads are exactly the bytes PicPay sent, decompressed.
 */
export function decideIngest(request: IngestRequest, validTokens: readonly string[], maxBodyBytes: number): IngestDecision {
  const token = presentedToken(request.flavour, request.headers);
  if (token === undefined) return { kind: 'unauthorized', reason: 'missing_token' };
  if (!tokenMatches(token, validTokens)) return { kind: 'unauthorized', reason: 'wrong_token' };

  const received = decodeBody(request.body, request.isBase64Encoded);
  if (received.length > maxBodyBytes) return { kind: 'too_large', bytes: received.length, reason: 'body' };

  const decoded = decodeContent(received, request.headers['content-encoding'], maxBodyBytes);
  if (decoded.kind === 'too_large') return { kind: 'too_large', bytes: decoded.bytes, reason: 'decompressed' };

  if (decoded.kind === 'decoded') {
    // Measured before the tree is built: the redaction's walk is recursive.
    const depth = jsonDepth(decoded.bytes);
    if (depth > MAX_JSON_DEPTH) {
      return {
        kind: 'accept',
        envelope: {
          ...envelopeBase(request),
          body: '',
          bodyEncoding: 'utf8',
          withheld: { reason: 'too_deep', depth, bytes: decoded.bytes.length },
        },
      };
    }
  }
  const { bytes, removed } = decoded.kind === 'decoded' ? redactPersonalData(decoded.bytes) : { bytes: received, removed: [] };
  const base = {
    ...envelopeBase(request),
    ...(decoded.kind === 'undecodable' ? { contentEncoding: decoded.contentEncoding } : {}),
    ...(removed.length > 0 ? { redacted: removed } : {}),
  } as const;
  const text = utf8Text(bytes);
  const candidates: Envelope[] = [
    ...(text === null ? [] : [{ ...base, body: text, bodyEncoding: 'utf8' as const }]),
    { ...base, body: bytes.toString('base64'), bodyEncoding: 'base64' },
  ];
  for (const envelope of candidates) {
    if (Buffer.byteLength(serializeEnvelope(envelope)) <= MAX_MESSAGE_BYTES) return { kind: 'accept', envelope };
  }
  return { kind: 'too_large', bytes: bytes.length, reason: 'message' };
}

function envelopeBase(request: IngestRequest) {
  return {
    v: ENVELOPE_VERSION,
    flavour: request.flavour,
    eventType: request.flavour === 'checkout' ? headerEventType(request.headers) : null,
    receivedAt: request.receivedAt,
    requestId: request.requestId,
    origin: 'picpay',
  } as const;
}

/** The body's bytes as API Gateway received them. */
export function decodeBody(body: string | null, isBase64Encoded: boolean): Buffer {
  if (body === null) return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body);
}

type Decoded =
  | { readonly kind: 'decoded'; readonly bytes: Buffer }
  | { readonly kind: 'too_large'; readonly bytes: number }
  | { readonly kind: 'undecodable'; readonly contentEncoding: string };

const DECODERS: Readonly<Record<string, (input: Buffer, maxOutputLength: number) => Buffer>> = {
  gzip: (b, max) => gunzipSync(b, { maxOutputLength: max }),
  'x-gzip': (b, max) => gunzipSync(b, { maxOutputLength: max }),
  // RFC 9110 says zlib-wrapped; some senders send raw deflate.
  deflate: (b, max) => {
    try {
      return inflateSync(b, { maxOutputLength: max });
    } catch (error) {
      if (isTooLarge(error)) throw error;
      return inflateRawSync(b, { maxOutputLength: max });
    }
  },
  br: (b, max) => brotliDecompressSync(b, { maxOutputLength: max }),
  zstd: (b, max) => zstdDecompressSync(b, { maxOutputLength: max }),
};

const isTooLarge = (error: unknown) => (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

/**
 * Undoes `content-encoding` (a list applies in order, so it is undone from the end).
 * An unknown or corrupt encoding leaves the bytes as received, flagged, for the processor to
 * park: PicPay would only send it again, and a retry cannot fix it.
 */
export function decodeContent(bytes: Buffer, header: string | undefined, maxBytes: number): Decoded {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let current = bytes;
  for (const coding of codings.reverse()) {
    // Own members only: `constructor` or `toString` is an unknown coding, not a function to call.
    const decoder = Object.hasOwn(DECODERS, coding) ? DECODERS[coding] : undefined;
    if (!decoder) return { kind: 'undecodable', contentEncoding: header! };
    try {
      current = decoder(current, maxBytes);
    } catch (error) {
      if (isTooLarge(error)) return { kind: 'too_large', bytes: maxBytes + 1 };
      return { kind: 'undecodable', contentEncoding: header! };
    }
  }
  return { kind: 'decoded', bytes: current };
}
