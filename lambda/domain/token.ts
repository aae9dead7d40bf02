import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time token check. Both sides are hashed to fixed-size SHA-256 digests first, so the
 * comparison time depends on neither the presented token's length nor its content, and every
 * configured token is compared (no early exit) so the position of a match does not leak either.
 */
export function tokenMatches(presented: string | undefined, valid: readonly string[]): boolean {
  const presentedDigest = digest(presented ?? '');
  let matched = false;
  for (const candidate of valid) {
    const equal = timingSafeEqual(presentedDigest, digest(candidate));
    matched = (equal && candidate.length > 0) || matched;
  }
  return matched && presented !== undefined && presented.length > 0;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The checkout `authorization` header carries the raw token, sometimes as `Bearer <token>`. */
export function stripBearer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '').trim() : trimmed;
}
