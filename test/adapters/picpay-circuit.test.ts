import { afterEach, jest } from '@jest/globals';
import { type CircuitEvent, PicPayCircuit } from '../../lambda/adapters/picpay-circuit.js';
import { PicPayCircuitOpenError, PicPayUnavailableError } from '../../lambda/domain/errors.js';

/**
 * The breaker around one PicPay API: a run of failed requests opens it, an open circuit sends
 * nothing, one probe after the cool-down decides. Time is the fake clock's (cockatiel reads
 * Date.now on each call).
 */
const T0 = Date.parse('2026-03-01T12:00:00Z');
afterEach(() => {
  jest.useRealTimers();
});

function setup(failuresToOpen = 5, coolDownMs = 30_000) {
  jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  const circuit = new PicPayCircuit({ name: 'PicPay status API', failuresToOpen, coolDownMs });
  const events: CircuitEvent[] = [];
  circuit.onChange((e) => void events.push(e));
  let sent = 0;
  const answer = (status: number) => () => {
    sent++;
    return Promise.resolve(new Response(status === 204 ? null : '{}', { status }));
  };
  const failWith = (error: Error) => () => {
    sent++;
    return Promise.reject(error);
  };
  return { circuit, events, answer, failWith, sent: () => sent };
}

const timeout = () => Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
const refused = () => new TypeError('fetch failed');

describe('PicPayCircuit', () => {
  test('five failed requests in a row (429, 5xx, a timeout, a network error) open it; the sixth is not sent', async () => {
    const { circuit, events, answer, failWith, sent } = setup();
    expect((await circuit.request(answer(429))).status).toBe(429);
    expect((await circuit.request(answer(503))).status).toBe(503);
    await expect(circuit.request(failWith(timeout()))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(circuit.request(failWith(refused()))).rejects.toBeInstanceOf(TypeError);
    expect(circuit.state).toBe('closed');
    expect((await circuit.request(answer(500))).status).toBe(500);
    expect(circuit.state).toBe('open');
    expect(events).toEqual(['opened']);
    const error = await circuit.request(answer(200)).catch((e: unknown) => e);
    expect(sent()).toBe(5);
    expect(error).toBeInstanceOf(PicPayCircuitOpenError);
    expect(error).toBeInstanceOf(PicPayUnavailableError);
    expect(error).toMatchObject({
      code: 'picpay_circuit_open',
      source: 'picpay',
      message: 'PicPay status API failed on recent requests: circuit open, not called for up to 30 s',
    });
  });

  test('any other answer (200, 401, 404) ends the run: four failures, an answer, four failures leave it closed', async () => {
    for (const healthy of [200, 401, 404]) {
      const { circuit, answer, sent } = setup();
      for (let i = 0; i < 4; i++) await circuit.request(answer(502));
      expect((await circuit.request(answer(healthy))).status).toBe(healthy);
      for (let i = 0; i < 4; i++) await circuit.request(answer(504));
      expect([healthy, circuit.state]).toEqual([healthy, 'closed']);
      await circuit.request(answer(200));
      expect(sent()).toBe(10);
    }
  });

  test('the threshold is the configured one: two in a row with failuresToOpen 2', async () => {
    const { circuit, answer } = setup(2);
    await circuit.request(answer(500));
    expect(circuit.state).toBe('closed');
    await circuit.request(answer(500));
    expect(circuit.state).toBe('open');
  });

  test('stays open for the cool-down; then one probe goes through, and an answer closes it', async () => {
    const { circuit, events, answer, sent } = setup();
    for (let i = 0; i < 5; i++) await circuit.request(answer(503));
    jest.setSystemTime(T0 + 29_999);
    await expect(circuit.request(answer(200))).rejects.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sent()).toBe(5);
    jest.setSystemTime(T0 + 30_001);
    expect((await circuit.request(answer(200))).status).toBe(200);
    expect(sent()).toBe(6);
    expect(circuit.state).toBe('closed');
    expect(events).toEqual(['opened', 'half_open', 'closed']);
    expect((await circuit.request(answer(200))).status).toBe(200);
  });

  test('a failed probe opens it again for a whole cool-down', async () => {
    const { circuit, events, answer, sent } = setup(5, 10_000);
    for (let i = 0; i < 5; i++) await circuit.request(answer(500));
    jest.setSystemTime(T0 + 10_001);
    expect((await circuit.request(answer(503))).status).toBe(503);
    expect(circuit.state).toBe('open');
    jest.setSystemTime(T0 + 19_000);
    await expect(circuit.request(answer(200))).rejects.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sent()).toBe(6);
    jest.setSystemTime(T0 + 20_002);
    expect((await circuit.request(answer(200))).status).toBe(200);
    expect(events).toEqual(['opened', 'half_open', 'opened', 'half_open', 'closed']);
  });

  test('while the probe is out, the other requests wait for it and follow its outcome', async () => {
    const { circuit, answer, sent } = setup();
    for (let i = 0; i < 5; i++) await circuit.request(answer(500));
    jest.setSystemTime(T0 + 30_001);
    let release!: (r: Response) => void;
    const probe = circuit.request(() => new Promise<Response>((r) => (release = r)));
    const waiting = circuit.request(answer(200));
    expect(circuit.state).toBe('half_open');
    release(new Response('{}', { status: 503 }));
    expect((await probe).status).toBe(503);
    await expect(waiting).rejects.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sent()).toBe(5);
  });
});
