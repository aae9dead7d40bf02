import { App, RemovalPolicy } from 'aws-cdk-lib';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

/**
 * The stack variants the infrastructure checks (cfn-lint, resource policies) read, written
 * out by hand. Synthesized without bundling the functions: the templates are what matters here,
 * and the bundles are built once by stack.test.ts.
 */
export interface Variant {
  readonly name: string;
  readonly stacks: ReadonlyArray<{ readonly stack: PicPayWebhooksStack; readonly template: Record<string, unknown> }>;
}

/** An operator's role allowed to send to the notification queue (operatorRoleArns) in the variant with every option. */
export const OPERATOR_ROLE_ARN = 'arn:aws:iam::123456789012:role/ops/PicPayWebhooksOperator';
/** The stacks that list OPERATOR_ROLE_ARN. */
export const STACKS_WITH_OPERATOR = ['PicPayWebhooksProd'];

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
  return { name, stacks: built.map((stack) => ({ stack, template: assembly.getStackByName(stack.stackName).template as Record<string, unknown> })) };
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
  ];
}
