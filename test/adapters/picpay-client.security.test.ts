/**
 * Security: what the PicPay clients send and read when PicPay's side (or anything posing as it)
 * misbehaves. Real sockets on 127.0.0.1 and the real `fetch`, so redirects and streaming behave
 * as in production: a second server (another port, so another origin) records whether a
 * credential followed a redirect to it; another streams an answer far larger than PicPay's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_PICPAY_RESPONSE_BYTES, PicPayCheckoutClient, PicPayStatusClient } from '../../lambda/adapters/picpay-client.js';
import { PicPayUnavailableError } from '../../lambda/domain/errors.js';

const TOKEN = 'picpay-token-do-not-leak';
const CLIENT = { clientId: 'client-1', clientSecret: 'client-secret-do-not-leak' };

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// The attacker's origin: records everything that reaches it, answers like PicPay would.
const stolen: Recorded[] = [];
const elsewhere = await listen((req, res, body) => {
  stolen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(req.url?.includes('token') ? JSON.stringify({ access_token: 'evil', expires_in: 300 }) : JSON.stringify({ status: 'paid', chargeStatus: 'PAID' }));
});

// "PicPay": every answer a redirect to the other origin, with the status the test asks for.
let redirectStatus = 302;
const redirecting = await listen((req, res) => {
  res.writeHead(redirectStatus, { location: `${elsewhere.origin}${req.url}` });
  res.end();
});

// "PicPay": a 200 whose body is 64 MiB of JSON string; counts what it managed to write.
const HUGE_BYTES = 64 * 1024 * 1024;
let written = 0;
let hugeClosed: Promise<void> = Promise.resolve();
const huge = await listen((req, res) => {
  if (req.url?.includes('oauth2/token')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'tok', expires_in: 300 }));
    return;
  }
  written = 0;
  hugeClosed = new Promise((resolve) => res.on('close', () => resolve()));
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.write('{"status":"paid","chargeStatus":"PAID","padding":"');
  const pump = () => {
    while (written < HUGE_BYTES && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}');
  };
  pump();
});

afterAll(async () => {
  for (const s of [elsewhere.server, redirecting.server, huge.server]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
beforeEach(() => void (stolen.length = 0));

const failures: { attempt: number; reason: string; httpStatus?: number }[] = [];
const common = {
  timeoutMs: 15_000,
  attempts: 2,
  sleep: async () => undefined,
  onAttemptFailed: (info: { attempt: number; reason: string; httpStatus?: number }) => void failures.push(info),
};
beforeEach(() => void (failures.length = 0));

const statusClient = (origin: string) => new PicPayStatusClient({ ...common, baseUrl: origin, token: async () => TOKEN });
const checkoutClient = (origin: string) =>
  new PicPayCheckoutClient({ ...common, baseUrl: `${origin}/api/v1`, tokenUrl: `${origin}/oauth2/token`, credentials: async () => CLIENT });

describe('security: no credential follows a redirect', () => {
  test.each([301, 302, 303, 307, 308])('status API answering %i: x-picpay-token never reaches the other origin; a PicPay error, retried', async (status) => {
    redirectStatus = status;
    const outcome = await statusClient(redirecting.origin)
      .fetchStatus('ref-1')
      .catch((error: unknown) => error);
    // Checked first: what reached the other origin (with redirects followed, the token did).
    expect(stolen.map((r) => r.headers['x-picpay-token'] ?? null)).toEqual([]);
    expect(outcome).toBeInstanceOf(PicPayUnavailableError);
    // Every attempt is logged as a redirect, and the client tried again (attempts: 2).
    expect(failures).toEqual([
      { attempt: 1, reason: 'redirect', httpStatus: status },
      { attempt: 2, reason: 'redirect', httpStatus: status },
    ]);
  });

  test.each([307, 308, 302])('token endpoint answering %i: the OAuth client_secret is never re-sent elsewhere', async (status) => {
    redirectStatus = status;
    const outcome = await checkoutClient(redirecting.origin)
      .findCharge('order-1')
      .catch((error: unknown) => error);
    expect(stolen.map((r) => r.body)).toEqual([]);
    expect(outcome).toBeInstanceOf(PicPayUnavailableError);
    expect(failures.map((f) => f.reason)).toEqual(['token_redirect', 'token_redirect']);
  });

  test('find-charge answering 307: the bearer token never reaches the other origin', async () => {
    redirectStatus = 307;
    // The token endpoint answers normally (from the other server: only find-charge redirects).
    const client = new PicPayCheckoutClient({
      ...common,
      baseUrl: `${redirecting.origin}/api/v1`,
      tokenUrl: `${huge.origin}/oauth2/token`,
      credentials: async () => CLIENT,
    });
    const outcome = await client.findCharge('order-1').catch((error: unknown) => error);
    expect(stolen.map((r) => r.headers.authorization ?? null)).toEqual([]);
    expect(outcome).toBeInstanceOf(PicPayUnavailableError);
    expect(failures).toEqual([
      { attempt: 1, reason: 'redirect', httpStatus: 307 },
      { attempt: 2, reason: 'redirect', httpStatus: 307 },
    ]);
  });
});

describe('security: an answer larger than any real PicPay answer is not read whole', () => {
  test('the limit is far above a real answer (a few KB) and far below the function memory', () => {
    expect(MAX_PICPAY_RESPONSE_BYTES).toBe(1024 * 1024);
  });

  test.each([
    ['status API', () => statusClient(huge.origin).fetchStatus('ref-1')],
    ['find-charge', () => checkoutClient(huge.origin).findCharge('order-1')],
  ])('%s: a 64 MiB answer is cut off near the limit, and retried as a PicPay error', async (_name, call) => {
    await expect(call()).rejects.toBeInstanceOf(PicPayUnavailableError);
    await hugeClosed;
    // The client hung up near 1 MiB: the server could write the limit plus socket buffers, never the 64 MiB.
    expect(written).toBeLessThan(16 * 1024 * 1024);
    expect(failures.map((f) => f.reason)).toEqual(['response_too_large', 'response_too_large']);
  });

  test('a declared Content-Length over the limit is refused before reading', async () => {
    const declared = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_PICPAY_RESPONSE_BYTES + 1) });
      res.write('{"status":"paid"');
      // Never finishes: only the header can end this attempt before the timeout.
    });
    try {
      const client = new PicPayStatusClient({ ...common, timeoutMs: 5_000, attempts: 1, baseUrl: declared.origin, token: async () => TOKEN });
      const started = Date.now();
      await expect(client.fetchStatus('ref-1')).rejects.toBeInstanceOf(PicPayUnavailableError);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(failures.map((f) => f.reason)).toEqual(['response_too_large']);
    } finally {
      declared.server.closeAllConnections();
      await new Promise((resolve) => declared.server.close(resolve));
    }
  });
});

describe('security: an id that cannot be one path segment is never sent (the domain parks it first; the client refuses too)', () => {
  test.each([
    ['dot-dot', '..', 'a dot segment'],
    ['dot', '.', 'a dot segment'],
    ['an unpaired surrogate', 'ref\ud800', 'an unpaired surrogate'],
    ['a newline', 'ref\nx', 'a control character'],
  ])('%s', async (_name, id, problem) => {
    stolen.length = 0;
    const status = new PicPayStatusClient({ ...common, baseUrl: elsewhere.origin, token: async () => TOKEN });
    await expect(status.fetchStatus(id)).rejects.toMatchObject({
      reason: 'unexpected_shape',
      message: `referenceId cannot be a URL path segment (${problem})`,
    });
    await expect(checkoutClient(elsewhere.origin).findCharge(id)).rejects.toMatchObject({
      reason: 'unexpected_shape',
      message: `merchantChargeId cannot be a URL path segment (${problem})`,
    });
    expect(stolen).toEqual([]);
  });
});
