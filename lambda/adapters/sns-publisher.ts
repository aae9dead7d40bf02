import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { asciiJson } from '../domain/envelope.js';
import { DependencyError } from '../domain/errors.js';
import { type ChargeEvent, eventAttributes } from '../domain/events.js';
import type { EventPublisher } from '../domain/process.js';

export const snsClient = new SNSClient({});

export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: ChargeEvent): Promise<void> {
    const attributes = Object.fromEntries(
      Object.entries(eventAttributes(event)).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    );
    try {
      // Plain ASCII JSON: a charge id with any Unicode character survives SNS and SQS subscribers.
      await this.client.send(
        new PublishCommand({ TopicArn: this.topicArn, Message: asciiJson(event), MessageAttributes: attributes }),
      );
    } catch (error) {
      throw new DependencyError('SNS publish failed', { cause: error });
    }
  }
}
