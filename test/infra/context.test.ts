import { RemovalPolicy } from 'aws-cdk-lib';
import { stackPropsFromContext } from '../../lib/context.js';

const ctx = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

describe('stack settings from context', () => {
  test('absent or empty keys leave the stack defaults', () => {
    expect(stackPropsFromContext(ctx({}))).toEqual({});
    expect(stackPropsFromContext(ctx({ alarmEmail: '', domainName: '', certificateArn: '' }))).toEqual({});
  });

  test('every key, from cdk.json types or -c strings', () => {
    expect(
      stackPropsFromContext(
        ctx({
          stageName: 'prod',
          throttlingRateLimit: 20,
          throttlingBurstLimit: '40',
          registrationRateLimit: '2.5',
          registrationBurstLimit: 5,
          logRetentionDays: '90',
          encryptLogs: 'true',
          dlqMaxReceiveCount: 8,
          processorMaxConcurrency: '4',
          alarmEmail: 'ops@loja.com.br',
          enableWaf: 'true',
          apiGatewayCloudWatchRole: 'false',
          wafRateLimit: 500,
          removalPolicy: 'destroy',
          picpayBaseUrl: 'https://appws.picpay.com',
          domainName: 'webhooks.loja.com.br',
          certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab',
          apiType: 'rest',
          tracing: 'false',
          operatorRoleArns: 'arn:aws:iam::123456789012:role/ops/Replayer,arn:aws:iam::123456789012:role/Oncall',
        }),
      ),
    ).toEqual({
      apiType: 'rest',
      tracing: false,
      stageName: 'prod',
      throttlingRateLimit: 20,
      throttlingBurstLimit: 40,
      registrationRateLimit: 2.5,
      registrationBurstLimit: 5,
      logRetention: 90,
      encryptLogs: true,
      dlqMaxReceiveCount: 8,
      processorMaxConcurrency: 4,
      alarmEmail: 'ops@loja.com.br',
      enableWaf: true,
      apiGatewayCloudWatchRole: false,
      wafRateLimit: 500,
      dataRemovalPolicy: RemovalPolicy.DESTROY,
      picpayBaseUrl: 'https://appws.picpay.com',
      customDomain: {
        domainName: 'webhooks.loja.com.br',
        certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab',
      },
      operatorRoleArns: ['arn:aws:iam::123456789012:role/ops/Replayer', 'arn:aws:iam::123456789012:role/Oncall'],
    });
  });

  test.each([
    ['stageName', 'my stage'],
    ['throttlingRateLimit', 'fast'],
    ['throttlingRateLimit', -1],
    ['throttlingBurstLimit', 0],
    ['throttlingBurstLimit', 2.5],
    ['registrationRateLimit', '0'],
    ['registrationBurstLimit', '5001'],
    ['logRetentionDays', 31],
    ['dlqMaxReceiveCount', 0],
    ['processorMaxConcurrency', 1],
    ['alarmEmail', 'not-an-email'],
    ['enableWaf', 'yes'],
    ['apiGatewayCloudWatchRole', 'no'],
    ['wafRateLimit', 5],
    ['removalPolicy', 'snapshot'],
    ['picpayBaseUrl', 'http://appws.picpay.com'],
    ['picpayBaseUrl', 42],
    ['domainName', 'not a domain'],
    ['apiType', 'HTTP'],
    ['apiType', 'websocket'],
    ['apiType', true],
    ['tracing', 'off'],
    ['tracing', 1],
    ['throttlingRateLimit', 0],
    ['throttlingBurstLimit', 5001],
    ['logRetentionDays', 'forever'],
    ['encryptLogs', 'yes'],
    ['dlqMaxReceiveCount', '1001'],
    ['processorMaxConcurrency', 1001],
    ['wafRateLimit', '2000000001'],
    ['reconcileEveryMinutes', 0],
    ['reconcileEveryMinutes', '1441'],
    ['reconcileEveryMinutes', '1.5'],
    ['reconcileMinAgeMinutes', 0],
    ['reconcileMinAgeMinutes', 100001],
    ['certificateArn', 'arn:aws:iam::123456789012:role/webhooks'],
    ['operatorRoleArns', 'arn:aws:iam::123456789012:role/*'],
    ['operatorRoleArns', 'arn:aws:iam::123456789012:user/ops'],
    ['operatorRoleArns', 'arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b'],
    ['operatorRoleArns', 'arn:aws:sts::123456789012:assumed-role/Ops/alice'],
  ])('a bad %s (%p) stops the synth naming the key', (key, value) => {
    expect(() => stackPropsFromContext(ctx({ [key]: value }))).toThrow(`Context key "${key}"`);
  });

  test('the reconcile schedule and the bounds themselves, from cdk.json types or -c strings', () => {
    expect(
      stackPropsFromContext(
        ctx({
          reconcileEveryMinutes: '1440',
          reconcileMinAgeMinutes: 100000,
          throttlingBurstLimit: '5000',
          dlqMaxReceiveCount: 1000,
          processorMaxConcurrency: '2',
          wafRateLimit: 10,
          logRetentionDays: 9999,
          removalPolicy: 'retain',
        }),
      ),
    ).toEqual({
      reconcileEveryMinutes: 1440,
      reconcileMinAgeMinutes: 100000,
      throttlingBurstLimit: 5000,
      dlqMaxReceiveCount: 1000,
      processorMaxConcurrency: 2,
      wafRateLimit: 10,
      logRetention: 9999,
      dataRemovalPolicy: RemovalPolicy.RETAIN,
    });
  });

  test('apiType http and tracing from cdk.json types or -c strings', () => {
    expect(stackPropsFromContext(ctx({ apiType: 'http', tracing: true }))).toEqual({ apiType: 'http', tracing: true });
    expect(stackPropsFromContext(ctx({ apiType: 'http', tracing: 'false', enableWaf: 'false' }))).toEqual({
      apiType: 'http',
      tracing: false,
      enableWaf: false,
    });
  });

  test('WAF with the HTTP API is refused, naming the key: AWS WAF cannot protect an HTTP API', () => {
    expect(() => stackPropsFromContext(ctx({ apiType: 'http', enableWaf: 'true' }))).toThrow(
      'Context key "enableWaf" cannot be true with apiType "http": AWS WAF cannot be associated with an API Gateway HTTP API',
    );
    expect(() => stackPropsFromContext(ctx({ apiType: 'http', enableWaf: true }))).toThrow('Context key "enableWaf"');
    expect(stackPropsFromContext(ctx({ apiType: 'rest', enableWaf: true }))).toEqual({ apiType: 'rest', enableWaf: true });
  });

  test('a domain without a certificate is refused', () => {
    expect(() => stackPropsFromContext(ctx({ domainName: 'webhooks.loja.com.br' }))).toThrow('"domainName" and "certificateArn" go together');
  });
});
