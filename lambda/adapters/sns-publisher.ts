import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { asciiJson } from '../domain/envelope.js';
import { AwsServiceError } from '../domain/errors.js';
import { type ChargeEvent, eventAttributes, type ProbeEvent, probeEventAttributes } from '../domain/events.js';
import type { EventPublisher } from '../domain/ports.js';

export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: ChargeEvent): Promise<void> {
    const attributes = Object.fromEntries(Object.entries(eventAttributes(event)).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
    try {
      // Plain ASCII JSON: a charge id with any Unicode character survives SNS and SQS subscribers.
      await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Message: asciiJson(event), MessageAttributes: attributes }));
    } catch (error) {
      throw new AwsServiceError('sns', 'SNS publish failed', { cause: error });
    }
  }

  /** A probe event (picpay-webhooks doctor); resolves with SNS's message id. */
  async publishProbe(event: ProbeEvent): Promise<string> {
    const attributes = Object.fromEntries(Object.entries(probeEventAttributes(event)).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
    try {
      const out = await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify(event), MessageAttributes: attributes }));
      return out.MessageId ?? 'unknown';
    } catch (error) {
      throw new AwsServiceError('sns', 'SNS publish failed', { cause: error });
    }
  }
}
