/**
 * `npm start` as a durable pipeline: the real entry point (local/main.ts) in a child process,
 * with its data in a temporary LOCAL_DATA_DIR.
 * - every notification answered 200 is processed, even across SIGKILL and restart: some were
 *   already in the table, some in the queue, some being processed when the process died;
 * - broken clients (aborted body, reset) do not take it down;
 * - SIGTERM stops it gracefully and removes its target file; the CLI then says none is running;
 * - --fresh starts empty.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const DATA = mkdtempSync(join(tmpdir(), 'picpay-local-'));
const TARGET = join(DATA, 'local-pipeline.json');
process.env.LOCAL_DATA_DIR = DATA;
const { runCli } = await import('../../cli/main.js');

interface Running {
  child: ChildProcess;
  output: () => string;
  target: { pid: number; webhookUrl: string; tokens: { checkoutToken: string }; tableName: string; aws: { endpoints: { dynamodb: string } } };
}
const children: ChildProcess[] = [];

async function start(args: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const previous = existsSync(TARGET) ? readFileSync(TARGET, 'utf8') : '';
  // `node --import tsx` (not the tsx CLI, which would add a parent process): the pid is the pipeline's own.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_DATA_DIR: DATA, PORT: '0', LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${output}`);
    const text = existsSync(TARGET) ? readFileSync(TARGET, 'utf8') : '';
    if (text && text !== previous && JSON.parse(text).pid === child.pid) return { child, output: () => output, target: JSON.parse(text) };
    if (Date.now() > deadline) throw new Error(`pipeline did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(DATA, { recursive: true, force: true });
});

async function send(run: Running, ids: string[]) {
  const statuses = await Promise.all(
    ids.map(async (id) => {
      const res = await fetch(run.target.webhookUrl, {
        method: 'POST',
        headers: { authorization: run.target.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage', 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'PAYMENT',
          eventDate: '2024-07-01T16:00:00-03:00',
          id: 'e',
          data: { status: 'AUTHORIZED', amount: 2500, merchantChargeId: id },
        }),
      });
      return res.status;
    }),
  );
  expect(statuses).toEqual(ids.map(() => 200));
}

async function charges(run: Running, ids: string[]) {
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: run.target.aws.endpoints.dynamodb, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
  );
  try {
    return await Promise.all(
      ids.map(
        async (id) =>
          (await ddb.send(new GetCommand({ TableName: run.target.tableName, Key: { pk: `CHARGE#checkout#${id}`, sk: 'STATE' }, ConsistentRead: true }))).Item,
      ),
    );
  } finally {
    ddb.destroy();
  }
}

async function allProcessed(run: Running, ids: string[], timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await charges(run, ids);
    if (items.every((i) => i?.status === 'AUTHORIZED')) return items;
    if (Date.now() > deadline) throw new Error(`${items.filter((i) => !i).length} of ${ids.length} notifications answered 200 were never processed`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const code = await runCli(argv, { out: (l) => void out.push(l), err: (l) => void out.push(l), interactive: false });
  return { code, text: out.join('\n') };
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('killed with SIGKILL twice, restarted, every notification answered 200 is processed once', async () => {
  // Run 1: a first batch is processed; a second is answered 200, then the process is killed at once.
  const first = await start();
  const sockets = [connect(Number(new URL(first.target.webhookUrl).port), '127.0.0.1'), connect(Number(new URL(first.target.webhookUrl).port), '127.0.0.1')];
  sockets[0]!.write('POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n{"type":'); // then aborted
  sockets[1]!.write('POST /callback HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n{"ref');
  await new Promise((r) => setTimeout(r, 100));
  sockets[0]!.destroy();
  sockets[1]!.resetAndDestroy();
  const batch1 = range('durable-a', 15);
  await send(first, batch1);
  await allProcessed(first, batch1);
  const batch2 = range('durable-b', 40);
  await send(first, batch2);
  first.child.kill('SIGKILL');
  await exited(first.child);
  // The target file is left behind; the CLI sees that its process is gone.
  expect(existsSync(TARGET)).toBe(true);
  expect(await cli('parked', 'list')).toEqual({
    code: 2,
    text: 'No local pipeline is running, start it with `npm start` (or pass --stack <name> for a deployed stack).',
  });

  // Run 2, processing off: batch 1 is still in the table; batch 3 waits in the queue; killed again.
  const second = await start([], { LOCAL_PROCESSORS: '0' });
  expect((await charges(second, batch1)).every((i) => i?.status === 'AUTHORIZED')).toBe(true);
  const batch3 = range('durable-c', 20);
  await send(second, batch3);
  expect((await charges(second, batch3)).every((i) => i === undefined)).toBe(true);
  second.child.kill('SIGKILL');
  await exited(second.child);

  // Run 3: everything answered 200 is processed, each exactly once.
  const third = await start();
  const items = await allProcessed(third, [...batch1, ...batch2, ...batch3]);
  expect(items.map((i) => (i!.history as unknown[]).length)).toEqual(items.map(() => 1));
  expect((await cli('charge', 'checkout#durable-c-0')).code).toBe(0);

  // SIGTERM: a graceful stop that removes the target file.
  third.child.kill('SIGTERM');
  expect(await exited(third.child)).toBe(0);
  expect(existsSync(TARGET)).toBe(false);
  expect((await cli('charge', 'checkout#durable-c-0')).text).toContain('No local pipeline is running, start it with `npm start`');

  // --fresh starts empty; SIGINT stops it too.
  const fresh = await start(['--fresh']);
  expect(await charges(fresh, ['durable-a-0'])).toEqual([undefined]);
  fresh.child.kill('SIGINT');
  expect(await exited(fresh.child)).toBe(0);
  expect(existsSync(TARGET)).toBe(false);
}, 120000);
