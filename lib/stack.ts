import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_ID, PicPayWebhooks, type PicPayWebhooksProps } from './construct.js';

/** The standalone app's stack: one receiver, named by the stack. */
export interface PicPayWebhooksStackProps extends StackProps, Omit<PicPayWebhooksProps, 'name'> {}

/**
 * The stack `cdk deploy` creates from this repository (bin/app.ts): a stack holding one
 * `PicPayWebhooks` with id `Default`, so every resource and output keeps the logical id it had
 * before the receiver became a construct, and the stack's name names the receiver.
 */
export class PicPayWebhooksStack extends Stack {
  readonly webhooks: PicPayWebhooks;

  constructor(scope: Construct, id: string, props: PicPayWebhooksStackProps = {}) {
    super(scope, id, props);
    this.webhooks = new PicPayWebhooks(this, DEFAULT_ID, props);
  }
}
