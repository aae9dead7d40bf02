import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PicPayWebhooks } from '../../lib/construct.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

/**
 * The stack variants the infrastructure checks (cfn-lint, resource policies) read, written
 * out by hand. Synthesized without bundling the functions: the templates are what matters here,
 * and the bundles are built once by stack.test.ts.
 */
export interface Variant {
  readonly name: string;
  readonly stacks: ReadonlyArray<{ readonly stack: Stack; readonly receivers: readonly PicPayWebhooks[]; readonly template: Record<string, unknown> }>;
}

/** An operator's role allowed to send to the notification queue (operatorRoleArns) in the variant with every option. */
export const OPERATOR_ROLE_ARN = 'arn:aws:iam::123456789012:role/ops/PicPayWebhooksOperator';
/** The receivers (by name) that list OPERATOR_ROLE_ARN. */
export const RECEIVERS_WITH_OPERATOR = ['PicPayWebhooksProd', 'Payments-Loja'];
/** The stacks with a receiver that sets encryptLogs. */
export const STACKS_ENCRYPTING_LOGS = ['Payments'];

const EVERY_OPTION: PicPayWebhooksStackProps = {
  operatorRoleArns: [OPERATOR_ROLE_ARN, 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/sa-east-1/AWSReservedSSO_Ops_0123456789abcdef'],
  enableWaf: true,
  wafRateLimit: 500,
  alarmEmail: 'ops@loja.com.br',
  retentionDays: 400,
  customDomain: { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab' },
  env: { account: '123456789012', region: 'sa-east-1' },
};

function build(name: string, stacks: ReadonlyArray<[string, PicPayWebhooksStackProps]>): Variant {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const built = stacks.map(([id, props]) => new PicPayWebhooksStack(app, id, props));
  const assembly = app.synth();
  return {
    name,
    stacks: built.map((stack) => ({
      stack,
      receivers: [stack.webhooks],
      template: assembly.getStackByName(stack.stackName).template as Record<string, unknown>,
    })),
  };
}

/**
 * A platform team's own stack holding two receivers (the construct, docs/construct.md): both
 * REST, so they share the account-level logging role; different settings otherwise.
 */
function embedded(): Variant {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Payments', { env: { account: '123456789012', region: 'sa-east-1' } });
  const receivers = [
    new PicPayWebhooks(stack, 'Loja', { enableWaf: true, alarmEmail: 'ops@loja.com.br', operatorRoleArns: [OPERATOR_ROLE_ARN] }),
    new PicPayWebhooks(stack, 'Marketplace', {
      stageName: 'mkt',
      encryptLogs: true,
      retentionDays: 90,
      quietAlarmHours: 6,
      dataRemovalPolicy: RemovalPolicy.DESTROY,
    }),
  ];
  const template = app.synth().getStackByName('Payments').template as Record<string, unknown>;
  return { name: 'two receivers in a team’s own stack', stacks: [{ stack, receivers, template }] };
}

export function variants(): Variant[] {
  return [
    build('defaults', [['PicPayWebhooks', {}]]),
    build('WAF, custom domain and alarm e-mail', [['PicPayWebhooksProd', EVERY_OPTION]]),
    build('side by side, the second without the account-level logging role', [
      ['PicPayWebhooks', {}],
      ['PicPayWebhooksStaging', { apiGatewayCloudWatchRole: false }],
    ]),
    build('HTTP API with custom domain, alarm e-mail and tracing off', [
      [
        'PicPayWebhooksHttp',
        {
          apiType: 'http',
          tracing: false,
          alarmEmail: 'ops@loja.com.br',
          customDomain: EVERY_OPTION.customDomain,
          env: EVERY_OPTION.env,
        },
      ],
    ]),
    build('HTTP API, defaults otherwise', [['PicPayWebhooksHttpDefaults', { apiType: 'http' }]]),
    build('data removed on destroy, own stage, limits and schedule', [
      [
        'PicPayWebhooksDev',
        {
          dataRemovalPolicy: RemovalPolicy.DESTROY,
          stageName: 'dev',
          throttlingRateLimit: 5,
          throttlingBurstLimit: 10,
          dlqMaxReceiveCount: 8,
          processorMaxConcurrency: 2,
          reconcileEveryMinutes: 5,
        },
      ],
    ]),
    embedded(),
  ];
}
