import type { ChargeState } from '../../lambda/domain/charge.js';
import { ConcurrentUpdateError } from '../../lambda/domain/errors.js';
import type { ChargeEvent } from '../../lambda/domain/events.js';
import type { FoundCharge, LegacyStatus, LinkTransaction } from '../../lambda/domain/payloads.js';
import type { ChargeRef, ReconcileCandidate, ReconcileFlavour } from '../../lambda/domain/reconcile.js';
import type {
  CheckoutChargeSource,
  ChargeRepository,
  EventPublisher,
  LegacyStatusSource,
  ParkedNotification,
  ParkingLot,
  PaymentLinkIndex,
  PaymentLinkTransactionSource,
  StoredCharge,
} from '../../lambda/domain/ports.js';
import type { ProcessDeps } from '../../lambda/domain/process.js';
import { AwsServiceError, ParkError } from '../../lambda/domain/errors.js';

/** Statuses PicPay may still move on from (docs/state-model.md), written out here. */
const WAITING = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

/** In-memory ports with the same conditional-write semantics as the DynamoDB adapter. */
export class MemoryCharges implements ChargeRepository, ParkingLot {
  readonly items = new Map<string, StoredCharge>();
  readonly parked: ParkedNotification[] = [];
  /** The reconciler's index: `flavour#id` -> when PicPay was last asked (or the charge changed). */
  readonly awaiting = new Map<string, string>();
  writes = 0;

  async findAwaiting(flavour: ReconcileFlavour, checkedBefore: string, limit: number): Promise<ReconcileCandidate[]> {
    return [...this.awaiting.entries()]
      .filter(([key, at]) => key.startsWith(`${flavour}#`) && at < checkedBefore)
      .sort((a, b) => a[1].localeCompare(b[1]))
      .slice(0, limit)
      .map(([key, lastCheckedAt]) => {
        const state = this.items.get(key)!.state;
        return { flavour, chargeId: state.chargeId, lastCheckedAt, createdAt: state.createdAt, expiresAt: state.expiresAt };
      });
  }

  async markChecked(charges: readonly ChargeRef[], at: string) {
    for (const c of charges) if (this.awaiting.has(`${c.flavour}#${c.chargeId}`)) this.awaiting.set(`${c.flavour}#${c.chargeId}`, at);
  }

  async retire(charges: readonly ChargeRef[]) {
    for (const c of charges) this.awaiting.delete(`${c.flavour}#${c.chargeId}`);
  }

  /** The reconciler's ports on this store. */
  reconcilePorts() {
    return {
      findAwaiting: (flavour: ReconcileFlavour, before: string, limit: number) => this.findAwaiting(flavour, before, limit),
      markChecked: (charges: readonly ChargeRef[], at: string) => this.markChecked(charges, at),
      retire: (charges: readonly ChargeRef[]) => this.retire(charges),
    };
  }

  async load(chargeKey: string) {
    const item = this.items.get(chargeKey);
    return item ? structuredClone(item) : null;
  }

  async save(state: ChargeState, expectedVersion: number | null) {
    const current = this.items.get(state.chargeKey);
    if ((current?.version ?? null) !== expectedVersion) throw new ConcurrentUpdateError('conflict');
    this.writes++;
    this.items.set(state.chargeKey, { state: structuredClone(state), version: (expectedVersion ?? 0) + 1 });
    // A Payment Link payment can be asked about only through its link.
    const askable = state.flavour !== 'paymentLink' || state.paymentLinkId !== undefined;
    if (askable && state.status !== null && WAITING.has(state.status)) this.awaiting.set(state.chargeKey, state.updatedAt);
    else this.awaiting.delete(state.chargeKey);
  }

  async markPublished(chargeKey: string, ids: readonly string[]) {
    const current = this.items.get(chargeKey)!;
    this.writes++;
    this.items.set(chargeKey, {
      state: { ...current.state, outbox: current.state.outbox.filter((e) => !ids.includes(e.event.transitionId)) },
      version: current.version + 1,
    });
  }

  async park(notification: ParkedNotification) {
    this.parked.push(notification);
  }
}

export class MemoryPublisher implements EventPublisher {
  readonly published: ChargeEvent[] = [];
  failNext = 0;

  async publish(event: ChargeEvent) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new AwsServiceError('sns', 'SNS is down');
    }
    this.published.push(event);
  }
}

export class MemoryPicPay implements LegacyStatusSource {
  readonly statuses = new Map<string, LegacyStatus>();
  calls = 0;

  async fetchStatus(referenceId: string) {
    this.calls++;
    const status = this.statuses.get(referenceId);
    if (!status) throw new ParkError('unknown_reference', 'unknown');
    return status;
  }
}

/**
 * Checkout find-charge in memory: `enabled` false (the default) is a PicPay credentials secret without an
 * OAuth client, so checkout notifications are applied as sent; tests of reconciliation and of
 * confirmation with PicPay turn it on.
 */
export class MemoryFindCharge implements CheckoutChargeSource {
  readonly charges = new Map<string, FoundCharge>();
  enabled = false;
  calls = 0;

  async findCharge(merchantChargeId: string) {
    if (!this.enabled) return null;
    this.calls++;
    const found = this.charges.get(merchantChargeId);
    if (!found) throw new ParkError('unknown_charge', 'unknown');
    return found;
  }
}

/**
 * Payment Link find-transactions in memory: `enabled` false (the default) is a PicPay credentials
 * secret without an OAuth client; tests of confirmation turn it on. `links` is PicPay's truth.
 */
export class MemoryLinkTransactions implements PaymentLinkTransactionSource {
  readonly links = new Map<string, LinkTransaction[]>();
  enabled = false;
  calls = 0;

  async findLinkTransactions(paymentLinkId: string) {
    if (!this.enabled) return null;
    this.calls++;
    const transactions = this.links.get(paymentLinkId);
    if (!transactions) throw new ParkError('unknown_payment_link', 'unknown');
    return transactions;
  }
}

/** Payment Link payments by link: `linkId` -> payment ids (a set, as the table's items are). */
export class MemoryLinks implements PaymentLinkIndex {
  readonly payments = new Map<string, Set<string>>();

  async addPayment(linkId: string, paymentId: string) {
    this.payments.set(linkId, (this.payments.get(linkId) ?? new Set()).add(paymentId));
  }

  async paymentsOf(linkId: string, limit: number) {
    return [...(this.payments.get(linkId) ?? [])].sort().slice(0, limit);
  }
}

export function memoryDeps(start = Date.parse('2024-07-01T19:00:10Z')) {
  const charges = new MemoryCharges();
  const links = new MemoryLinks();
  const linkTransactions = new MemoryLinkTransactions();
  const publisher = new MemoryPublisher();
  const picpay = new MemoryPicPay();
  const findCharge = new MemoryFindCharge();
  const clock = { ms: start, advance: (ms: number) => void (clock.ms += ms) };
  // Each read of the clock moves it on by a millisecond, like real time between calls.
  const deps: ProcessDeps = {
    charges,
    parking: charges,
    awaiting: charges,
    links,
    publisher,
    legacyStatus: picpay,
    checkoutCharges: findCharge,
    confirmations: findCharge,
    linkTransactions,
    now: () => (clock.ms += 1),
    maxProcessedBodyBytes: 64 * 1024,
    outboxLeaseMs: 60_000,
  };
  return { deps, charges, publisher, picpay, findCharge, clock, links, linkTransactions };
}
