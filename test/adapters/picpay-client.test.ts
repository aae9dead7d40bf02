import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PicPayStatusClient } from '../../lambda/adapters/picpay-client.js';
import { PicPayCircuit } from '../../lambda/adapters/picpay-circuit.js';
import { NotConfiguredError, ParkError, PicPayAuthError, PicPayCircuitOpenError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { startPicPaySandbox } from '../../local/picpay-sandbox.js';
import { PICPAY_TOKEN } from '../picpay-examples.support.js';

const sandbox = await startPicPaySandbox(PICPAY_TOKEN);
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.injectFaults(0, 0));

const sleeps: number[] = [];
const client = (overrides: Partial<ConstructorParameters<typeof PicPayStatusClient>[0]> = {}) =>
  new PicPayStatusClient({
    baseUrl: sandbox.baseUrl,
    token: async () => PICPAY_TOKEN,
    timeoutMs: 300,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...overrides,
  });

describe('PicPayStatusClient', () => {
  test('reads the status with x-picpay-token', async () => {
    sandbox.setPayment('abc/1', { status: 'paid', authorizationId: 'auth' });
    await expect(client().fetchStatus('abc/1')).resolves.toMatchObject({ referenceId: 'abc/1', status: 'paid', authorizationId: 'auth' });
  });

  test('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    sleeps.length = 0;
    sandbox.injectFaults(503, 2);
    const before = sandbox.lookups;
    await expect(client({ baseDelayMs: 100 }).fetchStatus('102030')).resolves.toMatchObject({ status: 'paid' });
    expect(sandbox.lookups - before).toBe(3);
    expect(sleeps).toEqual([100, 200]); // random 0.5 of 200 and 400
  });

  test('retries dropped connections', async () => {
    sandbox.injectFaults(0, 1);
    await expect(client().fetchStatus('102030')).resolves.toMatchObject({ status: 'paid' });
  });

  test('gives up after the configured attempts with a retryable error', async () => {
    sandbox.injectFaults(500, 5);
    const failed: string[] = [];
    const error = await client({ attempts: 4, onAttemptFailed: (i) => void failed.push(i.reason) })
      .fetchStatus('102030')
      .catch((e) => e);
    expect(error).toBeInstanceOf(PicPayUnavailableError);
    expect(error.source).toBe('picpay');
    expect(failed).toEqual(['http_500', 'http_500', 'http_500', 'http_500']);
  });

  test('401 is a configuration error, not retried', async () => {
    const before = sandbox.lookups;
    await expect(client({ token: async () => 'wrong' }).fetchStatus('102030')).rejects.toBeInstanceOf(PicPayAuthError);
    expect(sandbox.lookups - before).toBe(1);
  });

  test('404 means PicPay does not know the reference', async () => {
    const error = await client()
      .fetchStatus('nope')
      .catch((e) => e);
    expect(error).toBeInstanceOf(ParkError);
    expect(error.reason).toBe('unknown_reference');
  });

  test('no token configured is NotConfigured, without calling PicPay', async () => {
    const before = sandbox.lookups;
    await expect(client({ token: async () => null }).fetchStatus('102030')).rejects.toBeInstanceOf(NotConfiguredError);
    expect(sandbox.lookups).toBe(before);
  });

  test('times out a hanging server and reports it', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const reasons: string[] = [];
    const c = client({
      baseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
      timeoutMs: 100,
      attempts: 2,
      onAttemptFailed: (i) => void reasons.push(i.reason),
    });
    try {
      await expect(c.fetchStatus('1')).rejects.toBeInstanceOf(PicPayUnavailableError);
      expect(reasons).toEqual(['timeout', 'timeout']);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  test('a 200 with a body that is not a status is retried, then fails', async () => {
    const odd = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":1}'));
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', () => r()));
    const c = client({ baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`, attempts: 2 });
    try {
      await expect(c.fetchStatus('1')).rejects.toThrow(/invalid_response/);
    } finally {
      odd.closeAllConnections();
      odd.close();
    }
  });

  test('with a circuit: a run of five failed requests opens it; the attempt after that fails at once and asks PicPay nothing', async () => {
    const circuit = new PicPayCircuit({ name: 'PicPay status API', failuresToOpen: 5, coolDownMs: 60_000 });
    const c = client({ circuit });
    sandbox.injectFaults(503, 100);
    const before = sandbox.lookups;
    // Three attempts, three failures: an ordinary retryable failure, the circuit still closed.
    const first = await c.fetchStatus('102030').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PicPayUnavailableError);
    expect(first).not.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sandbox.lookups - before).toBe(3);
    // Two more failures open it: the third attempt is refused without a request.
    await expect(c.fetchStatus('102030')).rejects.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sandbox.lookups - before).toBe(5);
    // Another record, shortly after: refused at once, nothing sent.
    await expect(client({ circuit }).fetchStatus('102030')).rejects.toThrow('PicPay status API failed on recent requests: circuit open');
    expect(sandbox.lookups - before).toBe(5);
  });

  test('with a circuit: a wrong token (401) is an answer, and never opens it', async () => {
    const circuit = new PicPayCircuit({ name: 'PicPay status API', failuresToOpen: 2, coolDownMs: 60_000 });
    for (let i = 0; i < 3; i++) await expect(client({ circuit, token: async () => 'wrong' }).fetchStatus('102030')).rejects.toBeInstanceOf(PicPayAuthError);
    expect(circuit.state).toBe('closed');
  });
});
