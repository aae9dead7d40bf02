/**
 * The floors of `npm run bench`: what the same work costs with nothing of ours in the way.
 * Each figure of a function is measured alternating with its floor in the same run, so a
 * machine that slows down mid-run slows both, and the ratio of each pair is reported.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { median, round } from './measure.js';

export interface ColdSample {
  readonly loadMs: number;
  readonly firstEventMs: number;
  /** From spawn to exit: Node's own start, the module, the first event. */
  readonly processMs: number;
  readonly rssMB: number;
  readonly outcome: string;
}

export interface Spread {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { n: values.length, min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Ratios of paired samples, a[i] / b[i]. */
export function pairRatios(a: readonly number[], b: readonly number[]): Spread {
  if (a.length !== b.length || a.length === 0) throw new Error('pairRatios needs pairs');
  return spread(a.map((x, i) => x / b[i]!));
}

export const formatSpread = (s: Spread, digits = 2, unit = '') =>
  `${round(s.median, digits)}${unit} (${round(s.min, digits)}–${round(s.max, digits)}, n = ${s.n})`;

/** One cold start in a fresh Node process (cold-start-child.mjs): the emulators it talks to live in this process. */
export function coldStart(root: string, file: string, event: unknown, env: Readonly<Record<string, string>>): Promise<ColdSample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'tools/bench/cold-start-child.mjs'), file], {
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_EVENT: JSON.stringify(event), POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`cold start of ${file} failed: ${stderr.slice(-2000)}`));
      resolve({ ...(JSON.parse(stdout) as Omit<ColdSample, 'processMs'>), processMs });
    });
  });
}

export interface ColdSubject {
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
  /** The answer a correct run gives (a broken handler would look fast). */
  readonly expect: string;
}

/**
 * `n` cold starts of `a` and of `b`, alternating (a b, b a, a b, …) so neither always runs
 * first; `event(i)` gives each pair its own event (a new charge each time, not a duplicate).
 */
export async function coldPairs(root: string, a: ColdSubject, b: ColdSubject, n: number, event: (i: number) => unknown) {
  const samples = { a: [] as ColdSample[], b: [] as ColdSample[] };
  const run = async (s: ColdSubject, i: number, into: ColdSample[], label: string) => {
    const sample = await coldStart(root, s.file, event(i), s.env);
    if (sample.outcome !== s.expect) throw new Error(`${label} answered ${sample.outcome}, expected ${s.expect}`);
    into.push(sample);
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await run(a, i, samples.a, a.file);
      await run(b, i, samples.b, b.file);
    } else {
      await run(b, i, samples.b, b.file);
      await run(a, i, samples.a, a.file);
    }
  }
  const total = (s: ColdSample) => s.processMs;
  return {
    a: samples.a,
    b: samples.b,
    ratio: pairRatios(samples.a.map(total), samples.b.map(total)),
    aMs: spread(samples.a.map(total)),
    bMs: spread(samples.b.map(total)),
  };
}

/**
 * The local ack path's floor: a bare `node:http` server that reads the body, makes one SDK
 * SendMessage to the same emulator and queue, and answers 200. No routing, no token check, no
 * event shape, no logging or metrics.
 */
export async function startBareServer(sqsEndpoint: string, queueUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const sqs = localSqs(sqsEndpoint);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: Buffer.concat(chunks).toString('utf8') })).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sqs.destroy();
    },
  };
}

/** An SQS client for a local emulator. */
export function localSqs(endpoint: string): SQSClient {
  return new SQSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
}

/** CPU time this process spends (user + system, all threads) while `work` runs, in ms. */
export async function cpuDuring<T>(work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}
