/**
 * The chaos suite: many notifications over many charges of both flavours, duplicated and
 * shuffled, sent by a PicPay-like sender (retries a non-2xx up to 21 times), while the pipeline
 * is broken on purpose: enqueue failures, PicPay API failures (5xx and timeouts), SNS publish
 * failures and processor crashes in the middle of a batch. The expected outcome is computed
 * here, from the generated stories alone, with its own status table (not the code under test).
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dlqReplay } from '../cli/dlq.js';
import type { Io } from '../cli/io.js';
import { clientsFor } from '../cli/target.js';
import { type LocalPipeline, startLocalPipeline } from '../pipeline.js';
import { paymentBody, threeDsBody } from '../samples.js';

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
};

export interface ChaosReport {
  readonly options: ChaosOptions;
  readonly sent: number;
  readonly distinct: number;
  readonly attempts: number;
  readonly injected: { enqueue: number; publish: number; crashes: number; picpayRate: number };
  readonly deadLetteredThenReplayed: number;
  readonly lostAtSender: number;
  readonly lostInPipeline: number;
  readonly wrongFinalState: number;
  readonly regressions: number;
  readonly transitionsMissingFromSns: number;
  readonly duplicateTransitionIdsOnSns: number;
  readonly snsEvents: number;
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

/** The oracle's own reading of PicPay's statuses: canonical name and precedence. */
const EXPECTED: Record<string, [string, number]> = {
  PENDING: ['CREATED', 0], AUTHORIZED: ['AUTHORIZED', 10], CANCELED: ['CANCELED', 20], EXPIRED: ['EXPIRED', 20],
  PAID: ['PAID', 30], PARTIAL: ['PARTIALLY_REFUNDED', 50], REFUNDED: ['REFUNDED', 60], CHARGEBACK: ['CHARGEBACK', 70],
  created: ['CREATED', 0], analysis: ['ANALYSIS', 10], paid: ['PAID', 30], completed: ['COMPLETED', 40],
  refunded: ['REFUNDED', 60], chargeback: ['CHARGEBACK', 70], expired: ['EXPIRED', 20],
};
const RANK: Record<string, number> = Object.fromEntries(Object.values(EXPECTED).map(([name, rank]) => [name, rank]));

interface Notification {
  readonly flavour: 'checkout' | 'legacy';
  readonly chargeId: string;
  readonly kind: 'status' | 'three_ds';
  readonly rawStatus?: string;
  readonly eventDate?: string;
  readonly body: unknown;
  readonly eventType?: string;
}

interface Story {
  readonly flavour: 'checkout' | 'legacy';
  readonly chargeId: string;
  readonly notifications: Notification[];
  readonly finalStatus: string;
  readonly finalRefunded?: number;
  readonly threeDs: boolean;
  /** Legacy: what the PicPay sandbox reports (the status is read live). */
  readonly sandboxStatus?: string;
}

function stories(options: ChaosOptions, random: () => number): Story[] {
  const distinctTarget = Math.round(options.notifications * (1 - options.duplicates));
  const per = Math.max(2, Math.floor(distinctTarget / options.charges));
  let remainder = Math.max(0, distinctTarget - per * options.charges);
  const base = Date.parse('2026-01-01T12:00:00Z');
  const result: Story[] = [];
  for (let c = 0; c < options.charges; c++) {
    const n = per + (remainder-- > 0 ? 1 : 0);
    const chargeId = `chaos-${options.seed}-${c}`;
    const at = (i: number) => new Date(base + c * 3_600_000 + i * 60_000).toISOString();
    if (c % 2 === 0) {
      // Checkout: a monotone life cycle of exactly n notifications, maybe with a 3DS result.
      const threeDs = n >= 3 && random() < 0.3;
      const m = n - (threeDs ? 1 : 0);
      let steps: Array<[string, number]>;
      if (m === 2) steps = random() < 0.5 ? [['AUTHORIZED', 0], ['CANCELED', 0]] : [['PENDING', 0], ['EXPIRED', 0]];
      else {
        const partials = m - 3;
        const end: [string, number] = random() < 0.5 ? ['REFUNDED', 10000] : random() < 0.5 ? ['CHARGEBACK', 1000 * partials] : ['PARTIAL', 1000 * (partials + 1)];
        steps = [['AUTHORIZED', 0], ['PAID', 0], ...Array.from({ length: partials }, (_, k): [string, number] => ['PARTIAL', 1000 * (k + 1)]), end];
      }
      const notifications: Notification[] = steps.map(([status, refunded], i) => ({
        flavour: 'checkout',
        chargeId,
        kind: 'status',
        rawStatus: status,
        eventDate: at(i),
        eventType: 'TransactionUpdateMessage',
        body: paymentBody({ chargeId, status, eventDate: at(i), refundedAmount: refunded }),
      }));
      if (threeDs) notifications.push({ flavour: 'checkout', chargeId, kind: 'three_ds', eventType: 'Challenge3dsUpdateMessage', body: threeDsBody({ chargeId }) });
      const last = steps.at(-1)!;
      result.push({ flavour: 'checkout', chargeId, notifications, finalStatus: EXPECTED[last[0]]![0], finalRefunded: last[1], threeDs });
    } else {
      // Legacy: one callback per status change; the processor reads the (final) status live.
      const path = ['created', 'analysis', 'paid', 'completed', random() < 0.5 ? 'refunded' : 'chargeback'];
      const final = random() < 0.15 ? 'expired' : path[Math.min(path.length - 1, n - 1)]!;
      const notifications: Notification[] = Array.from({ length: n }, (_, i) => ({
        flavour: 'legacy',
        chargeId,
        kind: 'status',
        // The callback carries no status; PicPay's callbacks for one payment look alike.
        body: i === 0 ? { referenceId: chargeId } : { referenceId: chargeId, authorizationId: `auth-${chargeId}` },
      }));
      result.push({ flavour: 'legacy', chargeId, notifications, finalStatus: EXPECTED[final]![0], threeDs: false, sandboxStatus: final });
    }
  }
  return result;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Sends like PicPay: a non-2xx (or a network error) is retried, up to 21 more times. */
async function sendLikePicPay(pipeline: LocalPipeline, n: Notification): Promise<{ delivered: boolean; attempts: number }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'axios/1.4.0' };
  if (n.flavour === 'legacy') headers['x-seller-token'] = pipeline.tokens.sellerToken;
  else headers.authorization = pipeline.tokens.checkoutToken;
  if (n.eventType) headers['event-type'] = n.eventType;
  for (let attempt = 1; attempt <= 22; attempt++) {
    try {
      const res = await fetch(n.flavour === 'legacy' ? pipeline.urls.callback : pipeline.urls.webhook, {
        method: 'POST',
        headers,
        body: JSON.stringify(n.body),
      });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) return { delivered: true, attempts: attempt };
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

export async function runChaos(options: ChaosOptions, io: Io): Promise<ChaosReport> {
  const started = Date.now();
  const random = prng(options.seed);
  const pipeline = await startLocalPipeline({
    port: 0,
    retryDelaySeconds: 0,
    logLevel: 'SILENT',
    reconcileEverySeconds: 0,
    processorConcurrency: options.processorConcurrency,
    picpayTimeoutMs: 250,
  });
  const clients = clientsFor(pipeline.target);
  const examples: string[] = [];
  try {
    const all = stories(options, random);
    for (const s of all) if (s.sandboxStatus) pipeline.sandbox.setPayment(s.chargeId, { status: s.sandboxStatus, authorizationId: `auth-${s.chargeId}` });
    const distinct = all.flatMap((s) => s.notifications);
    const duplicates = Array.from({ length: Math.max(0, options.notifications - distinct.length) }, () => distinct[Math.floor(random() * distinct.length)]!);
    const deliveries = shuffle([...distinct, ...duplicates], random);
    io.out(`chaos: ${all.length} charges, ${deliveries.length} notifications (${distinct.length} distinct, ${duplicates.length} duplicates), seed ${options.seed}`);

    pipeline.faults.enqueue.setRate(options.enqueueFailures);
    pipeline.faults.publish.setRate(options.publishFailures);
    pipeline.faults.processorCrash.setRate(options.crashRate);
    pipeline.sandbox.setFaultRate(options.picpayFailures, 400, random);

    let attempts = 0;
    let lostAtSender = 0;
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < deliveries.length) {
          const n = deliveries[next++]!;
          const r = await sendLikePicPay(pipeline, n);
          attempts += r.attempts;
          if (!r.delivered) lostAtSender++;
          if (++done % 1000 === 0) io.err(`  sent ${done}/${deliveries.length}`);
        }
      }),
    );
    io.err('  all sent; waiting for the pipeline to settle…');
    await settle(pipeline, clients, 600_000);

    // An operator's move: whatever reached the DLQ is replayed once the faults are gone.
    pipeline.faults.enqueue.setRate(0);
    pipeline.faults.publish.setRate(0);
    pipeline.faults.processorCrash.setRate(0);
    pipeline.sandbox.setFaultRate(0, 0);
    const quiet: Io = { out: () => undefined, err: () => undefined, interactive: false };
    let replayed = 0;
    const dlqBefore = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: pipeline.target.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    if (Number(dlqBefore.Attributes?.ApproximateNumberOfMessages ?? 0) > 0) {
      replayed = Number(dlqBefore.Attributes?.ApproximateNumberOfMessages);
      await dlqReplay([], true, pipeline.target, clients, quiet);
      await settle(pipeline, clients, 600_000);
    }

    // ---- verdict ----------------------------------------------------------------------
    const events = pipeline.events.map((e) => e.body as { transitionId: string; chargeKey: string; type: string; status: string | null; previousStatus: string | null });
    const published = new Map<string, number>();
    for (const e of events) published.set(e.transitionId, (published.get(e.transitionId) ?? 0) + 1);
    let lostInPipeline = 0;
    let wrongFinalState = 0;
    let regressions = 0;
    let missing = 0;
    for (const story of all) {
      const key = `${story.flavour}#${story.chargeId}`;
      const item = (await clients.ddb.send(new GetCommand({ TableName: pipeline.target.tableName, Key: { pk: `CHARGE#${key}`, sk: 'STATE' }, ConsistentRead: true }))).Item as
        | { status: string; amounts?: { refundedAmount: number | null }; threeDs?: { status: string } | null; history: Array<{ outcome: string; kind: string; to: string | null; rawStatus: string | null; occurredAt: string; transitionId: string }>; outbox: Record<string, unknown> }
        | undefined;
      const note = (what: string) => examples.length < 10 && examples.push(`${key}: ${what}`);
      if (!item) {
        lostInPipeline += story.notifications.length;
        wrongFinalState++;
        note('no charge stored');
        continue;
      }
      // Every distinct checkout notification must have left a trace in the history.
      if (story.flavour === 'checkout') {
        for (const n of story.notifications) {
          const found = item.history.some((h) =>
            n.kind === 'three_ds' ? h.kind === 'three_ds' : h.kind === 'status' && h.rawStatus === n.rawStatus && h.occurredAt === new Date(n.eventDate!).toISOString(),
          );
          if (!found) {
            lostInPipeline++;
            note(`notification ${n.kind} ${n.rawStatus ?? ''} ${n.eventDate ?? ''} not in the history`);
          }
        }
      }
      const refundedOk = story.finalRefunded === undefined || item.amounts?.refundedAmount === story.finalRefunded;
      const threeDsOk = !story.threeDs || item.threeDs?.status === 'Approved';
      if (item.status !== story.finalStatus || !refundedOk || !threeDsOk) {
        wrongFinalState++;
        note(`final ${item.status} (refunded ${item.amounts?.refundedAmount}), expected ${story.finalStatus} (refunded ${story.finalRefunded})`);
      }
      let rank = -1;
      for (const h of item.history.filter((x) => x.outcome === 'applied' && x.kind === 'status')) {
        const r = RANK[h.to ?? ''] ?? 5;
        if (r < rank) {
          regressions++;
          note(`history went back to ${h.to}`);
        }
        rank = Math.max(rank, r);
      }
      for (const h of item.history) {
        if (h.outcome === 'applied' && !published.has(h.transitionId)) {
          missing++;
          note(`transition ${h.transitionId} (${h.to}) never published`);
        }
      }
      if (Object.keys(item.outbox ?? {}).length > 0) {
        note(`${Object.keys(item.outbox).length} event(s) still in the outbox`);
        if (process.env.CHAOS_DEBUG) io.err(JSON.stringify(item, null, 1));
      }
    }
    for (const e of events) {
      if (e.type === 'picpay.charge.status_changed' && e.previousStatus && (RANK[e.status ?? ''] ?? 5) < (RANK[e.previousStatus] ?? 5)) regressions++;
    }
    const duplicateIds = [...published.values()].reduce((sum, count) => sum + (count - 1), 0);
    return {
      options,
      sent: deliveries.length,
      distinct: distinct.length,
      attempts,
      injected: { enqueue: pipeline.faults.enqueue.injected, publish: pipeline.faults.publish.injected, crashes: pipeline.faults.processorCrash.injected, picpayRate: options.picpayFailures },
      deadLetteredThenReplayed: replayed,
      lostAtSender,
      lostInPipeline,
      wrongFinalState,
      regressions,
      transitionsMissingFromSns: missing,
      duplicateTransitionIdsOnSns: duplicateIds,
      snsEvents: events.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      examples,
    };
  } finally {
    clients.destroy();
    await pipeline.stop();
  }
}

export function formatReport(r: ChaosReport): string[] {
  const o = r.options;
  const zero = (n: number) => `${n}${n === 0 ? '' : '   <-- target 0'}`;
  return [
    `Chaos run (seed ${o.seed}): ${o.charges} charges, ${r.sent} notifications (${r.distinct} distinct), ${r.seconds} s`,
    `Faults: enqueue ${o.enqueueFailures * 100}% (${r.injected.enqueue} injected), PicPay API ${o.picpayFailures * 100}% (5xx and timeouts),`,
    `        SNS publish ${o.publishFailures * 100}% (${r.injected.publish} injected), processor crashes ${o.crashRate * 100}% of batches (${r.injected.crashes} injected)`,
    `Sender attempts: ${r.attempts} for ${r.sent} notifications; dead-lettered then replayed: ${r.deadLetteredThenReplayed}`,
    `  notifications lost (sender gave up)      ${zero(r.lostAtSender)}`,
    `  notifications lost (not in any history)  ${zero(r.lostInPipeline)}`,
    `  charges in the wrong final state         ${zero(r.wrongFinalState)}`,
    `  regressions                              ${zero(r.regressions)}`,
    `  transitions missing from SNS             ${zero(r.transitionsMissingFromSns)}`,
    `  duplicate transitionIds on SNS           ${r.duplicateTransitionIdsOnSns} (of ${r.snsEvents} events; consumers deduplicate)`,
    ...(r.examples.length ? ['Examples:', ...r.examples.map((e) => `  ${e}`)] : []),
  ];
}

export function passed(r: ChaosReport): boolean {
  return r.lostAtSender === 0 && r.lostInPipeline === 0 && r.wrongFinalState === 0 && r.regressions === 0 && r.transitionsMissingFromSns === 0;
}
