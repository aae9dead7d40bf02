import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Envelope, serializeEnvelope } from '../domain/envelope.js';
import { AwsServiceError } from '../domain/errors.js';

export interface NotificationQueue {
  /** Resolves once SQS has durably accepted the message; throws AwsServiceError otherwise. */
  send(envelope: Envelope): Promise<string>;
}

export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(envelope: Envelope): Promise<string> {
    try {
      const out = await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: serializeEnvelope(envelope),
          MessageAttributes: {
            flavour: { DataType: 'String', StringValue: envelope.flavour },
            requestId: { DataType: 'String', StringValue: envelope.requestId },
          },
        }),
      );
      if (!out.MessageId) throw new Error('SQS returned no MessageId');
      return out.MessageId;
    } catch (error) {
      throw new AwsServiceError('sqs', 'Could not enqueue the notification', { cause: error });
    }
  }

  /** Sends in batches of 10; throws if any entry was not accepted. */
  async sendAll(envelopes: readonly Envelope[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 10) {
      const chunk = envelopes.slice(i, i + 10);
      const out = await this.client
        .send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((envelope, n) => ({ Id: String(n), MessageBody: serializeEnvelope(envelope) })),
          }),
        )
        .catch((error: unknown) => {
          throw new AwsServiceError('sqs', 'Could not enqueue', { cause: error });
        });
      if (out.Failed?.length) throw new AwsServiceError('sqs', `${out.Failed.length} of ${chunk.length} messages were not enqueued`);
    }
  }
}

/** Holds a received message back: it becomes visible again after `seconds` (the retry delay). */
export interface MessageVisibility {
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

/** SQS ChangeMessageVisibility on the processing queue (the processor's backoff). */
export class SqsMessageVisibility implements MessageVisibility {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    try {
      await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    } catch (error) {
      throw new AwsServiceError('sqs', 'SQS did not change the message visibility', { cause: error });
    }
  }
}
