import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CircuitEvent } from '../../lambda/adapters/picpay-circuit.js';
import { AwsServiceError, PicPayAuthError, PicPayCircuitOpenError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { memoryDeps } from '../domain/in-memory.support.js';
import { envelope, LEGACY_CALLBACK, paymentEvent } from '../picpay-examples.support.js';
import { context, sqsEvent } from './lambda-events.support.js';
import { captureOutput } from './log-capture.support.js';

/**
 * The processor's backoff: a record that failed in a way a retry may fix is held back in the
 * queue (its visibility set) for a delay that grows with its receive count, then reported as a
 * batch item failure. Delays written by hand from the schedule (docs/architecture.md, "Retries":
 * 1 min doubling to 1 h, less up to 20%).
 */
Object.assign(process.env, {
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  TABLE_NAME: 'charges',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
  TOKENS_SECRET_ID: 'tokens',
  PICPAY_CREDENTIALS_SECRET_ID: 'picpay-credentials',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const { createProcessor } = await import('../../lambda/handlers/processor.js');

type Metric = { name: string; unit: string; value: number };

function setup(options: { random?: number; visibilityFails?: boolean; maxReceiveCount?: number } = {}) {
  const { deps, publisher, picpay, charges } = memoryDeps();
  const delays: Array<{ receiptHandle: string; seconds: number }> = [];
  const metrics: Metric[] = [];
  const listeners: Array<(e: CircuitEvent) => void> = [];
  const notes: Array<{ messageId: string; code: string }> = [];
  const process = createProcessor({
    ...deps,
    probes: { publishProbe: async () => 'm', recordProbe: async () => undefined, now: Date.now },
    logger: new Logger({ serviceName: 'test' }),
    metrics: { addMetric: (name: string, unit: string, value: number) => void metrics.push({ name, unit, value }) } as unknown as Metrics,
    maxReceiveCount: options.maxReceiveCount ?? 36,
    visibility: {
      delay: async (receiptHandle, seconds) => {
        if (options.visibilityFails) throw new AwsServiceError('sqs', 'SQS did not change the message visibility');
        delays.push({ receiptHandle, seconds });
      },
    },
    retry: { baseSeconds: 60, capSeconds: 3600, jitter: 0.2 },
    random: () => options.random ?? 0,
    circuits: [{ name: 'PicPay status API', onChange: (listener) => void listeners.push(listener) }],
    noteDeadLetter: async (note) => void notes.push(note),
  });
  const run = (records: Array<{ id: string; body: string; receiveCount?: number }>) =>
    process(sqsEvent(records) as SQSEvent, context as Context) as Promise<SQSBatchResponse>;
  const named = (name: string) => metrics.filter((m) => m.name === name);
  return { run, delays, metrics, named, listeners, notes, publisher, picpay, charges };
}

const checkout = (chargeId = 'c-1', status = 'PAID') =>
  JSON.stringify(
    envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status, merchantChargeId: chargeId })) }),
  );
const legacy = (referenceId = 'r-1') => JSON.stringify(envelope({ flavour: 'legacy', body: JSON.stringify({ ...LEGACY_CALLBACK, referenceId }) }));
const failures = (r: SQSBatchResponse) => r.batchItemFailures.map((f) => f.itemIdentifier);
/** SNS refuses the next publish, as the real adapter reports it. */
const snsDown = (t: ReturnType<typeof setup>) => {
  t.publisher.publish = async () => {
    throw new AwsServiceError('sns', 'SNS publish failed');
  };
};

let logs: ReturnType<typeof captureOutput>;
beforeEach(() => {
  logs = captureOutput();
});
afterEach(() => logs.restore());

describe('a failed record is held back before it is reported', () => {
  test.each([
    // receive count, random, seconds
    [1, 0, 60],
    [1, 0.5, 54],
    [2, 0, 120],
    [3, 0.5, 216],
    [6, 0, 1920],
    [7, 0, 3600],
    [20, 0.5, 3240],
    [35, 0, 3600],
  ])('SNS down on receive %i (random %p): visibility %i s, then a batch item failure', async (receiveCount, random, seconds) => {
    const t = setup({ random });
    snsDown(t);
    const result = await t.run([{ id: 'm-1', body: checkout(), receiveCount }]);
    expect(failures(result)).toEqual(['m-1']);
    expect(t.delays).toEqual([{ receiptHandle: 'rh-m-1', seconds }]);
    expect(t.named('RetryDelay')).toEqual([{ name: 'RetryDelay', unit: 'Seconds', value: seconds }]);
    const logged = logs.entries().find((e) => e.message === 'Processing failed; the message will be retried');
    expect(logged).toMatchObject({ messageId: 'm-1', receiveCount, retryInSeconds: seconds, retryable: true, code: 'sns_unavailable', source: 'aws' });
  });

  test('only the failed records of a batch are held back, each by its own receive count', async () => {
    const t = setup();
    t.picpay.fetchStatus = async (referenceId) => {
      if (referenceId === 'down') throw new PicPayUnavailableError('PicPay status API failed after 3 attempts (http_503)');
      return { referenceId, status: 'paid', authorizationId: 'a' } as never;
    };
    const result = await t.run([
      { id: 'ok', body: checkout('c-ok') },
      { id: 'first', body: legacy('down'), receiveCount: 1 },
      { id: 'fourth', body: legacy('down'), receiveCount: 4 },
      { id: 'legacy-ok', body: legacy('up') },
    ]);
    expect(failures(result).sort()).toEqual(['first', 'fourth']);
    expect(t.delays.sort((a, b) => a.seconds - b.seconds)).toEqual([
      { receiptHandle: 'rh-first', seconds: 60 },
      { receiptHandle: 'rh-fourth', seconds: 480 },
    ]);
  });

  test('the last receive sets no delay: the message goes to the DLQ after the visibility timeout, with its note', async () => {
    const t = setup({ maxReceiveCount: 36 });
    snsDown(t);
    const result = await t.run([{ id: 'last', body: checkout(), receiveCount: 36 }]);
    expect(failures(result)).toEqual(['last']);
    expect(t.delays).toEqual([]);
    expect(t.named('RetryDelay')).toEqual([]);
    expect(t.notes).toEqual([expect.objectContaining({ messageId: 'last', code: 'sns_unavailable', receiveCount: 36 })]);
    expect(logs.entries().find((e) => e.messageId === 'last')).toMatchObject({ message: 'Processing failed; the message goes to the DLQ' });
  });

  test('a wrong x-picpay-token (401) is counted for its own alarm, and retried with a delay like any failure', async () => {
    const t = setup();
    t.picpay.fetchStatus = async () => {
      throw new PicPayAuthError('PicPay rejected the x-picpay-token (HTTP 401)');
    };
    const result = await t.run([{ id: 'l', body: legacy(), receiveCount: 2 }]);
    expect(failures(result)).toEqual(['l']);
    expect(t.delays).toEqual([{ receiptHandle: 'rh-l', seconds: 120 }]);
    expect(t.named('ConfigurationErrors')).toEqual([{ name: 'ConfigurationErrors', unit: 'Count', value: 1 }]);
    expect(t.named('PicPayApiErrors')).toEqual([]);
  });

  test('a circuit that is open fails the record at once; it is counted, and backs off like any failure', async () => {
    const t = setup();
    t.picpay.fetchStatus = async () => {
      throw new PicPayCircuitOpenError('PicPay status API failed on recent requests: circuit open, not called for up to 30 s');
    };
    const result = await t.run([{ id: 'l', body: legacy(), receiveCount: 5 }]);
    expect(failures(result)).toEqual(['l']);
    expect(t.delays).toEqual([{ receiptHandle: 'rh-l', seconds: 960 }]);
    expect(t.named('PicPayShortCircuited')).toEqual([{ name: 'PicPayShortCircuited', unit: 'Count', value: 1 }]);
    expect(t.named('PicPayApiErrors')).toHaveLength(1);
    expect(t.named('ConfigurationErrors')).toEqual([]);
  });

  test('an unexpected error (a bug) is retried with a delay too: a deploy within the window picks the message up', async () => {
    const t = setup();
    t.charges.load = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'state')");
    };
    const result = await t.run([{ id: 'bug', body: checkout() }]);
    expect(failures(result)).toEqual(['bug']);
    expect(t.delays).toEqual([{ receiptHandle: 'rh-bug', seconds: 60 }]);
    expect(logs.entries().find((e) => e.messageId === 'bug')).toMatchObject({ code: 'internal_error', retryable: true });
  });

  test('a queue message that is not an envelope is failed without a delay: no retry can fix it', async () => {
    const t = setup();
    const result = await t.run([{ id: 'junk', body: '{"hello":"world"}' }]);
    expect(failures(result)).toEqual(['junk']);
    expect(t.delays).toEqual([]);
    expect(logs.entries().find((e) => e.messageId === 'junk')).toMatchObject({ code: 'not_an_envelope', retryable: false });
  });

  test('a parked notification and a processed one set no delay', async () => {
    const t = setup();
    const parked = JSON.stringify(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: '{not json' }));
    const result = await t.run([
      { id: 'parked', body: parked },
      { id: 'ok', body: checkout('c-2') },
    ]);
    expect(failures(result)).toEqual([]);
    expect(t.delays).toEqual([]);
    expect(t.named('RetryDelay')).toEqual([]);
  });

  test('if SQS refuses the delay, the record still fails (the queue default returns it), and it is said', async () => {
    const t = setup({ visibilityFails: true });
    snsDown(t);
    const result = await t.run([{ id: 'm', body: checkout() }]);
    expect(failures(result)).toEqual(['m']);
    expect(t.named('RetryDelayFailures')).toEqual([{ name: 'RetryDelayFailures', unit: 'Count', value: 1 }]);
    expect(t.named('RetryDelay')).toEqual([]);
    const warn = logs.entries().find((e) => e.message === "Could not set the retry delay; the message returns after the queue's visibility timeout");
    expect(warn).toMatchObject({ level: 'WARN', messageId: 'm', retryInSeconds: 60 });
    expect(logs.entries().find((e) => e.message === 'Processing failed; the message will be retried')).not.toHaveProperty('retryInSeconds');
  });
});

describe('PicPay circuits', () => {
  test('a circuit opening is counted and logged; half-open and closed are logged', async () => {
    const t = setup();
    expect(t.listeners).toHaveLength(1);
    t.listeners[0]!('opened');
    t.listeners[0]!('half_open');
    t.listeners[0]!('closed');
    expect(t.named('PicPayCircuitOpened')).toEqual([{ name: 'PicPayCircuitOpened', unit: 'Count', value: 1 }]);
    const messages = logs
      .entries()
      .filter((e) => e.circuit === 'PicPay status API')
      .map((e) => [e.level, e.message]);
    expect(messages).toEqual([
      ['WARN', 'PicPay circuit opened: requests to it fail at once until a probe after the cool-down; records back off'],
      ['INFO', 'PicPay circuit half-open: one probe request goes through'],
      ['INFO', 'PicPay circuit closed: PicPay answers again'],
    ]);
  });
});
