import { loadAuthenticatorConfig, loadProcessorConfig, loadReconcilerConfig, loadSweeperConfig } from '../lambda/config.js';
import { ConfigError } from '../lambda/domain/errors.js';

const processorEnv = { QUEUE_URL: 'https://sqs.sa-east-1.amazonaws.com/123456789012/q', TABLE_NAME: 't', TOPIC_ARN: 'arn', PICPAY_CREDENTIALS_SECRET_ID: 'c' };

describe('config', () => {
  test.each([
    [{}, 'QUEUE_URL'],
    [{ QUEUE_URL: 'q' }, 'TOKENS_SECRET_ID'],
    [{ QUEUE_URL: '  ', TOKENS_SECRET_ID: 's' }, 'QUEUE_URL'],
  ])('authenticator fails fast naming the missing variable', (env, name) => {
    expect(() => loadAuthenticatorConfig(env)).toThrow(new ConfigError(`Missing required environment variable ${name}`));
  });

  test('authenticator defaults', () => {
    expect(loadAuthenticatorConfig({ QUEUE_URL: 'q', TOKENS_SECRET_ID: 's' })).toEqual({
      queueUrl: 'q',
      secretId: 's',
      secretMaxAgeSeconds: 60,
    });
    expect(loadProcessorConfig(processorEnv).maxProcessedBodyBytes).toBe(65536);
  });

  test.each([['QUEUE_URL'], ['TABLE_NAME'], ['TOPIC_ARN'], ['PICPAY_CREDENTIALS_SECRET_ID']])('processor fails fast without %s', (name) => {
    expect(() => loadProcessorConfig({ ...processorEnv, [name]: undefined })).toThrow(name);
  });

  test('each function is configured with its own secret only: the tokens for the authenticator, the PicPay credentials for the processor', () => {
    expect(loadProcessorConfig(processorEnv).credentialsSecretId).toBe('c');
    // The processor does not need (nor read) the tokens secret; the authenticator not the credentials.
    expect(() => loadProcessorConfig({ ...processorEnv, TOKENS_SECRET_ID: 's', PICPAY_CREDENTIALS_SECRET_ID: undefined })).toThrow(
      'PICPAY_CREDENTIALS_SECRET_ID',
    );
    expect(() => loadAuthenticatorConfig({ QUEUE_URL: 'q', PICPAY_CREDENTIALS_SECRET_ID: 'c' })).toThrow('TOKENS_SECRET_ID');
  });

  test.each([
    ['MAX_PROCESSED_BODY_BYTES', 'abc'],
    ['MAX_PROCESSED_BODY_BYTES', '-1'],
    ['SECRET_MAX_AGE_SECONDS', '1.5'],
    ['PICPAY_TIMEOUT_MS', '0'],
    ['PICPAY_CIRCUIT_COOLDOWN_MS', '0'],
    ['PICPAY_CIRCUIT_COOLDOWN_MS', 'soon'],
    ['MAX_RECEIVE_COUNT', '0'],
    ['MAX_RECEIVE_COUNT', '1001'],
    ['PICPAY_CHECKOUT_BASE_URL', 'checkout-api.picpay.com'],
  ])('rejects %s=%p with its name', (name, value) => {
    expect(() => loadProcessorConfig({ ...processorEnv, [name]: value })).toThrow(name);
  });

  test('the processor knows its queue (for retry delays) and the PicPay circuit cool-down: 30 s unless set', () => {
    expect(loadProcessorConfig(processorEnv)).toMatchObject({
      queueUrl: 'https://sqs.sa-east-1.amazonaws.com/123456789012/q',
      picpayCircuitCoolDownMs: 30_000,
    });
    expect(loadProcessorConfig({ ...processorEnv, PICPAY_CIRCUIT_COOLDOWN_MS: '500' }).picpayCircuitCoolDownMs).toBe(500);
  });

  test('processor validates the PicPay URL', () => {
    expect(() => loadProcessorConfig({ ...processorEnv, PICPAY_BASE_URL: 'ftp://x' })).toThrow('PICPAY_BASE_URL');
    expect(loadProcessorConfig(processorEnv).picpayBaseUrl).toBe('https://appws.picpay.com');
  });

  test('the processor takes the receive limit the stack sets (the dead-letter setting, 1 to 1000) and a PicPay sandbox over http', () => {
    expect(loadProcessorConfig(processorEnv).maxReceiveCount).toBe(36);
    expect(loadProcessorConfig({ ...processorEnv, MAX_RECEIVE_COUNT: ' 1000 ' }).maxReceiveCount).toBe(1000);
    expect(loadProcessorConfig({ ...processorEnv, PICPAY_BASE_URL: 'http://127.0.0.1:4010' }).picpayBaseUrl).toBe('http://127.0.0.1:4010');
  });

  const reconcilerEnv = { TABLE_NAME: 't', QUEUE_URL: 'q' };

  test('reconciler and sweeper defaults', () => {
    expect(loadReconcilerConfig(reconcilerEnv)).toEqual({ tableName: 't', queueUrl: 'q', minAgeMinutes: 30, maxAgeDays: 7, maxPerRun: 200 });
    expect(loadSweeperConfig({ TABLE_NAME: 't', TOPIC_ARN: 'arn' })).toEqual({ tableName: 't', topicArn: 'arn', maxPerRun: 100 });
    expect(loadReconcilerConfig({ ...reconcilerEnv, RECONCILE_MIN_AGE_MINUTES: '100000' }).minAgeMinutes).toBe(100000);
  });

  test.each([
    ['RECONCILE_MIN_AGE_MINUTES', '0'],
    ['RECONCILE_MIN_AGE_MINUTES', '100001'],
    ['RECONCILE_MAX_AGE_DAYS', '-7'],
    ['RECONCILE_MAX_PER_RUN', 'all'],
  ])('the reconciler rejects %s=%p with its name', (name, value) => {
    expect(() => loadReconcilerConfig({ ...reconcilerEnv, [name]: value })).toThrow(new RegExp(`^Environment variable ${name} must be`));
  });

  test('the sweeper rejects a bad SWEEP_MAX_PER_RUN with its name', () => {
    expect(() => loadSweeperConfig({ TABLE_NAME: 't', TOPIC_ARN: 'arn', SWEEP_MAX_PER_RUN: '0' })).toThrow('SWEEP_MAX_PER_RUN');
  });
});
