import { Duration, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';

/**
 * What the AWS Control Tower proactive controls ask of the stack, where it is not one property
 * of one resource (docs/governance.md lists every control, the default's answer and the setting
 * that makes it pass; test/infra/control-tower.test.ts runs them on every variant).
 */

/**
 * CT.KMS.PR.3: nobody but an AWS service (or a service on behalf of an AWS resource) may create
 * a grant on the key. Nothing in the stack uses grants: SNS, CloudWatch and CloudWatch Logs use
 * the key under its key policy, the functions under their roles. A grant would be a way around
 * the key policy that CloudTrail shows only as a CreateGrant, so it is denied outright.
 */
export function denyGrantsButForAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyAwsServicesCreateGrants',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
}

/**
 * The key of the log groups (setting encryptLogs, CT.CLOUDWATCH.PR.3): CloudWatch Logs of this
 * account and region may use it for log groups of this account and region only (the encryption
 * context CloudWatch Logs sets is the log group's ARN). Rotated yearly (CT.KMS.PR.1). It goes
 * with the stack, as the log groups do; deletion is scheduled after 7 days.
 */
export function logsKey(scope: Construct, id: string): kms.Key {
  const key = new kms.Key(scope, id, {
    description: 'Encrypts the function, API access and API execution log groups',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  const { account, region, partition } = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccountAndRegion',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
    }),
  );
  denyGrantsButForAwsServices(key);
  return key;
}

/**
 * CT.LAMBDA.PR.2: every permission that lets an AWS service invoke a function names the account
 * the calling resource belongs to (SourceAccount), besides its SourceArn: an execute-api ARN built
 * with Fn::Join is not a reference the control can read, and the account closes the confused
 * deputy however the ARN is written. The stack's own account: a literal when the stack is
 * synthesized with its account (`cdk deploy` does, bin/app.ts), `AWS::AccountId` otherwise.
 * An aspect, so a permission added by any construct of the stack is covered.
 */
export class InvokePermissionsNameTheAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof lambda.CfnPermission)) return;
    if (node.sourceAccount !== undefined || !/\.amazonaws\.com$/.test(node.principal)) return;
    node.sourceAccount = Stack.of(node).account;
  }
}
