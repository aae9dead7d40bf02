/**
 * The local API Gateway emulation survives any client: aborted bodies, resets, slow clients,
 * malformed HTTP and a throwing handler. After each, it still answers a normal request, and
 * nothing reached the process as an unhandled error.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { connect, type Socket } from 'node:net';
import { type LocalApi, startLocalApi } from '../../local/api-gateway.js';

let api: LocalApi;
let port: number;
const seen: APIGatewayProxyEvent[] = [];
const reported: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
let throwNext = false;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  api = await startLocalApi(
    async (event) => {
      if (throwNext) {
        throwNext = false;
        throw new Error('handler bug');
      }
      seen.push(event);
      return { statusCode: 200, body: '{"received":true}' };
    },
    0,
    '127.0.0.1',
    { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', userArn: 'arn:aws:iam::000000000000:user/test' },
    { requestTimeoutMs: 400, headersTimeoutMs: 400, onRequestError: (message) => void reported.push(message) },
  );
  port = Number(new URL(api.baseUrl).port);
});

afterAll(async () => {
  await api?.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const open = () =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
const head = (length: number) => `POST /callback HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
/** Everything the server writes until it closes the socket. */
const readAll = (socket: Socket) =>
  new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });

async function stillServes() {
  const res = await fetch(`${api.baseUrl}/callback`, { method: 'POST', body: '{"referenceId":"1"}' });
  expect(res.status).toBe(200);
  expect(unhandled).toEqual([]);
}

test('a client that drops the connection half-way through its body', async () => {
  const before = seen.length;
  const socket = await open();
  socket.write(`${head(1000)}{"referenceId":`);
  await settle();
  socket.destroy();
  await settle();
  expect(seen.length).toBe(before); // nothing was accepted
  expect(reported).toContain('request body not received (client aborted)');
  await stillServes();
});

test('a client that resets the connection (RST)', async () => {
  const before = seen.length;
  const socket = await open();
  socket.write(`${head(500)}{"a":`);
  await settle();
  socket.resetAndDestroy();
  await settle();
  expect(seen.length).toBe(before);
  await stillServes();
});

test('a slow client is cut off with 408 after the request timeout', async () => {
  const socket = await open();
  const answer = readAll(socket);
  socket.write(`${head(100)}{`);
  const started = Date.now();
  const text = await answer;
  expect(text).toMatch(/^HTTP\/1\.1 408/);
  expect(Date.now() - started).toBeLessThan(5000);
  await stillServes();
});

test('malformed HTTP gets 400', async () => {
  const socket = await open();
  const answer = readAll(socket);
  socket.write('NOT HTTP AT ALL\r\n\r\n');
  expect(await answer).toMatch(/^HTTP\/1\.1 400/);
  await stillServes();
});

test('a client that leaves before its answer is written', async () => {
  const socket = await open();
  socket.end(`${head(2)}{}`); // half-close, then go away at once
  socket.destroy();
  await settle();
  await stillServes();
});

test('a handler that throws is a 502, as API Gateway answers', async () => {
  throwNext = true;
  const res = await fetch(`${api.baseUrl}/webhook`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(502);
  await stillServes();
});
