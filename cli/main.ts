/**
 * picpay-webhooks: the operator and developer CLI (`npm run cli -- <command>` or
 * `bin/picpay-webhooks.mjs <command>`). Works against the local pipeline (`npm start`) by
 * default, or a deployed stack with --stack NAME [--region REGION].
 */
import { parseArgs } from 'node:util';
import { showCharge, showLink } from './charge.js';
import { awsSetupDeps, setup } from './setup.js';
import { askHidden, readValues, rotateToken, setTokens, sourceFrom, TOKEN_KEYS, type TokenKey, tokensStatus } from './tokens.js';
import { dlqList, dlqReplay } from './dlq.js';
import { doctor, stackAccountFacts } from './doctor.js';
import { eventFilter, replay, tail } from './events.js';
import { consoleIo, type Io } from './io.js';
import { parkedList, parkedReplay } from './parked.js';
import { register } from './register.js';
import { eachLine } from './terminal.js';
import { EVENTS, simulate } from './simulate.js';
import { CliError, clientsFor, NO_LOCAL_PIPELINE, readLocalTarget, stackTarget, type Target } from './target.js';

const TARGET_HELP = `Target (default: the local pipeline started with \`npm start\`):
  --stack NAME        a deployed stack, found by its CloudFormation outputs
  --receiver ID       the receiver's construct id, in a stack holding several (docs/construct.md)
  --region REGION     the stack's region (default: your AWS configuration)`;

export const HELP: Record<string, string> = {
  main: `picpay-webhooks <command> [options]

Commands:
  setup                       from AWS credentials to a verified receiver: deploy, tokens, PicPay, doctor
  simulate <event|scenario>   send realistic PicPay notifications
  charge <key>                a charge's current state and full history (--payment-link ID: a link's payments)
  register <referenceId>      register a legacy payment you created, so reconciliation follows it
  parked list|replay          notifications that were authenticated but could not be processed
  dlq list|replay             notifications that failed processing too often
  tokens set|status|rotate    put the PicPay tokens into the secrets from a prompt, never a command line
  events tail|replay          watch the events topic; send logged events again
  doctor                      check a running pipeline end to end, one line per check
  help [command]              help for a command

${TARGET_HELP}

Run \`picpay-webhooks <command> --help\` for a command's options.`,
  simulate: `picpay-webhooks simulate <event|scenario> [--flavour checkout|legacy] [--id ID] [--count N]

Sends notifications shaped like PicPay's, with the right headers and tokens, to the target's
/webhook (checkout) or /callback (legacy) URL. For legacy notifications against the local
pipeline, the PicPay sandbox is first set to report the status.

Events:    ${EVENTS.join(', ')}
Scenarios: lifecycle        authorized → paid → partial refund → refunded (legacy: created → paid → completed → refunded)
           duplicate-storm  --count (default 20) identical "paid" notifications at once
           out-of-order     refunded, paid, authorized, partial, in that order (checkout)
           wrong-token      a notification with a wrong token: expects 401
           checkout-lost-final  authorized, then PAID at PicPay with its webhook lost: the local
                            sandbox's find-charge reports it and reconciliation recovers it

Payment Link events (paymentlink-*) send PAYED, then the refund as its own transaction with
originalTransactionId, to /webhook with event_type TransactionPaymentMessage; the charge is
paymentLink#<payment id> (--id must then be the payment's UUID). pix-expired sends a Pix charge
PENDING, then EXPIRED.

Options:
  --flavour checkout|legacy   default checkout (3DS and out-of-order are checkout only)
  --id ID                     the charge id (merchantChargeId / referenceId); random by default
  --count N                   notifications in a duplicate storm (default 20)

Exit status 0 when every answer was the expected one.

${TARGET_HELP}`,
  charge: `picpay-webhooks charge <legacy#referenceId | checkout#merchantChargeId | paymentLink#paymentId> [--json]
picpay-webhooks charge --payment-link <paymentLinkId> [--json]

Shows the charge's status, amounts, 3DS result, unpublished events and its history (every
notification, applied or ignored, with the reason). With --payment-link, every payment of that
Payment Link (the id PicPay gave when the link was created), one charge after another.

  --json     the stored state as JSON, for scripts (with --payment-link: an array)

${TARGET_HELP}`,
  register: `picpay-webhooks register <referenceId> [--expires-at ISO-8601]

Registers a legacy e-commerce payment your backend created with PicPay (the referenceId you
sent to POST /ecommerce/public/payments), so reconciliation asks PicPay for its status even if
every callback is lost (PicPay sends none for "created"). The request is signed with AWS SigV4
for the stack's POST /charges route; your credentials need execute-api:Invoke on the stack's
RegistrationInvokeArn output. Against the local pipeline the local credentials sign it.

  --expires-at ISO    when the payment expires at PicPay (the expiresAt you sent it);
                      reconciliation stops an hour after it

${TARGET_HELP}`,
  parked: `picpay-webhooks parked list [--json]
picpay-webhooks parked replay <id>... | --all

Parked notifications were authenticated but could not be processed (invalid JSON, unknown
event type, unexpected shape, too large, unknown referenceId). \`list\` shows each with its
reason; \`replay\` sends it back to the processing queue as first received, and deletes it
only once the queue accepted it (fix the cause first, or it will be parked again).

${TARGET_HELP}`,
  dlq: `picpay-webhooks dlq list [--json] [--max N]
picpay-webhooks dlq replay <messageId>... | --all

The dead-letter queue holds notifications that failed processing on every attempt (PicPay
API down or rejecting our token, AWS errors). \`list\` shows them with the reason the
processor recorded, without consuming them; \`replay\` moves them back to the processing
queue, deleting each from the DLQ only after the queue accepted its copy.

  --max N    list at most N messages (default 100)

${TARGET_HELP}`,
  setup: `picpay-webhooks setup [--stack NAME] [-c key=value]... [--from-file FILE | --stdin] [--yes] [--no-wait]

One guided command from AWS credentials to a doctor-verified receiver (\`npm run setup\`):
  1. shows the AWS account and region your credentials point at, and asks before going on;
  2. bootstraps the CDK there if it is not (asks first);
  3. deploys the stack (cdk deploy; a second run updates it, never duplicates it);
  4. asks for each token at a prompt that does not echo (Enter keeps the current value), or
     reads them from a JSON file or stdin, checks their shape, and writes the two secrets;
  5. prints the two URLs and exactly what to do in Painel Lojista, and waits;
  6. runs doctor.

  --stack NAME      the stack name (default: cdk.json's stackName, PicPayWebhooks)
  -c key=value      a setting for cdk deploy (docs/settings.md), repeatable
  --yes             answer yes to the account and bootstrap questions
  --no-wait         go on to doctor without waiting for Painel Lojista`,
  tokens: `picpay-webhooks tokens set [--from-file FILE | --stdin]
picpay-webhooks tokens status
picpay-webhooks tokens rotate <sellerToken|checkoutToken> [--from-file FILE | --stdin] [--finish]

set      asks for each token at a prompt that does not echo (Enter skips one) and writes it
         into its secret: sellerToken and checkoutToken into the tokens secret, picpayToken,
         picpayClientId and picpayClientSecret into the PicPay credentials secret. Other members
         are kept, so running it again, or for one token, is safe. For automation, give a JSON
         object with any of those keys in a file (--from-file) or on stdin (--stdin). A value
         that cannot be a token (the placeholder, a space, a quote, under 8 characters) is
         refused and nothing is written.
status   says which tokens are set, placeholders or mid-rotation, never their values.
rotate   adds the new value beside the current one (both are accepted), so PicPay can switch
         over with no 401 in between; --finish then keeps only the newest.

Tokens never go on a command line, where the shell history and \`ps\` would keep them.

${TARGET_HELP}`,
  events: `picpay-webhooks events tail [--json] [--type T] [--status S] [--flavour F] [--count N]
picpay-webhooks events replay (--charge KEY | --since ISO [--until ISO]) [--status S] [--flavour F]
                              (--to-queue URL | --to-topic) [--dry-run]

\`tail\` subscribes a temporary queue to the charge events topic (raw delivery; the filters as
its filter policy) and prints each event as it arrives, one line each (--json: the event's JSON,
one per line), until Ctrl-C or --count events; then it removes its queue and subscription. What
a killed tail left behind is removed by the next tail, and by doctor.

\`replay\` sends the events that were published again, byte for byte (same transitionId, body and
message attributes), oldest first, from the event log: a charge's events (through its last 100
history entries; add --since for older ones), or every event recorded from --since to --until
(default now). --to-queue puts them in one subscriber's SQS queue as a raw-delivery subscription
would; --to-topic publishes them to every subscriber (your role must be in operatorRoleArns).
Consumers deduplicate on transitionId, so a replay run twice is harmless.

  --type T        status_changed, three_ds_updated, unrecognized_status (comma-separated)
  --status S      a status (PAID, REFUNDED, …; NONE: no status), comma-separated
  --flavour F     legacy, checkout or paymentLink, comma-separated
  --count N       tail: stop after N events
  --dry-run       replay: list what would be sent, send nothing

${TARGET_HELP}`,
  doctor: `picpay-webhooks doctor [--probe-timeout SECONDS]

Checks a running pipeline end to end and prints one line per check (PASS, FAIL with what to
do, WARN for what works but should be fixed, or SKIP when the check does not apply to the target):

  api-gateway-logging-role  the account has the API Gateway CloudWatch Logs role (stack only)
  tokens-secret             the tokens secret (sellerToken, checkoutToken) is JSON of the right
                            shape, no REPLACE_ME left; WARN when it still holds PicPay credentials
  credentials-secret        the PicPay credentials secret (picpayToken, picpayClientId/Secret) is
                            of the right shape, picpayToken set when sellerToken is
  checkout-reconciliation   picpayClientId and picpayClientSecret: both, or neither (off)
  picpay-token              PicPay's status API accepts picpayToken (401 = wrong x-picpay-token)
  alarm-subscription        the alarm topic has a confirmed subscription (stack only)
  wrong-token callback|webhook   a wrong token is answered 401 on each URL
  probe legacy|checkout     a probe with the right token is accepted, processed as a probe
                            (never a charge), and its event published to the topic
  dead-letter-queue         the DLQ is empty
  parked                    nothing is parked
  tail-leftovers            removes what a killed \`events tail\` left behind (queue, subscription)
  lambda-concurrency        the account's Lambda concurrency leaves room for the authenticator (stack only)

A probe event has type "picpay.webhooks.probe": subscriptions that filter on type never
receive it. Exit status 0 only when no check failed.

  --probe-timeout SECONDS   how long to wait for the probes to be processed (default 60)

${TARGET_HELP}`,
};

export async function resolveTarget(values: { stack?: string; region?: string; receiver?: string }): Promise<Target> {
  if (values.receiver !== undefined && !values.stack) throw new CliError('--receiver picks a receiver of a deployed stack: pass --stack NAME too');
  return values.stack ? stackTarget(values.stack, values.region, values.receiver) : readLocalTarget();
}

/** The options every command shares. */
const CLI_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  stack: { type: 'string' },
  region: { type: 'string' },
  receiver: { type: 'string' },
  flavour: { type: 'string' },
  id: { type: 'string' },
  count: { type: 'string' },
  max: { type: 'string' },
  'probe-timeout': { type: 'string' },
  'expires-at': { type: 'string' },
  'payment-link': { type: 'string' },
  'from-file': { type: 'string' },
  stdin: { type: 'boolean' },
  finish: { type: 'boolean' },
  yes: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  context: { type: 'string', short: 'c', multiple: true },
  type: { type: 'string' },
  status: { type: 'string' },
  charge: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'to-queue': { type: 'string' },
  'to-topic': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

/** Runs one CLI invocation; returns the exit status. `target` overrides --stack (tests). */
export async function runCli(argv: readonly string[], io: Io = consoleIo, target?: Target): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof CLI_OPTIONS }>>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: CLI_OPTIONS });
  } catch (error) {
    io.err((error as Error).message);
    eachLine(`\n${HELP.main}`, (line) => io.err(line));
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || command === 'help') {
    eachLine(HELP[rest[0] ?? 'main'] ?? HELP.main!, (line) => io.out(line));
    return 0;
  }
  if (!(command in HELP)) {
    io.err(`Unknown command "${command}".`);
    eachLine(`\n${HELP.main}`, (line) => io.err(line));
    return 2;
  }
  if (values.help) {
    eachLine(HELP[command]!, (line) => io.out(line));
    return 0;
  }
  const number = (raw: string | undefined, fallback: number, name: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a positive whole number`);
    return n;
  };

  if (command === 'setup') return await runSetup(values, io);
  try {
    const resolved = target ?? (await resolveTarget(values));
    const clients = clientsFor(resolved);
    try {
      switch (command) {
        case 'simulate': {
          if (!rest[0]) throw new CliError(`Name an event or scenario.\n\n${HELP.simulate}`);
          const flavour = values.flavour ?? 'checkout';
          if (flavour !== 'checkout' && flavour !== 'legacy') throw new CliError('--flavour must be checkout or legacy');
          return await simulate(rest[0], { flavour, id: values.id, count: number(values.count, 20, 'count') }, resolved, clients, io);
        }
        case 'charge':
          if (values['payment-link'] !== undefined) return await showLink(values['payment-link'], values.json === true, resolved, clients, io);
          if (!rest[0]) throw new CliError(`Name the charge.\n\n${HELP.charge}`);
          return await showCharge(rest[0], values.json === true, resolved, clients, io);
        case 'register':
          if (!rest[0]) throw new CliError(`Name the referenceId.\n\n${HELP.register}`);
          return await register(rest[0], values['expires-at'], resolved, io);
        case 'parked':
          if (rest[0] === 'list') return await parkedList(values.json === true, resolved, clients, io);
          if (rest[0] === 'replay') return await parkedReplay(rest.slice(1), values.all === true, resolved, clients, io);
          throw new CliError(HELP.parked!);
        case 'dlq':
          if (rest[0] === 'list') return await dlqList(values.json === true, number(values.max, 100, 'max'), resolved, clients, io);
          if (rest[0] === 'replay') return await dlqReplay(rest.slice(1), values.all === true, resolved, clients, io);
          throw new CliError(HELP.dlq!);
        case 'tokens': {
          const source = sourceFrom({ fromFile: values['from-file'], stdin: values.stdin === true });
          if (rest[0] === 'status') return await tokensStatus(resolved, clients, io);
          if (rest[0] === 'set') {
            const keys = Object.keys(TOKEN_KEYS) as TokenKey[];
            await setTokens(await readValues(source, keys, askHidden), resolved, clients, io);
            return 0;
          }
          if (rest[0] === 'rotate' && rest[1]) return await rotateToken(rest[1], values.finish === true, source, askHidden, resolved, clients, io);
          throw new CliError(HELP.tokens!);
        }
        case 'events': {
          const filter = eventFilter(values);
          if (rest[0] === 'tail') {
            const stop = new AbortController();
            const onSignal = () => stop.abort();
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
            try {
              const count = values.count === undefined ? undefined : number(values.count, 1, 'count');
              return await tail({ json: values.json === true, filter, ...(count === undefined ? {} : { count }), signal: stop.signal }, resolved, clients, io);
            } finally {
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
            }
          }
          if (rest[0] === 'replay')
            return await replay(
              {
                charge: values.charge,
                since: values.since,
                until: values.until,
                filter,
                toQueue: values['to-queue'],
                toTopic: values['to-topic'] === true,
                dryRun: values['dry-run'] === true,
              },
              resolved,
              clients,
              io,
            );
          throw new CliError(HELP.events!);
        }
        case 'doctor': {
          const facts = resolved.stackName ? stackAccountFacts(resolved.stackName, resolved.alarmTopicArn ?? '', resolved.aws.region) : undefined;
          return await doctor(resolved, clients, io, { facts, probeTimeoutMs: number(values['probe-timeout'], 60, 'probe-timeout') * 1000 });
        }
      }
    } finally {
      clients.destroy();
    }
  } catch (error) {
    if (error instanceof CliError) {
      // Several lines when it ends with the command's help.
      eachLine(error.message, (line) => io.err(line));
      return 2;
    }
    if (!values.stack && !target && refused(error)) {
      // The target file named a pipeline that is gone (killed without a chance to remove it).
      eachLine(NO_LOCAL_PIPELINE, (line) => io.err(line));
      return 2;
    }
    io.err(`Failed: ${(error as Error).message}`);
    return 1;
  }
  return 2;
}

function refused(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: string }).code;
    if (code === 'ECONNREFUSED' || (e as { errors?: unknown[] }).errors?.some(refused)) return true;
  }
  return false;
}

/** `setup`: its own target (the stack it deploys), so it runs before any target is resolved. */
async function runSetup(
  values: { stack?: string; context?: string[]; yes?: boolean; 'no-wait'?: boolean; 'from-file'?: string; stdin?: boolean },
  io: Io,
): Promise<number> {
  try {
    const options = {
      stackName: values.stack ?? 'PicPayWebhooks',
      context: values.context ?? [],
      yes: values.yes === true,
      noWait: values['no-wait'] === true,
      tokens: sourceFrom({ fromFile: values['from-file'], stdin: values.stdin === true }),
    };
    const withClients = async <T>(t: Target, use: (clients: ReturnType<typeof clientsFor>) => Promise<T>) => {
      const clients = clientsFor(t);
      try {
        return await use(clients);
      } finally {
        clients.destroy();
      }
    };
    const deps = awsSetupDeps(
      askHidden,
      (tokens, t) => withClients(t, (clients) => setTokens(tokens, t, clients, io)),
      (t) =>
        withClients(t, (clients) =>
          doctor(t, clients, io, { facts: stackAccountFacts(t.stackName!, t.alarmTopicArn ?? '', t.aws.region), probeTimeoutMs: 60_000 }),
        ),
      stackTarget,
    );
    return await setup(options, deps, io);
  } catch (error) {
    if (error instanceof CliError) {
      eachLine(error.message, (line) => io.err(line));
      return 2;
    }
    io.err(`Failed: ${(error as Error).message}`);
    return 1;
  }
}
