import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../../lib/context.js';
import { PicPayWebhooksStack } from '../../lib/stack.js';
import { variants } from './variants.support.js';

/**
 * AWS Control Tower's proactive controls (CloudFormation Guard rules, CT.<SERVICE>.PR.<n>) on
 * every synthesized variant, the way cfn-lint reads them: the rules and the cfn-guard binary come
 * from the @cdklabs/cdk-validator-cfnguard package (a dev dependency), nothing is downloaded.
 * cfn-guard reads each distinct template against every rule of the package's Control Tower set
 * (about 2.5 s of CPU a template), in as many processes as there are cores.
 *
 * The controls a variant fails are listed here by hand. docs/governance.md says for each why the
 * default does not meet it and which setting does; GOVERNED below is the settings it documents.
 */

/** The settings of the governed profile (docs/governance.md), as `-c key=value` gives them. */
const GOVERNED = { logRetentionDays: '365', encryptLogs: 'true' };

/** What every variant fails by design: the functions are not in a VPC (docs/governance.md, what it would take). */
const NO_VPC = 'CT.LAMBDA.PR.3';
/** Log retention under a year (logRetentionDays=365 meets it) and no KMS key on the log groups (encryptLogs=true). */
const DEFAULT_LOGS = ['CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3'];
/** HTTP API routes PicPay calls carry no authorizer: PicPay cannot sign, the authenticator checks its token. */
const HTTP_ROUTES = 'CT.APIGATEWAY.PR.5';

const EXPECTED: Record<string, readonly string[]> = {
  'defaults: PicPayWebhooks': [...DEFAULT_LOGS, NO_VPC],
  'WAF, custom domain and alarm e-mail: PicPayWebhooksProd': [...DEFAULT_LOGS, NO_VPC],
  'side by side, the second without the account-level logging role: PicPayWebhooks': [...DEFAULT_LOGS, NO_VPC],
  'side by side, the second without the account-level logging role: PicPayWebhooksStaging': [...DEFAULT_LOGS, NO_VPC],
  'HTTP API with custom domain, alarm e-mail and tracing off: PicPayWebhooksHttp': [HTTP_ROUTES, ...DEFAULT_LOGS, NO_VPC],
  'HTTP API, defaults otherwise: PicPayWebhooksHttpDefaults': [HTTP_ROUTES, ...DEFAULT_LOGS, NO_VPC],
  'data removed on destroy, own stage, limits and schedule: PicPayWebhooksDev': [...DEFAULT_LOGS, NO_VPC],
  // The Loja receiver keeps the default logs (a month, no key); Marketplace encrypts its own.
  'two receivers in a team’s own stack: Payments': [...DEFAULT_LOGS, NO_VPC],
  'governed profile, as cdk deploy synthesizes it (account known): PicPayWebhooksGoverned': [NO_VPC],
  // tracing=false on the REST API: its stage is no longer traced (the governed profile keeps tracing on).
  'governed profile with tracing off: PicPayWebhooksUntraced': ['CT.APIGATEWAY.PR.2', NO_VPC],
  // What each fix in the default guards against (see PLANTED).
  'planted: the four fixes undone': ['CT.APIGATEWAY.PR.1', 'CT.KMS.PR.3', 'CT.LAMBDA.PR.2', 'CT.SQS.PR.1'],
};

/**
 * Written by hand: each control the default was changed to meet, failed once. A REST stage
 * without an execution logging level; an API Gateway invoke permission whose account is a Ref (a
 * template synthesized without an account: see resolveAccount) and whose SourceArn is a Join; a
 * key policy without the CreateGrant Deny; a queue that is neither given a DLQ nor marked as one.
 */
const PLANTED = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Stage: {
      Type: 'AWS::ApiGateway::Stage',
      Properties: {
        RestApiId: 'abc123',
        StageName: 'live',
        TracingEnabled: true,
        MethodSettings: [{ HttpMethod: '*', ResourcePath: '/*', DataTraceEnabled: false, MetricsEnabled: true }],
      },
    },
    Permission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: 'authenticator',
        Principal: 'apigateway.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::Join': ['', ['arn:aws:execute-api:sa-east-1:', { Ref: 'AWS::AccountId' }, ':abc123/*/POST/webhook']] },
      },
    },
    Key: {
      Type: 'AWS::KMS::Key',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] },
      },
    },
    DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
  },
};

const PACKAGE = dirname(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const RULES = join(PACKAGE, 'rules', 'control-tower', 'cfn-guard');

/** The package's binary for this machine, as its plugin picks it (guard calls every Linux "ubuntu"). */
function guardBinary(): string {
  const platform = { linux: 'ubuntu', darwin: 'macos' }[process.platform as string];
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string];
  if (!platform || !arch) throw new Error(`cfn-guard: the package ships no binary for ${process.platform}/${process.arch}`);
  return join(PACKAGE, 'bin', platform, arch, 'cfn-guard');
}

/** Each rule's name (what cfn-guard reports) to its control id (CT.KMS.PR.3), from the package's rule files. */
function controlIds(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) controlIds(path, into);
    else if (name.endsWith('.guard')) {
      const text = readFileSync(path, 'utf8');
      // The id its messages give (a few rules have none: the file's name then).
      const id = text.match(/\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/)?.[1] ?? name.replace(/\.guard$/, '').toUpperCase();
      for (const [, rule] of text.matchAll(/^rule (\w+) when is_cfn_template/gm)) into.set(rule!, id);
    }
  }
  return into;
}

interface GuardResult {
  readonly name: string;
  readonly not_compliant: ReadonlyArray<{ readonly Rule: { readonly name: string } }>;
}

/** One cfn-guard process over these files. */
function cfnGuard(files: readonly string[]): Promise<GuardResult[]> {
  const args = ['validate', '--rules', RULES, ...files.flatMap((f) => ['--data', f]), '--output-format', 'json', '--show-summary', 'none', '--structured'];
  return new Promise((resolve, reject) => {
    execFile(guardBinary(), args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      // 0: every file compliant, 19: some rule failed; anything else is cfn-guard failing.
      const code = error ? error.code : 0;
      if (code !== 0 && code !== 19) reject(new Error(`cfn-guard failed (${code}): ${stderr || error?.message}`));
      else resolve(JSON.parse(stdout) as GuardResult[]);
    });
  });
}

/**
 * CloudFormation resolves the pseudo parameters before a Control Tower hook reads a resource,
 * and `cdk deploy` synthesizes with the account (bin/app.ts). A template synthesized without
 * one carries `{ "Ref": "AWS::AccountId" }`, which the rules, written for literal strings, do not
 * read as an account (CT.LAMBDA.PR.2 on SourceAccount: PLANTED shows it): the test gives it the
 * account CloudFormation would.
 */
const resolveAccount = (template: unknown) => JSON.parse(JSON.stringify(template).replaceAll('{"Ref":"AWS::AccountId"}', '"123456789012"'));

/** cdk-nag's findings on the governed profiles (bin/app.ts runs both packs on every synth): none expected. */
const nagFindings: string[] = [];

/** The governed profile from its context keys, with the account and region `cdk deploy` gives it; cdk-nag on, as in bin/app.ts. */
function governed(id: string, extra: Record<string, string> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const context: Record<string, string> = { ...GOVERNED, ...extra };
  const stack = new PicPayWebhooksStack(app, id, {
    ...stackPropsFromContext({ tryGetContext: (key) => context[key] }),
    env: { account: '123456789012', region: 'sa-east-1' },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  } catch (error) {
    nagFindings.push(`${id}: ${(error as Error).message}`);
    return {};
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cfn-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = variants();
const governedTemplate = governed('PicPayWebhooksGoverned');
const cases: Array<{ label: string; template: unknown }> = [];
for (const variant of all) {
  for (const { stack, template } of variant.stacks) cases.push({ label: `${variant.name}: ${stack.stackName}`, template: resolveAccount(template) });
}
cases.push({ label: 'governed profile, as cdk deploy synthesizes it (account known): PicPayWebhooksGoverned', template: governedTemplate });
cases.push({ label: 'governed profile with tracing off: PicPayWebhooksUntraced', template: governed('PicPayWebhooksUntraced', { tracing: 'false' }) });
cases.push({ label: 'planted: the four fixes undone', template: PLANTED });

// One file per distinct template (two variants may synthesize the same one).
const fileOf = new Map<string, string>();
const caseFiles = cases.map(({ template }) => {
  const json = JSON.stringify(template);
  if (!fileOf.has(json)) {
    const file = join(dir, `${fileOf.size}.json`);
    writeFileSync(file, json);
    fileOf.set(json, file);
  }
  return fileOf.get(json)!;
});
const files = [...fileOf.values()];
const ids = controlIds(RULES);
let results: GuardResult[] = [];
let elapsedMs = 0;
beforeAll(async () => {
  const started = Date.now();
  const processes = Math.max(1, Math.min(availableParallelism(), files.length));
  const shares = Array.from({ length: processes }, (_, i) => files.filter((_, j) => j % processes === i));
  results = (await Promise.all(shares.map(cfnGuard))).flat();
  elapsedMs = Date.now() - started;
}, 300_000);

/** The controls a file fails, sorted. */
function failed(file: string): string[] {
  const result = results.find((r) => r.name === file);
  if (!result) throw new Error(`cfn-guard reported nothing for ${file}`);
  const controls = result.not_compliant.map(({ Rule }) => ids.get(Rule.name) ?? `unknown rule ${Rule.name}`);
  return [...new Set(controls)].sort();
}

describe('AWS Control Tower proactive controls (cfn-guard) on every synthesized variant', () => {
  test('every variant was read, against every rule of the package', () => {
    expect(cases.map((c) => c.label)).toEqual(Object.keys(EXPECTED));
    // The package's Control Tower set: 237 rule files at version 0.0.62; fewer means a broken read.
    expect(new Set(ids.values()).size).toBeGreaterThan(200);
    expect(results.map((r) => r.name).sort()).toEqual([...files].sort());
    console.log(`cfn-guard: ${files.length} distinct templates (${cases.length} cases) against ${new Set(ids.values()).size} controls in ${elapsedMs} ms`);
  });

  test.each(cases.map((c, i) => [c.label, caseFiles[i]!]))('%s: fails exactly the controls listed', (label, file) => {
    expect(failed(file)).toEqual([...EXPECTED[label]!].sort());
  });
});

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
const resourcesOf = (template: unknown) => Object.entries((template as { Resources: Record<string, Resource> }).Resources);
const ofType = (template: unknown, type: string) => resourcesOf(template).filter(([, r]) => r.Type === type);
const defaults = all[0]!.stacks[0]!.template;

describe('what the default was changed to meet, in the template', () => {
  test('CT.APIGATEWAY.PR.1: the REST stage logs errors for every method, never data (whole requests, tokens included), into a log group of the stack', () => {
    const [[stageId, stage]] = ofType(defaults, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    const settings = stage.Properties.MethodSettings as Array<Record<string, unknown>>;
    expect(settings.find((m) => m.HttpMethod === '*' && m.ResourcePath === '/*')).toMatchObject({ LoggingLevel: 'ERROR', DataTraceEnabled: false });
    for (const m of settings) expect(m.DataTraceEnabled).not.toBe(true);
    const named = ofType(defaults, 'AWS::Logs::LogGroup').filter(([, r]) => r.Properties.LogGroupName !== undefined);
    expect(named.map(([, r]) => [JSON.stringify(r.Properties.LogGroupName), r.Properties.RetentionInDays])).toEqual([
      [expect.stringContaining('"API-Gateway-Execution-Logs_",{"Ref":"Api'), 30],
    ]);
    expect(JSON.stringify(named[0]![1].Properties.LogGroupName)).toMatch(/"\/live"\]\]\}$/);
    // Created before the stage, so API Gateway never creates it itself (never expiring, left behind).
    expect(stage.DependsOn).toContain(named[0]![0]);
    expect(stageId).toBeDefined();
  });

  test('CT.LAMBDA.PR.2: every permission for an AWS service to invoke a function names the account', () => {
    for (const template of [defaults, all[4]!.stacks[0]!.template]) {
      const permissions = ofType(template, 'AWS::Lambda::Permission');
      expect(permissions.length).toBeGreaterThanOrEqual(5);
      for (const [id, p] of permissions) expect([id, p.Properties.SourceAccount]).toEqual([id, { Ref: 'AWS::AccountId' }]);
    }
    // Synthesized with its account, as cdk deploy does: the literal, which the control reads.
    for (const [id, p] of ofType(governedTemplate, 'AWS::Lambda::Permission')) expect([id, p.Properties.SourceAccount]).toEqual([id, '123456789012']);
  });

  test('CT.SQS.PR.1: the dead-letter queue says it is one (allowAll, SQS default); the notification queue keeps its redrive to it', () => {
    const queues = ofType(defaults, 'AWS::SQS::Queue');
    const dlq = queues.filter(([, q]) => q.Properties.RedriveAllowPolicy !== undefined);
    expect(dlq.map(([, q]) => q.Properties.RedriveAllowPolicy)).toEqual([{ redrivePermission: 'allowAll' }]);
    const main = queues.filter(([, q]) => q.Properties.RedrivePolicy !== undefined);
    expect(main.map(([, q]) => q.Properties.RedrivePolicy)).toEqual([{ deadLetterTargetArn: { 'Fn::GetAtt': [dlq[0]![0], 'Arn'] }, maxReceiveCount: 36 }]);
  });

  test('CT.KMS.PR.3: every key denies CreateGrant to anyone but an AWS service', () => {
    const deny = {
      Sid: 'OnlyAwsServicesCreateGrants',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    };
    for (const template of [defaults, governedTemplate]) {
      for (const [id, key] of ofType(template, 'AWS::KMS::Key')) {
        expect([id, (key.Properties.KeyPolicy as { Statement: unknown[] }).Statement]).toEqual([id, expect.arrayContaining([deny])]);
      }
    }
  });
});

describe('the governed profile (logRetentionDays=365, encryptLogs=true)', () => {
  test('cdk-nag (AWS Solutions and Serverless packs) finds nothing unacknowledged', () => {
    expect(nagFindings).toEqual([]);
  });

  test('every log group is kept a year and encrypted with the log key; by default none is, and the stack has one key', () => {
    const keys = ofType(governedTemplate, 'AWS::KMS::Key');
    const logKey = keys.find(([id]) => id.startsWith('LogKey'))!;
    expect(keys).toHaveLength(2);
    expect(logKey[1].Properties.EnableKeyRotation).toBe(true);
    const groups = ofType(governedTemplate, 'AWS::Logs::LogGroup');
    // Four functions, the API access logs, the API execution logs.
    expect(groups).toHaveLength(6);
    for (const [id, g] of groups) {
      expect([id, g.Properties.RetentionInDays, g.Properties.KmsKeyId]).toEqual([id, 365, { 'Fn::GetAtt': [logKey[0], 'Arn'] }]);
    }
    expect(ofType(defaults, 'AWS::KMS::Key')).toHaveLength(1);
    for (const [id, g] of ofType(defaults, 'AWS::Logs::LogGroup')) expect([id, g.Properties.KmsKeyId]).toEqual([id, undefined]);
  });

  test('the log key serves CloudWatch Logs of this account and region, for its log groups only', () => {
    const [, key] = ofType(governedTemplate, 'AWS::KMS::Key').find(([id]) => id.startsWith('LogKey'))!;
    const statements = (key.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
    const statement = statements.find((s) => s.Sid === 'CloudWatchLogsOfThisAccountAndRegion')!;
    expect({ ...statement, Action: [...(statement.Action as string[])].sort() }).toEqual({
      Sid: 'CloudWatchLogsOfThisAccountAndRegion',
      Effect: 'Allow',
      Principal: { Service: 'logs.sa-east-1.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:Describe*', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:sa-east-1:123456789012:log-group:*']] },
        },
      },
    });
  });
});
