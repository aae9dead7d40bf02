#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { PicPayWebhooksStack } from '../lib/stack.js';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'PicPayWebhooks';
new PicPayWebhooksStack(app, stackName, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
