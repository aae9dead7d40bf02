/**
 * Size bounds that keep one charge's DynamoDB item under the 400 KB item limit whatever PicPay
 * sends (see the worst-case item test, "item size", in test/domain/charge.test.ts).
 */

/** Longest id we key a charge by (DynamoDB keys allow 2 KB; PicPay's ids are UUIDs). */
export const MAX_ID_LENGTH = 200;
/** Longest free-form value (status, 3DS fields, authorization id) kept; longer ones are cut. */
export const MAX_TEXT_LENGTH = 64;
/** History entries and dedupe keys one charge keeps. */
export const MAX_HISTORY = 100;
export const MAX_SEEN = 200;
/**
 * Refund transactions one Payment Link payment keeps (each refund's id and amount, summed into
 * its refunded amount). A refund past this many is parked (`too_many_refunds`), never recorded,
 * so no run of refund notifications can grow the item past DynamoDB's limit.
 */
export const MAX_REFUNDS = 50;
/**
 * Deepest JSON nesting whose members the personal-data redaction searches (redact.ts walks the
 * tree recursively): PicPay's bodies nest 5 levels at most; a deeper body is kept without its
 * bytes and parked (`too_deep`, docs/ingest.md), never searched with a stack that could overflow.
 */
export const MAX_JSON_DEPTH = 256;
