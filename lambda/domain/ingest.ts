import type { Flavour } from '../../lib/pipeline-spec.js';
import { ENVELOPE_VERSION, type Envelope } from './envelope.js';
import type { HeaderMap } from './headers.js';
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
  | { readonly kind: 'too_large'; readonly bytes: number }
  | { readonly kind: 'accept'; readonly envelope: Envelope };

/** Header that carries each flavour's token. */
export const TOKEN_HEADER: Readonly<Record<Flavour, string>> = {
  legacy: 'x-seller-token',
  checkout: 'authorization',
};

export function presentedToken(flavour: Flavour, headers: HeaderMap): string | undefined {
  const raw = headers[TOKEN_HEADER[flavour]];
  const token = flavour === 'checkout' ? stripBearer(raw) : raw?.trim();
  return token === '' ? undefined : token;
}

/** Checkout event type: `event-type` (PicPay's curl examples) or `event_type` (its prose). */
export function headerEventType(headers: HeaderMap): string | null {
  const value = headers['event-type'] ?? headers['event_type'];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

/**
 * The authenticator's decision. The token is checked first, so nothing about an
 * unauthenticated request (not even its size) changes the answer beyond 401.
 * An authenticated body is accepted whatever its content: the processor parses it and parks
 * what it cannot process, so a genuine notification is never lost at the door.
 */
export function decideIngest(
  request: IngestRequest,
  validTokens: readonly string[],
  maxBodyBytes: number,
): IngestDecision {
  const token = presentedToken(request.flavour, request.headers);
  if (token === undefined) return { kind: 'unauthorized', reason: 'missing_token' };
  if (!tokenMatches(token, validTokens)) return { kind: 'unauthorized', reason: 'wrong_token' };

  const body = decodeBody(request.body, request.isBase64Encoded);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBodyBytes) return { kind: 'too_large', bytes };

  return {
    kind: 'accept',
    envelope: {
      v: ENVELOPE_VERSION,
      flavour: request.flavour,
      eventType: request.flavour === 'checkout' ? headerEventType(request.headers) : null,
      receivedAt: request.receivedAt,
      requestId: request.requestId,
      body,
    },
  };
}

export function decodeBody(body: string | null, isBase64Encoded: boolean): string {
  if (body === null) return '';
  return isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}
