/**
 * `npm run bench`: measures the pipeline on this machine and writes docs/benchmarks.md.
 * Each figure comes with the machine, the Node version and the date. Nothing here asserts:
 * the targets are printed next to the numbers.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BUNDLING, HANDLERS } from '../../lambda/contract.js';
import { startLocalPipeline } from '../pipeline.js';
import { paymentBody } from '../../cli/samples.js';
import { countCommands, median, percentile, round } from './measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORK = join(ROOT, '.bench');
const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// 1. Bundles: the same esbuild settings the CDK construct uses, and a naive tsc build.

async function bundle(name: keyof typeof HANDLERS): Promise<{ file: string; bytes: number }> {
  const outfile = join(WORK, 'bundle', name, 'index.mjs');
  await esbuild.build({
    entryPoints: [join(ROOT, HANDLERS[name].entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    sourcemap: BUNDLING.sourceMap,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.externals],
    banner: { js: BUNDLING.banner },
    logLevel: 'silent',
  });
  return { file: outfile, bytes: statSync(outfile).size };
}

function naiveBuild(): string {
  const outDir = join(WORK, 'tsc');
  execFileSync(
    join(ROOT, 'node_modules/.bin/tsc'),
    [
      ...Object.values(HANDLERS).map((h) => join(ROOT, h.entry)),
      '--outDir',
      outDir,
      '--rootDir',
      ROOT,
      '--module',
      'esnext',
      '--moduleResolution',
      'bundler',
      '--target',
      'es2023',
      '--strict',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types',
      'node',
      '--noEmit',
      'false',
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  return outDir;
}

// ---------------------------------------------------------------------------------------------
// 2. Cold start: a fresh Node process loads the module and serves one real event (against the
//    local emulators), bundled vs naive.

/** Runs the child asynchronously: the emulators it talks to live in this process's event loop. */
function runChild(file: string, event: unknown, lambdaEnvironment: Readonly<Record<string, string>>): Promise<{ stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'local/bench/cold-start-child.mjs'), file], {
      env: { PATH: process.env.PATH ?? '', ...lambdaEnvironment, BENCH_EVENT: JSON.stringify(event), POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve({ stdout, ms: performance.now() - started }) : reject(new Error(`cold start of ${file} failed: ${stderr.slice(-2000)}`)),
    );
  });
}

async function coldStart(
  file: string,
  event: unknown,
  runs: number,
  env: Readonly<Record<string, string>>,
): Promise<{ loadMs: number; firstEventMs: number; processMs: number; rssMB: number; outcome: string }> {
  const samples: Array<{ loadMs: number; firstEventMs: number; processMs: number; rssMB: number; outcome: string }> = [];
  for (let i = 0; i < runs; i++) {
    const { stdout, ms } = await runChild(file, event, env);
    samples.push({ ...(JSON.parse(stdout) as { loadMs: number; firstEventMs: number; rssMB: number; outcome: string }), processMs: ms });
  }
  return {
    loadMs: median(samples.map((s) => s.loadMs)),
    firstEventMs: median(samples.map((s) => s.firstEventMs)),
    processMs: median(samples.map((s) => s.processMs)),
    rssMB: median(samples.map((s) => s.rssMB)),
    outcome: String(samples[0]!.outcome),
  };
}

// ---------------------------------------------------------------------------------------------

interface Autocannon {
  latency: { p50: number; p99: number; max: number; average: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  '2xx': number;
}

/** autocannon in a second process, run asynchronously: the server under test is in this one. */
function loadTest(url: string, headers: Record<string, string>, body: string, connections: number, seconds: number): Promise<Autocannon> {
  const args = ['-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-b', body];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/autocannon'), [...args, url]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon failed: ${stderr.slice(-1000)}`));
      const result = JSON.parse(stdout) as Autocannon;
      if (!(result.requests.average > 0)) return reject(new Error(`autocannon measured no requests against ${url}`));
      resolve(result);
    });
  });
}

async function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  log(`machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  log('bundling…');
  const bundles = {
    authenticator: await bundle('authenticator'),
    processor: await bundle('processor'),
    reconciler: await bundle('reconciler'),
  };
  const naiveDir = naiveBuild();

  log('starting the local pipeline…');
  const arrivals = new Map<string, number>();
  const pipeline = await startLocalPipeline({
    port: 0,
    logLevel: 'ERROR',
    reconcileEverySeconds: 0,
    processorConcurrency: 2,
    onEvent: (e) => {
      const key = String(e.body.chargeKey);
      if (!arrivals.has(key)) arrivals.set(key, performance.now());
    },
  });
  try {
    const { urls, tokens } = pipeline;

    // ---- cold starts -------------------------------------------------------------------
    log('cold starts…');
    const runs = quick ? 3 : 7;
    const authEvent = {
      resource: '/callback',
      path: '/callback',
      httpMethod: 'POST',
      headers: { 'x-seller-token': tokens.sellerToken, 'content-type': 'application/json' },
      body: JSON.stringify({ referenceId: '102030' }),
      isBase64Encoded: false,
      requestContext: { requestId: 'cold-start', identity: { sourceIp: '127.0.0.1' } },
    };
    const procEvent = {
      Records: [
        {
          messageId: 'cold-1',
          receiptHandle: 'x',
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
          awsRegion: 'us-east-1',
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
          messageAttributes: {},
          body: JSON.stringify({
            v: 1,
            flavour: 'checkout',
            eventType: 'TransactionUpdateMessage',
            receivedAt: new Date().toISOString(),
            requestId: 'cold-start',
            body: JSON.stringify(paymentBody({ chargeId: 'cold-start', status: 'PAID' })),
          }),
        },
      ],
    };
    const naiveFile = (name: keyof typeof HANDLERS) => join(naiveDir, HANDLERS[name].entry.replace(/\.ts$/, '.js'));
    const cold = {
      authenticator: {
        bundled: await coldStart(bundles.authenticator.file, authEvent, runs, pipeline.lambdaEnvironment),
        naive: await coldStart(naiveFile('authenticator'), authEvent, runs, pipeline.lambdaEnvironment),
      },
      processor: {
        bundled: await coldStart(bundles.processor.file, procEvent, runs, pipeline.lambdaEnvironment),
        naive: await coldStart(naiveFile('processor'), procEvent, runs, pipeline.lambdaEnvironment),
      },
    };

    // ---- authenticator handler time, SQS call short-circuited -------------------------------
    log('authenticator handler time…');
    // The authenticator as the Lambda entry makes it, with the pipeline's configuration and a
    // client of its own whose SendMessage is answered at once (no SQS in the measured time).
    const { makeAuthenticatorHandler } = await import('../../lambda/handlers/authenticator.js');
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { LocalMetrics } = await import('../metrics.js');
    const benchSqs = new SQSClient({
      region: 'us-east-1',
      endpoint: pipeline.endpoints.sqs,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
    benchSqs.middlewareStack.add(() => async () => ({ output: { MessageId: 'bench', $metadata: {} }, response: {} }), {
      step: 'initialize',
      name: 'bench-short-circuit',
    });
    const authenticate = makeAuthenticatorHandler(
      { queueUrl: pipeline.resources.queueUrl, secretId: pipeline.resources.secretId, secretMaxAgeSeconds: 60 },
      {
        sqs: benchSqs,
        secrets: pipeline.clients.secrets,
        logger: new Logger({ logLevel: 'SILENT' }),
        metrics: new LocalMetrics({ serviceName: 'authenticator' }),
      },
    ) as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number }>;
    const ctx = {
      functionName: 'a',
      awsRequestId: 'a',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:a',
      memoryLimitInMB: '256',
      getRemainingTimeInMillis: () => 10000,
    };
    const webhookEvent = {
      ...authEvent,
      resource: '/webhook',
      path: '/webhook',
      headers: { authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage', 'content-type': 'application/json' },
      body: JSON.stringify(paymentBody()),
    };
    const iterations = quick ? 5_000 : 20_000;
    for (let i = 0; i < 500; i++) await authenticate(webhookEvent, ctx); // warm: secret cached, JIT
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      const res = await authenticate(webhookEvent, ctx);
      times.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}`);
    }
    benchSqs.destroy();
    const handlerTime = { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), iterations };

    // ---- ack latency and throughput ----------------------------------------------------------
    log('ack latency (autocannon)…');
    const seconds = quick ? 3 : 8;
    const checkoutHeaders = { 'content-type': 'application/json', authorization: tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' };
    const legacyHeaders = { 'content-type': 'application/json', 'x-seller-token': tokens.sellerToken };
    const ack: Array<{ route: string; connections: number; r: Autocannon }> = [];
    for (const connections of [1, 10, 50]) {
      ack.push({
        route: 'POST /webhook',
        connections,
        r: await loadTest(urls.webhook, checkoutHeaders, JSON.stringify(paymentBody({ chargeId: 'bench-ack' })), connections, seconds),
      });
      await drain(pipeline);
      ack.push({
        route: 'POST /callback',
        connections,
        r: await loadTest(urls.callback, legacyHeaders, JSON.stringify({ referenceId: '102030' }), connections, seconds),
      });
      await drain(pipeline);
    }
    // Let the processor drain the duplicates the load test queued.
    await drain(pipeline);

    // ---- end-to-end latency: request → event at a subscriber ---------------------------------
    log('end-to-end latency…');
    // A paced stream (~40/s, below the local processor's capacity) measures latency, not queueing.
    const e2eCount = quick ? 100 : 300;
    const sentAt = new Map<string, number>();
    const e2eStarted = performance.now();
    for (let i = 0; i < e2eCount; i++) {
      const id = `bench-e2e-${i}`;
      sentAt.set(`checkout#${id}`, performance.now());
      await fetch(urls.webhook, { method: 'POST', headers: checkoutHeaders, body: JSON.stringify(paymentBody({ chargeId: id, status: 'PAID' })) }).then((r) =>
        r.arrayBuffer(),
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    const e2eRate = e2eCount / ((performance.now() - e2eStarted) / 1000);
    await pipeline.waitForEvents(() => [...sentAt.keys()].every((k) => arrivals.has(k)), 60_000);
    const e2e = [...sentAt.entries()].map(([k, t]) => arrivals.get(k)! - t);

    // ---- AWS requests per notification ------------------------------------------------------
    log('requests per notification…');
    await drain(pipeline);
    const ddb = countCommands(pipeline.clients.dynamodb, { consumedCapacity: true });
    const sns = countCommands(pipeline.clients.sns);
    const sqs = countCommands(pipeline.clients.sqs);
    const send = (id: string, status: string, minute: number) =>
      fetch(urls.webhook, {
        method: 'POST',
        headers: checkoutHeaders,
        body: JSON.stringify(paymentBody({ chargeId: id, status, eventDate: new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString() })),
      }).then((r) => r.arrayBuffer());
    const n = quick ? 50 : 200;
    const phase = async (label: string, work: () => Promise<void>) => {
      ddb.reset();
      sns.reset();
      sqs.reset();
      await work();
      await drain(pipeline);
      const d = ddb.snapshot();
      const get = (m: Map<string, number>, name: string) => m.get(name) ?? 0;
      // The document client's middleware sees the low-level names (GetItemCommand…); count both.
      const match = (m: Map<string, number>, re: RegExp) => [...m.entries()].filter(([k]) => re.test(k)).reduce((s, [, v]) => s + v, 0);
      return {
        label,
        reads: match(d.counts, /^Get(Item)?Command$/),
        writes: match(d.counts, /^(Put|Update)(Item)?Command$/),
        rcu: d.capacity.read,
        wcu: d.capacity.write,
        sqsSends: get(sqs.snapshot().counts, 'SendMessageCommand'),
        snsPublishes: get(sns.snapshot().counts, 'PublishCommand'),
      };
    };
    const changing = await phase('state change', async () => {
      for (let i = 0; i < n; i++) await send(`bench-req-${i}`, 'AUTHORIZED', 0);
      await drain(pipeline);
    });
    const later = await phase('state change, 2nd status', async () => {
      for (let i = 0; i < n; i++) await send(`bench-req-${i}`, 'PAID', 1);
    });
    const duplicates = await phase('duplicate', async () => {
      for (let i = 0; i < n; i++) await send(`bench-req-${i}`, 'PAID', 1);
    });
    const perNotification = [changing, later, duplicates].map((p) => ({
      ...p,
      reads: p.reads / n,
      writes: p.writes / n,
      rcu: p.rcu / n,
      wcu: p.wcu / n,
      sqsSends: p.sqsSends / n,
      snsPublishes: p.snsPublishes / n,
    }));

    const results = {
      machine,
      bundles: { authenticator: bundles.authenticator.bytes, processor: bundles.processor.bytes, reconciler: bundles.reconciler.bytes },
      cold,
      handlerTime,
      ack,
      e2e: { count: e2e.length, rate: e2eRate, p50: percentile(e2e, 50), p99: percentile(e2e, 99), max: Math.max(...e2e) },
      perNotification,
    };
    writeFileSync(join(WORK, 'results.json'), JSON.stringify(results, null, 2));
    const doc = renderMarkdown(results);
    if (!quick) writeFileSync(join(ROOT, 'docs/benchmarks.md'), doc);
    process.stdout.write(doc);
  } finally {
    await pipeline.stop();
  }
}

async function drain(pipeline: Awaited<ReturnType<typeof startLocalPipeline>>): Promise<void> {
  const { GetQueueAttributesCommand, SQSClient } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: pipeline.endpoints.sqs,
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    useQueueUrlAsEndpoint: false,
  });
  try {
    let quiet = 0;
    let last = -1;
    while (quiet < 4) {
      const a = (
        await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: pipeline.resources.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes!;
      const busy = Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
      quiet = busy === 0 && pipeline.events.length === last ? quiet + 1 : 0;
      last = pipeline.events.length;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The cost model: public list prices (us-east-1), written out.

export const PRICES = {
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  sqsPerMillionRequests: 0.4,
  snsPublishPerMillion: 0.5,
  dynamoWriteRequestUnitsPerMillion: 0.625,
  dynamoReadRequestUnitsPerMillion: 0.125,
  logsIngestionPerGb: 0.5,
};

type Results = {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string };
  bundles: Record<string, number>;
  cold: Record<
    'authenticator' | 'processor',
    Record<'bundled' | 'naive', { loadMs: number; firstEventMs: number; processMs: number; rssMB: number; outcome: string }>
  >;
  handlerTime: { p50: number; p99: number; max: number; iterations: number };
  ack: Array<{ route: string; connections: number; r: Autocannon }>;
  e2e: { count: number; rate: number; p50: number; p99: number; max: number };
  perNotification: Array<{ label: string; reads: number; writes: number; rcu: number; wcu: number; sqsSends: number; snsPublishes: number }>;
};

export function costModel(r: Results) {
  // The mix of the chaos suite: 70% state changes, 30% duplicates. SDK calls to AWS take far
  // longer than to the local emulators, so durations are the local handler CPU time plus an
  // assumed round trip per AWS call (written out below), never the local wall time alone.
  const AWS_CALL_MS = { sqsSend: 8, dynamo: 6, sns: 12 };
  const change = r.perNotification[1]!;
  const dup = r.perNotification[2]!;
  const mix = (a: number, b: number) => 0.7 * a + 0.3 * b;
  const batch = 5; // records per processor invocation, a moderate-traffic assumption
  const authMs = r.handlerTime.p50 + AWS_CALL_MS.sqsSend;
  const procMsPerRecord = mix(
    1 + change.reads * AWS_CALL_MS.dynamo + change.writes * AWS_CALL_MS.dynamo + change.snsPublishes * AWS_CALL_MS.sns,
    1 + dup.reads * AWS_CALL_MS.dynamo,
  );
  const perMillion = (perNotification: number) => perNotification * 1e6;
  const lines: Array<[string, number, string]> = [];
  const add = (item: string, usd: number, basis: string) => lines.push([item, usd, basis]);
  add('API Gateway (REST)', PRICES.apiGatewayRestPerMillion, '1 request per notification');
  add('Lambda requests', PRICES.lambdaRequestsPerMillion * (1 + 1 / batch), `authenticator 1, processor 1/${batch} (batches of ${batch})`);
  add(
    'Lambda duration, authenticator',
    perMillion(0.25 * (Math.max(authMs, 1) / 1000)) * PRICES.lambdaArmGbSecond,
    `256 MB arm64 × ${round(authMs)} ms (handler p50 + ${AWS_CALL_MS.sqsSend} ms SQS)`,
  );
  add(
    'Lambda duration, processor',
    perMillion(0.5 * (procMsPerRecord / 1000)) * PRICES.lambdaArmGbSecond,
    `512 MB arm64 × ${round(procMsPerRecord)} ms per record`,
  );
  const sqsRequests = mix(change.sqsSends, dup.sqsSends) + 2 / batch;
  add('SQS', PRICES.sqsPerMillionRequests * sqsRequests, `${round(sqsRequests)} requests per notification (send, receive and delete per batch)`);
  add(
    'SNS',
    PRICES.snsPublishPerMillion * mix(change.snsPublishes, dup.snsPublishes),
    `${round(mix(change.snsPublishes, dup.snsPublishes))} publishes per notification; SQS deliveries free`,
  );
  const wru = mix(change.wcu, dup.wcu);
  const rru = mix(change.rcu, dup.rcu);
  add('DynamoDB writes', PRICES.dynamoWriteRequestUnitsPerMillion * wru, `${round(wru)} WRU per notification (measured ConsumedCapacity)`);
  add('DynamoDB reads', PRICES.dynamoReadRequestUnitsPerMillion * rru, `${round(rru)} RRU per notification (strongly consistent)`);
  add('CloudWatch Logs', (PRICES.logsIngestionPerGb * (1e6 * 1200)) / 2 ** 30, '~1.2 KB of structured logs per notification');
  const total = lines.reduce((s, [, usd]) => s + usd, 0);

  // The naive build of the same pipeline: x86_64, 1 GB, unbundled, no dedupe (every duplicate
  // re-written and re-published), TransactWriteItems (2× write units), no SQS buffer (one
  // synchronous Lambda per request doing everything, so PicPay waits on DynamoDB and SNS).
  const naiveMs =
    authMs + mix(procMsPerRecord, 1 + change.reads * AWS_CALL_MS.dynamo + change.writes * AWS_CALL_MS.dynamo + change.snsPublishes * AWS_CALL_MS.sns);
  const naive =
    PRICES.apiGatewayRestPerMillion +
    PRICES.lambdaRequestsPerMillion +
    perMillion(1 * (naiveMs / 1000)) * PRICES.lambdaX86GbSecond +
    PRICES.snsPublishPerMillion * Math.max(change.snsPublishes, 1) +
    PRICES.dynamoWriteRequestUnitsPerMillion * 2 * change.wcu +
    PRICES.dynamoReadRequestUnitsPerMillion * change.rcu +
    (PRICES.logsIngestionPerGb * (1e6 * 1200)) / 2 ** 30;
  return { lines, total, naive, naiveMs, assumptions: { AWS_CALL_MS, batch } };
}

function renderMarkdown(r: Results): string {
  const kb = (b: number) => `${round(b / 1024, 1)} KB`;
  const ms = (n: number) => `${round(n, n < 10 ? 2 : 1)} ms`;
  const target = (ok: boolean) => (ok ? 'met' : '**not met**');
  const cost = costModel(r);
  const ack50 = r.ack.filter((a) => a.connections === 50);
  const worst50 = Math.max(...ack50.map((a) => a.r.latency.p99));
  const change = r.perNotification[1]!;
  const dup = r.perNotification[2]!;
  const m = r.machine;
  return `# Benchmarks

Measured by \`npm run bench\` on ${m.date}: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, everything on one machine
(the local pipeline on dynalite and fauxqs, the load generator in a second process). Local numbers are not AWS numbers:
they compare builds and catch regressions. Raw results: \`.bench/results.json\` after a run.

## Targets

| target | measured | |
|---|---|---|
| authenticator bundle < 250 KB | ${kb(r.bundles.authenticator!)} | ${target(r.bundles.authenticator! < 250 * 1024)} |
| authenticator p99 handler time < 2 ms, excluding the SQS call | ${ms(r.handlerTime.p99)} (p50 ${ms(r.handlerTime.p50)}, ${r.handlerTime.iterations} calls) | ${target(r.handlerTime.p99 > 0 && r.handlerTime.p99 < 2)} |
| local ack p99 < 20 ms at 50 concurrent requests | ${ack50.map((a) => `${a.route} ${ms(a.r.latency.p99)}`).join(', ')} | ${target(ack50.length === 2 && worst50 > 0 && worst50 < 20)} |
| ≤ 2 DynamoDB writes per state-changing notification, ≤ 1 per duplicate | ${round(change.writes)} per state change, ${round(dup.writes)} per duplicate | ${target(change.writes > 0 && change.writes <= 2 && dup.writes <= 1)} |

${
  worst50 >= 20
    ? `**Why the local ack target is not met, and what it means.** autocannon keeps 50 connections busy in a closed loop, so by
Little's law the mean latency is connections ÷ throughput: 50 ÷ ${round(Math.max(...ack50.map((a) => a.r.requests.average)), 0)} requests/s ≈ ${ms(50000 / Math.max(...ack50.map((a) => a.r.requests.average)))}.
Meeting 20 ms at 50 connections takes 2,500 requests/s from one Node process on ${m.cores} cores that is at once the API, the SQS emulator,
the DynamoDB emulator and the processor draining the queue. With one connection the ack takes ${ms(r.ack[0]!.r.latency.p50)} (p50), and the
handler itself ${ms(r.handlerTime.p99)} at p99. In AWS each request gets its own Lambda execution environment, so the ack time
is the handler time plus one SQS call, whatever the concurrency (within the account's Lambda concurrency and the stage throttle).
The local runtime is for development and tests, not for load.

`
    : ''
}## Acknowledgement latency and throughput (local runtime, autocannon)

| route | concurrent | p50 | p99 | max | requests/s | non-2xx |
|---|---|---|---|---|---|---|
${r.ack.map((a) => `| ${a.route} | ${a.connections} | ${ms(a.r.latency.p50)} | ${ms(a.r.latency.p99)} | ${ms(a.r.latency.max)} | ${round(a.r.requests.average, 0)} | ${a.r.non2xx} |`).join('\n')}

Each request runs the real authenticator (token check, enqueue to fauxqs) while the processor drains the queue in the same process.

## End to end: request to event at a subscriber

${r.e2e.count} checkout notifications, one at a time at ${round(r.e2e.rate, 0)} per second: p50 ${ms(r.e2e.p50)}, p99 ${ms(r.e2e.p99)}, max ${ms(r.e2e.max)}
(authenticator, SQS, processor, DynamoDB, SNS, the subscriber's SQS queue and its long poll).

## Bundles and cold start

| function | bundle (minified ESM, AWS SDK external) |
|---|---|
${Object.entries(r.bundles)
  .map(([k, v]) => `| ${k} | ${kb(v)} |`)
  .join('\n')}

Cold start: a fresh Node process loads the handler module and serves one real event (against the local emulators);
median of several runs. The naive baseline is the same handler compiled by \`tsc\` and not bundled.

| function | build | load module | first event | whole process | RSS |
|---|---|---|---|---|---|
${(['authenticator', 'processor'] as const)
  .flatMap((f) =>
    (['bundled', 'naive'] as const).map((b) => {
      const c = r.cold[f][b];
      return `| ${f} | ${b} | ${ms(c.loadMs)} | ${ms(c.firstEventMs)} | ${ms(c.processMs)} | ${round(c.rssMB, 0)} MB |`;
    }),
  )
  .join('\n')}

Ratio naive / bundled, load + first event: authenticator ${round((r.cold.authenticator.naive.loadMs + r.cold.authenticator.naive.firstEventMs) / (r.cold.authenticator.bundled.loadMs + r.cold.authenticator.bundled.firstEventMs))}×,
processor ${round((r.cold.processor.naive.loadMs + r.cold.processor.naive.firstEventMs) / (r.cold.processor.bundled.loadMs + r.cold.processor.bundled.firstEventMs))}×.

## AWS requests per notification

Counted on the handlers' own SDK clients; DynamoDB capacity from \`ReturnConsumedCapacity\`.

| notification | DynamoDB reads | writes | RRU | WRU | SQS sends | SNS publishes |
|---|---|---|---|---|---|---|
${r.perNotification.map((p) => `| ${p.label} | ${round(p.reads)} | ${round(p.writes)} | ${round(p.rcu)} | ${round(p.wcu)} | ${round(p.sqsSends)} | ${round(p.snsPublishes)} |`).join('\n')}

A state change is one read, a conditional put of the charge (with its outbox) and the update that clears the outbox
after the publish. A duplicate is one read and nothing else. The processor's own SQS receive and delete calls (one each
per batch) are not in this table; the cost model adds them.

## Cost model: US dollars per million notifications

List prices, us-east-1 (sa-east-1 is roughly 1.3–1.6× higher): API Gateway REST $3.50/M requests; Lambda $0.20/M requests
and $0.0000133334 per GB-second on arm64 ($0.0000166667 on x86_64); SQS $0.40/M requests; SNS $0.50/M publishes (SQS
deliveries free); DynamoDB on demand $0.625/M write request units and $0.125/M read request units; CloudWatch Logs
$0.50/GB ingested. Free tiers are ignored. Mix: 70% state changes, 30% duplicates (as in the chaos suite).
Assumed AWS round trips: SQS send ${cost.assumptions.AWS_CALL_MS.sqsSend} ms, DynamoDB ${cost.assumptions.AWS_CALL_MS.dynamo} ms, SNS ${cost.assumptions.AWS_CALL_MS.sns} ms; processor batches of ${cost.assumptions.batch}.

| item | USD per million | basis |
|---|---|---|
${cost.lines.map(([item, usd, basis]) => `| ${item} | ${round(usd, 3)} | ${basis} |`).join('\n')}
| **total** | **${round(cost.total, 2)}** | |

The same pipeline built the naive way (x86_64 at 1 GB, one synchronous function doing everything, no deduplication so
every duplicate is rewritten and republished, TransactWriteItems at twice the write units): about
**$${round(cost.naive, 2)} per million** (${ms(cost.naiveMs)} per invocation at 1 GB), i.e. ${round(cost.naive / cost.total, 2)}× this design.
API Gateway dominates both; the design's savings are in Lambda duration and memory, writes, and not publishing
duplicates.

## How to reproduce

\`\`\`bash
npm ci
npm run bench            # writes this file; --quick for a short run that does not
\`\`\`
`;
}

await main();
