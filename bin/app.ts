#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackNameFromContext, stackPropsFromContext } from '../lib/context.js';
import { PicPayWebhooksStack } from '../lib/stack.js';

const app = new App();
new PicPayWebhooksStack(app, stackNameFromContext(app.node), {
  ...stackPropsFromContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Security review on every synth: any unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
