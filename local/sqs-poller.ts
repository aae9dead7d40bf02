import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly visibilityTimeoutSeconds: number;
  /** Locally, a failed message becomes visible again after this delay instead of the full
   * visibility timeout, so retries and dead-lettering happen in seconds. */
  readonly retryDelaySeconds: number;
  /** Whether the handler itself held this message back (its own retry delay): then, as with
   * Lambda, its visibility is left as the handler set it. */
  readonly heldBack?: (receiptHandle: string) => boolean;
  readonly handler: SqsHandler;
  readonly context: () => Context;
  readonly onError?: (error: unknown) => void;
  /** Chaos: whether this invocation dies half-way through its batch. */
  readonly shouldCrash?: () => boolean;
  /**
   * Chaos: the records a crashed invocation had finished (processed without failure) before it
   * died. Nothing was acknowledged, so each of them is received and processed again.
   */
  readonly onCrash?: (finished: readonly SQSRecord[]) => void;
}

export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Plays the part of Lambda's SQS event source mapping: receive a batch, invoke the handler,
 * delete what succeeded, return `batchItemFailures` (or everything, if the handler threw) to
 * the queue: after `retryDelaySeconds`, unless the handler set the message's visibility itself.
 * The queue's redrive policy moves a message to the DLQ after its receive limit.
 */
export function startPoller(options: PollerOptions): { stop(): Promise<void> } {
  const abort = new AbortController();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const out = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        const records = messages.map((m) => toSqsRecord(m, options.queueArn));
        let failed: Set<string>;
        try {
          if (options.shouldCrash?.()) {
            // The invocation dies half-way: the first half was processed, nothing is acknowledged.
            const half = records.slice(0, Math.ceil(records.length / 2));
            const response = await options.handler({ Records: half }, options.context());
            const halfFailed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
            options.onCrash?.(half.filter((r) => !halfFailed.has(r.messageId)));
            throw new Error('Injected crash in the middle of a batch');
          }
          const response = await options.handler({ Records: records }, options.context());
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          failed = new Set(records.map((r) => r.messageId));
        }
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        const retry = messages.filter((m) => failed.has(m.MessageId!) && !options.heldBack?.(m.ReceiptHandle!));
        if (done.length) {
          await options.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
        if (retry.length) {
          await options.client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: retry.map((m, i) => ({
                Id: String(i),
                ReceiptHandle: m.ReceiptHandle!,
                VisibilityTimeout: options.retryDelaySeconds,
              })),
            }),
          );
        }
      } catch (error) {
        if (stopped) break;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      abort.abort();
      await loop;
    },
  };
}
