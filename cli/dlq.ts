import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type Io, replayEach, table } from './io.js';
import { eachLine } from './terminal.js';
import { CliError, type Clients, type Target } from './target.js';

interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly sentAt: string;
  readonly requestId?: string;
  readonly flavour?: string;
  readonly reason?: string;
}

/**
 * Reads up to `max` DLQ messages, holding each invisible for `visibilitySeconds` so one
 * read does not see it twice; callers release what they do not consume (`release`).
 * Stops when a receive brings nothing new.
 */
async function peek(target: Target, clients: Clients, max: number, visibilitySeconds: number): Promise<DeadLetter[]> {
  const seen = new Map<string, Message>();
  for (let round = 0; round < 50 && seen.size < max; round++) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: round === 0 ? 1 : 0,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const fresh = (out.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId!, m);
  }
  const messages = [...seen.values()].slice(0, max);
  const notes = await clients.stores.deadLetters.find(messages.map((m) => m.MessageId!));
  return messages.map((m) => {
    let envelope: { requestId?: string; flavour?: string } = {};
    try {
      envelope = JSON.parse(m.Body ?? '') as typeof envelope;
    } catch {
      // not an envelope: listed with what SQS knows
    }
    const note = notes.get(m.MessageId!);
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      sentAt: new Date(Number(m.Attributes?.SentTimestamp ?? 0)).toISOString(),
      requestId: envelope.requestId,
      flavour: envelope.flavour,
      reason: note ? `${note.code}: ${note.message}` : undefined,
    };
  });
}

/** Makes messages visible again at once: reading the DLQ must not hide it from the next reader. */
async function release(letters: readonly DeadLetter[], target: Target, clients: Clients): Promise<void> {
  for (const letter of letters) {
    await clients.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: target.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle, VisibilityTimeout: 0 }),
    );
  }
}

/** `dlq list`: what failed processing too often, with the reason the processor recorded. */
export async function dlqList(json: boolean, max: number, target: Target, clients: Clients, io: Io): Promise<number> {
  const letters = await peek(target, clients, max, 30);
  await release(letters, target, clients);
  if (json) {
    eachLine(
      JSON.stringify(
        letters.map(({ receiptHandle: _r, ...rest }) => rest),
        null,
        2,
      ),
      (line) => io.out(line),
    );
    return 0;
  }
  if (letters.length === 0) {
    io.out(`The dead-letter queue of ${target.name} is empty.`);
    return 0;
  }
  io.out(`${letters.length} dead-lettered message(s) in ${target.name}:`);
  const rows = letters.map((l) => [`  ${l.messageId}`, l.sentAt, l.flavour ?? '?', l.requestId ?? '?', l.reason ?? '(no reason recorded)']);
  for (const line of table([['  message id', 'first sent', 'flavour', 'request id', 'reason'], ...rows])) io.out(line);
  io.out('Fix the cause, then: picpay-webhooks dlq replay --all   (or name message ids)');
  return 0;
}

/**
 * `dlq replay`: moves messages back to the processing queue. Each message is deleted from
 * the DLQ only after the processing queue accepted its copy.
 */
export async function dlqReplay(ids: readonly string[], all: boolean, target: Target, clients: Clients, io: Io): Promise<number> {
  if (!all && ids.length === 0) throw new CliError('Name the message ids to replay, or pass --all.');
  const read = await peek(target, clients, 10_000, 60);
  const letters = read.filter((l) => all || ids.includes(l.messageId));
  await release(
    read.filter((l) => !letters.includes(l)),
    target,
    clients,
  );
  const missing = all ? [] : ids.filter((id) => !letters.some((l) => l.messageId === id));
  for (const id of missing) io.err(`No dead-lettered message ${id} (or it is being read by someone else).`);
  return replayEach(letters, missing.length, io, {
    id: (letter) => letter.messageId,
    send: (letter) => clients.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: letter.body })),
    remove: async (letter) => {
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: target.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle }));
      // The note is only an explanation; a failure to delete it loses nothing.
      await clients.stores.deadLetters.delete(letter.messageId).catch(() => undefined);
    },
    staysIn: 'in the DLQ',
  });
}
