import { randomUUID } from 'node:crypto';
import { ListSubscriptionsByTopicCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { SnsEventPublisher, stringAttributes } from '../lambda/adapters/sns-publisher.js';
import type { LoggedEvent } from '../lambda/adapters/table/event-log.js';
import { EVENT_TYPES, PROBE_EVENT_TYPE } from '../lambda/domain/events.js';
import { MAX_HISTORY } from '../lambda/domain/limits.js';
import { CANONICAL_STATUSES } from '../lambda/domain/status.js';
import { type Io, progress } from './io.js';
import { terminalSafe } from './terminal.js';
import { CliError, type Clients, type Target } from './target.js';

/**
 * `picpay-webhooks events tail` and `events replay`: watch the charge events topic from a
 * terminal, and send logged events again (docs/cli.md, "Events").
 */

/**
 * The one line a terminal shows for an event (`npm start` prints the same): whatever the event
 * holds, a newline or an escape sequence in a value is shown as `\uXXXX` (cli/terminal.ts).
 */
export function describeEvent(body: Record<string, unknown>): string {
  const b = body as Record<string, string | null>;
  if (b.type === PROBE_EVENT_TYPE) return terminalSafe(`[probe] ${b.flavour}  probeId=${b.probeId}  (picpay-webhooks doctor; not a charge)`);
  const what =
    b.type === EVENT_TYPES.threeDsUpdated
      ? `3DS ${JSON.stringify((b.threeDs as unknown as { status: string })?.status)}`
      : `${b.previousStatus ?? '∅'} → ${b.status}`;
  return terminalSafe(`[event] ${b.chargeKey}  ${what}  transitionId=${b.transitionId}`);
}

/** What `--type`, `--status` and `--flavour` select: the SNS message attributes of the same names. */
export interface EventFilter {
  readonly type?: readonly string[];
  readonly status?: readonly string[];
  readonly flavour?: readonly string[];
}

const FLAVOURS = ['legacy', 'checkout', 'paymentLink'];
const TYPES: readonly string[] = [...Object.values(EVENT_TYPES), PROBE_EVENT_TYPE];

/** The flags' comma-separated values, checked: a type may be written without `picpay.charge.`. */
export function eventFilter(flags: { type?: string; status?: string; flavour?: string }): EventFilter {
  const list = (raw: string | undefined) =>
    raw
      ?.split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const type = list(flags.type)?.map((t) => (t.includes('.') ? t : `picpay.charge.${t}`));
  const status = list(flags.status);
  const flavour = list(flags.flavour);
  for (const t of type ?? []) if (!TYPES.includes(t)) throw new CliError(`--type must be one of ${TYPES.join(', ')}, got "${t}"`);
  for (const s of status ?? [])
    if (s !== 'NONE' && !(CANONICAL_STATUSES as readonly string[]).includes(s))
      throw new CliError(`--status must be one of ${CANONICAL_STATUSES.join(', ')} (or NONE), got "${s}"`);
  for (const f of flavour ?? []) if (!FLAVOURS.includes(f)) throw new CliError(`--flavour must be one of ${FLAVOURS.join(', ')}, got "${f}"`);
  return { ...(type?.length ? { type } : {}), ...(status?.length ? { status } : {}), ...(flavour?.length ? { flavour } : {}) };
}

/** The subscription filter policy (on message attributes) that selects what the filter does; undefined: everything. */
export function filterPolicy(filter: EventFilter): string | undefined {
  const policy = Object.fromEntries(Object.entries(filter).filter(([, values]) => values !== undefined));
  return Object.keys(policy).length === 0 ? undefined : JSON.stringify(policy);
}

function matches(filter: EventFilter, attributes: Readonly<Record<string, string>>): boolean {
  return (Object.entries(filter) as Array<[string, readonly string[]]>).every(([name, values]) => values.includes(attributes[name] ?? ''));
}

/* events tail */

/** Tag holding the time of a running tail's last heartbeat: a queue whose heartbeat is stale was left behind. */
export const HEARTBEAT_TAG = 'picpay-webhooks-tail-heartbeat';
export const HEARTBEAT_EVERY_MS = 20_000;
/** A tail whose heartbeat is older than this is gone (killed, or its machine lost). */
export const STALE_AFTER_MS = 120_000;

/** `pw-tail-<stack>-`: every tail queue of one target starts with it (`local` for the local pipeline). */
export function tailQueuePrefix(target: Target): string {
  const slug = (target.stackName ?? 'local').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
  return `pw-tail-${slug}-`;
}

const queueNameOfArn = (arn: string) => arn.split(':').at(-1) ?? '';

function needTopic(target: Target): string {
  if (!target.topicArn)
    throw new CliError(`${target.name} does not say which topic it publishes to (no TopicArn): restart npm start, or check the stack's outputs.`);
  return target.topicArn;
}

/**
 * Removes what tails killed before they could clean up left behind: their queues whose heartbeat
 * is stale (or missing), and every subscription of the topic to a tail queue of this target that
 * is stale or gone. Run by each `events tail` before it starts, and by `doctor`.
 */
export async function removeStaleTails(target: Target, clients: Clients, now = Date.now()): Promise<{ queues: number; subscriptions: number }> {
  const topicArn = needTopic(target);
  const prefix = tailQueuePrefix(target);
  const urls: string[] = [];
  let next: string | undefined;
  do {
    const out = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, NextToken: next }));
    urls.push(...(out.QueueUrls ?? []));
    next = out.NextToken;
  } while (next);
  const live = new Set<string>();
  const stale: string[] = [];
  for (const url of urls) {
    const tags = (await clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {};
    const beat = Date.parse(tags[HEARTBEAT_TAG] ?? '');
    const name = url.split('/').at(-1) ?? '';
    if (Number.isNaN(beat) || now - beat > STALE_AFTER_MS) stale.push(url);
    else live.add(name);
  }
  let subscriptions = 0;
  let page: string | undefined;
  const leftovers: string[] = [];
  do {
    const out = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: page }));
    for (const sub of out.Subscriptions ?? []) {
      const name = queueNameOfArn(sub.Endpoint ?? '');
      if (sub.Protocol === 'sqs' && name.startsWith(prefix) && !live.has(name) && sub.SubscriptionArn?.startsWith('arn:')) leftovers.push(sub.SubscriptionArn);
    }
    page = out.NextToken;
  } while (page);
  for (const arn of leftovers) {
    await clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    subscriptions++;
  }
  for (const url of stale) await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  return { queues: stale.length, subscriptions };
}

export interface TailOptions {
  readonly json: boolean;
  readonly filter: EventFilter;
  /** Stop after this many events (default: until stopped). */
  readonly count?: number;
  /** Ctrl-C: stops the tail, which then removes its queue and subscription. */
  readonly signal?: AbortSignal;
  /** Long-poll wait of each receive (default 20 s, SQS's longest). */
  readonly waitSeconds?: number;
}

/**
 * Subscribes a temporary queue to the topic (raw delivery, the filter as a filter policy), prints
 * each event as it arrives, and removes the queue and the subscription when it stops. The queue
 * is encrypted with SSE-SQS (an SQS-owned key): SNS decrypts the topic's messages before it
 * delivers them, and may deliver to SSE-SQS queues, not to queues under the AWS-managed
 * aws/sqs key. Its policy lets only this topic send to it.
 */
export async function tail(options: TailOptions, target: Target, clients: Clients, io: Io): Promise<number> {
  const topicArn = needTopic(target);
  const { sqs, sns } = clients;
  const removed = await removeStaleTails(target, clients);
  if (removed.queues + removed.subscriptions > 0)
    io.err(`Removed what earlier tails left behind: ${removed.queues} queue(s), ${removed.subscriptions} subscription(s).`);

  const name = `${tailQueuePrefix(target)}${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '3600' },
      tags: { [HEARTBEAT_TAG]: new Date().toISOString(), 'picpay-webhooks-tail': target.stackName ?? 'local' },
    }),
  );
  if (!queueUrl) throw new Error('SQS created no queue');
  let subscriptionArn: string | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let received = 0;
  try {
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    if (!arn) throw new Error(`SQS did not say the ARN of ${queueUrl}`);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyTheEventsTopicSends',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arn,
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        },
      ],
    };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    const filter = filterPolicy(options.filter);
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: arn,
        Attributes: { RawMessageDelivery: 'true', ...(filter ? { FilterPolicy: filter } : {}) },
        ReturnSubscriptionArn: true,
      }),
    );
    subscriptionArn = sub.SubscriptionArn;
    heartbeat = setInterval(
      () => void sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { [HEARTBEAT_TAG]: new Date().toISOString() } })).catch(() => undefined),
      HEARTBEAT_EVERY_MS,
    );
    heartbeat.unref();
    io.err(`Listening to ${topicArn}${filter ? ` (filter ${filter})` : ''}; Ctrl-C stops.`);

    const signal = options.signal;
    while (!signal?.aborted && (options.count === undefined || received < options.count)) {
      let messages: Array<{ Body?: string; ReceiptHandle?: string }>;
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, options.count === undefined ? 10 : options.count - received),
            WaitTimeSeconds: options.waitSeconds ?? 20,
            MessageAttributeNames: ['All'],
          }),
          signal ? { abortSignal: signal } : {},
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (signal?.aborted) break;
        throw error;
      }
      for (const message of messages) {
        const body = message.Body ?? '';
        if (options.json) io.out(body);
        else {
          let parsed: Record<string, unknown> | null = null;
          try {
            parsed = JSON.parse(body) as Record<string, unknown>;
          } catch {
            // Not JSON: shown as it came.
          }
          io.out(parsed ? describeEvent(parsed) : terminalSafe(body));
        }
        received++;
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    if (subscriptionArn?.startsWith('arn:')) await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }
  io.err(`Stopped after ${received} event(s); the temporary queue and subscription are removed.`);
  return 0;
}

/* events replay */

export interface ReplayOptions {
  readonly charge?: string;
  readonly since?: string;
  readonly until?: string;
  readonly filter: EventFilter;
  readonly toQueue?: string;
  readonly toTopic: boolean;
  readonly dryRun: boolean;
}

/** An ISO time as toISOString writes it (so it compares with recordedAt as text). */
function isoTime(raw: string, flag: string): string {
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new CliError(`--${flag} must be an ISO 8601 time (2026-12-04T15:00:00Z), got "${raw}"`);
  return new Date(ms).toISOString();
}

/** What a replay sends, oldest first, and what it could not find. */
interface Selection {
  readonly events: LoggedEvent[];
  readonly skipped: string[];
}

async function selectByCharge(chargeKey: string, clients: Clients, io: Io): Promise<Selection | null> {
  const stored = await clients.stores.charges.load(chargeKey);
  if (!stored) return null;
  const { history, outbox } = stored.state;
  const pending = new Set(outbox.map((e) => e.event.transitionId));
  if (history.length >= MAX_HISTORY)
    io.err(
      `${chargeKey} keeps only its last ${MAX_HISTORY} history entries (from ${history[0]?.recordedAt}): for older events, add --since ${stored.state.createdAt}.`,
    );
  const events: LoggedEvent[] = [];
  const skipped: string[] = [];
  for (const entry of history) {
    // Only these outcomes published an event (ignored and registered ones did not).
    if (entry.outcome !== 'applied' && entry.outcome !== 'noted') continue;
    if (pending.has(entry.transitionId)) {
      skipped.push(`${entry.transitionId} (${entry.recordedAt}): not published yet, still in the outbox`);
      continue;
    }
    const logged = await clients.stores.eventLog.find(entry.recordedAt, entry.transitionId);
    if (logged) events.push(logged);
    else skipped.push(`${entry.transitionId} (${entry.recordedAt}): not in the event log (published before it existed, or past retentionDays)`);
  }
  return { events, skipped };
}

/**
 * Sends logged events again, exactly as they were published (same message, same attributes),
 * oldest first: into one subscriber's queue, as a raw-delivery subscription receives them, or to
 * the topic (every subscriber). Stops at the first failure: run again, it sends everything
 * again (consumers deduplicate on transitionId).
 */
export async function replay(options: ReplayOptions, target: Target, clients: Clients, io: Io): Promise<number> {
  if (options.charge === undefined && options.since === undefined) throw new CliError('Say what to replay: --charge KEY, or --since ISO [--until ISO].');
  if (options.until !== undefined && options.since === undefined) throw new CliError('--until goes with --since.');
  if (!options.dryRun && (options.toQueue === undefined) === !options.toTopic) throw new CliError('Say where to: --to-queue URL or --to-topic (or --dry-run).');
  const topicArn = options.toTopic ? needTopic(target) : undefined;

  let selection: Selection;
  if (options.since !== undefined) {
    const since = isoTime(options.since, 'since');
    const until = options.until === undefined ? new Date().toISOString() : isoTime(options.until, 'until');
    if (until < since) throw new CliError('--until is before --since.');
    const events = await clients.stores.eventLog.between(since, until);
    selection = { events: options.charge === undefined ? events : events.filter((e) => e.chargeKey === options.charge), skipped: [] };
  } else {
    const found = await selectByCharge(options.charge!, clients, io);
    if (!found) {
      io.err(`No charge ${options.charge} in ${target.name}.`);
      return 1;
    }
    selection = found;
  }
  const chosen = selection.events.filter((e) => matches(options.filter, e.attributes));
  for (const why of selection.skipped) io.err(`Skipped ${why}.`);
  const filteredOut = selection.events.length - chosen.length;
  const tally = `skipped ${selection.skipped.length}${filteredOut > 0 ? `, left out by the filter ${filteredOut}` : ''}`;

  if (options.dryRun) {
    for (const e of chosen) io.out(`${e.recordedAt}  ${describeEvent(JSON.parse(e.message) as Record<string, unknown>)}`);
    io.out(`Would send ${chosen.length} event(s), oldest first; ${tally}.`);
    return 0;
  }

  const publisher = topicArn ? new SnsEventPublisher(clients.sns, topicArn) : undefined;
  const where = topicArn ? `the topic ${topicArn}` : `the queue ${options.toQueue}`;
  const bar = progress(io, chosen.length, 'Replaying');
  let sent = 0;
  try {
    for (const e of chosen) {
      if (publisher) await publisher.publishMessage(e);
      else
        await clients.sqs.send(
          new SendMessageCommand({ QueueUrl: options.toQueue, MessageBody: e.message, MessageAttributes: stringAttributes(e.attributes) }),
        );
      sent++;
      bar.tick();
    }
  } catch (error) {
    bar.stop();
    const failed = chosen[sent]!;
    io.err(`Could not send ${failed.transitionId} (${failed.recordedAt}): ${(error as Error).message}`);
    io.out(
      `Sent ${sent} of ${chosen.length} event(s) to ${where} before the failure; ${tally}. Run it again: it sends them all again, and consumers deduplicate on transitionId.`,
    );
    return 1;
  }
  bar.stop();
  io.out(`Sent ${sent} event(s) to ${where}, oldest first; ${tally}.`);
  return 0;
}
