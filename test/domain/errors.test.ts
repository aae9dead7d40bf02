import {
  AwsServiceError,
  ConcurrentUpdateError,
  ConfigError,
  errorCode,
  NotConfiguredError,
  OutboxFullError,
  ParkError,
  PicPayAuthError,
  PicPayCircuitOpenError,
  PicPayUnavailableError,
  RetryableError,
} from '../../lambda/domain/errors.js';

// Expected names, sources and codes are written by hand from the error contract (errors.ts's
// header, docs/state-model.md): each code is what the log line and the dead-letter note carry.
describe('RetryableError family', () => {
  test.each([
    ['PicPayUnavailableError', () => new PicPayUnavailableError('PicPay down'), 'picpay', 'picpay_unavailable'],
    ['PicPayCircuitOpenError', () => new PicPayCircuitOpenError('circuit open'), 'picpay', 'picpay_circuit_open'],
    ['PicPayAuthError', () => new PicPayAuthError('401 from PicPay'), 'configuration', 'picpay_unauthorized'],
    ['NotConfiguredError', () => new NotConfiguredError('no tokens'), 'configuration', 'not_configured'],
    ['ConcurrentUpdateError', () => new ConcurrentUpdateError('version moved'), 'aws', 'concurrent_update'],
    ['OutboxFullError', () => new OutboxFullError('outbox full'), 'aws', 'outbox_full'],
  ] as const)('%s: source %s, code %s, its own name, and errorCode() gives the code', (name, make, source, code) => {
    const error = make();
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ParkError);
    expect(error.name).toBe(name);
    expect(error.source).toBe(source);
    expect(error.code).toBe(code);
    expect(errorCode(error)).toBe(code);
  });

  test.each([
    ['dynamodb', 'dynamodb_unavailable'],
    ['sns', 'sns_unavailable'],
    ['sqs', 'sqs_unavailable'],
    ['secretsmanager', 'secretsmanager_unavailable'],
  ] as const)('AwsServiceError for %s: source aws, code %s, the service kept', (service, code) => {
    const error = new AwsServiceError(service, 'throttled');
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.name).toBe('AwsServiceError');
    expect(error.source).toBe('aws');
    expect(error.service).toBe(service);
    expect(error.code).toBe(code);
    expect(errorCode(error)).toBe(code);
  });

  test('a circuit-open error is still a PicPay outage (same source, its own code)', () => {
    const error = new PicPayCircuitOpenError('held off');
    expect(error).toBeInstanceOf(PicPayUnavailableError);
    expect(error.source).toBe('picpay');
    expect(error.code).toBe('picpay_circuit_open');
  });

  test('message and cause are kept for the log line', () => {
    const cause = new Error('socket hang up');
    const error = new AwsServiceError('sns', 'SNS Publish failed', { cause });
    expect(error.message).toBe('SNS Publish failed');
    expect(error.cause).toBe(cause);
    const picpay = new PicPayUnavailableError('PicPay answered 503', { cause });
    expect(picpay.message).toBe('PicPay answered 503');
    expect(picpay.cause).toBe(cause);
  });
});

describe('ParkError', () => {
  test.each([
    'unknown_reference',
    'unknown_charge',
    'body_too_large',
    'undecodable_body',
    'invalid_utf8',
    'invalid_json',
    'unexpected_shape',
    'unknown_event_type',
    'too_deep',
    'not_an_envelope',
  ] as const)('reason %s is its errorCode()', (reason) => {
    const error = new ParkError(reason, 'cannot process');
    expect(error.name).toBe('ParkError');
    expect(error.reason).toBe(reason);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect(errorCode(error)).toBe(reason);
  });

  test('message and cause are kept', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new ParkError('invalid_json', 'body is not JSON', { cause });
    expect(error.message).toBe('body is not JSON');
    expect(error.cause).toBe(cause);
  });
});

describe('ConfigError', () => {
  test('is named ConfigError, keeps the message naming the setting, and is an internal error to errorCode()', () => {
    const error = new ConfigError('TABLE_NAME is not set');
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('TABLE_NAME is not set');
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect(errorCode(error)).toBe('internal_error');
  });
});

describe('errorCode', () => {
  test.each([
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('x is undefined')],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['null', null],
    ['an object with a code', { code: 'picpay_unavailable', reason: 'invalid_json' }],
  ])('%s is internal_error', (_name, value) => {
    expect(errorCode(value)).toBe('internal_error');
  });
});
