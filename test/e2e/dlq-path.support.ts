/**
 * For the end-to-end tests of a notification that keeps failing (the DLQ, `dlq list` and
 * `dlq replay`): the receive limit lowered to 5, as the stack's `dlqMaxReceiveCount` can, and the
 * retry delays played 3600 times faster, so the DLQ is reached in a second or two instead of a
 * day. The deployed schedule itself (36 receives over a day or more) is what outage.test.ts plays.
 */
export const DLQ_PATH = { maxReceiveCount: 5, timeScale: 3600 } as const;
