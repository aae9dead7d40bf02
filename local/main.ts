/**
 * `npm start`: the whole pipeline on this machine, no AWS account, no Docker.
 * PORT sets the webhook API's port (default 3000); LOG_LEVEL=INFO shows the handlers' logs;
 * LOCAL_TIME_SCALE how much faster retry delays and PicPay circuit cool-downs run than in AWS
 * (default 60: the first retry after 1 s instead of 1 min, then 2 s, 4 s … at most 1 min);
 * LOCAL_API_TYPE which API Gateway the webhook API emulates, `rest` (default) or `http`, as the
 * stack's apiType.
 *
 * State (the table and the queues) is kept on disk in .local-data/ (LOCAL_DATA_DIR moves it),
 * so a restart, even after a crash, finds every charge and every queued notification;
 * `npm start -- --fresh` starts empty. SIGINT and SIGTERM stop it gracefully.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { EXAMPLE_PAYMENT } from './picpay-sandbox.js';
import { eventLine } from './event-line.js';
import { startLocalPipeline } from './pipeline.js';
import { EXAMPLE_CHARGE_ID, paymentBody, paymentLinkBody, threeDsBody } from '../cli/samples.js';
import { terminalSafe } from '../cli/terminal.js';
import { isAlive, LOCAL_DATA_DIR, LOCAL_STATE_FILE, readTargetFile, removeLocalTarget, writeLocalTarget } from '../cli/target.js';
import { API_TYPES, type ApiType } from '../lambda/contract.js';

const CHECKOUT_PAYMENT = paymentBody();
const CHECKOUT_3DS = threeDsBody();

/** Everything else it prints (errors, the banner): line by line, control characters shown, not obeyed. */
function print(stream: 'out' | 'err', ...parts: unknown[]): void {
  const text = parts.map((p) => (typeof p === 'string' ? p : inspect(p))).join(' ');
  for (const line of text.split('\n')) (stream === 'out' ? process.stdout : process.stderr).write(`${terminalSafe(line)}\n`);
}

async function main() {
  const { values } = parseArgs({ options: { fresh: { type: 'boolean' } } });
  const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const timeScale = process.env.LOCAL_TIME_SCALE === undefined ? undefined : Number(process.env.LOCAL_TIME_SCALE);
  if (timeScale !== undefined && !(Number.isFinite(timeScale) && timeScale > 0))
    throw new Error(`LOCAL_TIME_SCALE must be a positive number, got ${process.env.LOCAL_TIME_SCALE}`);
  const apiType = process.env.LOCAL_API_TYPE === undefined || process.env.LOCAL_API_TYPE === '' ? 'rest' : process.env.LOCAL_API_TYPE;
  if (!(API_TYPES as readonly string[]).includes(apiType)) throw new Error(`LOCAL_API_TYPE must be "rest" or "http", got ${apiType}`);
  const running = readTargetFile();
  if (running && running.pid !== process.pid && isAlive(running.pid)) {
    throw new Error(`A local pipeline is already running (pid ${running.pid}, ${running.callbackUrl}); stop it first.`);
  }
  if (values.fresh) {
    for (const part of ['dynamodb', 'queues']) rmSync(join(LOCAL_DATA_DIR, part), { recursive: true, force: true });
  }
  // A crash must not take the pipeline down with every request after it: report and go on.
  process.on('uncaughtException', (error) => print('err', '[local] uncaught exception (still running):', error));
  process.on('unhandledRejection', (error) => print('err', '[local] unhandled rejection (still running):', error));
  const pipeline = await startLocalPipeline({
    port,
    apiType: apiType as ApiType,
    dataDir: LOCAL_DATA_DIR,
    processorConcurrency: process.env.LOCAL_PROCESSORS === undefined ? undefined : Number(process.env.LOCAL_PROCESSORS),
    timeScale,
    onEvent: (event) => print('out', eventLine(event)),
    onError: (error) => print('err', '[local] poller error:', error),
  });
  writeLocalTarget({ ...pipeline.target, pid: process.pid });
  const { urls, tokens } = pipeline;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  print(
    'out',
    `
PicPay webhooks: local pipeline running (dynalite + fauxqs in-process, PicPay sandbox; API Gateway ${apiType === 'http' ? 'HTTP API' : 'REST API'}, LOCAL_API_TYPE)
  State kept in ${LOCAL_DATA_DIR}${values.fresh ? ' (started fresh)' : ' (npm start -- --fresh starts empty)'}; pid ${process.pid}

  Legacy callback   POST ${urls.callback}   header x-seller-token: ${tokens.sellerToken}
  Checkout webhook  POST ${urls.webhook}    header authorization:  ${tokens.checkoutToken}
  PicPay sandbox    ${urls.picpay}  (x-picpay-token: ${tokens.picpayToken})

Try these (PicPay's own examples):

  curl -i -X POST ${urls.callback} \\
    -H 'Content-Type: application/json' -H 'x-seller-token: ${tokens.sellerToken}' \\
    -d ${q(JSON.stringify({ referenceId: EXAMPLE_PAYMENT.referenceId, authorizationId: EXAMPLE_PAYMENT.authorizationId }))}

  curl -i -X POST ${urls.webhook} \\
    -H 'content-type: application/json' -H 'authorization: ${tokens.checkoutToken}' -H 'event-type: TransactionUpdateMessage' \\
    -d ${q(JSON.stringify(CHECKOUT_PAYMENT))}

  curl -i -X POST ${urls.webhook} \\
    -H 'content-type: application/json' -H 'authorization: ${tokens.checkoutToken}' -H 'event-type: Challenge3dsUpdateMessage' \\
    -d ${q(JSON.stringify(CHECKOUT_3DS))}

  Change the legacy payment's status in the sandbox, then send the callback again:
  curl -X PUT ${urls.picpay}/_sandbox/payments/${EXAMPLE_PAYMENT.referenceId} -d '{"status":"refunded"}'

  Take PicPay down (callbacks back off: 1 s, 2 s, 4 s … at this ${timeScale ?? 60}× clock), then bring it back:
  curl -X PUT ${urls.picpay}/_sandbox/outage -d '{"statusCode":503}'
  curl -X DELETE ${urls.picpay}/_sandbox/outage

  A Payment Link sale (same URL and token; more in docs/ingest.md):
  curl -i -X POST ${urls.webhook} \
    -H 'content-type: application/json' -H 'authorization: ${tokens.checkoutToken}' -H 'event_type: TransactionPaymentMessage' \
    -d ${q(JSON.stringify(paymentLinkBody({ id: '0f8c2b1e-5d4a-4c3b-9a21-7e6f5d4c3b2a', status: 'PAYED', amount: 10000 })))}

  Checkout reconciliation: PicPay (the sandbox) says the example charge is PAID and its webhook
  never comes; within two minutes the reconciler asks find-charge and publishes the change:
  curl -X PUT ${urls.picpay}/_sandbox/charges/${EXAMPLE_CHARGE_ID} -d '{"chargeStatus":"PAID","amount":10000,"originalAmount":10000,"refundedAmount":0}'

Operator CLI (in another terminal): npm run cli -- --help
  e.g. npm run cli -- simulate lifecycle --flavour legacy

Published events are printed below. Ctrl-C to stop.
`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    print('out', `\n${signal}: stopping (queued notifications stay in ${LOCAL_DATA_DIR})…`);
    removeLocalTarget(LOCAL_STATE_FILE);
    // Give in-flight work a few seconds to finish; what does not is redelivered on the next start.
    const timer = setTimeout(() => process.exit(0), 5000);
    await pipeline.stop().catch((error: unknown) => print('err', '[local] stop:', error));
    clearTimeout(timer);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
}

main().catch((error: unknown) => {
  print('err', 'Could not start the local pipeline:', error instanceof Error ? error.message : error);
  process.exit(1);
});
