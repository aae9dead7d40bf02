import { readFileSync } from 'node:fs';
import { App, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LOG_RETENTION_DAYS, SETTINGS } from '../../lambda/settings.js';
import { stackNameFromContext } from '../../lib/context.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';
import { SETTINGS_DOC_COMMAND, SETTINGS_DOC_PATH, settingsDoc } from '../../tools/settings-doc.js';

const quick = (props: PicPayWebhooksStackProps) => new PicPayWebhooksStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Settings', props);

describe('the settings definition', () => {
  test(`docs/settings.md is generated from it (run \`${SETTINGS_DOC_COMMAND}\` if this fails)`, () => {
    const committed = readFileSync(SETTINGS_DOC_PATH, 'utf8');
    if (committed !== settingsDoc()) {
      throw new Error(`docs/settings.md and lambda/settings.ts disagree: run \`${SETTINGS_DOC_COMMAND}\` and commit the result`);
    }
  });

  test("cdk.json's context gives every key its default (empty: none)", () => {
    const context = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
    expect(Object.fromEntries(Object.keys(SETTINGS).map((key) => [key, context[key]]))).toEqual({
      stackName: 'PicPayWebhooks',
      apiType: 'rest',
      apiGatewayCloudWatchRole: true,
      stageName: 'live',
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
      registrationRateLimit: 10,
      registrationBurstLimit: 20,
      logRetentionDays: 30,
      encryptLogs: false,
      dlqMaxReceiveCount: 36,
      processorMaxConcurrency: 5,
      alarmEmail: '',
      quietAlarmHours: '',
      enableWaf: false,
      wafRateLimit: 2000,
      tracing: true,
      removalPolicy: 'retain',
      picpayBaseUrl: 'https://appws.picpay.com',
      reconcileEveryMinutes: 15,
      reconcileMinAgeMinutes: 30,
      domainName: '',
      certificateArn: '',
      retentionDays: '',
      operatorRoleArns: '',
    });
    for (const [key, setting] of Object.entries(SETTINGS)) expect([key, context[key]]).toEqual([key, 'default' in setting ? setting.default : '']);
  });

  test("the retention periods are CloudWatch Logs' own (aws-cdk-lib RetentionDays)", () => {
    const cdk = Object.values(logs.RetentionDays).filter((v) => typeof v === 'number');
    expect([...LOG_RETENTION_DAYS].sort((a, b) => a - b)).toEqual(cdk.sort((a, b) => a - b));
  });
});

describe('stackName from context', () => {
  const ctx = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

  test('PicPayWebhooks unless set', () => {
    expect(stackNameFromContext(ctx({}))).toBe('PicPayWebhooks');
    expect(stackNameFromContext(ctx({ stackName: '' }))).toBe('PicPayWebhooks');
    expect(stackNameFromContext(ctx({ stackName: 'PicPayWebhooks-Staging2' }))).toBe('PicPayWebhooks-Staging2');
  });

  test.each([['2Stack'], ['Pic_Pay'], ['P'.repeat(101)], [42]])('a bad stackName (%p) stops the synth naming the key', (value) => {
    expect(() => stackNameFromContext(ctx({ stackName: value }))).toThrow('Context key "stackName" must be a letter then letters, digits or hyphens');
  });
});

describe('stack props are checked by the rules the context keys are', () => {
  test.each<[PicPayWebhooksStackProps, string]>([
    [{ throttlingRateLimit: 0 }, 'throttlingRateLimit'],
    [{ throttlingBurstLimit: 5001 }, 'throttlingBurstLimit'],
    [{ throttlingBurstLimit: 2.5 }, 'throttlingBurstLimit'],
    [{ registrationRateLimit: 0 }, 'registrationRateLimit'],
    [{ registrationRateLimit: -1 }, 'registrationRateLimit'],
    [{ registrationBurstLimit: 0 }, 'registrationBurstLimit'],
    [{ registrationBurstLimit: 5001 }, 'registrationBurstLimit'],
    [{ logRetention: 31 as logs.RetentionDays }, 'logRetention'],
    [{ dlqMaxReceiveCount: 1001 }, 'dlqMaxReceiveCount'],
    [{ processorMaxConcurrency: 1001 }, 'processorMaxConcurrency'],
    [{ wafRateLimit: 2_000_000_001 }, 'wafRateLimit'],
    [{ alarmEmail: 'ops at loja' }, 'alarmEmail'],
    [{ dataRemovalPolicy: RemovalPolicy.SNAPSHOT }, 'dataRemovalPolicy'],
    [{ picpayBaseUrl: 'http://appws.picpay.com' }, 'picpayBaseUrl'],
    [{ reconcileEveryMinutes: 0 }, 'reconcileEveryMinutes'],
    [{ reconcileEveryMinutes: 1441 }, 'reconcileEveryMinutes'],
    [{ reconcileMinAgeMinutes: 0 }, 'reconcileMinAgeMinutes'],
    [{ reconcileMinAgeMinutes: 100_001 }, 'reconcileMinAgeMinutes'],
    [{ customDomain: { domainName: 'not a domain', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/abc' } }, 'customDomain.domainName'],
    [{ customDomain: { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:iam::123456789012:role/x' } }, 'customDomain.certificateArn'],
    [{ operatorRoleArns: ['arn:aws:iam::123456789012:role/*'] }, 'operatorRoleArns'],
    [{ operatorRoleArns: ['arn:aws:iam::123456789012:user/ops'] }, 'operatorRoleArns'],
    [{ operatorRoleArns: ['arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b'] }, 'operatorRoleArns'],
  ])('refused, naming the prop: %p', (props, name) => {
    expect(() => quick(props)).toThrow(`PicPayWebhooks Settings/Default: ${name} must be`);
  });

  test('the bounds themselves are accepted', () => {
    expect(() =>
      quick({
        throttlingBurstLimit: 5000,
        registrationBurstLimit: 1,
        dlqMaxReceiveCount: 1000,
        processorMaxConcurrency: 2,
        wafRateLimit: 10,
        reconcileEveryMinutes: 1440,
        reconcileMinAgeMinutes: 100_000,
        logRetention: logs.RetentionDays.INFINITE,
      }),
    ).not.toThrow();
  });

  test('operator roles given as tokens (a role of another construct) are left to CloudFormation; literal ones are checked each', () => {
    expect(() => quick({ operatorRoleArns: [Token.asString({ 'Fn::GetAtt': ['Ops', 'Arn'] }), 'arn:aws:iam::123456789012:role/ops/Replayer'] })).not.toThrow();
    expect(() => quick({ operatorRoleArns: [Token.asString({ 'Fn::GetAtt': ['Ops', 'Arn'] }), 'Replayer'] })).toThrow(
      'PicPayWebhooks Settings/Default: operatorRoleArns must be',
    );
  });

  test('a custom domain given as tokens is left to CloudFormation', () => {
    expect(() =>
      quick({ customDomain: { domainName: Token.asString({ Ref: 'Domain' }), certificateArn: Token.asString({ Ref: 'Certificate' }) } }),
    ).not.toThrow();
  });
});
