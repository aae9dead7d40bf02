/**
 * What the domain needs from the world, in one place: each port is named for what it does, is
 * implemented in lambda/adapters (DynamoDB, SNS, SQS, PicPay's HTTP APIs) and faked in
 * test/domain/in-memory.support.ts. The use cases take bags of these ports (ProcessDeps,
 * SweepDeps, ReconcileDeps, ProbeDeps), never an SDK client.
 */
import type { ChargeState } from './charge.js';
import type { Envelope } from './envelope.js';
import type { ParkReason } from './errors.js';
import type { ChargeEvent, ProbeEvent } from './events.js';
import type { FoundCharge, LinkTransaction, LegacyStatus } from './payloads.js';
import type { ProbeRecord } from './probe.js';
import type { ChargeRef, ReconcileCandidate, ReconcileFlavour } from './reconcile.js';

/* Charges (the table's charge items) */

export interface StoredCharge {
  readonly state: ChargeState;
  readonly version: number;
}

export interface ChargeRepository {
  load(chargeKey: string): Promise<StoredCharge | null>;
  /** Single-item conditional write; `expectedVersion` null means "must not exist yet". */
  save(state: ChargeState, expectedVersion: number | null): Promise<void>;
  /**
   * Drops published events from the charge's outbox. `emptiesOutbox`: these were all the
   * entries of the charge at `version`, so the charge may also leave the outbox sweep's index
   * (only if the item is still at that version).
   */
  markPublished(chargeKey: string, transitionIds: readonly string[], at: { version: number; emptiesOutbox: boolean }): Promise<void>;
}

/** The outbox sweep's index: charges with events still unpublished. */
export interface OutboxIndex {
  /** Keys of charges whose oldest outbox lease ended before `leaseEndedBefore`, oldest first. */
  findPending(leaseEndedBefore: string, limit: number): Promise<string[]>;
  /** Takes a charge out of the sweep's index when its outbox turns out empty at `version`. */
  forgetEmpty(chargeKey: string, version: number): Promise<void>;
}

/** The reconciliation index: charges still awaiting a final word from PicPay. */
export interface ReconcileIndex {
  /** Awaiting charges of one flavour last checked before `checkedBefore`, least recently checked first. */
  findAwaiting(flavour: ReconcileFlavour, checkedBefore: string, limit: number): Promise<ReconcileCandidate[]>;
  /** Moves the charges' `lastCheckedAt` to `at` (only those still awaiting). */
  markChecked(charges: readonly ChargeRef[], at: string): Promise<void>;
  /** Takes the charges out of the awaiting index: reconciliation has given up on them. */
  retire(charges: readonly ChargeRef[]): Promise<void>;
}

/** Payment Link payments by the link the merchant created. */
export interface PaymentLinkIndex {
  /** Records that `paymentId` (a payment transaction id) is a payment of link `linkId`; idempotent. */
  addPayment(linkId: string, paymentId: string): Promise<void>;
  /** Payment transaction ids recorded for the link, at most `limit`, in id order. */
  paymentsOf(linkId: string, limit: number): Promise<string[]>;
}

/* Notifications an operator must look at */

export interface ParkedNotification {
  readonly parkedAt: string;
  readonly reason: ParkReason;
  readonly message: string;
  readonly envelope: Envelope;
}

export interface ParkingLot {
  park(notification: ParkedNotification): Promise<void>;
}

/* The queue and the topic */

/** Puts notifications on the processing queue (the reconciler's own checks). */
export interface NotificationQueue {
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
}

export interface EventPublisher {
  publish(event: ChargeEvent): Promise<void>;
}

/* Probes (picpay-webhooks doctor) */

export interface ProbePublisher {
  /** Publishes a probe event; answers the SNS message id. */
  publishProbe(event: ProbeEvent): Promise<string>;
}

export interface ProbeLog {
  recordProbe(record: ProbeRecord): Promise<void>;
}

/* PicPay's APIs */

export interface LegacyStatusSource {
  /** Throws ParkError('unknown_reference') when PicPay does not know it. */
  fetchStatus(referenceId: string): Promise<LegacyStatus>;
}

export interface CheckoutChargeSource {
  /**
   * PicPay's find-charge answer; null when checkout reconciliation is off (no OAuth client in
   * the PicPay credentials secret). Throws ParkError('unknown_charge') on 404,
   * PicPayAuthError on 401, PicPayUnavailableError when PicPay stays unavailable (429, 5xx).
   */
  findCharge(merchantChargeId: string): Promise<FoundCharge | null>;
}

export interface PaymentLinkTransactionSource {
  /**
   * Every transaction PicPay lists for the link (find-transactions: payments and refunds, each
   * its own transaction); null without an OAuth client in the PicPay credentials secret. Throws
   * ParkError('unknown_payment_link') on 404, PicPayAuthError on 401, PicPayUnavailableError when
   * PicPay stays unavailable.
   */
  findLinkTransactions(paymentLinkId: string): Promise<readonly LinkTransaction[] | null>;
}
