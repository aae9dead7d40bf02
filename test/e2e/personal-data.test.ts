/**
 * No customer data at rest: PicPay's examples, filled with generated personal data (CPF,
 * e-mail, names with accents and emoji, phone, card number and holder, birth date), sent in
 * every way a notification can end (processed, parked as unknown, parked as broken JSON,
 * gzip-compressed, dead-lettered), through the local pipeline. Then every table item, every
 * queue message as sent and as left in the queue and DLQ, every published event and every
 * log line is searched for each value, after undoing JSON escapes and base64.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DLQ_PATH } from './dlq-path.support.js';
import { captureOutput } from '../handlers/log-capture.support.js';
import { LEGACY_CALLBACK, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;
let logs: ReturnType<typeof captureOutput>;
const sentMessages: string[] = [];

beforeAll(async () => {
  logs = captureOutput();
  pipeline = await startLocalPipeline({ port: 0, confirmCheckout: false, retryDelaySeconds: 0, ...DLQ_PATH, logLevel: 'DEBUG', reconcileEverySeconds: 0 });
  // Every queue message exactly as the authenticator sends it.
  pipeline.clients.sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = (args as { input: { MessageBody?: string } }).input;
      if (input.MessageBody !== undefined) sentMessages.push(input.MessageBody);
      return next(args);
    },
    { step: 'initialize', name: 'capture-sent-messages' },
  );
  const credentials = { accessKeyId: 'l', secretAccessKey: 'l' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: pipeline.endpoints.dynamodb, credentials }));
  sqs = new SQSClient({ region: 'us-east-1', endpoint: pipeline.endpoints.sqs, credentials, useQueueUrlAsEndpoint: false });
}, 60000);

afterAll(async () => {
  logs?.restore();
  ddb?.destroy();
  sqs?.destroy();
  await pipeline?.stop();
  process.env = savedEnv;
});

// ---- generated people -------------------------------------------------------------------

const digits = (n: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n })
    .filter((d) => new Set(d).size >= 4)
    .map((d) => d.join(''));
const person = fc
  .record({
    cpf: digits(11).map((d) => `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`),
    first: fc.constantFrom('Ana', 'João', 'Maria', 'Conceição', 'Luíza', 'Zé'),
    last: fc.constantFrom('Silva', 'Gonçalves', 'Araújo', 'Nascimento 🌸', 'Ñuñez'),
    tag: digits(6),
    phone: digits(8).map((d) => `+55 11 9${d.slice(0, 4)}-${d.slice(4)}`),
    card: digits(16),
    birth: fc.date({ min: new Date('1940-01-01'), max: new Date('2005-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  })
  .map((p) => ({ ...p, name: `${p.first} ${p.last} ${p.tag}`, email: `${p.first.toLowerCase()}.${p.tag}@exemplo.com.br` }));
type Person = typeof person extends fc.Arbitrary<infer T> ? T : never;

/** What must never be found, for one person. */
const needles = (p: Person) => [
  p.cpf,
  p.cpf.replace(/\D/g, ''),
  p.name,
  `${p.last} ${p.tag}`,
  p.email,
  p.phone,
  p.phone.replace(/\D/g, ''),
  p.card,
  p.birth,
  `Rua Exemplo ${p.tag}`,
];

function checkoutWith(p: Person, id: string) {
  const event = paymentEvent({ status: 'PAID', merchantChargeId: id });
  return {
    ...event,
    merchantDocument: p.cpf,
    data: {
      ...event.data,
      customer: { document: p.cpf.replace(/\D/g, ''), documentType: 'CPF', email: p.email, name: p.name, phone: p.phone, birthDate: p.birth },
      transactions: [
        {
          ...event.data.transactions[0],
          paymentType: 'CREDIT',
          // The Java SDK's credit model: cardholder fields and the sub-merchant's address.
          credit: {
            cardNumber: p.card,
            holderName: p.name,
            cardholderName: p.name,
            cardholderDocument: p.cpf,
            brand: 'VISA',
            nsu: '123',
            subMerchant: { merchantCategoryCode: '5999', address: { street: `Rua Exemplo ${p.tag}`, zipCode: '01001-000', city: 'São Paulo' } },
            installments: 1,
          },
        },
        {
          paymentType: 'PIX',
          transactionId: `${id}-pix`,
          status: 'PAID',
          amount: 1,
          // The Java SDK's pix.payer: every member personal.
          pix: {
            endToEndId: 'E1',
            payer: { id: `payer-${p.tag}`, name: p.name, documentNumber: p.cpf, type: 'CPF', bankIspb: '00000000', branchNumber: '0001', bankName: 'Banco' },
            payerEmail: p.email,
          },
        },
      ],
    },
  };
}

// ---- sending ----------------------------------------------------------------------------

async function post(route: 'callback' | 'webhook', body: string | Buffer, headers: Record<string, string> = {}) {
  const auth = route === 'webhook' ? { authorization: pipeline.tokens.checkoutToken } : { 'x-seller-token': pipeline.tokens.sellerToken };
  const res = await fetch(pipeline.urls[route], { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body });
  expect(res.status).toBe(200);
}

// ---- searching --------------------------------------------------------------------------

/** The text and every string inside it, with JSON escapes and base64 bodies undone, recursively. */
function unfold(text: string, out: string[] = []): string[] {
  out.push(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return out;
  }
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      out.push(v);
      if (key === 'body' || /^[A-Za-z0-9+/=]{8,}$/.test(v)) {
        const bytes = Buffer.from(v, 'base64');
        out.push(bytes.toString('utf8'), bytes.toString('latin1'));
      }
      if (/^[[{]/.test(v)) unfold(v, out);
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(value);
  return out;
}

async function everythingAtRest(): Promise<Record<string, string[]>> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(new ScanCommand({ TableName: pipeline.resources.tableName, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []).map((i) => JSON.stringify(i)));
    start = out.LastEvaluatedKey;
  } while (start);
  const peek = async (url: string) => {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    return (out.Messages ?? []).map((m) => m.Body ?? '');
  };
  return {
    'table items': items,
    'queue messages as sent': sentMessages,
    'DLQ messages': await peek(pipeline.resources.deadLetterQueueUrl),
    'queue messages left': await peek(pipeline.resources.queueUrl),
    'published events': pipeline.events.map((e) => JSON.stringify(e)),
    'log lines': logs.text().split('\n'),
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('no personal value is stored, queued, dead-lettered, published or logged', async () => {
  const people = fc.sample(person, { numRuns: 12, seed: 14 });
  // First, one legacy callback that keeps failing: dead-lettered with its body.
  pipeline.sandbox.setPayment('pii-dlq', { status: 'paid' });
  pipeline.sandbox.injectFaults(500, 10_000);
  await post('callback', JSON.stringify({ referenceId: 'pii-dlq', buyer: { cpf: people[0]!.cpf, name: people[0]!.name, email: people[0]!.email } }));
  await eventually(async () => {
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.resources.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return dlq.Attributes?.ApproximateNumberOfMessages === '1';
  });
  pipeline.sandbox.injectFaults(0, 0);
  for (const [i, p] of people.entries()) {
    const id = `pii-${i}`;
    const full = checkoutWith(p, id);
    await post('webhook', JSON.stringify(full), { 'event-type': 'TransactionUpdateMessage' }); // processed
    await post('webhook', gzipSync(JSON.stringify(checkoutWith(p, `${id}-gz`), null, 2)), { 'content-encoding': 'gzip' }); // processed, compressed
    await post('webhook', JSON.stringify(full).slice(0, 700)); // broken JSON, cut short inside the customer data: parked
    await post('webhook', JSON.stringify({ ...THREE_DS_EVENT, eventDate: '2025-04-16T11:30:04.157929932', customer: { name: p.name, email: p.email } })); // 3DS with PicPay's time and a stray customer block
    await post(
      'callback',
      JSON.stringify({ ...LEGACY_CALLBACK, referenceId: `${id}-unknown`, buyer: { document: p.cpf, email: p.email, name: p.name, phone: p.phone } }),
    ); // parked: unknown reference
  }
  // Everything processed or parked: 2 charges per person processed, 2 parked per person.
  await eventually(async () => {
    const out = await ddb.send(
      new ScanCommand({
        TableName: pipeline.resources.tableName,
        Select: 'COUNT',
        FilterExpression: 'begins_with(pk, :c) OR pk = :p',
        ExpressionAttributeValues: { ':c': 'CHARGE#checkout#pii-', ':p': 'PARKED' },
      }),
    );
    return out.Count === people.length * 4;
  });
  await pipeline.waitForEvents((events) => events.filter((e) => String(e.body.chargeKey).startsWith('checkout#pii-')).length >= people.length * 2);

  const places = await everythingAtRest();
  // The search must have something to search, or it proves nothing.
  expect(places['table items'].length).toBeGreaterThanOrEqual(people.length * 4);
  expect(places['queue messages as sent'].length).toBe(people.length * 5 + 1);
  expect(places['DLQ messages']).toHaveLength(1);
  expect(places['published events'].length).toBeGreaterThanOrEqual(people.length * 2);
  expect(places['log lines'].length).toBeGreaterThan(people.length * 5);

  const found: string[] = [];
  for (const [place, texts] of Object.entries(places)) {
    const haystack = texts.flatMap((t) => unfold(t)).join('\n');
    for (const p of people) for (const needle of needles(p)) if (haystack.includes(needle)) found.push(`${place}: ${needle}`);
    for (const word of ['customer', 'buyer', 'payer', 'holderName', 'cardNumber', 'merchantDocument', 'cardholderName', 'cardholderDocument', 'address'])
      if (haystack.includes(`"${word}":`)) found.push(`${place}: key ${word}`);
  }
  expect(found).toEqual([]);
}, 90000);
