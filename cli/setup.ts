import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Io } from './io.js';
import { CliError, type Target } from './target.js';
import { type Ask, readValues, type TokenKey, type TokenSource } from './tokens.js';

/**
 * `npm run setup`: from AWS credentials to a doctor-verified receiver, one step after the other,
 * each one safe to run again (CloudFormation updates a deployed stack; `tokens set` keeps what
 * it is not given; Enter at a prompt keeps the current value). The world it touches is passed
 * in (`SetupDeps`), so the flow is tested without an AWS account.
 */

export interface SetupOptions {
  readonly stackName: string;
  /** `-c key=value` settings passed to `cdk deploy` as they are. */
  readonly context: readonly string[];
  /** Answer yes to the account and bootstrap questions (automation). */
  readonly yes: boolean;
  /** Do not wait for Painel Lojista to be configured before running doctor. */
  readonly noWait: boolean;
  readonly tokens: TokenSource;
}

export interface SetupDeps {
  /** The account and region the credentials point at. */
  identity(): Promise<{ readonly account: string; readonly region: string }>;
  /** Whether the CDK bootstrap stack is in that account and region. */
  isBootstrapped(): Promise<boolean>;
  /** Runs a command with the terminal attached; its exit status. */
  run(command: string, args: readonly string[]): Promise<number>;
  /** The deployed stack as the CLI addresses it. */
  target(stackName: string, region: string): Promise<Target>;
  confirm(question: string): Promise<boolean>;
  /** Waits until the operator says the next step can go on. */
  pause(message: string): Promise<void>;
  readonly ask: Ask;
  writeTokens(values: Partial<Record<TokenKey, string>>, target: Target): Promise<unknown>;
  doctor(target: Target): Promise<number>;
}

const TOKEN_ORDER: readonly TokenKey[] = ['sellerToken', 'checkoutToken', 'picpayToken', 'picpayClientId', 'picpayClientSecret'];

export async function setup(options: SetupOptions, deps: SetupDeps, io: Io): Promise<number> {
  const { account, region } = await deps.identity();
  io.out(`1/6 AWS account ${account}, region ${region}.`);
  if (!options.yes && !(await deps.confirm(`Deploy stack ${options.stackName} into account ${account}, region ${region}?`))) {
    io.err('Nothing was changed. Point your AWS credentials (AWS_PROFILE, AWS_REGION) at the right account and run it again.');
    return 1;
  }

  if (await deps.isBootstrapped()) {
    io.out('2/6 The account and region are bootstrapped for the CDK.');
  } else {
    io.out('2/6 The CDK needs a bootstrap stack (CDKToolkit: a bucket and roles for deployments) in this account and region.');
    if (!options.yes && !(await deps.confirm('Create it now with `cdk bootstrap`?'))) {
      io.err('Nothing was deployed: run `npx cdk bootstrap` yourself, then run setup again.');
      return 1;
    }
    if ((await deps.run('npx', ['cdk', 'bootstrap', `aws://${account}/${region}`])) !== 0)
      throw new CliError('`cdk bootstrap` failed (its output is above); nothing was deployed.');
  }

  io.out(`3/6 Deploying ${options.stackName} (a redeploy updates it in place).`);
  const contextArgs = options.context.flatMap((c) => ['-c', c]);
  const deployed = await deps.run('npx', ['cdk', 'deploy', '--require-approval', 'never', '-c', `stackName=${options.stackName}`, ...contextArgs]);
  if (deployed !== 0) throw new CliError('`cdk deploy` failed (its output is above); run setup again once it is fixed.');
  const target = await deps.target(options.stackName, region);

  io.out('4/6 The tokens. Each prompt hides what you type; Enter keeps the current value.');
  const values = await readValues(options.tokens, TOKEN_ORDER, deps.ask);
  await deps.writeTokens(values, target);

  io.out('5/6 Configure PicPay:');
  io.out(`  Checkout and Payment Link: in Painel Lojista, menu at the top right, Configurações → Meu checkout,`);
  io.out(`    turn on "URL de notificação", paste ${target.webhookUrl} and save; put the token it shows`);
  io.out(`    with \`npm run cli -- tokens set --stack ${options.stackName}\` if you have not above.`);
  io.out(`  Legacy e-commerce API: send callbackUrl ${target.callbackUrl} in every payment you create.`);
  if (!options.noWait) await deps.pause('Press Enter once PicPay is configured, to check the whole pipeline.');

  io.out('6/6 doctor:');
  return await deps.doctor(target);
}

/** The real world: STS, CloudFormation, the CDK CLI and the terminal. */
export function awsSetupDeps(ask: Ask, writeTokens: SetupDeps['writeTokens'], doctor: SetupDeps['doctor'], stackTarget: SetupDeps['target']): SetupDeps {
  const sts = new STSClient({});
  const line = (question: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      rl.question(question, (answer) => {
        rl.close();
        resolve(answer.trim());
      });
    });
  return {
    async identity() {
      const who = await sts.send(new GetCallerIdentityCommand({}));
      return { account: who.Account ?? '?', region: await sts.config.region() };
    },
    async isBootstrapped() {
      const cfn = new CloudFormationClient({});
      try {
        await cfn.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ValidationError') return false;
        throw error;
      } finally {
        cfn.destroy();
      }
    },
    run: (command, args) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? 1));
      }),
    target: stackTarget,
    confirm: async (question) => /^y(es)?$/i.test(await line(`${question} [y/N] `)),
    pause: async (message) => void (await line(`${message} `)),
    ask,
    writeTokens,
    doctor,
  };
}
