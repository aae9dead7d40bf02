#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../lib/context.js';
import { PicPayWebhooksStack } from '../lib/stack.js';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) || 'PicPayWebhooks';
// It names the stack, the API, the metric namespace, the alarms and the dashboard.
if (!/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(stackName)) {
  throw new Error(`Context key "stackName" must be a letter then letters, digits or hyphens (at most 100), got ${JSON.stringify(stackName)}`);
}
new PicPayWebhooksStack(app, stackName, {
  ...stackPropsFromContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Security review on every synth: any unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
