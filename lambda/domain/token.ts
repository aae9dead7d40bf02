import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time token check. Both sides are hashed to fixed-size SHA-256 digests first, so the
 * comparison time depends on neither the presented token's length nor its content, and every
 * configured token is compared (no early exit) so the position of a match does not leak either.
 */
export function tokenMatches(presented: string | undefined, valid: readonly string[]): boolean {
  // An absent or empty token never matches; returning early reveals nothing secret.
  if (presented === undefined || presented === '') return false;
  const presentedDigest = digest(presented);
  let matched = false;
  for (const candidate of valid) {
    matched = timingSafeEqual(presentedDigest, digest(candidate)) || matched;
  }
  return matched;
}

function digest(value: string): Buffer {
  // A string is hashed as UTF-8.
  return createHash('sha256').update(value).digest();
}

/** The checkout `authorization` header carries the raw token, sometimes as `Bearer <token>`. */
export function stripBearer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // After the outer trim, removing `Bearer` and the whitespace after it leaves nothing to trim;
  // a bare `Bearer` leaves an empty token, which the caller reads as a missing one.
  return value.trim().replace(/^bearer(?:\s+|$)/i, '');
}
