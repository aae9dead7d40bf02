/**
 * The guided setup's flow, with the world it touches replaced by a recording fake: what it asks,
 * in which order it acts, and that nothing is deployed or written without consent. The steps'
 * own behaviour (cdk, the secrets, doctor) is tested where it lives.
 */
import type { Io } from '../../cli/io.js';
import { type SetupDeps, type SetupOptions, setup } from '../../cli/setup.js';
import type { Target } from '../../cli/target.js';

const TARGET = {
  name: 'stack PicPayWebhooks',
  webhookUrl: 'https://abc.execute-api.sa-east-1.amazonaws.com/prod/webhook',
  callbackUrl: 'https://abc.execute-api.sa-east-1.amazonaws.com/prod/callback',
} as Target;

function world(over: Partial<SetupDeps> & { bootstrapped?: boolean; answers?: boolean[]; exit?: Record<string, number> } = {}) {
  const calls: string[] = [];
  const answers = [...(over.answers ?? [])];
  const deps: SetupDeps = {
    identity: async () => ({ account: '123456789012', region: 'sa-east-1' }),
    isBootstrapped: async () => over.bootstrapped ?? true,
    run: async (command, args) => {
      calls.push([command, ...args].join(' '));
      return over.exit?.[args[1]!] ?? 0;
    },
    target: async (name, region) => {
      calls.push(`target ${name} ${region}`);
      return TARGET;
    },
    confirm: async (question) => {
      calls.push(`confirm ${question}`);
      return answers.shift() ?? false;
    },
    pause: async () => void calls.push('pause'),
    ask: async (question) => {
      calls.push(`ask ${question.split(':')[0]}`);
      return question.startsWith('checkoutToken') ? 'checkout-token-123456' : '';
    },
    writeTokens: async (values) => void calls.push(`write ${Object.keys(values).join(',')}`),
    doctor: async () => {
      calls.push('doctor');
      return 0;
    },
    ...over,
  };
  const lines: string[] = [];
  const io: Io = { out: (l) => void lines.push(l), err: (l) => void lines.push(`ERR ${l}`), interactive: false };
  return { deps, calls, lines, io };
}

const OPTIONS: SetupOptions = { stackName: 'PicPayWebhooks', context: ['alarmEmail=ops@loja.com.br'], yes: false, noWait: false, tokens: { kind: 'prompt' } };

test('the whole way: account confirmed, deploy with the settings, each token asked, PicPay told, a pause, then doctor', async () => {
  const { deps, calls, lines, io } = world({ answers: [true] });
  expect(await setup(OPTIONS, deps, io)).toBe(0);
  expect(calls).toEqual([
    'confirm Deploy stack PicPayWebhooks into account 123456789012, region sa-east-1?',
    'npx cdk deploy --require-approval never -c stackName=PicPayWebhooks -c alarmEmail=ops@loja.com.br',
    'target PicPayWebhooks sa-east-1',
    'ask sellerToken',
    'ask checkoutToken',
    'ask picpayToken',
    'ask picpayClientId',
    'ask picpayClientSecret',
    'write checkoutToken',
    'pause',
    'doctor',
  ]);
  expect(lines).toContain(`  Legacy e-commerce API: send callbackUrl ${TARGET.callbackUrl} in every payment you create.`);
  expect(lines.join('\n')).toContain(TARGET.webhookUrl);
  expect(lines.join('\n')).not.toContain('checkout-token-123456');
});

test('no to the account question: nothing deployed, nothing written', async () => {
  const { deps, calls, io } = world({ answers: [false] });
  expect(await setup(OPTIONS, deps, io)).toBe(1);
  expect(calls).toEqual(['confirm Deploy stack PicPayWebhooks into account 123456789012, region sa-east-1?']);
});

test('not bootstrapped: bootstrap only with consent, into the account and region shown', async () => {
  const refused = world({ bootstrapped: false, answers: [true, false] });
  expect(await setup(OPTIONS, refused.deps, refused.io)).toBe(1);
  expect(refused.calls.filter((c) => c.startsWith('npx'))).toEqual([]);

  const agreed = world({ bootstrapped: false, answers: [true, true] });
  expect(await setup({ ...OPTIONS, noWait: true }, agreed.deps, agreed.io)).toBe(0);
  expect(agreed.calls.filter((c) => c.startsWith('npx'))).toEqual([
    'npx cdk bootstrap aws://123456789012/sa-east-1',
    'npx cdk deploy --require-approval never -c stackName=PicPayWebhooks -c alarmEmail=ops@loja.com.br',
  ]);
  expect(agreed.calls).not.toContain('pause');
});

test('--yes asks nothing; a failed deploy stops before any token is written', async () => {
  const { deps, calls, io } = world({ bootstrapped: false, exit: { deploy: 1 } });
  await expect(setup({ ...OPTIONS, yes: true }, deps, io)).rejects.toThrow('`cdk deploy` failed (its output is above); run setup again once it is fixed.');
  expect(calls.filter((c) => c.startsWith('confirm'))).toEqual([]);
  expect(calls.some((c) => c.startsWith('write') || c.startsWith('ask'))).toBe(false);
});

test('tokens from a file: no prompt, the shape checked before anything is written', async () => {
  const { deps, calls, io } = world({ answers: [true] });
  const tokens = { kind: 'json', text: JSON.stringify({ sellerToken: 'seller-token-123456', picpayToken: 'short' }) } as const;
  await expect(setup({ ...OPTIONS, noWait: true, tokens }, deps, io)).rejects.toThrow('picpayToken is shorter than 8 characters; nothing was written.');
  expect(calls.some((c) => c.startsWith('ask') || c.startsWith('write'))).toBe(false);
});
