/**
 * The chaos suite: many notifications over many charges of every flavour (legacy, checkout with
 * Pix, Payment Link), duplicated and shuffled, sent by a PicPay-like sender (retries a non-2xx up to 21 times), while the pipeline
 * is broken on purpose: enqueue failures, PicPay API failures (5xx and timeouts), SNS publish
 * failures and processor crashes in the middle of a batch, and a PicPay outage of hours in the
 * middle of it all (on the local clock, `timeScale` times faster than AWS's). The expected
 * outcome is computed here, from the generated stories alone, with its own status table (not the
 * code under test); nothing may reach the DLQ.
 *
 * Confirmation is on (as in a stack with PicPay API credentials): the PicPay sandbox holds each
 * checkout charge's and each Payment Link transaction's truth as its story unfolds, so a
 * money-moving notification is confirmed with find-charge or find-transactions and PicPay's
 * answer is applied; forged notifications (charges PicPay never heard of, claims ahead of
 * PicPay's truth, Payment Link payments and refunds PicPay never listed) are mixed in, and each
 * must be parked as contradicted and counted, never applied. Payment Link payments come in
 * links paid once or several times; a refund naming no payment is matched on a link paid once
 * and parked (`unmatched_refund`, expected) on one paid more often. docs/testing.md says what
 * the oracle checks.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { METRICS } from '../../lambda/metrics.js';
import { dlqReplay } from '../../cli/dlq.js';
import type { Io } from '../../cli/io.js';
import { clientsFor } from '../../cli/target.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import type { SandboxCharge } from '../../local/picpay-sandbox.js';
import { cellFor, statusSpec, tableWinner } from '../../test/spec/tables.support.js';
import { paymentBody, paymentLinkBody, threeDsBody } from '../../cli/samples.js';
import { signForExecuteApi } from '../../cli/sigv4-sign.js';

export interface ChaosOptions {
  readonly charges: number;
  readonly notifications: number;
  /** Fraction of the notifications that are duplicates of others. */
  readonly duplicates: number;
  readonly enqueueFailures: number;
  readonly picpayFailures: number;
  readonly publishFailures: number;
  /** Chance that a processor invocation dies half-way through its batch. */
  readonly crashRate: number;
  readonly seed: number;
  /** Requests in flight at once from the sender. */
  readonly concurrency: number;
  readonly processorConcurrency: number;
  /** Legacy payments left at created (registered or one callback); half are then paid with the callback lost. */
  readonly abandoned: number;
  /** Charges one reconciliation run may check: fewer than wait, so it takes several runs. */
  readonly reconcileMaxPerRun: number;
  /** An SNS outage in the middle of the run (wall-clock ms): events wait in their outbox, messages back off. */
  readonly snsOutageMs: number;
  /** PicPay down (every API answers 503) for this many hours of queue time, from halfway through the sending. */
  readonly picpayOutageHours: number;
  /** Queue seconds per wall-clock second, for retry delays and PicPay circuit cool-downs. */
  readonly timeScale: number;
  /**
   * Confirm money-moving checkout notifications with PicPay's find-charge (a stack with PicPay
   * API credentials). false applies them as sent, and sends no forged notifications.
   */
  readonly confirm: boolean;
  /** Forged checkout/Pix notifications mixed in (confirmation on only): each must be parked as contradicted. */
  readonly forged: number;
  /**
   * Fraction of legacy status reads answered with the payment's previous status and its older
   * `updatedAt` (a slow read, a lagging replica), while notifications are sent: each must be
   * ignored as older, never move a charge back.
   */
  readonly staleReads: number;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  charges: 1000,
  notifications: 10_000,
  duplicates: 0.3,
  enqueueFailures: 0.05,
  picpayFailures: 0.1,
  publishFailures: 0.02,
  crashRate: 0.02,
  seed: 42,
  concurrency: 32,
  processorConcurrency: 4,
  abandoned: 300,
  reconcileMaxPerRun: 50,
  snsOutageMs: 1500,
  picpayOutageHours: 6,
  timeScale: 3600,
  confirm: true,
  forged: 100,
  staleReads: 0.1,
};

export interface ChaosReport {
  readonly options: ChaosOptions;
  readonly sent: number;
  readonly distinct: number;
  readonly attempts: number;
  readonly injected: { enqueue: number; publish: number; crashes: number; picpayRate: number; staleReads: number };
  /** Messages found in the DLQ once the run settled (target 0: the retries outlast every fault). */
  readonly deadLettered: number;
  /** The PicPay outage: how long it lasted on both clocks, the requests it refused, the retry delays set. */
  readonly outage: {
    readonly hours: number;
    readonly wallSeconds: number;
    readonly refused: number;
    readonly retryDelays: number;
    readonly longestRetryDelaySeconds: number;
  };
  readonly lostAtSender: number;
  readonly lostInPipeline: number;
  readonly wrongFinalState: number;
  readonly regressions: number;
  readonly transitionsMissingFromSns: number;
  /** Events left unpublished in a charge's outbox after the sweep ran (target 0). */
  readonly eventsLeftInOutbox: number;
  /** Reconciliation runs it took until every lost legacy callback was recovered, and the bound. */
  readonly reconcile: { readonly runs: number; readonly bound: number; readonly recovered: number; readonly lost: number };
  readonly duplicateTransitionIdsOnSns: number;
  readonly snsEvents: number;
  /** Payment Link: links paid once or several times, what the link index lists, refunds naming no payment. */
  readonly paymentLink: {
    readonly links: number;
    readonly payments: number;
    /** Links paid two or three times (one charge per payment). */
    readonly multiPaymentLinks: number;
    /** Links whose LINK# items (`charge --payment-link`) are not exactly their payments (target 0). */
    readonly linkListingsWrong: number;
    /** Payment Link charges or events that do not carry their link's `paymentLinkId` (target 0). */
    readonly missingLinkIds: number;
    /** Refunds naming no payment on a link paid once: matched to its payment (part of the final-state check). */
    readonly unnamedMatched: number;
    /** Deliveries of refunds naming no payment on a link paid more than once, and those parked `unmatched_refund` (target: all). */
    readonly unmatchedExpected: number;
    readonly unmatchedParked: number;
    /** Payments whose PAYED webhook was lost, for reconciliation to find (part of `reconcile.lost`). */
    readonly lostPayments: number;
    /** Forged Payment Link claims (part of `confirmation.forged`). */
    readonly forged: number;
  };
  /** Confirmation and the forged notifications (all zero with confirmation off). */
  readonly confirmation: {
    /** find-charge and find-transactions requests, and those failed on purpose (5xx, timeouts; the outage's refusals are counted above). */
    readonly lookups: number;
    readonly faults: number;
    /** Chargebacks reversed: their reversal sent after every notification of the chargeback was processed. */
    readonly laterDeliveries: number;
    readonly forged: number;
    /** Forged notifications parked as `contradicted_by_picpay` (target: all). */
    readonly forgedParked: number;
    /** Forged claims that changed a charge beyond PicPay's truth, stored a charge PicPay does not know, or put their own values on SNS (target 0). */
    readonly forgedApplied: number;
    /** Parked notifications that are not forged ones, whatever the reason (target 0). */
    readonly unexpectedParks: number;
    /** `ContradictedNotifications` from the processor's metrics, and what it must be. */
    readonly contradictedMetric: number;
    /** Forged notifications processed again because a crash lost their acknowledgement: counted again (metrics are at least once). */
    readonly recounted: number;
  };
  readonly seconds: number;
  readonly examples: string[];
}

/** mulberry32: a tiny seeded PRNG so a run can be replayed with --seed (no library needed for 6 lines). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The oracle reads the hand-written decision tables in test/spec/ (never the code under test):
 * which notification decides a charge's status, and what each raw value is called.
 */
const SPEC = { checkout: statusSpec('checkout.md'), legacy: statusSpec('legacy.md'), paymentLink: statusSpec('paymentlink.md') } as const;
type ChaosFlavour = keyof typeof SPEC;
const canonicalOf = (flavour: ChaosFlavour, raw: string) => SPEC[flavour].canonical.get(raw) ?? 'UNKNOWN';
/** Legacy statuses reconciliation keeps asking about (docs/state-model.md), written out here. */
const AWAITING = new Set(['CREATED', 'ANALYSIS', 'AUTHORIZED', 'UNKNOWN']);

interface Notification {
  readonly flavour: ChaosFlavour;
  readonly chargeId: string;
  readonly kind: 'status' | 'three_ds' | 'registration';
  readonly rawStatus?: string;
  readonly eventDate?: string;
  readonly refunded?: number;
  readonly body: unknown;
  readonly eventType?: string;
  /** Checkout: the step of its story's truth this notification reports (PicPay is there, at least, when it sends it). */
  readonly step?: number;
  /**
   * Sent after every notification before it was processed: a chargeback reversed (a dispute won
   * weeks later; with confirmation on), or a Payment Link refund naming no payment (matched
   * against the payments recorded under its link, so it comes once they are).
   */
  readonly later?: 'reversal' | 'unnamed_refund';
  /**
   * A forgery: a charge PicPay never heard of, or a claim ahead of everything PicPay will ever
   * say about the charge; Payment Link: a payment PicPay never listed on the link it names (or a
   * link PicPay does not know), a refund of a real payment PicPay never made.
   */
  readonly forged?: 'unknown_charge' | 'ahead' | 'unlisted_payment' | 'unmade_refund';
  /**
   * Payment Link: the transaction this notification is about (the payment, or a refund), where
   * it is in that transaction's life (PicPay lists it there, at least, once it sends it), and
   * the link it names.
   */
  readonly transaction?: { readonly linkId: string; readonly id: string; readonly status: string; readonly amount: number; readonly step: number };
  /** Payment Link: a refund naming no payment on a link paid more than once, which must be parked so. */
  readonly expectPark?: 'unmatched_refund';
}

interface Story {
  readonly flavour: ChaosFlavour;
  readonly chargeId: string;
  readonly shape: string;
  readonly notifications: Notification[];
  readonly expected: { readonly status: string; readonly refunded?: number; readonly threeDs?: string };
  /** Legacy: what PicPay's status API reports over time, one step further each time one of the
   * charge's callbacks is sent (the status is read live when the callback is processed). */
  readonly timeline?: readonly string[];
  /** Legacy, abandoned: what PicPay reports at the end, with no callback for it (lost). */
  readonly lateStatus?: string;
  /** Checkout, abandoned: what find-charge reports now, and at the end (its webhook lost). */
  readonly foundCharge?: { readonly now: string; readonly late?: string };
  /** Checkout: what find-charge answers at each step of the story (the notifications' `step`). */
  readonly truth?: readonly SandboxCharge[];
  /** Payment Link: the link, how many payments it has, and the refund transactions that must be (the only ones) recorded. */
  readonly link?: { readonly id: string; readonly payments: number; readonly refundIds: readonly string[] };
  /** Payment Link, left waiting: what find-transactions lists for the payment at the end (its webhook lost), if it moved on. */
  readonly latePayment?: string;
}

/** A checkout charge as find-charge reports it: the amount of paymentBody() and the refunded amount. */
const picpayCharge = (chargeStatus: string, refundedAmount = 0): SandboxCharge => ({ chargeStatus, amount: 10000, originalAmount: 10000, refundedAmount });

function checkoutStory(chargeId: string, base: number, random: () => number): Story {
  const at = (minute: number) => new Date(base + minute * 60_000).toISOString();
  const r = random();
  let shape: string;
  let steps: Array<[string, number, number]>; // raw status, minute, refunded
  if (r < 0.3) {
    const partials = Math.floor(random() * 3);
    const end: [string, number] = random() < 0.5 ? ['REFUNDED', 10000] : random() < 0.5 ? ['CHARGEBACK', 1000 * partials] : ['PARTIAL', 1000 * (partials + 1)];
    shape = 'lifecycle';
    steps = [
      ['AUTHORIZED', 0, 0],
      ['PAID', 1, 0],
      ...Array.from({ length: partials }, (_, k): [string, number, number] => ['PARTIAL', 2 + k, 1000 * (k + 1)]),
      [end[0], 9, end[1]],
    ];
  } else if (r < 0.45) {
    shape = 'retry after DENIED';
    steps = [
      ['DENIED', 0, 0],
      ['PRE_AUTHORIZED', 2, 0],
      ['PAID', 3, 0],
    ];
  } else if (r < 0.6) {
    shape = 'equal-date partial refunds';
    steps = [
      ['PAID', 0, 0],
      ['PARTIAL', 5, 1000],
      ['PARTIAL', 5, 2002],
    ];
  } else if (r < 0.75) {
    shape = 'chargeback reversed';
    steps = [
      ['PAID', 0, 0],
      ['CHARGEBACK', 60, 0],
      ['PAID', 600, 0],
    ];
  } else {
    const pix = random() < 0.5;
    shape = pix ? 'pix expired' : 'closed unpaid';
    steps = pix
      ? [
          ['PENDING', 0, 0],
          ['EXPIRED', 5, 0],
        ]
      : [
          ['AUTHORIZED', 0, 0],
          ['CANCELED', 5, 0],
        ];
  }
  const notifications: Notification[] = steps.map(([status, minute, refunded], step) => ({
    flavour: 'checkout',
    chargeId,
    kind: 'status',
    rawStatus: status,
    eventDate: at(minute),
    refunded,
    step,
    ...(shape === 'chargeback reversed' && step === 2 ? { later: 'reversal' as const } : {}),
    eventType: 'TransactionUpdateMessage',
    // An unpaid QR code that expires is a Pix charge.
    body: paymentBody({
      chargeId,
      status,
      eventDate: at(minute),
      refundedAmount: refunded,
      ...(shape === 'pix expired' ? { paymentType: 'PIX' as const } : {}),
    }),
  }));
  const threeDs = random() < 0.3;
  if (threeDs) notifications.push({ flavour: 'checkout', chargeId, kind: 'three_ds', eventType: 'Challenge3dsUpdateMessage', body: threeDsBody({ chargeId }) });
  const winner = tableWinner(
    SPEC.checkout,
    steps.map(([raw, minute, refunded]) => ({ raw, at: minute, refunded })),
  );
  // The tables' winner is where PicPay ends up: with confirmation on, PicPay's last answer is applied.
  if (winner.raw !== steps.at(-1)![0]) throw new Error(`chaos: ${shape}: the tables' winner ${winner.raw} is not the story's last status`);
  return {
    flavour: 'checkout',
    chargeId,
    shape,
    notifications,
    truth: steps.map(([raw, , refunded]) => picpayCharge(raw, refunded)),
    expected: {
      status: canonicalOf('checkout', winner.raw),
      // Cumulative: the refunded amount is the largest PicPay reported (never goes down).
      refunded: Math.max(...steps.map(([, , refunded]) => refunded)),
      ...(threeDs ? { threeDs: 'Approved' } : {}),
    },
  };
}

function legacyStory(chargeId: string, random: () => number): Story {
  const r = random();
  const timeline =
    r < 0.5
      ? ['created', 'analysis', 'paid', 'completed', random() < 0.5 ? 'refunded' : 'chargeback'].slice(0, 2 + Math.floor(random() * 4))
      : r < 0.7
        ? ['created', 'paid', 'chargeback', 'paid']
        : r < 0.85
          ? ['created', 'expired']
          : ['created', 'authorized', 'paid', 'refunded'];
  // One callback per status change; PicPay's callbacks for one payment look alike.
  const notifications: Notification[] = timeline.map((_, i) => ({
    flavour: 'legacy',
    chargeId,
    kind: 'status',
    body: i === 0 ? { referenceId: chargeId } : { referenceId: chargeId, authorizationId: `auth-${chargeId}` },
  }));
  return { flavour: 'legacy', chargeId, shape: timeline.join('>'), notifications, timeline, expected: { status: canonicalOf('legacy', timeline.at(-1)!) } };
}

/** The Payment Link shapes: what happens to one payment of a link. */
type LinkShape = 'paid' | 'retry after DENIED' | 'cancelled unpaid' | 'PAYED webhook lost' | 'never paid';

/** One transaction of a Payment Link story: the payment (at one step of its life) or a refund of it. */
interface LinkStep {
  readonly status: string;
  readonly id: string;
  readonly amount: number;
  /** The payment's step (0, 1, 2 as it moves on); a refund is 0. */
  readonly step: number;
  /** A refund sent without `originalTransactionId` (type `REFUND`): matched through the link. */
  readonly unnamed?: boolean;
}

/**
 * One payment of a Payment Link (the link's `payments` payments are one charge each): the
 * statuses its transaction goes through, then maybe partial refunds (each its own transaction,
 * R$ 10 and R$ 20) and a full refund (whose own amount is the whole payment, so the tables give
 * its total in every delivery order: paymentlink.md, P1 and P5). Its statuses only move forward,
 * so the order of delivery does not matter. Every notification names the link
 * (`data.charge.paymentLinkId`). With `unnamed`, its last refund names no payment: on a link
 * with exactly one paid payment (in PicPay's listing when it is asked; recorded here without
 * credentials) it is matched to this payment, otherwise it is parked `unmatched_refund` and
 * changes nothing. A payment left waiting is paid at PicPay with its
 * webhook lost (`PAYED webhook lost`, for reconciliation to find) or never (`never paid`).
 */
function paymentLinkStory(
  chargeId: string,
  link: { readonly id: string; readonly payments: number; readonly paidWhenRefunded: number },
  shape: LinkShape,
  unnamed: boolean,
  confirm: boolean,
  random: () => number,
): Story {
  const pay = (status: string, step: number): LinkStep => ({ status, id: chargeId, amount: 10000, step });
  let payment: LinkStep[];
  if (shape === 'retry after DENIED') payment = [pay('DENIED', 0), pay('AUTHORIZED', 1), pay('PAYED', 2)];
  else if (shape === 'cancelled unpaid') payment = [pay('AUTHORIZED', 0), pay('CANCELLED', 1)];
  else if (shape === 'paid') payment = random() < 0.3 ? [pay('PENDING', 0), pay('PAYED', 1)] : [pay('PAYED', 0)];
  else payment = [pay(random() < 0.5 ? 'PENDING' : 'AUTHORIZED', 0)];
  const refundable = shape === 'paid' || shape === 'retry after DENIED';
  let partials = refundable ? Math.floor(random() * 3) : 0;
  const full = refundable && random() < 0.4;
  if (unnamed && partials === 0 && !full) partials = 1;
  const refunds: LinkStep[] = [
    ...Array.from({ length: partials }, (_, k) => ({ status: 'PARTREFUNDED', id: `${chargeId}-refund-${k}`, amount: 1000 * (k + 1), step: 0 })),
    ...(full ? [{ status: 'REFUNDED', id: `${chargeId}-refund-full`, amount: 10000, step: 0 }] : []),
  ];
  if (unnamed) refunds[refunds.length - 1] = { ...refunds.at(-1)!, unnamed: true };
  const steps = [...payment, ...refunds];
  // With PicPay's API, the link's paid payments in find-transactions decide (those paid through
  // their webhooks; a payment whose PAYED webhook is lost is paid only later); without it, the
  // payments recorded under the link.
  const parked = (step: LinkStep) => step.unnamed === true && (confirm ? link.paidWhenRefunded !== 1 : link.payments > 1);
  const notifications: Notification[] = steps.map((step) => ({
    flavour: 'paymentLink',
    chargeId,
    kind: 'status',
    rawStatus: step.status,
    eventType: 'TransactionPaymentMessage',
    transaction: { linkId: link.id, id: step.id, status: step.status, amount: step.amount, step: step.step },
    // A refund naming no payment goes out once its link's payments were processed: it is matched
    // against the payments recorded under the link, so sent before them it would find none.
    ...(step.unnamed ? { later: 'unnamed_refund' as const } : {}),
    ...(parked(step) ? { expectPark: 'unmatched_refund' as const } : {}),
    body: step.unnamed
      ? { ...paymentLinkBody({ id: step.id, status: step.status, amount: step.amount, paymentLinkId: link.id }), type: 'REFUND' }
      : paymentLinkBody({
          id: step.id,
          originalTransactionId: step.id === chargeId ? null : chargeId,
          status: step.status,
          amount: step.amount,
          paymentLinkId: link.id,
        }),
  }));
  // What decides the charge: every notification but the parked ones, and the lost PAYED that
  // reconciliation reads (with PicPay API credentials only: without them it cannot ask).
  const latePayment = shape === 'PAYED webhook lost' ? 'PAYED' : undefined;
  const applied = [...steps.filter((step) => !parked(step)), ...(latePayment && confirm ? [pay(latePayment, 1)] : [])];
  // No time orders a Payment Link charge (paymentlink.md): every step is given the same one.
  const winner = tableWinner(
    SPEC.paymentLink,
    applied.map((step) => ({ raw: step.status, at: 0 })),
  );
  const appliedRefunds = applied.filter((step) => step.id !== chargeId);
  // Partial refunds add up; a full refund refunds what was paid (paymentlink.md).
  const refunded = appliedRefunds.some((step) => step.status === 'REFUNDED')
    ? 10000
    : appliedRefunds.length > 0
      ? appliedRefunds.reduce((sum, step) => sum + step.amount, 0)
      : undefined;
  return {
    flavour: 'paymentLink',
    chargeId,
    shape: `link paid ${link.payments === 1 ? 'once' : `${link.payments} times`}: ${shape}${refunds.length ? `, ${refunds.map((r) => r.status).join('>')}` : ''}${unnamed ? ' (last refund naming no payment)' : ''}`,
    notifications,
    link: { id: link.id, payments: link.payments, refundIds: appliedRefunds.map((step) => step.id) },
    ...(latePayment ? { latePayment } : {}),
    expected: { status: canonicalOf('paymentLink', winner.raw), ...(refunded === undefined ? {} : { refunded }) },
  };
}

/**
 * The run's Payment Link payments (`count` charge ids), grouped in links paid once, twice, once,
 * three times, and so on; every third link has a refund naming no payment (so some on links paid
 * once, matched, and some on links paid more often, parked). One payment in five is left waiting
 * (one in fifteen never paid, the others paid at PicPay with the webhook lost).
 */
function paymentLinkStories(chargeIds: readonly string[], seed: number, confirm: boolean, random: () => number): Story[] {
  const result: Story[] = [];
  const sizes = [1, 2, 1, 3];
  for (let n = 0, p = 0; p < chargeIds.length; n++) {
    const payments = Math.min(sizes[n % sizes.length]!, chargeIds.length - p);
    const shapes = Array.from({ length: payments }, (_, k): LinkShape => {
      const r = random();
      const q = p + k;
      if (n % 3 === 1 && k === 0) return 'paid';
      if (q % 15 === 14) return 'never paid';
      if (q % 5 === 4) return 'PAYED webhook lost';
      return r < 0.65 ? 'paid' : r < 0.85 ? 'retry after DENIED' : 'cancelled unpaid';
    });
    const paidWhenRefunded = shapes.filter((s) => s === 'paid' || s === 'retry after DENIED').length;
    const link = { id: `chaos-${seed}-link-${n}`, payments, paidWhenRefunded };
    for (let k = 0; k < payments; k++, p++) {
      result.push(paymentLinkStory(chargeIds[p]!, link, shapes[k]!, n % 3 === 1 && k === 0, confirm, random));
    }
  }
  return result;
}

/** A checkout charge authorized, then paid at PicPay with its webhook lost (or left waiting). */
function abandonedCheckoutStory(chargeId: string, base: number, random: () => number): Story {
  const lost = random() < 0.5;
  const eventDate = new Date(base).toISOString();
  return {
    flavour: 'checkout',
    chargeId,
    shape: `checkout authorized${lost ? ', then paid with the webhook lost' : ', never captured'}`,
    notifications: [
      {
        flavour: 'checkout',
        chargeId,
        kind: 'status',
        rawStatus: 'AUTHORIZED',
        eventDate,
        refunded: 0,
        eventType: 'TransactionUpdateMessage',
        body: paymentBody({ chargeId, status: 'AUTHORIZED', eventDate }),
      },
    ],
    foundCharge: { now: 'PRE_AUTHORIZED', ...(lost ? { late: 'PAID' } : {}) },
    expected: { status: canonicalOf('checkout', lost ? 'PAID' : 'AUTHORIZED') },
  };
}

/** A legacy payment the buyer never finished: one callback or only the merchant's registration. */
function abandonedStory(chargeId: string, random: () => number): Story {
  const registered = random() < 0.5;
  const lost = random() < 0.5;
  const notifications: Notification[] = [
    registered
      ? { flavour: 'legacy', chargeId, kind: 'registration', body: { referenceId: chargeId } }
      : { flavour: 'legacy', chargeId, kind: 'status', body: { referenceId: chargeId } },
  ];
  return {
    flavour: 'legacy',
    chargeId,
    shape: `abandoned (${registered ? 'registered' : 'one callback'}${lost ? ', then paid with the callback lost' : ''})`,
    notifications,
    timeline: ['created'],
    ...(lost ? { lateStatus: 'paid' } : {}),
    expected: { status: canonicalOf('legacy', lost ? 'paid' : 'created') },
  };
}

function stories(options: ChaosOptions, random: () => number): Story[] {
  const base = Date.parse('2026-01-01T12:00:00Z');
  const result: Story[] = [];
  // One charge in four is a Payment Link payment; the rest alternate checkout and legacy.
  const linkPayments: string[] = [];
  for (let c = 0; c < options.charges; c++) {
    const chargeId = `chaos-${options.seed}-${c}`;
    const at = base + c * 3_600_000;
    if (c % 4 === 3) linkPayments.push(chargeId);
    else result.push(c % 2 === 0 ? checkoutStory(chargeId, at, random) : legacyStory(chargeId, random));
  }
  result.push(...paymentLinkStories(linkPayments, options.seed, options.confirm, random));
  for (let a = 0; a < options.abandoned; a++) {
    // One in four abandoned payments is a checkout charge; the rest are legacy payments.
    const id = `chaos-${options.seed}-abandoned-${a}`;
    result.push(a % 4 === 3 ? abandonedCheckoutStory(id, base + a * 60_000, random) : abandonedStory(id, random));
  }
  return result;
}

/**
 * What a forger claims about a charge PicPay knows, chosen beyond anything PicPay will ever say
 * about it (so PicPay contradicts it whenever it is read): a payment on a charge that expires or
 * is cancelled unpaid (Pix among them), or on one never captured; a refund PicPay never made.
 */
const AHEAD_OF_TRUTH: Readonly<Record<string, { status: string; refunded: number; pix?: true }>> = {
  'pix expired': { status: 'PAID', refunded: 0, pix: true },
  'closed unpaid': { status: 'PAID', refunded: 0 },
  'checkout authorized, never captured': { status: 'PAID', refunded: 0 },
  'retry after DENIED': { status: 'REFUNDED', refunded: 10000 },
  'equal-date partial refunds': { status: 'PARTIAL', refunded: 5000 },
};
/** What a forger claims about a charge PicPay has never heard of (find-charge answers 404). */
const UNKNOWN_CHARGE_CLAIMS: ReadonlyArray<{ status: string; refunded: number; pix?: true }> = [
  { status: 'PAID', refunded: 0 },
  { status: 'PAID', refunded: 0, pix: true },
  { status: 'REFUNDED', refunded: 10000 },
];

/**
 * Forged notifications, sent with the real checkout token (a leaked one), in four kinds dealt in
 * turn: a checkout/Pix charge PicPay never heard of; a claim ahead of PicPay's truth on one of the
 * run's checkout charges; a Payment Link `PAYED` for a transaction PicPay never listed (on one of
 * the run's links, or on a link PicPay does not know); a refund of one of the run's Payment Link
 * payments that PicPay never made. Without Payment Link payments in the run, checkout ones only.
 */
function forgeries(all: readonly Story[], options: ChaosOptions, random: () => number): Notification[] {
  if (!options.confirm) return [];
  const targets = all.filter((s) => AHEAD_OF_TRUTH[s.shape] !== undefined);
  const payments = all.filter((s) => s.link !== undefined);
  return Array.from({ length: options.forged }, (_, i): Notification => {
    const kinds = payments.length > 0 ? 4 : 2;
    const kind = i % kinds;
    if (kind === 2) return forgedLinkPayment(i, payments[Math.floor(random() * payments.length)]!, options.seed);
    if (kind === 3) return forgedLinkRefund(i, payments[Math.floor(random() * payments.length)]!);
    const ahead = kind === 1 && targets.length > 0;
    const target = ahead ? targets[Math.floor(random() * targets.length)]! : undefined;
    const claim = target ? AHEAD_OF_TRUTH[target.shape]! : UNKNOWN_CHARGE_CLAIMS[Math.floor(i / kinds) % UNKNOWN_CHARGE_CLAIMS.length]!;
    const chargeId = target?.chargeId ?? `chaos-${options.seed}-forged-${i}`;
    const eventDate = new Date(Date.parse('2026-01-01T12:00:00Z') + i * 1000).toISOString();
    return {
      flavour: 'checkout',
      chargeId,
      kind: 'status',
      rawStatus: claim.status,
      eventDate,
      refunded: claim.refunded,
      eventType: 'TransactionUpdateMessage',
      forged: ahead ? 'ahead' : 'unknown_charge',
      body: paymentBody({ chargeId, status: claim.status, eventDate, refundedAmount: claim.refunded, ...(claim.pix ? { paymentType: 'PIX' as const } : {}) }),
    };
  });
}

/** A forged Payment Link `PAYED` for a transaction PicPay never listed: on a real link, or (one in two) on a link PicPay does not know. */
function forgedLinkPayment(i: number, real: Story, seed: number): Notification {
  const id = `chaos-${seed}-forged-${i}`;
  const linkId = Math.floor(i / 4) % 2 === 0 ? real.link!.id : `chaos-${seed}-forged-link-${i}`;
  return {
    flavour: 'paymentLink',
    chargeId: id,
    kind: 'status',
    rawStatus: 'PAYED',
    eventType: 'TransactionPaymentMessage',
    forged: 'unlisted_payment',
    body: paymentLinkBody({ id, status: 'PAYED', amount: 10000, paymentLinkId: linkId }),
  };
}

/** A forged refund (partial or full, naming its payment and link) of a real Payment Link payment, which PicPay never made. */
function forgedLinkRefund(i: number, payment: Story): Notification {
  const [status, amount] = Math.floor(i / 4) % 2 === 0 ? ['PARTREFUNDED', 5000] : ['REFUNDED', 10000];
  return {
    flavour: 'paymentLink',
    chargeId: payment.chargeId,
    kind: 'status',
    rawStatus: status,
    eventType: 'TransactionPaymentMessage',
    forged: 'unmade_refund',
    body: paymentLinkBody({
      id: `${payment.chargeId}-forged-refund-${i}`,
      originalTransactionId: payment.chargeId,
      status,
      amount,
      paymentLinkId: payment.link!.id,
    }),
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Sends like PicPay: a non-2xx (or a network error) is retried, up to 21 more times. A
 * registration is the merchant's backend: a SigV4-signed POST /charges, retried the same way.
 */
async function sendLikePicPay(pipeline: LocalPipeline, n: Notification): Promise<{ delivered: boolean; attempts: number; requestId?: string }> {
  const body = JSON.stringify(n.body);
  let headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'axios/1.4.0' };
  if (n.flavour === 'legacy') headers['x-seller-token'] = pipeline.tokens.sellerToken;
  else headers.authorization = pipeline.tokens.checkoutToken;
  if (n.eventType) headers['event-type'] = n.eventType;
  const url = n.kind === 'registration' ? pipeline.urls.registration : n.flavour === 'legacy' ? pipeline.urls.callback : pipeline.urls.webhook;
  for (let attempt = 1; attempt <= 22; attempt++) {
    if (n.kind === 'registration') headers = await signForExecuteApi(url, 'POST', body, pipeline.target.aws.credentials!, pipeline.target.aws.region!);
    try {
      const res = await fetch(url, { method: 'POST', headers, body });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) return { delivered: true, attempts: attempt, requestId: res.headers.get('x-request-id') ?? undefined };
    } catch {
      // network error: retried like any failure
    }
    await new Promise((r) => setTimeout(r, 5 * attempt));
  }
  return { delivered: false, attempts: 22 };
}

async function queueEmpty(clients: ReturnType<typeof clientsFor>, url: string): Promise<boolean> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return out.Attributes?.ApproximateNumberOfMessages === '0' && out.Attributes?.ApproximateNumberOfMessagesNotVisible === '0';
}

async function settle(pipeline: LocalPipeline, clients: ReturnType<typeof clientsFor>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  let lastEvents = -1;
  while (Date.now() < deadline) {
    const empty = await queueEmpty(clients, pipeline.target.queueUrl);
    const stable = pipeline.events.length === lastEvents;
    lastEvents = pipeline.events.length;
    if (empty && stable) {
      if (quietSince === 0) quietSince = Date.now();
      if (Date.now() - quietSince > 1500) return;
    } else quietSince = 0;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The pipeline did not settle within ${timeoutMs} ms`);
}

type Clients = ReturnType<typeof clientsFor>;
/** Keeps a few examples of what went wrong, for the report. */
type Note = (what: string) => void;

/** What the sender did: its attempts, the notifications it gave up on, and how long PicPay was down on the wall clock. */
interface Sending {
  readonly attempts: number;
  readonly lostAtSender: number;
  readonly outageWallMs: number;
}

/** The request id the API answered for each delivery of a notification (x-request-id): how the oracle finds it in a history. */
type Delivered = Map<Notification, string[]>;

/** What reconciliation did for the callbacks and webhooks lost on purpose. */
interface Reconciliation {
  readonly runs: number;
  readonly bound: number;
  readonly recovered: number;
  readonly lost: number;
}

/** What the oracle found wrong, charge by charge, once the run settled. */
interface Verdict {
  lostInPipeline: number;
  wrongFinalState: number;
  regressions: number;
  missing: number;
}

export async function runChaos(options: ChaosOptions, io: Io): Promise<ChaosReport> {
  const started = Date.now();
  const random = prng(options.seed);
  const pipeline = await startChaosPipeline(options);
  const clients = clientsFor(pipeline.target);
  const examples: string[] = [];
  const note: Note = (what) => void (examples.length < 12 && examples.push(what));
  try {
    const all = stories(options, random);
    setUpPicPay(pipeline, all);
    const forged = forgeries(all, options, random);
    const { distinct, duplicates, deliveries, first, later } = planDeliveries(all, forged, options, random);
    io.out(
      `chaos: ${all.length} charges, ${deliveries.length} notifications (${distinct.length} distinct, ${duplicates.length} duplicates, ${forged.length} forged), seed ${options.seed}, confirmation ${options.confirm ? 'on' : 'off'}`,
    );

    injectFaults(pipeline, options, random);
    const delivered: Delivered = new Map();
    const firstWave = await sendAllLikePicPay(pipeline, options, all, first, delivered, io, true);
    io.err('  all sent; waiting for the pipeline to settle…');
    await settle(pipeline, clients, 600_000);
    let sending = firstWave;
    if (later.length > 0) {
      // Weeks later, the merchants win their disputes: PicPay reverses the chargebacks and says so;
      // and Payment Link refunds naming no payment come, once their link's payments were recorded.
      io.err(`  ${later.length} chargeback reversal(s) and refund(s) naming no payment, later…`);
      const reversals = await sendAllLikePicPay(pipeline, options, all, later, delivered, io, false);
      await settle(pipeline, clients, 600_000);
      sending = { ...firstWave, attempts: firstWave.attempts + reversals.attempts, lostAtSender: firstWave.lostAtSender + reversals.lostAtSender };
    }
    clearFaults(pipeline);

    const leftAfterSweep = await sweepOutboxes(pipeline, clients, all, io, note);
    const deadLettered = await replayDeadLetters(pipeline, clients, note);
    const reconcile = await reconcileLostCallbacks(pipeline, clients, all, options, note);
    await pipeline.sweepNow(Date.now() + 10 * 60_000);

    const events = publishedEvents(pipeline);
    const published = new Map<string, number>();
    for (const e of events) published.set(e.transitionId, (published.get(e.transitionId) ?? 0) + 1);
    const verdict = await judgeCharges(pipeline, clients, all, published, delivered, options, note);
    const { unmatchedExpected, unmatchedParked, ...forgery } = await judgeForgeries(pipeline, clients, all, forged, delivered, events, note);
    const links = await judgeLinks(clients, all, events, note);
    const eventsLeftInOutbox = Math.max(leftAfterSweep, await outboxLeftovers(all, pipeline, clients));
    const duplicateIds = [...published.values()].reduce((sum, count) => sum + (count - 1), 0);
    return {
      options,
      sent: deliveries.length,
      distinct: distinct.length + forged.length,
      attempts: sending.attempts,
      injected: {
        enqueue: pipeline.faults.enqueue.injected,
        publish: pipeline.faults.publish.injected,
        crashes: pipeline.faults.processorCrash.injected,
        picpayRate: options.picpayFailures,
        staleReads: pipeline.sandbox.staleReads,
      },
      deadLettered,
      outage: {
        hours: options.picpayOutageHours,
        wallSeconds: Math.round(sending.outageWallMs / 100) / 10,
        refused: pipeline.sandbox.refusedInOutage,
        retryDelays: pipeline.retries.delays.length,
        longestRetryDelaySeconds: pipeline.retries.delays.reduce((a, b) => Math.max(a, b), 0),
      },
      lostAtSender: sending.lostAtSender,
      lostInPipeline: verdict.lostInPipeline,
      wrongFinalState: verdict.wrongFinalState,
      regressions: verdict.regressions,
      transitionsMissingFromSns: verdict.missing,
      eventsLeftInOutbox,
      reconcile,
      duplicateTransitionIdsOnSns: duplicateIds,
      snsEvents: events.length,
      paymentLink: { ...links, unmatchedExpected, unmatchedParked, forged: forged.filter((n) => n.flavour === 'paymentLink').length },
      confirmation: {
        lookups: pipeline.sandbox.chargeLookups,
        faults: pipeline.sandbox.chargeLookupFaults,
        laterDeliveries: later.filter((n) => n.later === 'reversal').length,
        forged: forged.length,
        ...forgery,
      },
      seconds: Math.round((Date.now() - started) / 100) / 10,
      examples,
    };
  } finally {
    clients.destroy();
    await pipeline.stop();
  }
}

/** The local pipeline on the chaos clock, with its schedules off: the run triggers the sweep and reconciliation itself. */
function startChaosPipeline(options: ChaosOptions): Promise<LocalPipeline> {
  return startLocalPipeline({
    port: 0,
    // On: money-moving checkout notifications are confirmed with the sandbox's find-charge.
    // Off: applied as sent, so the decision tables alone decide.
    confirmCheckout: options.confirm,
    retryDelaySeconds: 0,
    timeScale: options.timeScale,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    sweepEverySeconds: 0,
    processorConcurrency: options.processorConcurrency,
    picpayTimeoutMs: 250,
  });
}

/**
 * PicPay's own time of a legacy status (`updatedAt`, in its microsecond format): strictly
 * increasing across the run, so every status PicPay moves to is later than the one before it.
 */
let picpayClock = Date.parse('2026-01-01T00:00:00Z');
function picpayUpdatedAt(): string {
  picpayClock += 1000;
  return new Date(picpayClock).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A legacy payment as the sandbox's status API reports it from now on, with PicPay's time of the status. */
function legacyPayment(chargeId: string, status: string) {
  return { status, authorizationId: `auth-${chargeId}`, updatedAt: picpayUpdatedAt() };
}

/** What the PicPay sandbox reports at the start: each legacy payment's first status, each abandoned checkout charge's. */
function setUpPicPay(pipeline: LocalPipeline, all: readonly Story[]): void {
  for (const s of all) if (s.timeline) pipeline.sandbox.setPayment(s.chargeId, legacyPayment(s.chargeId, s.timeline[0]!));
  for (const s of all) if (s.foundCharge) pipeline.sandbox.setCharge(s.chargeId, picpayCharge(s.foundCharge.now));
}

/**
 * Every story's notifications, plus duplicates drawn among them, and the forged ones (sent
 * once each), shuffled into the order they are sent in. With confirmation on, chargeback
 * reversals (and their duplicates) go out later, once everything else was processed; so do
 * Payment Link refunds naming no payment, once their link's payments were recorded.
 */
function planDeliveries(all: readonly Story[], forged: readonly Notification[], options: ChaosOptions, random: () => number) {
  const distinct = all.flatMap((s) => s.notifications);
  const wanted = Math.max(Math.round((distinct.length * options.duplicates) / (1 - options.duplicates)), options.notifications - distinct.length);
  const duplicates = Array.from({ length: Math.max(0, wanted) }, () => distinct[Math.floor(random() * distinct.length)]!);
  const deliveries = shuffle([...distinct, ...duplicates, ...forged], random);
  const isLater = (n: Notification) => n.later === 'unnamed_refund' || (options.confirm && n.later === 'reversal');
  return { distinct, duplicates, deliveries, first: deliveries.filter((n) => !isLater(n)), later: deliveries.filter(isLater) };
}

function injectFaults(pipeline: LocalPipeline, options: ChaosOptions, random: () => number): void {
  pipeline.faults.enqueue.setRate(options.enqueueFailures);
  pipeline.faults.publish.setRate(options.publishFailures);
  pipeline.faults.processorCrash.setRate(options.crashRate);
  pipeline.sandbox.setFaultRate(options.picpayFailures, 400, random);
  pipeline.sandbox.setStaleReadRate(options.staleReads, random);
}

function clearFaults(pipeline: LocalPipeline): void {
  pipeline.faults.enqueue.setRate(0);
  pipeline.faults.publish.setRate(0);
  pipeline.faults.processorCrash.setRate(0);
  pipeline.sandbox.setFaultRate(0, 0);
  pipeline.sandbox.setStaleReadRate(0);
}

/**
 * Sends every delivery, `concurrency` at a time, like PicPay: legacy statuses and checkout
 * charges move on as their notifications go out, SNS goes down 40% of the way through and PicPay
 * 50% of the way, for hours on the local clock (`outages`). Returns once everything is sent and
 * both outages are over.
 */
async function sendAllLikePicPay(
  pipeline: LocalPipeline,
  options: ChaosOptions,
  all: readonly Story[],
  deliveries: readonly Notification[],
  delivered: Delivered,
  io: Io,
  outages: boolean,
): Promise<Sending> {
  const byId = new Map(all.map((s) => [s.chargeId, s]));
  let attempts = 0;
  let lostAtSender = 0;
  let next = 0;
  let done = 0;
  let outage: Promise<void> | undefined;
  let picpayOutage: Promise<void> | undefined;
  let outageWallMs = 0;
  const callbacksSent = new Map<string, number>();
  const checkoutStep = new Map<string, number>();
  const linkStep = new Map<string, number>();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < deliveries.length) {
        const n = deliveries[next++]!;
        // A forgery may name a charge no story has.
        const story = byId.get(n.chargeId);
        if (story?.timeline && n.kind === 'status') {
          // PicPay's status moves on as its callbacks go out; the processor reads it live.
          const k = callbacksSent.get(n.chargeId) ?? 0;
          callbacksSent.set(n.chargeId, k + 1);
          const status = story.timeline[Math.min(k, story.timeline.length - 1)]!;
          // The same status again is not a new one at PicPay: its time stays.
          if (pipeline.sandbox.getPayment(n.chargeId)?.status !== status) pipeline.sandbox.setPayment(n.chargeId, legacyPayment(n.chargeId, status));
        }
        if (story?.truth && n.step !== undefined && !n.forged && n.step > (checkoutStep.get(n.chargeId) ?? -1)) {
          // PicPay's checkout charge is at this step, at least, when it sends its webhook: what find-charge answers from now on.
          checkoutStep.set(n.chargeId, n.step);
          pipeline.sandbox.setCharge(n.chargeId, story.truth[n.step]!);
        }
        const tx = n.transaction;
        if (tx && !n.forged && tx.step > (linkStep.get(tx.id) ?? -1)) {
          // PicPay's Payment Link transaction is at this step, at least, when it sends its webhook:
          // what find-transactions lists on the link from now on (a refund as its own transaction).
          linkStep.set(tx.id, tx.step);
          pipeline.sandbox.setLinkTransaction(tx.linkId, { transactionId: tx.id, status: tx.status, amount: tx.amount });
        }
        if (outages && outage === undefined && next > deliveries.length * 0.4 && options.snsOutageMs > 0) {
          // SNS down for a while: the events stay in their outbox, their messages back off.
          pipeline.faults.publish.setRate(1);
          outage = new Promise((r) => setTimeout(r, options.snsOutageMs)).then(() => pipeline.faults.publish.setRate(options.publishFailures));
        }
        if (outages && picpayOutage === undefined && next > deliveries.length * 0.5 && options.picpayOutageHours > 0) {
          // PicPay down for hours while notifications keep coming: no legacy status can be read,
          // no find-charge answers. Every message that needs PicPay backs off until it is back.
          outageWallMs = (options.picpayOutageHours * 3600 * 1000) / options.timeScale;
          pipeline.sandbox.setOutage(503);
          io.err(`  PicPay down for ${options.picpayOutageHours} h (${(outageWallMs / 1000).toFixed(1)} s at ${options.timeScale}x)…`);
          picpayOutage = new Promise((r) => setTimeout(r, outageWallMs)).then(() => {
            pipeline.sandbox.setOutage(null);
            io.err('  PicPay is back');
          });
        }
        const r = await sendLikePicPay(pipeline, n);
        if (r.requestId !== undefined) delivered.set(n, [...(delivered.get(n) ?? []), r.requestId]);
        attempts += r.attempts;
        if (!r.delivered) lostAtSender++;
        if (++done % 1000 === 0) io.err(`  sent ${done}/${deliveries.length}`);
      }
    }),
  );
  await outage;
  await picpayOutage;
  return { attempts, lostAtSender, outageWallMs };
}

/**
 * The outbox sweep's schedule, played after every lease has ended: no event is left behind,
 * before any operator replays the DLQ (which would republish them as a side effect).
 * Returns the events still in an outbox after it.
 */
async function sweepOutboxes(pipeline: LocalPipeline, clients: Clients, all: readonly Story[], io: Io, note: Note): Promise<number> {
  const swept = await pipeline.sweepNow(Date.now() + 10 * 60_000);
  const leftAfterSweep = await outboxLeftovers(all, pipeline, clients);
  if (leftAfterSweep > 0) note(`${leftAfterSweep} event(s) still in an outbox after the sweep`);
  io.err(`  outbox sweep: ${swept.published} event(s) published for ${swept.charges} charge(s)`);
  return leftAfterSweep;
}

/**
 * Nothing may have reached the DLQ. If something did, the run has failed; it is replayed
 * (an operator's move) only so that the rest of the verdict still says what else went wrong.
 * Returns how many messages were dead-lettered.
 */
async function replayDeadLetters(pipeline: LocalPipeline, clients: Clients, note: Note): Promise<number> {
  const quiet: Io = { out: () => undefined, err: () => undefined, interactive: false };
  const dlqBefore = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: pipeline.target.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const deadLettered = Number(dlqBefore.Attributes?.ApproximateNumberOfMessages ?? 0);
  if (deadLettered > 0) {
    note(`${deadLettered} message(s) reached the DLQ`);
    await dlqReplay([], true, pipeline.target, clients, quiet);
    await settle(pipeline, clients, 600_000);
  }
  return deadLettered;
}

/**
 * PicPay moves some abandoned payments to paid, and their callbacks are lost. Reconciliation
 * must find every one within ceil(waiting / maxPerRun) runs, however many carts wait.
 * The same for checkout charges: paid at PicPay, webhook lost, found by find-charge.
 */
async function reconcileLostCallbacks(
  pipeline: LocalPipeline,
  clients: Clients,
  all: readonly Story[],
  options: ChaosOptions,
  note: Note,
): Promise<Reconciliation> {
  // Payment Link reconciliation asks find-transactions: only with PicPay API credentials.
  const lostCallbacks = all.filter((s) => s.lateStatus || s.foundCharge?.late || (s.latePayment && options.confirm));
  for (const s of lostCallbacks) {
    if (s.lateStatus) pipeline.sandbox.setPayment(s.chargeId, legacyPayment(s.chargeId, s.lateStatus));
    else if (s.latePayment) pipeline.sandbox.setLinkTransaction(s.link!.id, { transactionId: s.chargeId, status: s.latePayment, amount: 10000 });
    else pipeline.sandbox.setCharge(s.chargeId, picpayCharge(s.foundCharge!.late!));
  }
  // In the order reconciliation deals its checks (docs/reconciliation.md).
  const waiting = [
    all.filter((s) => s.flavour === 'legacy' && AWAITING.has(canonicalOf('legacy', s.timeline!.at(-1)!))).length,
    all.filter((s) => s.foundCharge).length,
    all.filter((s) => s.link && AWAITING.has(canonicalOf('paymentLink', tableWinner(SPEC.paymentLink, linkNotes(s)).raw))).length,
  ];
  const bound = reconcileBound(waiting, options.reconcileMaxPerRun);
  let runs = 0;
  const recovered = async () => {
    let n = 0;
    for (const s of lostCallbacks) if ((await stored(pipeline, clients, s))?.status === s.expected.status) n++;
    return n;
  };
  while (lostCallbacks.length > 0 && (await recovered()) < lostCallbacks.length && runs < bound + 2) {
    runs++;
    await pipeline.reconcileNow({ minAgeSeconds: 0, maxPerRun: options.reconcileMaxPerRun });
    await settle(pipeline, clients, 600_000);
  }
  const reconciled = await recovered();
  if (runs > bound) note(`reconciliation took ${runs} runs, more than the bound ${bound}`);
  return { runs, bound, recovered: reconciled, lost: lostCallbacks.length };
}

/** A Payment Link story's notifications the processor records (not the parked ones), as the tables' notes. */
const linkNotes = (s: Story) => s.notifications.filter((n) => !n.expectPark).map((n) => ({ raw: n.rawStatus!, at: 0 }));

/**
 * Runs it takes until every waiting charge was checked once: a run's cap is dealt one check at a
 * time to each flavour with charges waiting, in turn, so a flavour gets at least its turn's share
 * of the cap every run (more once another needs less), and the least recently checked go first.
 */
function reconcileBound(waiting: readonly number[], maxPerRun: number): number {
  const flavours = waiting.filter((w) => w > 0);
  return Math.max(
    0,
    ...flavours.map((w, i) => Math.ceil(w / Math.max(1, Math.floor(maxPerRun / flavours.length) + (i < maxPerRun % flavours.length ? 1 : 0)))),
  );
}

/** An event as the local SNS recorded it (a type, not an interface: the body is a plain record). */
type PublishedEvent = {
  transitionId: string;
  chargeKey: string;
  type: string;
  status: string | null;
  previousStatus: string | null;
  amounts?: { refundedAmount?: number | null } | null;
  paymentLinkId?: string | null;
};

/** What the oracle found about the forged notifications and the parking lot. */
type Forgery = Omit<ChaosReport['confirmation'], 'lookups' | 'faults' | 'laterDeliveries' | 'forged'> & {
  readonly unmatchedExpected: number;
  readonly unmatchedParked: number;
};

/**
 * The parking lot and the forged notifications: each forgery parked as `contradicted_by_picpay`
 * (the parking lot keeps one per notification), each delivery of a Payment Link refund naming no
 * payment on a link paid more than once parked as `unmatched_refund`, nothing else parked; no
 * charge stored and no event for a charge or Payment Link transaction PicPay does not know; no
 * event on a real checkout charge with a status or refund its story never had (PicPay's answers
 * are; a forged claim's are not); no trace of a forged Payment Link claim in any history, and no
 * refund PicPay never made recorded; and `ContradictedNotifications` equal to the forged count
 * plus the forged notifications a crash made the processor handle again.
 */
async function judgeForgeries(
  pipeline: LocalPipeline,
  clients: Clients,
  all: readonly Story[],
  forged: readonly Notification[],
  delivered: Delivered,
  events: readonly PublishedEvent[],
  note: Note,
): Promise<Forgery> {
  const forgedIds = new Set(forged.flatMap((n) => delivered.get(n) ?? []));
  const unmatchedIds = new Set(all.flatMap((s) => s.notifications.filter((n) => n.expectPark === 'unmatched_refund').flatMap((n) => delivered.get(n) ?? [])));
  let forgedParked = 0;
  let unmatchedParked = 0;
  let unexpectedParks = 0;
  for (const parked of await clients.stores.parked.list()) {
    if (forgedIds.has(parked.requestId) && parked.reason === 'contradicted_by_picpay') forgedParked++;
    else if (unmatchedIds.has(parked.requestId) && parked.reason === 'unmatched_refund') unmatchedParked++;
    else {
      unexpectedParks++;
      note(`parked ${parked.reason}: ${parked.message} (${forgedIds.has(parked.requestId) ? 'forged' : 'not forged'})`);
    }
  }
  let forgedApplied = 0;
  for (const n of forged.filter((f) => f.forged === 'unknown_charge' || f.forged === 'unlisted_payment')) {
    const key = `${n.flavour}#${n.chargeId}`;
    const item = await clients.stores.charges.load(key);
    const evented = events.filter((e) => e.chargeKey === key).length;
    if (item !== null || evented > 0) {
      forgedApplied++;
      note(`${key}: PicPay never heard of it, yet ${item ? 'a charge is stored' : ''} ${evented} event(s) published`);
    }
  }
  // On the run's Payment Link payments: no entry from a forged claim, no refund PicPay never made.
  for (const story of all.filter((s) => s.link)) {
    const item = await stored(pipeline, clients, story);
    if (!item) continue;
    const traces = item.history.filter((h) => forgedIds.has(h.requestId)).length;
    const unmade = Object.keys(item.refunds ?? {}).filter((id) => id.includes('-forged-refund-')).length;
    if (traces + unmade > 0) {
      forgedApplied += traces + unmade;
      note(`paymentLink#${story.chargeId}: ${traces} history entr(ies) from forged claims, ${unmade} forged refund(s) recorded`);
    }
  }
  // On the run's checkout charges: only statuses and refunds the story ever had reach SNS.
  const byKey = new Map(all.filter((s) => s.flavour === 'checkout').map((s) => [`checkout#${s.chargeId}`, s]));
  for (const e of events) {
    const story = byKey.get(e.chargeKey);
    if (!story || e.status === null) continue;
    const raws = [
      ...(story.truth ?? []).map((t) => t.chargeStatus),
      ...story.notifications.map((n) => n.rawStatus ?? ''),
      story.foundCharge?.now ?? '',
      story.foundCharge?.late ?? '',
    ];
    const statuses = new Set(raws.filter((r) => r !== '').map((r) => canonicalOf('checkout', r)));
    const maxRefund = Math.max(0, ...story.notifications.map((n) => n.refunded ?? 0));
    const refunded = e.amounts?.refundedAmount ?? 0;
    if (!statuses.has(e.status) || refunded > maxRefund) {
      forgedApplied++;
      note(`${e.chargeKey} (${story.shape}): event ${e.status} refunded ${refunded}, which PicPay never said`);
    }
  }
  const recounted = pipeline.faults.processorCrash.replayed.filter((body) => forgedIds.has(requestIdOf(body))).length;
  return {
    forgedParked,
    forgedApplied,
    unexpectedParks,
    contradictedMetric: pipeline.metricCounts('processor').get(METRICS.processor.contradicted) ?? 0,
    recounted,
    unmatchedExpected: unmatchedIds.size,
    unmatchedParked,
  };
}

/**
 * Payment Link as integrators look it up: each link's LINK# items (`charge --payment-link`) list
 * exactly its payments (none forged, no refund as a payment of its own), and every payment's
 * charge and every event published for it carry the link's `paymentLinkId`.
 */
async function judgeLinks(clients: Clients, all: readonly Story[], events: readonly PublishedEvent[], note: Note) {
  const payments = all.filter((s) => s.link);
  const links = new Map<string, string[]>();
  for (const s of payments) links.set(s.link!.id, [...(links.get(s.link!.id) ?? []), s.chargeId]);
  let linkListingsWrong = 0;
  for (const [linkId, expected] of links) {
    const listed = await clients.stores.links.paymentsOf(linkId, 1000);
    if ([...listed].sort().join(',') !== [...expected].sort().join(',')) {
      linkListingsWrong++;
      note(`Payment Link ${linkId}: LINK# lists ${listed.join(', ') || 'nothing'}, expected ${expected.join(', ')}`);
    }
  }
  let missingLinkIds = 0;
  for (const s of payments) {
    const key = `paymentLink#${s.chargeId}`;
    const item = await clients.stores.charges.load(key);
    const state = item?.state as { paymentLinkId?: string } | undefined;
    const wrong = (state && state.paymentLinkId !== s.link!.id ? 1 : 0) + events.filter((e) => e.chargeKey === key && e.paymentLinkId !== s.link!.id).length;
    if (wrong > 0) {
      missingLinkIds += wrong;
      note(`${key}: ${wrong} charge or event(s) without paymentLinkId ${s.link!.id}`);
    }
  }
  return {
    links: links.size,
    payments: payments.length,
    multiPaymentLinks: [...links.values()].filter((ids) => ids.length > 1).length,
    linkListingsWrong,
    missingLinkIds,
    unnamedMatched: payments.filter((s) => s.notifications.some((n) => n.later === 'unnamed_refund' && n.expectPark === undefined)).length,
    lostPayments: payments.filter((s) => s.latePayment).length,
  };
}

function requestIdOf(queueBody: string): string {
  try {
    return String((JSON.parse(queueBody) as { requestId?: unknown }).requestId);
  } catch {
    return '';
  }
}

function publishedEvents(pipeline: LocalPipeline): PublishedEvent[] {
  return pipeline.events.map((e) => e.body as PublishedEvent);
}

/** The oracle's verdict on every charge: what it stored against what its story says it should. */
async function judgeCharges(
  pipeline: LocalPipeline,
  clients: Clients,
  all: readonly Story[],
  published: ReadonlyMap<string, number>,
  delivered: Delivered,
  options: ChaosOptions,
  note: Note,
): Promise<Verdict> {
  const verdict: Verdict = { lostInPipeline: 0, wrongFinalState: 0, regressions: 0, missing: 0 };
  for (const story of all) {
    const key = `${story.flavour}#${story.chargeId}`;
    const item = await stored(pipeline, clients, story);
    if (!item) {
      verdict.lostInPipeline += story.notifications.length;
      verdict.wrongFinalState++;
      note(`${key}: no charge stored`);
      continue;
    }
    verdict.lostInPipeline += notificationsMissingFromHistory(key, story, item, options.confirm ? delivered : null, delivered, note);
    if (!finalStateAsExpected(key, story, item, note)) verdict.wrongFinalState++;
    verdict.regressions += regressionsIn(key, story, item, note);
    verdict.missing += transitionsNeverPublished(key, item, published, note);
  }
  return verdict;
}

/**
 * Every distinct notification must have left a trace in the charge's history (Payment Link,
 * checkout). A Payment Link notification's entry, and with confirmation on a checkout one's,
 * holds PicPay's answer or the status of a refund matched through its link, so the trace is the
 * request id the API answered for one of its deliveries. A refund that must be parked leaves none.
 */
function notificationsMissingFromHistory(key: string, story: Story, item: StoredItem, delivered: Delivered | null, all: Delivered, note: Note): number {
  let lost = 0;
  const byRequestId = story.flavour === 'paymentLink' ? all : story.flavour === 'checkout' ? delivered : null;
  if (byRequestId !== null) {
    const requestIds = new Set(item.history.map((h) => h.requestId));
    for (const n of story.notifications) {
      if (n.expectPark || (byRequestId.get(n) ?? []).some((id) => requestIds.has(id))) continue;
      lost++;
      note(`${key}: notification ${n.kind} ${n.rawStatus ?? ''} ${n.eventDate ?? n.transaction?.id ?? ''} not in the history (no delivery's request id)`);
    }
    return lost;
  }
  // Every distinct checkout notification must have left a trace in the history.
  if (story.flavour === 'checkout') {
    for (const n of story.notifications) {
      const found = item.history.some((h) =>
        n.kind === 'three_ds'
          ? h.kind === 'three_ds'
          : h.kind === 'status' && h.rawStatus === n.rawStatus && h.occurredAt === new Date(n.eventDate!).toISOString(),
      );
      if (!found) {
        lost++;
        note(`${key}: notification ${n.kind} ${n.rawStatus ?? ''} ${n.eventDate ?? ''} not in the history`);
      }
    }
  }
  return lost;
}

/** The stored status, refunded amount and 3DS status are the ones the story expects. */
function finalStateAsExpected(key: string, story: Story, item: StoredItem, note: Note): boolean {
  const e = story.expected;
  const refundedOk = e.refunded === undefined || item.amounts?.refundedAmount === e.refunded;
  const threeDsOk = e.threeDs === undefined || item.threeDs?.status === e.threeDs;
  // Payment Link: only the story's own refunds, matched to this payment, are recorded on it.
  const strayRefunds = Object.keys(item.refunds ?? {}).filter((id) => !story.link?.refundIds.includes(id));
  if (item.status !== e.status || !refundedOk || !threeDsOk || strayRefunds.length > 0) {
    note(
      `${key} (${story.shape}): final ${item.status} (refunded ${item.amounts?.refundedAmount}${strayRefunds.length ? `, refunds ${strayRefunds.join(' ')} not its own` : ''}), expected ${e.status} (refunded ${e.refunded})`,
    );
    return false;
  }
  return true;
}

/** Each applied status change must be one the tables allow after the one before it: counts those that are not. */
function regressionsIn(key: string, story: Story, item: StoredItem, note: Note): number {
  let regressions = 0;
  const applied = item.history.filter((h) => h.outcome === 'applied' && h.kind === 'status' && h.reason !== 'refunded_amount_raised' && h.rawStatus !== null);
  for (let i = 1; i < applied.length; i++) {
    const [a, b] = [applied[i - 1]!, applied[i]!];
    if (a.rawStatus === b.rawStatus && a.occurredAt === b.occurredAt) continue; // an amount update
    if (story.flavour === 'paymentLink' && a.rawStatus === b.rawStatus) continue; // another refund added up
    // A Payment Link charge is ordered by lifecycle step alone, reconciliation's reads included.
    if (story.flavour !== 'paymentLink' && (b.eventType === 'Reconciliation' || a.eventType === 'Reconciliation')) {
      // find-charge has no event time: the canonical move must still go forward.
      const order = ['CREATED', 'AUTHORIZED', 'PAID'];
      if (order.indexOf(canonicalOf('checkout', b.rawStatus!)) < order.indexOf(canonicalOf('checkout', a.rawStatus!))) {
        regressions++;
        note(`${key}: ${a.rawStatus} then ${b.rawStatus} by reconciliation`);
      }
      continue;
    }
    const letter = cellFor(SPEC[story.flavour], { raw: a.rawStatus!, at: Date.parse(a.occurredAt) }, { raw: b.rawStatus!, at: Date.parse(b.occurredAt) });
    if (letter !== 'A' && letter !== 'U' && letter !== '=') {
      regressions++;
      note(`${key}: ${a.rawStatus} then ${b.rawStatus} was applied; the table says ${letter}`);
    }
  }
  return regressions;
}

/** Every applied or noted transition in the history must have reached SNS: counts those that did not. */
function transitionsNeverPublished(key: string, item: StoredItem, published: ReadonlyMap<string, number>, note: Note): number {
  let missing = 0;
  for (const h of item.history) {
    if ((h.outcome === 'applied' || h.outcome === 'noted') && !published.has(h.transitionId)) {
      missing++;
      note(`${key}: transition ${h.transitionId} (${h.to}) never published`);
    }
  }
  return missing;
}

interface StoredItem {
  status: string;
  amounts?: { refundedAmount: number | null };
  threeDs?: { status: string } | null;
  refunds?: Record<string, unknown>;
  history: Array<{
    outcome: string;
    kind: string;
    to: string | null;
    rawStatus: string | null;
    reason: string | null;
    occurredAt: string;
    transitionId: string;
    eventType: string;
    requestId: string;
  }>;
  outbox?: readonly unknown[];
}

async function stored(_pipeline: LocalPipeline, clients: ReturnType<typeof clientsFor>, story: Story): Promise<StoredItem | undefined> {
  const found = await clients.stores.charges.load(`${story.flavour}#${story.chargeId}`);
  return found ? (found.state as unknown as StoredItem) : undefined;
}

async function outboxLeftovers(all: readonly Story[], pipeline: LocalPipeline, clients: ReturnType<typeof clientsFor>): Promise<number> {
  let left = 0;
  for (const story of all) left += ((await stored(pipeline, clients, story))?.outbox ?? []).length;
  return left;
}

export function formatReport(r: ChaosReport): string[] {
  const o = r.options;
  const zero = (n: number) => `${n}${n === 0 ? '' : '   <-- target 0'}`;
  const c = r.confirmation;
  const metricTarget = c.forged + c.recounted;
  const pl = r.paymentLink;
  const confirmation = o.confirm
    ? [
        `Confirmation on: find-charge and find-transactions asked ${c.lookups} times (${c.faults} failed on purpose, besides the outage); ${c.laterDeliveries} chargeback reversal(s) sent weeks later`,
        `  forged notifications parked as contradicted  ${c.forgedParked} of ${c.forged} (${pl.forged} Payment Link)${c.forgedParked === c.forged ? '' : '   <-- target all'}`,
        `  forged claims applied or published          ${zero(c.forgedApplied)}`,
        `  other notifications parked                  ${zero(c.unexpectedParks)}`,
        `  ContradictedNotifications (metric)          ${c.contradictedMetric} = ${c.forged} forged + ${c.recounted} processed again after a crash${c.contradictedMetric === metricTarget ? '' : `   <-- target ${metricTarget}`}`,
      ]
    : ['Confirmation off: checkout and Payment Link notifications applied as sent, no forged ones, no Payment Link reconciliation'];
  return [
    `Chaos run (seed ${o.seed}): ${o.charges} charges, ${r.sent} notifications (${r.distinct} distinct, ${c.forged} of them forged), ${r.seconds} s`,
    `Shapes: checkout lifecycles, retries after DENIED, equal-date partial refunds, chargebacks reversed, expired Pix QR codes; legacy timelines read live (with reversals); ${o.abandoned} abandoned payments (a quarter checkout, recovered by find-charge);`,
    `        Payment Link: ${pl.payments} payments on ${pl.links} links (${pl.multiPaymentLinks} paid 2-3 times), paid, retried after DENIED, cancelled, partly and fully refunded, ${pl.lostPayments} with the PAYED webhook lost`,
    `Faults: enqueue ${o.enqueueFailures * 100}% (${r.injected.enqueue} injected), PicPay API ${o.picpayFailures * 100}% (5xx and timeouts; status and find-charge),`,
    `        SNS publish ${o.publishFailures * 100}% plus a ${o.snsOutageMs} ms outage (${r.injected.publish} injected), processor crashes ${o.crashRate * 100}% of batches (${r.injected.crashes} injected)`,
    `        legacy status reads answered with PicPay's previous status and its older updatedAt ${o.staleReads * 100}% (${r.injected.staleReads} served)`,
    `        PicPay down for ${r.outage.hours} h halfway through (${r.outage.wallSeconds} s at ${o.timeScale}x): ${r.outage.refused} requests refused; ${r.outage.retryDelays} retry delays set in the run, the longest ${r.outage.longestRetryDelaySeconds} s`,
    `Sender attempts: ${r.attempts} for ${r.sent} notifications`,
    `  notifications in the DLQ                 ${zero(r.deadLettered)}`,
    `  notifications lost (sender gave up)      ${zero(r.lostAtSender)}`,
    `  notifications lost (not in any history)  ${zero(r.lostInPipeline)}`,
    `  charges in the wrong final state         ${zero(r.wrongFinalState)}`,
    `  regressions                              ${zero(r.regressions)}`,
    `  transitions missing from SNS             ${zero(r.transitionsMissingFromSns)}`,
    `  events left in an outbox after the sweep ${zero(r.eventsLeftInOutbox)}`,
    `  lost callbacks/webhooks recovered by reconciliation ${r.reconcile.recovered} of ${r.reconcile.lost}, in ${r.reconcile.runs} runs (bound ${r.reconcile.bound})${r.reconcile.recovered === r.reconcile.lost && r.reconcile.runs <= r.reconcile.bound ? '' : '   <-- target all, within the bound'}`,
    `  duplicate transitionIds on SNS           ${r.duplicateTransitionIdsOnSns} (of ${r.snsEvents} events; consumers deduplicate)`,
    `  Payment Link: links whose LINK# items are not exactly their payments  ${zero(pl.linkListingsWrong)}`,
    `                charges and events without their paymentLinkId        ${zero(pl.missingLinkIds)}`,
    `                refunds naming no payment on a link with one paid payment  ${pl.unnamedMatched} (matched: in the final-state check)`,
    `                the same on a link with more (or none), parked unmatched_refund  ${pl.unmatchedParked} of ${pl.unmatchedExpected} deliveries${pl.unmatchedParked === pl.unmatchedExpected ? '' : '   <-- target all'}`,
    ...confirmation,
    ...(r.examples.length ? ['Examples:', ...r.examples.map((e) => `  ${e}`)] : []),
  ];
}

export function passed(r: ChaosReport): boolean {
  return (
    r.deadLettered === 0 &&
    r.lostAtSender === 0 &&
    r.lostInPipeline === 0 &&
    r.wrongFinalState === 0 &&
    r.regressions === 0 &&
    r.transitionsMissingFromSns === 0 &&
    r.eventsLeftInOutbox === 0 &&
    r.reconcile.recovered === r.reconcile.lost &&
    r.reconcile.runs <= r.reconcile.bound &&
    r.paymentLink.linkListingsWrong === 0 &&
    r.paymentLink.missingLinkIds === 0 &&
    r.paymentLink.unmatchedParked === r.paymentLink.unmatchedExpected &&
    r.confirmation.forgedParked === r.confirmation.forged &&
    r.confirmation.forgedApplied === 0 &&
    r.confirmation.unexpectedParks === 0 &&
    r.confirmation.contradictedMetric === r.confirmation.forged + r.confirmation.recounted
  );
}
