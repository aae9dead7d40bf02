import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, SQSEvent } from 'aws-lambda';
import AWSXRay from 'aws-xray-sdk-core';
import { memoryDeps } from '../domain/in-memory.support.js';
import { envelope, paymentEvent } from '../picpay-examples.support.js';
import { context, sqsEvent } from './lambda-events.support.js';

/**
 * The records of a batch are processed in parallel. With the real X-Ray SDK as the oracle:
 * every call a record makes must hang off that record's own subsegment, never off another
 * record's or the handler's.
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
const { createProcessor, recordTracer } = await import('../../lambda/handlers/processor.js');

AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
AWSXRay.setLogger({ error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined });

const xrayTracer = { isTracingEnabled: () => true, provider: { captureAsyncFunc: AWSXRay.captureAsyncFunc } } as unknown as Tracer;

async function runTraced(traceRecord: ReturnType<typeof recordTracer> | undefined) {
  const { deps, publisher } = memoryDeps();
  const seen: Array<{ charge: string; segment: string }> = [];
  const publish = publisher.publish.bind(publisher);
  publisher.publish = async (event) => {
    // Interleave the records: each waits a different time before its "SNS call".
    await new Promise((r) => setTimeout(r, event.chargeKey.endsWith('a') ? 30 : event.chargeKey.endsWith('b') ? 5 : 15));
    seen.push({ charge: event.chargeKey, segment: (AWSXRay.getSegment() as { name: string } | undefined)?.name ?? 'none' });
    return publish(event);
  };
  const processor = createProcessor({
    ...deps,
    probes: { publishProbe: async () => 'm', recordProbe: async () => undefined, now: Date.now },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: { addMetric: () => undefined } as unknown as Metrics,
    maxReceiveCount: 3,
    visibility: { delay: async () => undefined },
    retry: { baseSeconds: 60, capSeconds: 3600, jitter: 0.2 },
    random: () => 0,
    traceRecord,
  });
  const record = (id: string) => ({
    id: `msg-${id}`,
    body: JSON.stringify(
      envelope({
        flavour: 'checkout',
        eventType: 'TransactionUpdateMessage',
        body: JSON.stringify(paymentEvent({ status: 'PAID', merchantChargeId: `charge-${id}` })),
      }),
    ),
  });
  const root = new AWSXRay.Segment('## handler');
  await AWSXRay.getNamespace().runPromise(async () => {
    AWSXRay.setSegment(root);
    await processor(sqsEvent([record('a'), record('b'), record('c')]) as SQSEvent, context as Context);
  });
  return { seen: seen.sort((x, y) => x.charge.localeCompare(y.charge)), children: (root.subsegments ?? []).map((s) => s.name).sort() };
}

describe('processor tracing', () => {
  test('each record runs in its own subsegment, the parent of its own calls', async () => {
    const { seen, children } = await runTraced(recordTracer(xrayTracer));
    expect(children).toEqual(['### record msg-a', '### record msg-b', '### record msg-c']);
    expect(seen).toEqual([
      { charge: 'checkout#charge-a', segment: '### record msg-a' },
      { charge: 'checkout#charge-b', segment: '### record msg-b' },
      { charge: 'checkout#charge-c', segment: '### record msg-c' },
    ]);
  });

  test('without it, the calls of all records hang off the handler (the check can fail)', async () => {
    const { seen } = await runTraced(undefined);
    expect(new Set(seen.map((s) => s.segment))).toEqual(new Set(['## handler']));
  });

  test('with tracing off, records run untouched', async () => {
    const off = recordTracer({
      isTracingEnabled: () => false,
      provider: { captureAsyncFunc: () => Promise.reject(new Error('must not trace')) },
    } as unknown as Tracer);
    const { seen } = await runTraced(off);
    expect(seen).toHaveLength(3);
  });
});
