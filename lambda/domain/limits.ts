/**
 * Size bounds that keep one charge's DynamoDB item under the 400 KB item limit whatever PicPay
 * sends (see the worst-case item test in test/domain/item-size.test.ts).
 */

/** Longest id we key a charge by (DynamoDB keys allow 2 KB; PicPay's ids are UUIDs). */
export const MAX_ID_LENGTH = 200;
/** Longest free-form value (status, 3DS fields, authorization id) kept; longer ones are cut. */
export const MAX_TEXT_LENGTH = 64;
/** History entries and dedupe keys one charge keeps. */
export const MAX_HISTORY = 100;
export const MAX_SEEN = 200;
/** Events one charge may hold unpublished; a notification that would add one more waits. */
export const MAX_OUTBOX = 20;
