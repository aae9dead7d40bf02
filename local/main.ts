/**
 * `npm start`: the whole pipeline on this machine, no AWS account, no Docker.
 * PORT sets the webhook API's port (default 3000); LOG_LEVEL=INFO shows the handlers' logs.
 */
import { EXAMPLE_PAYMENT } from './picpay-sandbox.js';
import { startLocalPipeline, type TappedEvent } from './pipeline.js';
import { paymentBody, threeDsBody } from './samples.js';
import { removeLocalTarget, writeLocalTarget } from './cli/target.js';

const CHECKOUT_PAYMENT = paymentBody();
const CHECKOUT_3DS = threeDsBody();

function describe(event: TappedEvent): string {
  const b = event.body as Record<string, string | null>;
  const what = b.type === 'picpay.charge.three_ds_updated' ? `3DS ${JSON.stringify((b.threeDs as unknown as { status: string })?.status)}` : `${b.previousStatus ?? '∅'} → ${b.status}`;
  return `[event] ${b.chargeKey}  ${what}  transitionId=${b.transitionId}`;
}

async function main() {
  const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const pipeline = await startLocalPipeline({
    port,
    onEvent: (event) => console.log(describe(event)),
    onError: (error) => console.error('[local] poller error:', error),
  });
  writeLocalTarget(pipeline.target);
  const { urls, tokens } = pipeline;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  console.log(`
PicPay webhooks: local pipeline running (dynalite + fauxqs in-process, PicPay sandbox)

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

Operator CLI (in another terminal): npm run cli -- --help
  e.g. npm run cli -- simulate lifecycle --flavour legacy

Published events are printed below. Ctrl-C to stop.
`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    removeLocalTarget();
    await pipeline.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error('Could not start the local pipeline:', error instanceof Error ? error.message : error);
  process.exit(1);
});
