/**
 * Checkout find-charge client against the local sandbox, which answers as PicPay's checkout API
 * documents: OAuth2 `client_credentials` tokens valid five minutes, find-charge with a bearer
 * token, 401 without a valid one, 404 for an unknown charge.
 */
import { PicPayCheckoutClient } from '../../lambda/adapters/picpay-client.js';
import { PicPayCircuit } from '../../lambda/adapters/picpay-circuit.js';
import { ParkError, PicPayAuthError, PicPayCircuitOpenError, PicPayUnavailableError } from '../../lambda/domain/errors.js';
import { startPicPaySandbox } from '../../local/picpay-sandbox.js';
import { PICPAY_TOKEN } from '../picpay-examples.support.js';

const CLIENT = { clientId: 'client-1', clientSecret: 'secret-1' };
const sandbox = await startPicPaySandbox(PICPAY_TOKEN, '127.0.0.1', 0, CLIENT);
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.injectFaults(0, 0));

const sleeps: number[] = [];
const clock = { ms: Date.parse('2024-07-01T12:00:00Z') };
const client = (overrides: Partial<ConstructorParameters<typeof PicPayCheckoutClient>[0]> = {}) =>
  new PicPayCheckoutClient({
    baseUrl: `${sandbox.baseUrl}/api/v1`,
    paymentLinkBaseUrl: `${sandbox.baseUrl}/v1/paymentlink`,
    tokenUrl: `${sandbox.baseUrl}/oauth2/token`,
    credentials: async () => CLIENT,
    timeoutMs: 500,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    now: () => clock.ms,
    ...overrides,
  });

describe('PicPayCheckoutClient', () => {
  test('finds a charge with a bearer token, and reuses the token until a minute before its five minutes end', async () => {
    sandbox.setCharge('order-1001', { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 });
    const c = client();
    const issued = sandbox.tokensIssued;
    await expect(c.findCharge('order-1001')).resolves.toMatchObject({ merchantChargeId: 'order-1001', chargeStatus: 'PAID', amount: 10000 });
    clock.ms += 239_000; // 3 min 59 s later: still the same token
    await c.findCharge('order-1001');
    expect(sandbox.tokensIssued - issued).toBe(1);
    clock.ms += 2_000; // past 4 minutes: renewed before PicPay's 5-minute expiry
    await c.findCharge('order-1001');
    expect(sandbox.tokensIssued - issued).toBe(2);
  });

  test('without an OAuth client in the secret, reconciliation is off: null, and nothing is asked', async () => {
    const lookups = sandbox.chargeLookups;
    await expect(client({ credentials: async () => null }).findCharge('order-1001')).resolves.toBeNull();
    expect(sandbox.chargeLookups).toBe(lookups);
  });

  test('a charge PicPay does not know (404) is an unprocessable check, not a retry', async () => {
    await expect(client().findCharge('nobody-404')).rejects.toMatchObject({ reason: 'unknown_charge' });
    await expect(client().findCharge('nobody-404')).rejects.toBeInstanceOf(ParkError);
  });

  test('wrong client credentials are a configuration error (401 from the token endpoint)', async () => {
    await expect(client({ credentials: async () => ({ clientId: 'client-1', clientSecret: 'wrong' }) }).findCharge('order-1001')).rejects.toBeInstanceOf(
      PicPayAuthError,
    );
  });

  test('a token PicPay no longer accepts is renewed once; a second 401 is a configuration error', async () => {
    sandbox.setCharge('order-1002', { chargeStatus: 'PRE_AUTHORIZED' });
    const fake = { answers: [401, 200] as number[], tokens: 0 };
    const fetchImpl: typeof fetch = async (input) => {
      if (String(input).endsWith('/oauth2/token')) {
        fake.tokens++;
        return new Response(JSON.stringify({ access_token: `t${fake.tokens}`, expires_in: 300 }), { status: 200 });
      }
      const status = fake.answers.shift() ?? 401;
      return status === 200 ? new Response(JSON.stringify({ chargeStatus: 'PAID' }), { status }) : new Response('{}', { status });
    };
    await expect(client({ fetch: fetchImpl }).findCharge('x-123456')).resolves.toMatchObject({ chargeStatus: 'PAID' });
    expect(fake.tokens).toBe(2);
    fake.answers = [401, 401];
    await expect(client({ fetch: fetchImpl }).findCharge('x-123456')).rejects.toBeInstanceOf(PicPayAuthError);
  });

  test('429 and 5xx back off and retry, then succeed; if PicPay stays down, a retryable error', async () => {
    sandbox.setCharge('order-1003', { chargeStatus: 'PAID' });
    sleeps.length = 0;
    sandbox.injectFaults(503, 2);
    await expect(client().findCharge('order-1003')).resolves.toMatchObject({ chargeStatus: 'PAID' });
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    sandbox.injectFaults(429, 3);
    await expect(client().findCharge('order-1003')).rejects.toBeInstanceOf(PicPayUnavailableError);
  });

  test("a 429's Retry-After is honoured, up to the maximum delay", async () => {
    sleeps.length = 0;
    const answers = [429, 200];
    const fetchImpl: typeof fetch = async (input) =>
      String(input).endsWith('/oauth2/token')
        ? new Response(JSON.stringify({ access_token: 'tok', expires_in: '300' }), { status: 200 })
        : answers.shift() === 429
          ? new Response('{}', { status: 429, headers: { 'retry-after': '1' } })
          : new Response(JSON.stringify({ chargeStatus: 'PAID' }), { status: 200 });
    await expect(client({ fetch: fetchImpl }).findCharge('x-123456')).resolves.toMatchObject({ chargeStatus: 'PAID' });
    expect(sleeps).toContain(1000);
  });

  test('with a circuit: find-charge failing on a run of requests opens it, and the token endpoint is refused too while it is open', async () => {
    sandbox.setCharge('order-1004', { chargeStatus: 'PAID' });
    const circuit = new PicPayCircuit({ name: 'PicPay checkout API', failuresToOpen: 2, coolDownMs: 60_000 });
    sandbox.injectFaults(503, 100);
    const lookups = sandbox.chargeLookups;
    // A token (an answer), then two failed lookups: open; the third attempt is not sent.
    await expect(client({ circuit }).findCharge('order-1004')).rejects.toBeInstanceOf(PicPayCircuitOpenError);
    expect(sandbox.chargeLookups - lookups).toBe(2);
    // A fresh client needs a token first: refused without a request.
    const tokens = sandbox.tokensIssued;
    await expect(client({ circuit }).findCharge('order-1004')).rejects.toThrow('PicPay checkout API failed on recent requests: circuit open');
    expect(sandbox.tokensIssued).toBe(tokens);
    expect(sandbox.chargeLookups - lookups).toBe(2);
  });
});

describe('PicPayCheckoutClient: Payment Link find-transactions', () => {
  const LINK = '66a2dc04-6fcc-3a66-b570-ea367d7df281';

  test('lists every transaction of the link, page after page, with the same bearer token', async () => {
    for (let i = 0; i < 150; i++) {
      sandbox.setLinkTransaction(LINK, { transactionId: `tx-${String(i).padStart(3, '0')}`, status: i === 0 ? 'PAYED' : 'REFUNDED', amount: 1000 });
    }
    const lookups = sandbox.chargeLookups;
    const all = await client().findLinkTransactions(LINK);
    expect(all).toHaveLength(150);
    expect(all![0]).toEqual({ transactionId: 'tx-000', status: 'PAYED', amount: 1000 });
    expect(all![149]!.transactionId).toBe('tx-149');
    expect(sandbox.chargeLookups - lookups).toBe(2); // perPage 100: two pages
  });

  test('a link PicPay does not know (404) is parked, not retried; no OAuth client: null, nothing asked', async () => {
    await expect(client().findLinkTransactions('no-such-link')).rejects.toMatchObject({ reason: 'unknown_payment_link' });
    const lookups = sandbox.chargeLookups;
    await expect(client({ credentials: async () => null }).findLinkTransactions(LINK)).resolves.toBeNull();
    expect(sandbox.chargeLookups).toBe(lookups);
  });

  test('asks GET https://api.picpay.com/v1/paymentlink/{id}/transactions by default; an id that is not a path segment is never sent', async () => {
    const urls: string[] = [];
    const answer = { originId: LINK, transactions: [{ transactionId: 't1', status: 'PAYED', amount: 5, createdAt: '2025-04-15 09:44:10' }], nextPage: null };
    const fetchStub = (async (url: string | URL | Request) => {
      const href = String(url);
      urls.push(href);
      if (href.endsWith('/oauth2/token')) return new Response(JSON.stringify({ access_token: 'tok', expires_in: 300 }), { status: 200 });
      return new Response(JSON.stringify(answer), { status: 200 });
    }) as typeof fetch;
    const c = new PicPayCheckoutClient({
      baseUrl: 'https://checkout-api.picpay.com/api/v1',
      tokenUrl: 'https://checkout-api.picpay.com/oauth2/token',
      credentials: async () => CLIENT,
      timeoutMs: 500,
      fetch: fetchStub,
    });
    await expect(c.findLinkTransactions(LINK)).resolves.toEqual([{ transactionId: 't1', status: 'PAYED', amount: 5, createdAt: '2025-04-15 09:44:10' }]);
    expect(urls).toEqual(['https://checkout-api.picpay.com/oauth2/token', `https://api.picpay.com/v1/paymentlink/${LINK}/transactions?page=1&perPage=100`]);
    await expect(c.findLinkTransactions('..')).rejects.toMatchObject({ reason: 'unexpected_shape' });
    expect(urls).toHaveLength(2);
  });

  test('an answer without a transactions list is not PicPay’s: retried, then PicPay counts as unavailable', async () => {
    const fetchStub = (async (url: string | URL | Request) =>
      String(url).endsWith('/oauth2/token')
        ? new Response(JSON.stringify({ access_token: 'tok' }), { status: 200 })
        : new Response(JSON.stringify({ originId: LINK, items: [] }), { status: 200 })) as typeof fetch;
    const c = client({ fetch: fetchStub });
    await expect(c.findLinkTransactions(LINK)).rejects.toBeInstanceOf(PicPayUnavailableError);
  });
});
