import { ListSubscriptionsByTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { HEARTBEAT_TAG, removeStaleTails, tail } from '../../cli/events.js';
import type { Io } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { clientsFor } from '../../cli/target.js';
import { type LocalPipeline, startLocalPipeline, type TappedEvent } from '../../local/pipeline.js';

/**
 * `events tail` and `events replay` against the local pipeline (fauxqs: filter policies, raw
 * delivery and queue tags as SNS and SQS have them).
 */
let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, retryDelaySeconds: 0, logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
}, 60000);

afterAll(async () => {
  await pipeline?.stop();
});

function bufferIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => void out.push(l), err: (l) => void err.push(l), interactive: false };
  return { io, out, err };
}

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo();
  const code = await runCli(argv, io, pipeline.target);
  return { code, out, err: err.join('\n') };
}

const TAIL_PREFIX = 'pw-tail-local-';

async function tailQueues(): Promise<string[]> {
  return (await pipeline.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: TAIL_PREFIX }))).QueueUrls ?? [];
}

async function topicSubscriptions(): Promise<string[]> {
  const out = await pipeline.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: pipeline.resources.topicArn }));
  return (out.Subscriptions ?? []).map((s) => s.Endpoint ?? '');
}

const eventsOf = (key: string) => pipeline.events.filter((e) => e.body.chargeKey === key);

/** Every message in a queue, in the order received, with its string attributes. */
async function drain(queueUrl: string, expected: number): Promise<Array<{ body: string; attributes: Record<string, string> }>> {
  const got: Array<{ body: string; attributes: Record<string, string> }> = [];
  const deadline = Date.now() + 10000;
  while (got.length < expected && Date.now() < deadline) {
    const out = await pipeline.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    for (const m of out.Messages ?? [])
      got.push({ body: m.Body ?? '', attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])) });
  }
  // Nothing more arrives.
  const extra = await pipeline.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return [...got, ...(extra.Messages ?? []).map((m) => ({ body: m.Body ?? '', attributes: {} }))];
}

/** Once each (a redelivery is the same event), by the time it was recorded. */
const oldestFirst = (events: readonly TappedEvent[]) =>
  [...new Map(events.map((e) => [e.body.transitionId, e])).values()].sort((a, b) => String(a.body.recordedAt).localeCompare(String(b.body.recordedAt)));

const asReceived = (events: readonly TappedEvent[]) => events.map((e) => ({ body: e.raw, attributes: e.attributes }));

async function queue(name: string): Promise<string> {
  return (await pipeline.clients.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
}

describe('events tail', () => {
  test('--json prints the event within seconds of the notification, then leaves no queue or subscription behind', async () => {
    const before = await topicSubscriptions();
    const tailing = cli('events', 'tail', '--json', '--count', '1', '--status', 'PAID');
    // The subscription is in place before the notification is sent.
    const deadline = Date.now() + 10000;
    while ((await topicSubscriptions()).length === before.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const sentAt = Date.now();
    expect((await cli('simulate', 'paid', '--id', 'tail-paid')).code).toBe(0);
    const r = await tailing;
    const tookMs = Date.now() - sentAt;
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const event = JSON.parse(r.out[0]!) as Record<string, unknown>;
    expect(event).toMatchObject({ chargeKey: 'checkout#tail-paid', status: 'PAID', type: 'picpay.charge.status_changed' });
    expect(tookMs).toBeLessThan(5000);
    expect(await tailQueues()).toEqual([]);
    expect(await topicSubscriptions()).toEqual(before);
  }, 30000);

  test('the filter policy selects: a tail for REFUNDED does not print a PAID event; Ctrl-C stops it and it cleans up', async () => {
    const before = await topicSubscriptions();
    const { io, out } = bufferIo();
    const stop = new AbortController();
    const clients = clientsFor(pipeline.target);
    try {
      const tailing = tail({ json: false, filter: { status: ['REFUNDED'] }, signal: stop.signal, waitSeconds: 1 }, pipeline.target, clients, io);
      const deadline = Date.now() + 10000;
      while ((await topicSubscriptions()).length === before.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await cli('simulate', 'paid', '--id', 'tail-filtered')).code).toBe(0);
      await pipeline.waitForEvents(() => eventsOf('checkout#tail-filtered').length === 1);
      await new Promise((r) => setTimeout(r, 1000));
      stop.abort();
      expect(await tailing).toBe(0);
    } finally {
      clients.destroy();
    }
    expect(out).toEqual([]);
    expect(await tailQueues()).toEqual([]);
    expect(await topicSubscriptions()).toEqual(before);
  }, 30000);

  test('without --json, one readable line per event (the line npm start prints, escaped for terminals)', async () => {
    const before = await topicSubscriptions();
    const tailing = cli('events', 'tail', '--count', '1', '--flavour', 'checkout');
    const deadline = Date.now() + 10000;
    while ((await topicSubscriptions()).length === before.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await cli('simulate', 'paid', '--id', 'tail-readable')).code).toBe(0);
    const r = await tailing;
    const transitionId = eventsOf('checkout#tail-readable')[0]?.body.transitionId;
    expect(r.out).toEqual([`[event] checkout#tail-readable  ∅ → PAID  transitionId=${transitionId}`]);
  }, 30000);

  test('what a killed tail left behind (a stale heartbeat) is removed by the next run; a live tail is left alone', async () => {
    const { sqs, sns } = pipeline.clients;
    const make = async (name: string, beat: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, tags: { [HEARTBEAT_TAG]: beat } }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await sns.send(
        new SubscribeCommand({ TopicArn: pipeline.resources.topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' } }),
      );
      return url;
    };
    const stale = await make(`${TAIL_PREFIX}killed`, new Date(Date.now() - 10 * 60_000).toISOString());
    const live = await make(`${TAIL_PREFIX}running`, new Date().toISOString());
    const clients = clientsFor(pipeline.target);
    try {
      expect(await removeStaleTails(pipeline.target, clients)).toEqual({ queues: 1, subscriptions: 1 });
    } finally {
      clients.destroy();
    }
    expect(await tailQueues()).toEqual([live]);
    expect((await topicSubscriptions()).some((e) => e.endsWith(':pw-tail-local-killed'))).toBe(false);
    expect((await topicSubscriptions()).some((e) => e.endsWith(':pw-tail-local-running'))).toBe(true);
    expect(stale).not.toBe(live);
    // The "running" one stops beating: ten minutes later it is a leftover too.
    const later = clientsFor(pipeline.target);
    try {
      expect(await removeStaleTails(pipeline.target, later, Date.now() + 10 * 60_000)).toEqual({ queues: 1, subscriptions: 1 });
    } finally {
      later.destroy();
    }
    expect(await tailQueues()).toEqual([]);
  }, 30000);
});

describe('events replay', () => {
  test('--charge KEY --to-queue URL puts exactly the events published for that charge into the queue, byte for byte, oldest first', async () => {
    expect((await cli('simulate', 'lifecycle', '--id', 'replay-life')).code).toBe(0);
    // authorized → paid → partial refund → refunded, as processed (a late one is only recorded).
    await pipeline.waitForEvents(() => eventsOf('checkout#replay-life').some((e) => e.body.status === 'REFUNDED'));
    await new Promise((r) => setTimeout(r, 1000));
    const published = oldestFirst(eventsOf('checkout#replay-life'));
    expect(published.length).toBeGreaterThanOrEqual(2);
    const target = await queue('replay-life-subscriber');
    const r = await cli('events', 'replay', '--charge', 'checkout#replay-life', '--to-queue', target);
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toContain(`Sent ${published.length} event(s)`);
    expect(await drain(target, published.length)).toEqual(asReceived(published));
    await pipeline.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: target }));
  }, 30000);

  test('--since/--until select by the time the transitions were recorded; --status filters; --dry-run sends nothing', async () => {
    for (const id of ['since-a', 'since-b', 'since-c']) {
      expect((await cli('simulate', 'paid', '--id', id)).code).toBe(0);
      await pipeline.waitForEvents(() => eventsOf(`checkout#${id}`).length === 1);
    }
    const [a, b, c] = ['since-a', 'since-b', 'since-c'].map((id) => eventsOf(`checkout#${id}`)[0]!);
    const recordedAt = (e: TappedEvent) => e.body.recordedAt as string;
    expect(recordedAt(a!) < recordedAt(b!) && recordedAt(b!) < recordedAt(c!)).toBe(true);
    // From b's transition to c's, both included: b and c, not a (nor anything earlier).
    const target = await queue('replay-since-subscriber');
    const r = await cli('events', 'replay', '--since', recordedAt(b!), '--until', recordedAt(c!), '--to-queue', target);
    expect(r.code).toBe(0);
    expect(await drain(target, 2)).toEqual(asReceived([b!, c!]));

    const dry = await cli('events', 'replay', '--since', recordedAt(a!), '--until', recordedAt(c!), '--status', 'REFUNDED', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out.at(-1)).toContain('Would send 0 event(s)');
    expect(dry.out.at(-1)).toContain('left out by the filter 3');
    await pipeline.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: target }));
  }, 30000);

  test('--to-topic publishes the same events again to every subscriber', async () => {
    expect((await cli('simulate', 'paid', '--id', 'replay-topic')).code).toBe(0);
    await pipeline.waitForEvents(() => eventsOf('checkout#replay-topic').length === 1);
    const r = await cli('events', 'replay', '--charge', 'checkout#replay-topic', '--to-topic');
    expect(r.code).toBe(0);
    await pipeline.waitForEvents(() => eventsOf('checkout#replay-topic').length === 2);
    const [first, again] = eventsOf('checkout#replay-topic');
    expect(again!.raw).toBe(first!.raw);
    expect(again!.attributes).toEqual(first!.attributes);
  }, 30000);

  test('a charge that does not exist, and the usage errors', async () => {
    expect((await cli('events', 'replay', '--charge', 'checkout#nope', '--to-topic')).code).toBe(1);
    expect((await cli('events', 'replay', '--to-topic')).code).toBe(2);
    expect((await cli('events', 'replay', '--charge', 'checkout#x')).code).toBe(2);
    expect((await cli('events', 'replay', '--since', 'yesterday', '--to-topic')).code).toBe(2);
    expect((await cli('events', 'tail', '--status', 'PAYED')).code).toBe(2);
  });
});
