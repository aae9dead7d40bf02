// Measures one cold start in a fresh Node process: load the handler module, serve one event.
// Plain JavaScript on purpose: nothing but the module under test is loaded before the clock starts.
import { pathToFileURL } from 'node:url';

const t0 = performance.now();
const mod = await import(pathToFileURL(process.argv[2]).href);
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
const context = {
  functionName: 'bench',
  awsRequestId: 'bench',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 30000,
};
const result = await mod.handler(event, context);
const t2 = performance.now();
// Exit as soon as the answer is out: an idle keep-alive socket must not count as start-up time.
process.stdout.write(
  JSON.stringify({
    loadMs: t1 - t0,
    firstEventMs: t2 - t1,
    rssMB: process.memoryUsage().rss / 1048576,
    outcome: String(result?.statusCode ?? `failures=${result?.batchItemFailures?.length}`),
  }),
  () => process.exit(0),
);
