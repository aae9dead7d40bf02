#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { stackPropsFromContext } from '../lib/context.js';
import { PicPayWebhooksStack } from '../lib/stack.js';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'PicPayWebhooks';
new PicPayWebhooksStack(app, stackName, {
  ...stackPropsFromContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
