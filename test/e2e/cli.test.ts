import { runCli } from '../../cli/main.js';
import { resolve } from 'node:path';
import type { Io } from '../../cli/io.js';
import { LOCAL_DATA_DIR } from '../../cli/target.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DLQ_PATH } from './dlq-path.support.js';

const savedEnv = { ...process.env };
let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline({ port: 0, retryDelaySeconds: 0, ...DLQ_PATH, logLevel: 'SILENT', reconcileEverySeconds: 0 });
}, 60000);

afterAll(async () => {
  await pipeline?.stop();
  process.env = savedEnv;
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => void out.push(l), err: (l) => void err.push(l), interactive: false };
  const code = await runCli(argv, io, pipeline.target);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const chargeJson = async (key: string) => {
  const r = await cli('charge', key, '--json');
  return r.code === 0 ? (JSON.parse(r.out) as Record<string, unknown>) : undefined;
};
const statusEvents = (key: string) => pipeline.events.filter((e) => e.body.chargeKey === key && e.body.type === 'picpay.charge.status_changed');

test('npm start and the CLI agree on where the local data lives: .local-data/ at the repository root', () => {
  expect(resolve(LOCAL_DATA_DIR)).toBe(process.env.LOCAL_DATA_DIR ? resolve(process.env.LOCAL_DATA_DIR) : resolve('.local-data'));
});

describe('picpay-webhooks CLI against the local pipeline', () => {
  test.each([['simulate'], ['charge'], ['parked'], ['dlq'], ['tokens'], ['setup']])('%s --help documents the command', async (command) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`picpay-webhooks ${command}`);
  });

  test('no command prints the overview; an unknown one is a usage error', async () => {
    expect((await cli()).out).toContain('Commands:');
    const r = await cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unknown command "frobnicate"');
  });

  test('simulate paid, then charge shows it, readable and as JSON', async () => {
    const sim = await cli('simulate', 'paid', '--id', 'cli-paid');
    expect(sim.code).toBe(0);
    expect(sim.out).toContain('HTTP 200');
    const state = await eventually(async () => {
      const s = await chargeJson('checkout#cli-paid');
      return s?.status === 'PAID' && (s.outbox as unknown[]).length === 0 && s;
    });
    expect(state).toMatchObject({ chargeKey: 'checkout#cli-paid', amounts: { paidAmount: 10000 } });
    const readable = await cli('charge', 'checkout#cli-paid');
    expect(readable.out).toMatch(/status\s+PAID \(PicPay: PAID\)/);
    expect(readable.out).toContain('R$ 100,00');
    expect(readable.out).toContain('∅ → PAID');
  });

  test('a charge that does not exist, and a malformed key', async () => {
    expect((await cli('charge', 'checkout#nope')).code).toBe(1);
    const bad = await cli('charge', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('legacy#<referenceId>');
  });

  test('simulate duplicate-storm: 15 identical notifications at once, one transition published', async () => {
    const r = await cli('simulate', 'duplicate-storm', '--count', '15', '--id', 'cli-storm');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Sent 15: 15 answered as expected');
    await pipeline.waitForEvents(() => statusEvents('checkout#cli-storm').length >= 1);
    await new Promise((res) => setTimeout(res, 1500));
    expect(statusEvents('checkout#cli-storm')).toHaveLength(1);
  });

  test('simulate lifecycle (legacy, driving the sandbox) ends REFUNDED', async () => {
    expect((await cli('simulate', 'lifecycle', '--flavour', 'legacy', '--id', 'cli-life')).code).toBe(0);
    await eventually(async () => (await chargeJson('legacy#cli-life'))?.status === 'REFUNDED');
  });

  test('simulate out-of-order ends REFUNDED, with the late ones ignored', async () => {
    expect((await cli('simulate', 'out-of-order', '--id', 'cli-ooo')).code).toBe(0);
    const state = await eventually(async () => {
      const s = await chargeJson('checkout#cli-ooo');
      return (s?.history as unknown[] | undefined)?.length === 4 && s;
    });
    expect(state.status).toBe('REFUNDED');
    expect((state.history as Array<{ outcome: string }>).map((h) => h.outcome)).toEqual(['applied', 'ignored', 'ignored', 'ignored']);
  });

  test('simulate wrong-token expects and gets 401; nothing is stored', async () => {
    const r = await cli('simulate', 'wrong-token', '--id', 'cli-forged');
    expect(r.code).toBe(0);
    expect(r.out).toContain('HTTP 401');
    await new Promise((res) => setTimeout(res, 500));
    expect(await chargeJson('checkout#cli-forged')).toBeUndefined();
  });

  test('simulate 3ds-approved records the result on the charge', async () => {
    expect((await cli('simulate', '3ds-approved', '--id', 'cli-3ds')).code).toBe(0);
    const s = await eventually(async () => (await chargeJson('checkout#cli-3ds'))?.threeDs as { status: string } | undefined);
    expect(s.status).toBe('Approved');
  });

  test('simulate paymentlink-partrefunded ends PARTIALLY_REFUNDED on the payment, refunded 2500', async () => {
    const id = '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    const r = await cli('simulate', 'paymentlink-partrefunded', '--id', id);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`paymentLink#${id}`);
    const s = await eventually(async () => {
      const c = await chargeJson(`paymentLink#${id}`);
      return c?.status === 'PARTIALLY_REFUNDED' && c;
    });
    expect(s.amounts).toMatchObject({ amount: 10000, refundedAmount: 2500 });
    // The merchant knows the link, not the payment: the link's payments, found by its id.
    expect(s.paymentLinkId).toBe(`link-${id}`);
    const byLink = await cli('charge', '--payment-link', `link-${id}`, '--json');
    expect(byLink.code).toBe(0);
    expect((JSON.parse(byLink.out) as Array<{ chargeKey: string }>).map((c) => c.chargeKey)).toEqual([`paymentLink#${id}`]);
    const readable = await cli('charge', '--payment-link', `link-${id}`);
    expect(readable.out).toContain(`Payment Link link-${id}: 1 payment(s)`);
    expect(readable.out).toContain(`payment link   link-${id}`);
    expect((await cli('charge', '--payment-link', 'link-nobody')).code).toBe(1);
  });

  test('simulate pix-expired ends EXPIRED', async () => {
    expect((await cli('simulate', 'pix-expired', '--id', 'cli-pix')).code).toBe(0);
    await eventually(async () => (await chargeJson('checkout#cli-pix'))?.status === 'EXPIRED');
  });

  test('simulate checkout-lost-final: the last webhook never comes, reconciliation recovers PAID', async () => {
    expect((await cli('simulate', 'checkout-lost-final', '--id', 'cli-lost')).code).toBe(0);
    await eventually(async () => (await chargeJson('checkout#cli-lost'))?.status === 'AUTHORIZED');
    await new Promise((r) => setTimeout(r, 50));
    await pipeline.reconcileNow({ minAgeSeconds: 0 });
    await eventually(async () => (await chargeJson('checkout#cli-lost'))?.status === 'PAID');
  });

  test('an unknown simulation is a usage error', async () => {
    const r = await cli('simulate', 'teleport');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unknown simulation "teleport"');
  });

  test('parked: list shows the reason; replay after the fix processes it and removes it', async () => {
    // A legacy callback for a reference PicPay (the sandbox) does not know yet: parked.
    const res = await fetch(pipeline.urls.callback, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-seller-token': pipeline.tokens.sellerToken },
      body: JSON.stringify({ referenceId: 'cli-parked' }),
    });
    expect(res.status).toBe(200);
    const listed = await eventually(async () => {
      const r = await cli('parked', 'list', '--json');
      const items = JSON.parse(r.out) as Array<{ id: string; reason: string; envelope: { body: string } }>;
      return items.find((i) => i.envelope.body.includes('cli-parked'));
    });
    expect(listed.reason).toBe('unknown_reference');
    expect((await cli('parked', 'list')).out).toContain('unknown_reference');

    pipeline.sandbox.setPayment('cli-parked', { status: 'paid' }); // the cause is fixed
    const replay = await cli('parked', 'replay', listed.id);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain('Replayed 1, failed 0, not found 0.');
    await eventually(async () => (await chargeJson('legacy#cli-parked'))?.status === 'PAID');
    const after = JSON.parse((await cli('parked', 'list', '--json')).out) as Array<{ id: string }>;
    expect(after.some((i) => i.id === listed.id)).toBe(false);
    expect((await cli('parked', 'replay', 'no-such-id')).code).toBe(1);
  });

  test('dlq: list shows what failed and why; replay after the fix processes it and empties the DLQ', async () => {
    pipeline.sandbox.setPayment('cli-dlq', { status: 'paid' });
    pipeline.sandbox.injectFaults(500, 100_000);
    try {
      const res = await fetch(pipeline.urls.callback, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-seller-token': pipeline.tokens.sellerToken },
        body: JSON.stringify({ referenceId: 'cli-dlq' }),
      });
      expect(res.status).toBe(200);
      const letter = await eventually(async () => {
        const items = JSON.parse((await cli('dlq', 'list', '--json')).out) as Array<{ messageId: string; reason?: string; body: string }>;
        return items.find((i) => i.body.includes('cli-dlq') && i.reason);
      }, 30000);
      expect(letter.reason).toMatch(/^picpay_(unavailable|circuit_open): PicPay status API failed/);
      expect((await cli('dlq', 'list')).out).toContain(letter.messageId);
    } finally {
      pipeline.sandbox.injectFaults(0, 0); // the cause is fixed
    }
    const replay = await cli('dlq', 'replay', '--all');
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/Replayed [1-9]\d*, failed 0/);
    await eventually(async () => (await chargeJson('legacy#cli-dlq'))?.status === 'PAID');
    await eventually(async () => (await cli('dlq', 'list')).out.includes('is empty'));
  }, 60000);

  test('register: a legacy payment the merchant created is followed by reconciliation; a bad signature is refused', async () => {
    const id = `registered-${Date.now()}`;
    expect(await cli('register', id, '--expires-at', '2030-01-01T12:00:00')).toMatchObject({ code: 0 });
    const state = await eventually(() => chargeJson(`legacy#${id}`));
    expect(state).toMatchObject({ status: 'CREATED', expiresAt: '2030-01-01T15:00:00.000Z' });
    expect((state.history as Array<{ outcome: string }>).map((h) => h.outcome)).toEqual(['registered']);
    // Its callbacks are all lost; PicPay has it paid; reconciliation finds it.
    pipeline.sandbox.setPayment(id, { status: 'paid' });
    await pipeline.reconcileNow({ minAgeSeconds: 0, maxPerRun: 1000 });
    await eventually(async () => (await chargeJson(`legacy#${id}`))?.status === 'PAID');
    // Signed with other credentials: API Gateway's 403, and the function never sees it.
    const wrong = await runCli(
      ['register', 'forged'],
      { out: () => undefined, err: () => undefined, interactive: false },
      {
        ...pipeline.target,
        aws: { ...pipeline.target.aws, credentials: { accessKeyId: 'local', secretAccessKey: 'not-the-secret' } },
      },
    );
    expect(wrong).toBe(1);
    expect(await chargeJson('legacy#forged')).toBeUndefined();
  });
});
