import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { asciiJson } from '../domain/envelope.js';
import { AwsServiceError } from '../domain/errors.js';
import { type ChargeEvent, eventAttributes, type ProbeEvent, probeEventAttributes } from '../domain/events.js';
import type { EventPublisher } from '../domain/ports.js';
import type { LoggedEvent } from './table/event-log.js';

/** A charge event as SNS carries it: the message (plain ASCII JSON) and its message attributes. */
export interface SnsMessage {
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export function snsMessageOf(event: ChargeEvent): SnsMessage {
  // Plain ASCII JSON: a charge id with any Unicode character survives SNS and SQS subscribers.
  return { message: asciiJson(event), attributes: eventAttributes(event) };
}

/** SNS's (and SQS's) shape of string message attributes. */
export function stringAttributes(attributes: Readonly<Record<string, string>>): Record<string, { DataType: 'String'; StringValue: string }> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
}

export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: ChargeEvent): Promise<void> {
    await this.publishMessage(snsMessageOf(event));
  }

  /** Publishes a message as it is: an event's, or one read back from the event log (`events replay --to-topic`). */
  async publishMessage({ message, attributes }: SnsMessage): Promise<void> {
    try {
      await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Message: message, MessageAttributes: stringAttributes(attributes) }));
    } catch (error) {
      throw new AwsServiceError('sns', 'SNS publish failed', { cause: error });
    }
  }

  /** A probe event (picpay-webhooks doctor); resolves with SNS's message id. */
  async publishProbe(event: ProbeEvent): Promise<string> {
    try {
      const out = await this.client.send(
        new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify(event), MessageAttributes: stringAttributes(probeEventAttributes(event)) }),
      );
      return out.MessageId ?? 'unknown';
    } catch (error) {
      throw new AwsServiceError('sns', 'SNS publish failed', { cause: error });
    }
  }
}

/**
 * Logs every charge event (the event log, lambda/adapters/table/event-log.ts) just before it is
 * published, on every publish path (the processor, the outbox sweep): a failed log write fails
 * the publish, which is retried like any failed publish, so nothing is ever published unlogged.
 * An event logged whose publish then failed is published later (the retry, the sweep): the log
 * holds every event published, and perhaps one about to be.
 */
export class LoggedEventPublisher implements EventPublisher {
  constructor(
    private readonly log: { record(event: LoggedEvent): Promise<void> },
    private readonly sns: Pick<SnsEventPublisher, 'publishMessage'>,
  ) {}

  async publish(event: ChargeEvent): Promise<void> {
    const published = snsMessageOf(event);
    await this.log.record({ transitionId: event.transitionId, chargeKey: event.chargeKey, recordedAt: event.recordedAt, ...published });
    await this.sns.publishMessage(published);
  }
}
