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
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { type ApiType, BUNDLING, DEFAULTS, HANDLERS, QUEUE } from '../../lambda/contract.js';
import { startLocalPipeline } from '../../local/pipeline.js';
import { paymentBody } from '../../cli/samples.js';
import { countCommands, median, percentile, round } from './measure.js';
import { measureRejected, type RejectedMeasurement, renderRejection } from './rejected.js';
import { type ColdSample, type ColdSubject, coldPairs, cpuDuring, formatSpread, localSqs, pairRatios, type Spread, spread, startBareServer } from './floor.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORK = join(ROOT, '.bench');
const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// 1. Bundles: the same esbuild settings the CDK construct uses, and a naive tsc build.

type Build = 'deployed' | 'sdkExternal';

/**
 * One entry bundled with the settings the CDK construct uses (`deployed`), or the same with the
 * AWS SDK left to the Lambda runtime (`sdkExternal`, the earlier setting), for comparison.
 */
async function bundle(entry: string, name: string, build: Build = 'deployed'): Promise<{ file: string; bytes: number }> {
  const outfile = join(WORK, 'bundle', build, name, 'index.mjs');
  await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    sourcemap: BUNDLING.sourceMap,
    mainFields: [...BUNDLING.mainFields],
    external: build === 'deployed' ? [...BUNDLING.externals] : ['@aws-sdk/*'],
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

type Pipeline = Awaited<ReturnType<typeof startLocalPipeline>>;
type Bundle = Awaited<ReturnType<typeof bundle>>;

/** Every build the cold starts compare: the deployed bundles, their floors, the SDK left external, a naive tsc build. */
interface Builds {
  readonly bundles: Record<'authenticator' | 'processor' | 'reconciler' | 'sweeper', Bundle>;
  readonly floors: Record<'authenticator' | 'processor', Bundle>;
  readonly external: Record<'authenticator' | 'processor' | 'authenticatorFloor' | 'processorFloor', Bundle>;
  readonly naiveDir: string;
}

async function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const machine = describeMachine();
  log(`machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  log('bundling…');
  const builds = await buildEverything();

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
    // A second pipeline without a processor, for the cold starts and the ack path's floor: what
    // the floors enqueue is not a notification, and nothing here should compete for the CPU.
    const ackOnly = await startLocalPipeline({ port: 0, logLevel: 'ERROR', reconcileEverySeconds: 0, sweepEverySeconds: 0, processorConcurrency: 0 });
    // No PicPay API credentials there: a cold start applies its PAID as sent (read, put, publish),
    // the work its floor does. What confirming with PicPay adds is measured apart (measureConfirmation).
    // Since the secrets were split, the checkout client is in the credentials secret: it is left
    // out there, or every cold start would fetch an OAuth token and call find-charge.
    const { sellerToken, checkoutToken, picpayToken } = ackOnly.tokens;
    ackOnly.setSecret({ sellerToken, checkoutToken });
    ackOnly.setCredentialsSecret({ picpayToken });
    const cold = await measureColdStarts(builds, ackOnly, pipeline.tokens);
    const handlerTime = await measureAuthenticatorHandler(pipeline);
    const ackFloor = await measureAckPathAgainstItsFloor(ackOnly);
    const ack = await measureAckLatency(pipeline);
    const e2e = await measureEndToEndLatency(pipeline, arrivals);
    const perNotification = await countRequestsPerNotification(pipeline);
    const confirmation = await measureConfirmation(pipeline);
    log('rejected requests (401)…');
    const rejected = await measureRejected(quick ? 2_000 : 20_000);

    const { bundles, floors, external } = builds;
    const results: Results = {
      machine,
      bundles: {
        deployed: Object.fromEntries(Object.entries(bundles).map(([k, v]) => [k, v.bytes])),
        sdkExternal: { authenticator: external.authenticator.bytes, processor: external.processor.bytes },
        floors: { authenticator: floors.authenticator.bytes, processor: floors.processor.bytes },
      },
      cold,
      ackFloor,
      handlerTime,
      ack,
      e2e: {
        count: e2e.latencies.length,
        rate: e2e.rate,
        p50: percentile(e2e.latencies, 50),
        p99: percentile(e2e.latencies, 99),
        max: Math.max(...e2e.latencies),
      },
      perNotification,
      confirmation,
      rejected,
    };
    writeResults(results);
  } finally {
    await pipeline.stop();
  }
}

function describeMachine(): Results['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}

async function buildEverything(): Promise<Builds> {
  const FLOORS = { authenticator: 'tools/bench/floors/authenticator.ts', processor: 'tools/bench/floors/processor.ts' } as const;
  const bundles = {
    authenticator: await bundle(HANDLERS.authenticator.entry, 'authenticator'),
    processor: await bundle(HANDLERS.processor.entry, 'processor'),
    reconciler: await bundle(HANDLERS.reconciler.entry, 'reconciler'),
    sweeper: await bundle(HANDLERS.sweeper.entry, 'sweeper'),
  };
  const floors = {
    authenticator: await bundle(FLOORS.authenticator, 'authenticator-floor'),
    processor: await bundle(FLOORS.processor, 'processor-floor'),
  };
  const external = {
    authenticator: await bundle(HANDLERS.authenticator.entry, 'authenticator', 'sdkExternal'),
    processor: await bundle(HANDLERS.processor.entry, 'processor', 'sdkExternal'),
    authenticatorFloor: await bundle(FLOORS.authenticator, 'authenticator-floor', 'sdkExternal'),
    processorFloor: await bundle(FLOORS.processor, 'processor-floor', 'sdkExternal'),
  };
  const naiveDir = naiveBuild();
  return { bundles, floors, external, naiveDir };
}

/** A legacy callback as API Gateway hands it to the authenticator. */
function authenticatorEvent(tokens: Pipeline['tokens'], i: number) {
  return {
    resource: '/callback',
    path: '/callback',
    httpMethod: 'POST',
    headers: { 'x-seller-token': tokens.sellerToken, 'content-type': 'application/json' },
    body: JSON.stringify({ referenceId: `cold-${i}` }),
    isBase64Encoded: false,
    requestContext: { requestId: `cold-start-${i}`, identity: { sourceIp: '127.0.0.1' } },
  };
}

/**
 * An SQS batch of one for the processor. Every cold start is a new charge's first status: a
 * state change (read, put, publish, clear), not a duplicate, so the processor does what its floor does.
 */
function processorEvent(run: string, i: number) {
  return {
    Records: [
      {
        messageId: `cold-${run}-${i}`,
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
          requestId: `cold-start-${i}`,
          body: JSON.stringify(paymentBody({ chargeId: `cold-${run}-${i}`, status: 'PAID' })),
        }),
      },
    ],
  };
}

/** Cold starts, each against its floor (or another build), alternating, in fresh processes. */
async function measureColdStarts(builds: Builds, ackOnly: Pipeline, tokens: Pipeline['tokens']): Promise<Results['cold']> {
  const { bundles, floors, external, naiveDir } = builds;
  log('cold starts…');
  const pairs = quick ? 5 : 30;
  const secondary = quick ? 3 : 15;
  const authEvent = (i: number) => authenticatorEvent(tokens, i);
  const run = `${Date.now()}`;
  const procEvent = (i: number) => processorEvent(run, i);
  const env = ackOnly.lambdaEnvironment;
  const subject = (file: string, expect: string, extra: Record<string, string> = {}) => ({ file, expect, env: { ...env, ...extra } });
  const naiveFile = (name: keyof typeof HANDLERS) => join(naiveDir, HANDLERS[name].entry.replace(/\.ts$/, '.js'));
  const traced = { POWERTOOLS_TRACE_ENABLED: 'true' };
  const untraced = { POWERTOOLS_TRACE_ENABLED: 'false' };
  const auth = (file: string) => subject(file, '200');
  const proc = (file: string, tracing: Record<string, string> = untraced) => subject(file, 'failures=0', tracing);
  const compare = (label: string, a: ColdSubject, b: ColdSubject, n: number, event: (i: number) => unknown) => {
    log(`  ${label} (${n} pairs)…`);
    return coldPairs(ROOT, a, b, n, event);
  };
  const naiveRuns = quick ? 3 : 7;
  const offset = (from: number) => (i: number) => procEvent(from + i);
  const plan: Record<string, Parameters<typeof compare>> = {
    authVsFloor: ['authenticator vs its floor', auth(bundles.authenticator.file), auth(floors.authenticator.file), pairs, authEvent],
    procVsFloor: ['processor, tracing off, vs its floor', proc(bundles.processor.file), proc(floors.processor.file), pairs, procEvent],
    tracedVsFloor: ['processor, tracing on, vs its floor', proc(bundles.processor.file, traced), proc(floors.processor.file), pairs, offset(1000)],
    authExternal: ['authenticator, SDK external vs bundled', auth(external.authenticator.file), auth(bundles.authenticator.file), secondary, authEvent],
    authFloorExternal: ['its floor, SDK external vs bundled', auth(external.authenticatorFloor.file), auth(floors.authenticator.file), secondary, authEvent],
    procExternal: ['processor, SDK external vs bundled', proc(external.processor.file), proc(bundles.processor.file), secondary, offset(2000)],
    authNaive: ['authenticator, naive build vs bundled', auth(naiveFile('authenticator')), auth(bundles.authenticator.file), naiveRuns, authEvent],
    procNaive: ['processor, naive build vs bundled', proc(naiveFile('processor')), proc(bundles.processor.file), naiveRuns, offset(3000)],
  };
  const measured: Record<string, Awaited<ReturnType<typeof coldPairs>>> = {};
  for (const [key, args] of Object.entries(plan)) measured[key] = await compare(...args);
  const { authVsFloor, procVsFloor, tracedVsFloor, authExternal, authFloorExternal, procExternal, authNaive, procNaive } = measured as Record<
    keyof typeof plan,
    Awaited<ReturnType<typeof coldPairs>>
  >;
  const summary = (samples: readonly ColdSample[]) => ({
    loadMs: median(samples.map((x) => x.loadMs)),
    firstEventMs: median(samples.map((x) => x.firstEventMs)),
    processMs: median(samples.map((x) => x.processMs)),
    rssMB: median(samples.map((x) => x.rssMB)),
  });
  return {
    authenticator: { vsFloor: authVsFloor.ratio, fn: summary(authVsFloor.a), floor: summary(authVsFloor.b) },
    processor: { vsFloor: procVsFloor.ratio, fn: summary(procVsFloor.a), floor: summary(procVsFloor.b) },
    processorTraced: { vsFloor: tracedVsFloor.ratio, fn: summary(tracedVsFloor.a), floor: summary(tracedVsFloor.b) },
    sdkExternal: {
      authenticator: { vsBundled: authExternal.ratio, fn: summary(authExternal.a) },
      authenticatorFloor: { vsBundled: authFloorExternal.ratio, fn: summary(authFloorExternal.a) },
      processor: { vsBundled: procExternal.ratio, fn: summary(procExternal.a) },
    },
    naive: {
      authenticator: { vsBundled: authNaive.ratio, fn: summary(authNaive.a) },
      processor: { vsBundled: procNaive.ratio, fn: summary(procNaive.a) },
    },
  };
}

/**
 * The authenticator handler's own time, its SQS call short-circuited: the authenticator as the
 * Lambda entry makes it, with the pipeline's configuration and a client of its own whose
 * SendMessage is answered at once (no SQS in the measured time).
 */
async function measureAuthenticatorHandler(pipeline: Pipeline): Promise<Results['handlerTime']> {
  log('authenticator handler time…');
  const { makeAuthenticatorHandler } = await import('../../lambda/handlers/authenticator.js');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const { LocalMetrics } = await import('../../local/metrics.js');
  const benchSqs = localSqs(pipeline.endpoints.sqs);
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
    ...authenticatorEvent(pipeline.tokens, 0),
    resource: '/webhook',
    path: '/webhook',
    headers: { authorization: pipeline.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage', 'content-type': 'application/json' },
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
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), iterations };
}

/**
 * The local ack path against its floor, on a pipeline of its own with no processor (stopped
 * here), so both sides do the same work: take the request, send one message to the same emulator.
 * CPU is this process's (API, authenticator, fauxqs); the load generator runs in another process.
 */
async function measureAckPathAgainstItsFloor(ackOnly: Pipeline): Promise<Results['ackFloor']> {
  log('local ack path vs a bare node:http server…');
  const bare = await startBareServer(ackOnly.endpoints.sqs, ackOnly.resources.queueUrl);
  const floorRounds = quick ? 1 : 3;
  const floorSeconds = quick ? 3 : 6;
  const floorHeaders = { 'content-type': 'application/json', authorization: ackOnly.tokens.checkoutToken, 'event-type': 'TransactionUpdateMessage' };
  const floorBody = JSON.stringify(paymentBody({ chargeId: 'bench-floor' }));
  const ackSeries: Record<'pipeline' | 'bare', Array<{ cpuPerAckMs: number; p99: number; rps: number }>> = { pipeline: [], bare: [] };
  const urlOf = { pipeline: ackOnly.urls.webhook, bare: bare.url };
  const floorSqs = localSqs(ackOnly.endpoints.sqs);
  try {
    for (const side of ['pipeline', 'bare'] as const) await loadTest(urlOf[side], floorHeaders, floorBody, 50, 2); // warm-up
    for (let round = 0; round < floorRounds; round++) {
      for (const side of round % 2 === 0 ? (['pipeline', 'bare'] as const) : (['bare', 'pipeline'] as const)) {
        await floorSqs.send(new PurgeQueueCommand({ QueueUrl: ackOnly.resources.queueUrl })).catch(() => undefined);
        const { value: r, cpuMs } = await cpuDuring(() => loadTest(urlOf[side], floorHeaders, floorBody, 50, floorSeconds));
        if (r.non2xx > 0 || r['2xx'] === 0) throw new Error(`${side}: ${r.non2xx} non-2xx answers in the floor comparison`);
        ackSeries[side].push({ cpuPerAckMs: cpuMs / r['2xx'], p99: r.latency.p99, rps: r.requests.average });
      }
    }
  } finally {
    floorSqs.destroy();
    await bare.stop();
    await ackOnly.stop();
  }
  const stats = (series: (typeof ackSeries)['bare']) => ({
    cpuPerAckMs: spread(series.map((x) => x.cpuPerAckMs)),
    p99: spread(series.map((x) => x.p99)),
    rps: spread(series.map((x) => x.rps)),
  });
  return {
    cpuRatio: pairRatios(
      ackSeries.pipeline.map((x) => x.cpuPerAckMs),
      ackSeries.bare.map((x) => x.cpuPerAckMs),
    ),
    pipeline: stats(ackSeries.pipeline),
    bare: stats(ackSeries.bare),
  };
}

const checkoutHeadersFor = (tokens: Pipeline['tokens']) => ({
  'content-type': 'application/json',
  authorization: tokens.checkoutToken,
  'event-type': 'TransactionUpdateMessage',
});

/** Ack latency and throughput of both routes at 1, 10 and 50 connections (autocannon). */
async function measureAckLatency(pipeline: Pipeline): Promise<Results['ack']> {
  const { urls, tokens } = pipeline;
  log('ack latency (autocannon)…');
  const seconds = quick ? 3 : 8;
  const checkoutHeaders = checkoutHeadersFor(tokens);
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
  return ack;
}

/**
 * End-to-end latency, request → event at a subscriber. A paced stream (~40/s, below the local
 * processor's capacity) measures latency, not queueing.
 */
async function measureEndToEndLatency(pipeline: Pipeline, arrivals: ReadonlyMap<string, number>): Promise<{ latencies: number[]; rate: number }> {
  log('end-to-end latency…');
  const checkoutHeaders = checkoutHeadersFor(pipeline.tokens);
  const e2eCount = quick ? 100 : 300;
  const sentAt = new Map<string, number>();
  const e2eStarted = performance.now();
  for (let i = 0; i < e2eCount; i++) {
    const id = `bench-e2e-${i}`;
    // Confirmation is on (as deployed with PicPay API credentials): PicPay knows the charge as paid.
    pipeline.sandbox.setCharge(id, PAID_AT_PICPAY);
    sentAt.set(`checkout#${id}`, performance.now());
    await fetch(pipeline.urls.webhook, { method: 'POST', headers: checkoutHeaders, body: JSON.stringify(paymentBody({ chargeId: id, status: 'PAID' })) }).then(
      (r) => r.arrayBuffer(),
    );
    await new Promise((r) => setTimeout(r, 25));
  }
  const e2eRate = e2eCount / ((performance.now() - e2eStarted) / 1000);
  await pipeline.waitForEvents(() => [...sentAt.keys()].every((k) => arrivals.has(k)), 60_000);
  const e2e = [...sentAt.entries()].map(([k, t]) => arrivals.get(k)! - t);
  return { latencies: e2e, rate: e2eRate };
}

/** AWS requests (and DynamoDB capacity) per notification: a state change, a second status, a duplicate. */
async function countRequestsPerNotification(pipeline: Pipeline): Promise<Results['perNotification']> {
  log('requests per notification…');
  await drain(pipeline);
  const checkoutHeaders = checkoutHeadersFor(pipeline.tokens);
  const ddb = countCommands(pipeline.clients.dynamodb, { consumedCapacity: true });
  const sns = countCommands(pipeline.clients.sns);
  const sqs = countCommands(pipeline.clients.sqs);
  const send = (id: string, status: string, minute: number) =>
    fetch(pipeline.urls.webhook, {
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
  // The PAIDs below are confirmed with find-charge: PicPay knows each charge as paid.
  for (let i = 0; i < n; i++) pipeline.sandbox.setCharge(`bench-req-${i}`, PAID_AT_PICPAY);
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
  return [changing, later, duplicates].map((p) => ({
    ...p,
    reads: p.reads / n,
    writes: p.writes / n,
    rcu: p.rcu / n,
    wcu: p.wcu / n,
    sqsSends: p.sqsSends / n,
    snsPublishes: p.snsPublishes / n,
  }));
}

/** A checkout charge as the sandbox's find-charge reports it once paid (the amount of paymentBody()). */
const PAID_AT_PICPAY = { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 };

/**
 * The processor with confirmation on and off (lambda/domain/confirm.ts): the handler the Lambda
 * entry makes, on the pipeline's clients, invoked with batches of one record, each a new
 * charge's PAID that the sandbox knows as paid, alternating (on, off, off, on, …). What differs
 * is the find-charge call (and its OAuth2 token, renewed every 5 minutes) against the local
 * sandbox, which answers in about a millisecond: PicPay's own latency is not in it.
 */
async function measureConfirmation(pipeline: Pipeline): Promise<Results['confirmation']> {
  log('processor with confirmation on vs off…');
  await drain(pipeline);
  const { makeProcessorHandler } = await import('../../lambda/handlers/processor.js');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const { LocalMetrics } = await import('../../local/metrics.js');
  const { lambdaContext } = await import('../../local/lambda-context.js');
  const config = {
    queueUrl: pipeline.resources.queueUrl,
    tableName: pipeline.resources.tableName,
    topicArn: pipeline.resources.topicArn,
    secretId: pipeline.resources.secretId,
    credentialsSecretId: pipeline.resources.credentialsSecretId,
    picpayBaseUrl: pipeline.urls.picpay,
    picpayCheckoutBaseUrl: `${pipeline.urls.picpay}/api/v1`,
    picpayPaymentLinkBaseUrl: `${pipeline.urls.picpay}/v1/paymentlink`,
    picpayTimeoutMs: 5000,
    secretMaxAgeSeconds: 300,
    maxReceiveCount: QUEUE.maxReceiveCount,
    maxProcessedBodyBytes: DEFAULTS.maxProcessedBodyBytes,
    picpayCircuitCoolDownMs: DEFAULTS.picpayCircuitCoolDownMs,
  };
  type Handler = (event: unknown, context: unknown) => Promise<{ batchItemFailures: unknown[] }>;
  const metrics = { on: new LocalMetrics({ serviceName: 'processor' }), off: new LocalMetrics({ serviceName: 'processor' }) };
  const handlerFor = (side: 'on' | 'off') =>
    makeProcessorHandler(config, {
      dynamodb: pipeline.clients.dynamodb,
      sns: pipeline.clients.sns,
      sqs: pipeline.clients.sqs,
      secrets: pipeline.clients.secrets,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: metrics[side],
      now: Date.now,
      random: Math.random,
      ...(side === 'off' ? { confirmCheckout: false } : {}),
    }) as unknown as Handler;
  const handlers = { on: handlerFor('on'), off: handlerFor('off') };
  const run = `confirm-${Date.now()}`;
  let next = 0;
  const once = async (side: 'on' | 'off') => {
    const i = next++;
    pipeline.sandbox.setCharge(`cold-${run}-${i}`, PAID_AT_PICPAY);
    const event = processorEvent(run, i);
    const started = performance.now();
    const res = await handlers[side](event, lambdaContext('processor', HANDLERS.processor));
    const ms = performance.now() - started;
    if (res.batchItemFailures.length > 0) throw new Error(`confirmation ${side}: the record failed`);
    return ms;
  };
  for (let i = 0; i < 30; i++) {
    await once('on');
    await once('off');
  }
  const pairs = quick ? 50 : 300;
  const lookups = pipeline.sandbox.chargeLookups;
  const tokens = pipeline.sandbox.tokensIssued;
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < pairs; i++) {
    for (const side of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) (side === 'on' ? on : off).push(await once(side));
  }
  // Every PAID applied, none contradicted: the figure is the confirmed path, not a parking.
  const applied = (side: 'on' | 'off') => metrics[side].counts.get('Transitions') ?? 0;
  if (applied('on') !== pairs + 30 || applied('off') !== pairs + 30 || metrics.on.counts.has('ContradictedNotifications')) {
    throw new Error(`confirmation: expected every PAID applied (on ${applied('on')}, off ${applied('off')} of ${pairs + 30})`);
  }
  const summary = (times: readonly number[]) => ({
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  });
  return {
    pairs,
    on: summary(on),
    off: summary(off),
    ratio: pairRatios(on, off),
    extraMs: spread(on.map((ms, i) => ms - off[i]!)),
    findChargePerRecord: (pipeline.sandbox.chargeLookups - lookups) / pairs,
    tokensIssued: pipeline.sandbox.tokensIssued - tokens,
  };
}

/** The results, and docs/benchmarks.md from them unless the run was a quick one; the markdown goes to stdout. */
function writeResults(results: Results): void {
  // A quick run's figures are too few to publish: they never become what --render renders.
  writeFileSync(join(WORK, quick ? 'results-quick.json' : 'results.json'), JSON.stringify(results, null, 2));
  const doc = renderMarkdown(results);
  if (!quick) writeFileSync(join(ROOT, 'docs/benchmarks.md'), doc);
  process.stdout.write(doc);
}

async function drain(pipeline: Awaited<ReturnType<typeof startLocalPipeline>>): Promise<void> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const client = localSqs(pipeline.endpoints.sqs);
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
  /** HTTP API, first 300 million requests a month; each request counted per 512 KB. */
  apiGatewayHttpPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  sqsPerMillionRequests: 0.4,
  snsPublishPerMillion: 0.5,
  dynamoWriteRequestUnitsPerMillion: 0.625,
  dynamoReadRequestUnitsPerMillion: 0.125,
  logsIngestionPerGb: 0.5,
};

type ColdSummary = { loadMs: number; firstEventMs: number; processMs: number; rssMB: number };
type Results = {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string };
  bundles: { deployed: Record<string, number>; sdkExternal: Record<string, number>; floors: Record<string, number> };
  cold: {
    authenticator: { vsFloor: Spread; fn: ColdSummary; floor: ColdSummary };
    processor: { vsFloor: Spread; fn: ColdSummary; floor: ColdSummary };
    processorTraced: { vsFloor: Spread; fn: ColdSummary; floor: ColdSummary };
    sdkExternal: Record<'authenticator' | 'authenticatorFloor' | 'processor', { vsBundled: Spread; fn: ColdSummary }>;
    naive: Record<'authenticator' | 'processor', { vsBundled: Spread; fn: ColdSummary }>;
  };
  ackFloor: {
    cpuRatio: Spread;
    pipeline: { cpuPerAckMs: Spread; p99: Spread; rps: Spread };
    bare: { cpuPerAckMs: Spread; p99: Spread; rps: Spread };
  };
  handlerTime: { p50: number; p99: number; max: number; iterations: number };
  ack: Array<{ route: string; connections: number; r: Autocannon }>;
  e2e: { count: number; rate: number; p50: number; p99: number; max: number };
  perNotification: Array<{ label: string; reads: number; writes: number; rcu: number; wcu: number; sqsSends: number; snsPublishes: number }>;
  /** Absent in results from before it was measured. */
  confirmation?: {
    pairs: number;
    on: { p50: number; p99: number; mean: number };
    off: { p50: number; p99: number; mean: number };
    ratio: Spread;
    extraMs: Spread;
    findChargePerRecord: number;
    tokensIssued: number;
  };
  /** Absent from results written before it was measured. */
  rejected?: RejectedMeasurement;
};

export function costModel(r: Pick<Results, 'handlerTime' | 'perNotification'>, apiType: ApiType = 'rest') {
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
  const apiPrice = apiType === 'rest' ? PRICES.apiGatewayRestPerMillion : PRICES.apiGatewayHttpPerMillion;
  add(
    apiType === 'rest' ? 'API Gateway (REST API)' : 'API Gateway (HTTP API)',
    apiPrice,
    '1 request per notification (HTTP API: first 300 M a month, metered per 512 KB; a notification is at most 200 KiB)',
  );
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
    apiPrice +
    PRICES.lambdaRequestsPerMillion +
    perMillion(1 * (naiveMs / 1000)) * PRICES.lambdaX86GbSecond +
    PRICES.snsPublishPerMillion * Math.max(change.snsPublishes, 1) +
    PRICES.dynamoWriteRequestUnitsPerMillion * 2 * change.wcu +
    PRICES.dynamoReadRequestUnitsPerMillion * change.rcu +
    (PRICES.logsIngestionPerGb * (1e6 * 1200)) / 2 ** 30;
  return { lines, total, naive, naiveMs, assumptions: { AWS_CALL_MS, batch } };
}

/**
 * Where a floor target is missed, why: written from CPU profiles of the module load
 * (\`node --cpu-prof\` on the bundles) and the bundles' contents (esbuild's metafile), with this
 * run's numbers filled in.
 */
function notMet(r: Results): string {
  const kb = (b: number) => `${round(b / 1024, 0)} KB`;
  const c = r.cold;
  const lines: string[] = [];
  if (c.authenticator.vsFloor.median > 1.1) {
    const extra = r.bundles.deployed.authenticator! - r.bundles.floors.authenticator!;
    lines.push(
      `- **Authenticator, ${round(c.authenticator.vsFloor.median)}× its floor** (${round(c.authenticator.fn.processMs - c.authenticator.floor.processMs, 1)} ms more). ` +
        `What is left is our own code, ${kb(extra)} more than the floor: Powertools Logger, Metrics and the secrets provider with its cache (about 40 KB), zod/mini (23 KB), ` +
        'jsonc-parser for the personal-data removal (11 KB), the domain and the handler (17 KB). A CPU profile of the module load shows that difference as V8 compiling ' +
        'the larger module and collecting garbage, not as any one slow function; every piece does work the floor skips (the token check, the redaction, the logs ' +
        'and metrics an operator reads). The spread of the pairs reaches below 1.0×: the gap is a few milliseconds.',
    );
  }
  if (c.processorTraced.vsFloor.median > 1.3) {
    lines.push(
      `- **Processor with tracing on, ${round(c.processorTraced.vsFloor.median)}× its floor** (off: ${round(c.processor.vsFloor.median)}×). The difference is X-Ray: ` +
        'the Powertools Tracer loads aws-xray-sdk-core and cls-hooked, whose async hook then runs on every promise. Tracing is on by default because it is the ' +
        'house default for a payment system an operator must be able to follow; `-c tracing=false` turns it off, and then nothing of it is loaded (tracing.ts).',
    );
  }
  if (r.bundles.deployed.processor! > 300 * 1024) {
    lines.push(
      `- **Processor bundle, ${kb(r.bundles.deployed.processor!)}.** It carries the AWS SDK (bundled because that starts faster, "The levers" below); without it ` +
        `the bundle is ${kb(r.bundles.sdkExternal.processor!)}, of which about 110 KB is the X-Ray SDK (aws-xray-sdk-core, semver, cls-hooked), bundled but only ` +
        'evaluated when tracing is on: the CDK builds one file per function, so it cannot be split into a chunk loaded on demand. Every schema uses zod/mini ' +
        '(about 23 KB); the classic zod API cost 64 KB more in this bundle, and about 10 ms of its cold start to build and first run its schemas.',
    );
  }
  if (r.ackFloor.cpuRatio.median > 1.5) {
    lines.push(
      `- **Local CPU per ack, ${round(r.ackFloor.cpuRatio.median)}× the bare server's.** Beyond the floor's work, each request is turned into an API Gateway event, ` +
        'the token is checked, personal data is removed from the body (a JSON parse) and the envelope is written; its SQS message also carries two message attributes.',
    );
  }
  return lines.length === 0 ? '' : `Where a target is not met, and why:\n\n${lines.join('\n')}\n\n`;
}

/**
 * What confirming with PicPay adds, measured against the local sandbox, and what it would cost
 * in production for an assumed PicPay latency (PicPay publishes none).
 */
function renderConfirmation(r: Results): string {
  const c = r.confirmation;
  if (!c) return '';
  const ms = (n: number) => `${round(n, n < 10 ? 2 : 1)} ms`;
  const row = (name: string, s: { p50: number; p99: number; mean: number }) =>
    `| ${name} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${round(1000 / s.mean, 0)} |`;
  // Processor: 512 MB arm64. A batch's records run in parallel, so its find-charge calls overlap.
  const usdPerMillion = (latencyMs: number, batch: number) => (1e6 * 0.5 * (latencyMs / 1000 / batch) * PRICES.lambdaArmGbSecond).toFixed(2);
  const latencies = [100, 200, 300];
  return `## Confirming with PicPay: the extra find-charge call

With PicPay API credentials in the tokens secret (as deployed), a checkout or Pix notification that moves money or
closes a charge is confirmed with PicPay's find-charge before it is applied (docs/state-model.md, "PicPay's word, not
the body's"). Measured here: the processor handler as the Lambda entry makes it, batches of one record, each a new
charge's \`PAID\` that the sandbox knows as paid, ${c.pairs} pairs alternating confirmation on and off, against the
local PicPay sandbox (which answers in about a millisecond):

| processor, one record per invocation | p50 | p99 | mean | records/s, one execution environment |
|---|---|---|---|---|
${row('confirmation off', c.off)}
${row('confirmation on', c.on)}

On ÷ off, pair by pair: ${formatSpread(c.ratio, 2, '×')}; the extra time per record ${formatSpread(c.extraMs, 2, ' ms')}.
${round(c.findChargePerRecord, 2)} find-charge call per record; ${c.tokensIssued} new OAuth2 token(s) after the warm-up (a token is valid
5 minutes and cached by each execution environment). The end-to-end figure above includes this call too: its \`PAID\`s are confirmed.

**In production** the extra time is PicPay's round trip, which cannot be measured here. Assuming 100–300 ms per
find-charge call (PicPay publishes no latency figure), on the processor's 512 MB arm64 at $0.0000133334 per GB-second:

| PicPay latency | extra Lambda duration | US$ per million confirmed notifications, one record per invocation | batches of 5 (records run in parallel) |
|---|---|---|---|
${latencies.map((l) => `| ${l} ms | ${l} ms per invocation | ${usdPerMillion(l, 1)} | ${usdPerMillion(l, 5)} |`).join('\n')}

The processor runs a batch's records in parallel (Powertools BatchProcessor), so a batch's find-charge calls overlap
and cost about one round trip per invocation. Only confirmed notifications pay it: pending and attempt statuses, 3DS
results and Payment Link notifications are applied as sent, and legacy callbacks always read PicPay's status API
anyway. The cost model below leaves it out; at most (every notification confirmed, one per invocation, 300 ms) it adds
$${usdPerMillion(300, 1)} per million to its total. The same 100–300 ms is added to the time from PicPay's request to the
event on SNS, and to each invocation's busy time: at a given rate, about rate × latency more concurrent executions.

PicPay's rate limits for its checkout API (find-charge and its OAuth2 token endpoint) are not published
(docs/picpay-contracts.md). A 429 is handled like a 5xx: the record backs off and is retried, and the checkout
circuit opens after a run of failures, so a limit reached delays confirmations (and the events), never drops them.
The chaos suite plays PicPay failing and down during confirmation (docs/chaos.md).

`;
}

function renderMarkdown(r: Results): string {
  const kb = (b: number) => `${round(b / 1024, 1)} KB`;
  const ms = (n: number) => `${round(n, n < 10 ? 2 : 1)} ms`;
  const x = (s: Spread) => formatSpread(s, 2, '×');
  const target = (ok: boolean) => (ok ? 'met' : '**not met**');
  const rest = costModel(r, 'rest');
  const http = costModel(r, 'http');
  const change = r.perNotification[1]!;
  const dup = r.perNotification[2]!;
  const m = r.machine;
  const c = r.cold;
  const af = r.ackFloor;
  const coldRow = (name: string, s: ColdSummary) => `| ${name} | ${ms(s.loadMs)} | ${ms(s.firstEventMs)} | ${ms(s.processMs)} | ${round(s.rssMB, 0)} MB |`;
  return `# Benchmarks

Measured by \`npm run bench\` on ${m.date}: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, everything on one machine
(the local pipeline on dynalite and fauxqs, the load generator in a second process). Local numbers are not AWS numbers:
they compare builds and catch regressions. Raw results: \`.bench/results.json\` after a full run.

## How close to the floor

Each figure is measured against its floor in the same run, alternating (function, floor, floor, function, …), and
the ratio of every pair is reported as median (min–max, n pairs). A **floor** does the same AWS work with nothing of
ours: for a function, a bare ES module with the same SDK clients, built the same way, making the same calls on its
first event (\`tools/bench/floors/\`); for the local ack path, a bare \`node:http\` server that sends one SQS message
to the same emulator. A cold start is a fresh Node process: start, load the module, serve one real event
(a new charge each time), exit; its tokens secret holds no PicPay API credentials, so the processor applies its
\`PAID\` as sent, the work its floor does (confirming it with PicPay is measured apart, below).

| figure | measured | target | |
|---|---|---|---|
| authenticator cold start ÷ its floor | ${x(c.authenticator.vsFloor)} | ≤ 1.10× | ${target(c.authenticator.vsFloor.median <= 1.1)} |
| processor cold start ÷ its floor, tracing off | ${x(c.processor.vsFloor)} | ≤ 1.30× | ${target(c.processor.vsFloor.median <= 1.3)} |
| processor cold start ÷ its floor, tracing on (the default) | ${x(c.processorTraced.vsFloor)} | ≤ 1.30× | ${target(c.processorTraced.vsFloor.median <= 1.3)} |
| processor bundle | ${kb(r.bundles.deployed.processor!)} deployed; ${kb(r.bundles.sdkExternal.processor!)} without the AWS SDK | ≤ 300 KB | ${target(r.bundles.deployed.processor! <= 300 * 1024)} |
| local CPU per ack ÷ the bare server's, 50 connections | ${x(af.cpuRatio)} (${ms(af.pipeline.cpuPerAckMs.median)} vs ${ms(af.bare.cpuPerAckMs.median)}) | ≤ 1.5× | ${target(af.cpuRatio.median <= 1.5)} |
| local ack p99 at 50 connections | ${ms(af.pipeline.p99.median)} (bare server ${ms(af.bare.p99.median)}); ${round(af.pipeline.rps.median, 0)} vs ${round(af.bare.rps.median, 0)} requests/s | reported | |

${notMet(r)}Cold starts, medians:

| process | load module | first event | whole process | RSS |
|---|---|---|---|---|
${coldRow('authenticator', c.authenticator.fn)}
${coldRow('authenticator floor', c.authenticator.floor)}
${coldRow('processor, tracing off', c.processor.fn)}
${coldRow('processor, tracing on', c.processorTraced.fn)}
${coldRow('processor floor', c.processor.floor)}

## The levers, measured

| lever | effect on the whole cold start | kept |
|---|---|---|
| AWS SDK bundled into each function instead of the runtime's copy | authenticator: SDK external ÷ bundled ${x(c.sdkExternal.authenticator.vsBundled)}; its floor ${x(c.sdkExternal.authenticatorFloor.vsBundled)}; processor ${x(c.sdkExternal.processor.vsBundled)} | ${c.sdkExternal.authenticator.vsBundled.median > 1 ? 'yes' : '**no, re-check**'} |
| Tracer (aws-xray-sdk-core, cls-hooked) loaded only when tracing is on | processor tracing on ÷ its floor ${x(c.processorTraced.vsFloor)} against ${x(c.processor.vsFloor)} off | yes |
| zod/mini for every schema the functions load (the classic API was 64 KB more, and its schemas slower to build), imported as a namespace (\`import * as z\`), which esbuild tree-shakes | see "Bundles" below | yes |
| the naive build: \`tsc\`, not bundled (secondary) | authenticator ${x(c.naive.authenticator.vsBundled)}, processor ${x(c.naive.processor.vsBundled)} the bundled one | — |

## Bundles

| function | deployed (minified ESM, AWS SDK bundled) | AWS SDK left external |
|---|---|---|
${Object.entries(r.bundles.deployed)
  .map(([k, v]) => `| ${k} | ${kb(v)} | ${r.bundles.sdkExternal[k] === undefined ? '' : kb(r.bundles.sdkExternal[k]!)} |`)
  .join('\n')}
${Object.entries(r.bundles.floors)
  .map(([k, v]) => `| ${k} floor | ${kb(v)} | |`)
  .join('\n')}

## Other targets

| target | measured | |
|---|---|---|
| authenticator p99 handler time < 2 ms, excluding the SQS call | ${ms(r.handlerTime.p99)} (p50 ${ms(r.handlerTime.p50)}, ${r.handlerTime.iterations} calls) | ${target(r.handlerTime.p99 > 0 && r.handlerTime.p99 < 2)} |
| ≤ 2 DynamoDB writes per state-changing notification, ≤ 1 per duplicate | ${round(change.writes)} per state change, ${round(dup.writes)} per duplicate | ${target(change.writes > 0 && change.writes <= 2 && dup.writes <= 1)} |

## Acknowledgement latency and throughput (local runtime, autocannon)

| route | concurrent | p50 | p99 | max | requests/s | non-2xx |
|---|---|---|---|---|---|---|
${r.ack.map((a) => `| ${a.route} | ${a.connections} | ${ms(a.r.latency.p50)} | ${ms(a.r.latency.p99)} | ${ms(a.r.latency.max)} | ${round(a.r.requests.average, 0)} | ${a.r.non2xx} |`).join('\n')}

Each request runs the real authenticator (token check, enqueue to fauxqs) while the processor drains the queue in the same
process. autocannon keeps the connections busy in a closed loop, so the mean latency is connections ÷ throughput
(Little's law); one Node process on ${m.cores} cores is at once the API, both emulators and the processor. In AWS each
request gets its own execution environment, so the ack time is the handler time plus one SQS call.

## End to end: request to event at a subscriber

${r.e2e.count} checkout notifications, one at a time at ${round(r.e2e.rate, 0)} per second: p50 ${ms(r.e2e.p50)}, p99 ${ms(r.e2e.p99)}, max ${ms(r.e2e.max)}
(authenticator, SQS, processor, DynamoDB, SNS, the subscriber's SQS queue and its long poll).

## AWS requests per notification

Counted on the handlers' own SDK clients; DynamoDB capacity from \`ReturnConsumedCapacity\`.

| notification | DynamoDB reads | writes | RRU | WRU | SQS sends | SNS publishes |
|---|---|---|---|---|---|---|
${r.perNotification.map((p) => `| ${p.label} | ${round(p.reads)} | ${round(p.writes)} | ${round(p.rcu)} | ${round(p.wcu)} | ${round(p.sqsSends)} | ${round(p.snsPublishes)} |`).join('\n')}

A state change is one read and three writes: a conditional put of the charge (with its outbox), the event-log put just
before the publish (\`events replay\` reads it), and the update that clears the outbox after the publish. A duplicate is
one read and nothing else. When PicPay's last notification arrived is written at most once a minute per flavour by each
execution environment, so it is not in these per-notification counts. The processor's own SQS receive and delete calls
(one each per batch) are not in this table; the cost model adds them.

${renderConfirmation(r)}## Cost model: US dollars per million notifications

List prices, us-east-1 (sa-east-1 is roughly 1.3–1.6× higher): API Gateway REST API $3.50/M requests, HTTP API $1.00/M
(first 300 M a month, each request counted per 512 KB); Lambda $0.20/M requests
and $0.0000133334 per GB-second on arm64 ($0.0000166667 on x86_64); SQS $0.40/M requests; SNS $0.50/M publishes (SQS
deliveries free); DynamoDB on demand $0.625/M write request units and $0.125/M read request units; CloudWatch Logs
$0.50/GB ingested. Free tiers, X-Ray and WAF are left out. Mix: 70% state changes, 30% duplicates (as in the chaos suite).
Assumed AWS round trips: SQS send ${rest.assumptions.AWS_CALL_MS.sqsSend} ms, DynamoDB ${rest.assumptions.AWS_CALL_MS.dynamo} ms, SNS ${rest.assumptions.AWS_CALL_MS.sns} ms; processor batches of ${rest.assumptions.batch}.

| item | REST API (\`apiType=rest\`) | HTTP API (\`apiType=http\`) | basis |
|---|---|---|---|
${rest.lines.map(([item, usd, basis], i) => `| ${i === 0 ? 'API Gateway' : item} | ${round(usd, 3)} | ${round(http.lines[i]![1], 3)} | ${basis} |`).join('\n')}
| **total** | **${round(rest.total, 2)}** | **${round(http.total, 2)}** | |

The same pipeline built the naive way (x86_64 at 1 GB, one synchronous function doing everything, no deduplication so
every duplicate is rewritten and republished, TransactWriteItems at twice the write units): about
**$${round(rest.naive, 2)} per million** on a REST API (${ms(rest.naiveMs)} per invocation at 1 GB), i.e. ${round(rest.naive / rest.total, 2)}× this design.

${r.rejected ? `${renderRejection(r.rejected, `in the same run`)}\n` : ''}## How to reproduce

\`\`\`bash
npm ci
npm run bench            # writes this file; --quick for a short run that does not
npm run bench -- --render   # rewrites this file from the last full run's results
npm run bench -- --rejected # measures a rejected request alone and prints its section
\`\`\`
`;
}

if (process.argv.includes('--rejected')) {
  // Measures the cost of a rejected request alone and prints its section of docs/benchmarks.md.
  const m = describeMachine();
  const measured = await measureRejected(quick ? 2_000 : 20_000);
  process.stdout.write(renderRejection(measured, `on ${m.date}: ${m.cores} × ${m.cpu}, Node ${m.node}`));
} else if (process.argv.includes('--render')) {
  // Re-renders docs/benchmarks.md from the last full run's results (not a --quick one), without measuring again.
  const { readFileSync } = await import('node:fs');
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), renderMarkdown(JSON.parse(readFileSync(join(WORK, 'results.json'), 'utf8')) as Results));
} else {
  await main();
}
