import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PicPayWebhooks, type PicPayWebhooksProps } from '../../lib/construct.js';
import { PicPayWebhooksStack } from '../../lib/stack.js';
import { readFileSync } from 'node:fs';
import { CONSTRUCT_DOC_COMMAND, CONSTRUCT_DOC_PATH, withAcknowledgements } from '../../tools/construct-doc.js';
import { variants } from './variants.support.js';

/**
 * The construct (docs/construct.md): the standalone stack is one `PicPayWebhooks` and keeps every
 * logical id it had before; several fit in a team's stack without a clash; a bad prop names the
 * receiver and the prop. Expected names and ids are written by hand.
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Template = { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const ENV = { account: '123456789012', region: 'sa-east-1' };

/** The keys of the outputs every receiver writes (docs/construct.md, "Outputs"), without a custom domain. */
const OUTPUT_KEYS = [
  'CallbackUrl',
  'WebhookUrl',
  'RegistrationUrl',
  'RegistrationInvokeArn',
  'TopicArn',
  'TableName',
  'SecretName',
  'CredentialsSecretName',
  'QueueUrl',
  'DeadLetterQueueUrl',
  'DeadLetterQueueArn',
  'MetricsNamespace',
  'PicPayBaseUrl',
  'AlarmTopicArn',
  'DashboardName',
];

describe('the standalone stack, now one receiver with id Default', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PicPayWebhooksStack(app, 'PicPayWebhooks', { env: ENV });
  const template = app.synth().getStackByName('PicPayWebhooks').template as Template;

  test('keeps the logical ids of the stack it was before the construct: an upgrade replaces no table, queue, secret or topic', () => {
    // From the template of 0.1.0 (commit fde2e27), before the receiver became a construct.
    const released: Record<string, string> = {
      Charges260CEA4B: 'AWS::DynamoDB::Table',
      Tokens1180AAEA: 'AWS::SecretsManager::Secret',
      PicPayCredentials917BFDAE: 'AWS::SecretsManager::Secret',
      NotificationQueue36610CC1: 'AWS::SQS::Queue',
      DeadLetterQueue9F481546: 'AWS::SQS::Queue',
      ChargeEvents1E997880: 'AWS::SNS::Topic',
      TopicKeyB2E0C9CB: 'AWS::KMS::Key',
      MonitoringAlarmTopicAF62D4F1: 'AWS::SNS::Topic',
      ApiF70053CD: 'AWS::ApiGateway::RestApi',
      ApiGatewayAccount: 'AWS::ApiGateway::Account',
      ApiGatewayCloudWatchRole86F22A4D: 'AWS::IAM::Role',
      AuthenticatorRoleACE52D68: 'AWS::IAM::Role',
      ProcessorRole00D2607C: 'AWS::IAM::Role',
    };
    for (const [id, type] of Object.entries(released)) expect([id, template.Resources[id]?.Type]).toEqual([id, type]);
    // The CLI finds the stack by these output keys.
    expect(Object.keys(template.Outputs).sort()).toEqual([...OUTPUT_KEYS, 'ApiEndpoint4F160690'].sort());
  });

  test('is named by the stack: API, metric namespace, alarms and dashboard', () => {
    expect(stack.webhooks.name).toBe('PicPayWebhooks');
    expect(stack.webhooks.outputPrefix).toBe('');
    expect(ofType(template, 'AWS::ApiGateway::RestApi')[0]![1].Properties.Name).toBe('PicPayWebhooks');
    expect(stack.webhooks.monitoring.namespace).toBe('PicPayWebhooks/PicPayWebhooks');
    for (const [, alarm] of ofType(template, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmName).toMatch(/^PicPayWebhooks-[A-Za-z0-9]+$/);
  });
});

describe("two receivers in a team's own stack, REST with WAF and HTTP without tracing, cdk-nag on", () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Payments', { env: ENV });
  const loja = new PicPayWebhooks(stack, 'Loja', { enableWaf: true, alarmEmail: 'ops@loja.com.br' });
  const marketplace = new PicPayWebhooks(stack, 'Marketplace', { apiType: 'http', tracing: false, stageName: 'mkt', quietAlarmHours: 12 });
  // As bin/app.ts runs them: an unacknowledged finding fails the synth. The construct's
  // acknowledgements travel with it (docs/construct.md, "cdk-nag").
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const template = app.synth().getStackByName('Payments').template as Template;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

  test('each is named from the stack and its id, and its outputs start with the id', () => {
    expect([loja.name, marketplace.name]).toEqual(['Payments-Loja', 'Payments-Marketplace']);
    expect(ofType(template, 'AWS::ApiGateway::RestApi').map(([, r]) => r.Properties.Name)).toEqual(['Payments-Loja']);
    expect(ofType(template, 'AWS::ApiGatewayV2::Api').map(([, r]) => r.Properties.Name)).toEqual(['Payments-Marketplace']);
    const outputs = Object.keys(template.Outputs);
    expect(outputs.filter((k) => !k.startsWith('LojaApiEndpoint')).sort()).toEqual(
      [...OUTPUT_KEYS.map((k) => `Loja${k}`), ...OUTPUT_KEYS.map((k) => `Marketplace${k}`)].sort(),
    );
  });

  test("each one's URLs are its own API's, for the construct's user as in its outputs", () => {
    const url = (value: string) => JSON.stringify(stack.resolve(value));
    expect(url(loja.webhookUrl)).toContain(`"${id(loja.api!)}"`);
    expect(url(loja.webhookUrl)).toMatch(/\/webhook"\]\]\}$/);
    expect(url(loja.callbackUrl)).toMatch(/\/callback"\]\]\}$/);
    expect(url(marketplace.webhookUrl)).toContain(`"${id(marketplace.httpApi!)}"`);
    expect(url(marketplace.webhookUrl)).toMatch(/\/mkt\/webhook"\]\]\}$/);
    expect(url(marketplace.registrationUrl)).toMatch(/\/mkt\/charges"\]\]\}$/);
    expect(template.Outputs.MarketplaceWebhookUrl).toEqual({ Description: expect.any(String), Value: stack.resolve(marketplace.webhookUrl) });
  });

  test('no metric namespace, alarm, dashboard or WAF metric is shared', () => {
    const namespaces = ofType(template, 'AWS::Lambda::Function').map(
      ([, f]) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_METRICS_NAMESPACE,
    );
    expect(namespaces.sort()).toEqual([...Array(4).fill('PicPayWebhooks/Payments-Loja'), ...Array(4).fill('PicPayWebhooks/Payments-Marketplace')]);
    const alarms = ofType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName as string);
    expect(new Set(alarms).size).toBe(alarms.length);
    // 19 each, and Marketplace's PicPayQuiet.
    expect(alarms.filter((a) => a.startsWith('Payments-Loja-'))).toHaveLength(19);
    expect(alarms.filter((a) => a.startsWith('Payments-Marketplace-'))).toHaveLength(20);
    const dashboards = ofType(template, 'AWS::CloudWatch::Dashboard').map(([, d]) => JSON.stringify(d.Properties.DashboardName));
    expect(dashboards).toEqual([
      JSON.stringify({ 'Fn::Join': ['', ['Payments-Loja-', { Ref: 'AWS::Region' }]] }),
      JSON.stringify({ 'Fn::Join': ['', ['Payments-Marketplace-', { Ref: 'AWS::Region' }]] }),
    ]);
    const [[, acl]] = ofType(template, 'AWS::WAFv2::WebACL') as [[string, Resource]];
    expect((acl.Properties.VisibilityConfig as { MetricName: string }).MetricName).toBe('Payments-Loja-webacl');
  });

  test("each receiver's functions are wired to its own queue, table, topic and secrets", () => {
    for (const [receiver, other] of [
      [loja, marketplace],
      [marketplace, loja],
    ] as const) {
      const env = (fn: { function: { node: { defaultChild?: unknown } } }) =>
        JSON.stringify((template.Resources[id(fn.function)]!.Properties.Environment as { Variables: unknown }).Variables);
      expect(env(receiver.authenticator)).toContain(`"${id(receiver.queue)}"`);
      expect(env(receiver.authenticator)).toContain(`"${id(receiver.tokensSecret)}"`);
      expect(env(receiver.processor)).toContain(`"${id(receiver.table)}"`);
      expect(env(receiver.processor)).toContain(`"${id(receiver.topic)}"`);
      expect(env(receiver.processor)).toContain(`"${id(receiver.credentialsSecret)}"`);
      for (const fn of [receiver.authenticator, receiver.processor, receiver.reconciler, receiver.sweeper]) {
        for (const theirs of [other.queue, other.table, other.topic, other.tokensSecret, other.credentialsSecret])
          expect(env(fn)).not.toContain(`"${id(theirs)}"`);
      }
    }
  });
});

describe('two REST receivers in one stack', () => {
  const embedded = variants().find((v) => v.name === 'two receivers in a team’s own stack')!.stacks[0]!;
  const template = embedded.template as unknown as Template;

  test('share the one account-level logging role, and each stage waits for it', () => {
    const accounts = ofType(template, 'AWS::ApiGateway::Account');
    expect(accounts.map(([logicalId]) => logicalId)).toEqual(['ApiGatewayAccount']);
    expect(ofType(template, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('apigateway'))).toHaveLength(1);
    const stages = ofType(template, 'AWS::ApiGateway::Stage');
    expect(stages.map(([, s]) => s.Properties.StageName).sort()).toEqual(['live', 'mkt']);
    for (const [, stage] of stages) expect(stage.DependsOn).toContain('ApiGatewayAccount');
  });
});

describe('a bad prop stops the synth naming the receiver and the prop', () => {
  const stackOf = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Payments');
  const receiver = (props: PicPayWebhooksProps, id = 'Loja') => new PicPayWebhooks(stackOf(), id, props);

  test.each([
    [{ throttlingBurstLimit: 0 }, 'PicPayWebhooks Payments/Loja: throttlingBurstLimit must be a whole number from 1 to 5000'],
    [{ apiType: 'http', enableWaf: true } as PicPayWebhooksProps, 'PicPayWebhooks Payments/Loja: enableWaf cannot be used with apiType "http"'],
    [{ name: 'Loja_Prod' }, 'PicPayWebhooks Payments/Loja: name must be a letter then letters, digits or hyphens (at most 100), got "Loja_Prod"'],
  ])('%p', (props, message) => {
    expect(() => receiver(props)).toThrow(message);
  });

  test('an id that cannot be part of a name asks for one', () => {
    expect(() => receiver({}, 'Loja_Prod')).toThrow(
      `PicPayWebhooks Payments/Loja_Prod: name must be a letter then letters, digits or hyphens (at most 100), got "Payments-Loja_Prod" (from the stack's name and the construct's id: pass name)`,
    );
    const named = receiver({ name: 'LojaProd' }, 'Loja_Prod');
    expect([named.name, named.outputPrefix, named.monitoring.namespace]).toEqual(['LojaProd', 'LojaProd', 'PicPayWebhooks/LojaProd']);
  });

  test('two receivers of a stack cannot share a name, nor an output prefix', () => {
    const stack = stackOf();
    new PicPayWebhooks(stack, 'Loja', { name: 'Shop' });
    expect(() => new PicPayWebhooks(stack, 'Marketplace', { name: 'Shop' })).toThrow(
      'PicPayWebhooks Payments/Marketplace: name "Shop" is the name of the receiver at Payments/Loja too',
    );
    new PicPayWebhooks(stack, 'Shop-A', {});
    expect(() => new PicPayWebhooks(stack, 'ShopA', {})).toThrow(
      'PicPayWebhooks Payments/ShopA: id "ShopA" gives an output the id "ShopACustomDomainTarget", as the receiver at Payments/Shop-A does',
    );
  });

  test("nor a name that is the other's and a hyphen: each alarm topic admits the alarms named after its receiver", () => {
    const stack = stackOf();
    // The stack's own name for the Default receiver, "Payments-Shop" for the other.
    new PicPayWebhooks(stack, 'Default', {});
    expect(() => new PicPayWebhooks(stack, 'Shop', {})).toThrow(
      'PicPayWebhooks Payments/Shop: name "Payments-Shop" and "Payments" (the receiver at Payments/Default) would share alarms named "Payments-Shop-…"',
    );
    expect(new PicPayWebhooks(stack, 'Shop2', { name: 'ShopReceiver' }).name).toBe('ShopReceiver');
  });

  test('nor an output id made of another prefix and key (Shop + AlarmTopicArn is ShopAlarm + TopicArn)', () => {
    const stack = stackOf();
    new PicPayWebhooks(stack, 'Shop', {});
    expect(() => new PicPayWebhooks(stack, 'ShopAlarm', {})).toThrow(
      'PicPayWebhooks Payments/ShopAlarm: id "ShopAlarm" gives an output the id "ShopAlarmTopicArn", as the receiver at Payments/Shop does',
    );
  });
});

describe('a REST receiver without the account-level role, beside one with it', () => {
  test.each([
    ['built first', ['Plain', 'WithRole']],
    ['built second', ['WithRole', 'Plain']],
  ])('%s: its stage waits for the shared ApiGatewayAccount too', (_order, ids) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Payments', { env: ENV });
    for (const id of ids) new PicPayWebhooks(stack, id, id === 'Plain' ? { apiGatewayCloudWatchRole: false } : {});
    const template = app.synth().getStackByName('Payments').template as Template;
    expect(ofType(template, 'AWS::ApiGateway::Account').map(([logicalId]) => logicalId)).toEqual(['ApiGatewayAccount']);
    const stages = ofType(template, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(2);
    for (const [, stage] of stages) expect(stage.DependsOn).toContain('ApiGatewayAccount');
  });
});

test(`docs/construct.md lists every cdk-nag acknowledgement the construct makes (run \`${CONSTRUCT_DOC_COMMAND}\` if this fails)`, () => {
  const committed = readFileSync(CONSTRUCT_DOC_PATH, 'utf8');
  if (withAcknowledgements(committed) !== committed) {
    throw new Error(`docs/construct.md and the construct's acknowledgements disagree: run \`${CONSTRUCT_DOC_COMMAND}\` and commit the result`);
  }
  // Spot checks written by hand: the rules a reviewer asks about first.
  expect(committed).toMatch(/\| `AwsSolutions-APIG4` \| [^|]*`Api\/Default\/webhook\/POST`[^|]*\| always \|/);
  expect(committed).toMatch(/\| `AwsSolutions-SMG4` \| `PicPayCredentials`, `Tokens` \| always \|/);
  expect(committed).toContain('`(the stack) ApiGatewayCloudWatchRole` | apiType `rest`, apiGatewayCloudWatchRole on |');
});
