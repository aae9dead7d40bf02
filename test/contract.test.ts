/**
 * Runtime contract values that two floors must agree on, written by hand.
 */
import { HANDLERS, OUTBOX_LEASE_MS } from '../lambda/contract.js';

test("the outbox lease (lambda/domain/outbox.ts) is twice the processor's timeout: a live writer is never raced by a duplicate", () => {
  expect(HANDLERS.processor.timeoutSeconds).toBe(30);
  expect(OUTBOX_LEASE_MS).toBe(60_000);
  expect(OUTBOX_LEASE_MS).toBe(2 * HANDLERS.processor.timeoutSeconds * 1000);
});
