/**
 * The local runtime makes its functions with the same factories as the Lambda entries, from its
 * own configuration and clients: nothing goes through process.env, so two pipelines run side by
 * side in one process, each with its own emulators, state and faults.
 */
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { clientsFor } from '../../cli/target.js';
import { paymentEvent } from '../picpay-examples.support.js';

const envBefore = { ...process.env };
let a: LocalPipeline;
let b: LocalPipeline;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startLocalPipeline({ port: 0, confirmCheckout: false, retryDelaySeconds: 0, reconcileEverySeconds: 0, sweepEverySeconds: 0 }),
    startLocalPipeline({ port: 0, confirmCheckout: false, retryDelaySeconds: 0, reconcileEverySeconds: 0, sweepEverySeconds: 0 }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const paid = (chargeId: string) => JSON.stringify(paymentEvent({ status: 'PAID', merchantChargeId: chargeId }));

async function send(p: LocalPipeline, chargeId: string): Promise<number> {
  const res = await fetch(p.urls.webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: p.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' },
    body: paid(chargeId),
  });
  await res.arrayBuffer();
  return res.status;
}

async function status(p: LocalPipeline, key: string): Promise<string | null | undefined> {
  const clients = clientsFor(p.target);
  try {
    return (await clients.stores.charges.load(key))?.state.status;
  } finally {
    clients.destroy();
  }
}

test('two pipelines in one process: separate endpoints, separate state, separate faults, process.env untouched', async () => {
  expect(a.urls.api).not.toBe(b.urls.api);
  expect(a.endpoints.dynamodb).not.toBe(b.endpoints.dynamodb);

  expect(await send(a, 'only-in-a')).toBe(200);
  expect(await send(b, 'only-in-b')).toBe(200);
  await a.waitForEvents((events) => events.some((e) => JSON.stringify(e.body).includes('only-in-a')));
  await b.waitForEvents((events) => events.some((e) => JSON.stringify(e.body).includes('only-in-b')));
  expect(await status(a, 'checkout#only-in-a')).toBe('PAID');
  expect(await status(b, 'checkout#only-in-b')).toBe('PAID');
  expect(await status(a, 'checkout#only-in-b')).toBeUndefined();
  expect(await status(b, 'checkout#only-in-a')).toBeUndefined();
  expect(a.events.some((e) => JSON.stringify(e.body).includes('only-in-b'))).toBe(false);

  // A fault switched on in one pipeline fails only that pipeline's enqueue.
  a.faults.enqueue.failNext(1);
  expect(await send(b, 'b-while-a-fails')).toBe(200);
  expect(await send(a, 'a-fails-once')).toBe(503);
  expect(a.faults.enqueue.injected).toBe(1);
  expect(b.faults.enqueue.injected).toBe(0);

  expect(process.env).toEqual(envBefore);
}, 60_000);
