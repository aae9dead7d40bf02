import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { variants } from './variants.support.js';

/**
 * cfn-lint reads the synthesized templates against the CloudFormation resource specification
 * (types, allowed values, required properties, references): what a synth cannot see. Every
 * variant goes through one cfn-lint process.
 *
 * Warnings are fixed, or ignored here by rule id with the reason. Errors are never ignored.
 */
const IGNORED: Record<string, string> = {
  W3005:
    "Redundant DependsOn: aws-lambda's Function adds an explicit DependsOn on its role next to the GetAtt of the role's ARN " +
    '(and one on the default policy, which is the one that matters). Harmless, and not ours to remove without an escape hatch on every function.',
};

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
  readonly Filename: string;
  readonly Location?: { readonly Path?: readonly unknown[] };
}

function cfnLint(files: readonly string[]): Finding[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'cfn-lint is not installed. Install it with `pip install cfn-lint` (or `pipx install cfn-lint`), check with `cfn-lint --version`, then run the tests again.',
    );
  }
  if (run.error) throw run.error;
  // Exit codes: 0 clean, 2 errors, 4 warnings, 8 informational (or-ed); anything else is cfn-lint failing.
  if (run.status === null || (run.status & ~(2 | 4 | 8)) !== 0) {
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout || '[]') as Finding[];
}

const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Written by hand: a template with two mistakes cfn-lint must report (a misspelt property and
// a reference to nothing), linted in the same run as the real ones.
const PLANTED = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeOut: 30 } },
    Policy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: { Queues: [{ Ref: 'NoSuchQueue' }], PolicyDocument: { Statement: [] } },
    },
  },
};

const files: Array<{ file: string; label: string }> = [];
for (const variant of variants()) {
  for (const { stack, template } of variant.stacks) {
    const file = join(dir, `${variant.name.replace(/\W+/g, '-')}-${stack.stackName}.json`);
    writeFileSync(file, JSON.stringify(template));
    files.push({ file, label: `${variant.name}: ${stack.stackName}` });
  }
}
const plantedFile = join(dir, 'planted.json');
writeFileSync(plantedFile, JSON.stringify(PLANTED));
const started = Date.now();
const findings = cfnLint([...files.map((f) => f.file), plantedFile]);
const elapsedMs = Date.now() - started;

describe('cfn-lint on every synthesized variant', () => {
  test('the lint covered defaults, every option, two stacks side by side, both HTTP API variants, data removed on destroy, and two receivers in one stack', () => {
    expect(files.map((f) => f.label)).toEqual([
      'defaults: PicPayWebhooks',
      'WAF, custom domain and alarm e-mail: PicPayWebhooksProd',
      'side by side, the second without the account-level logging role: PicPayWebhooks',
      'side by side, the second without the account-level logging role: PicPayWebhooksStaging',
      'HTTP API with custom domain, alarm e-mail and tracing off: PicPayWebhooksHttp',
      'HTTP API, defaults otherwise: PicPayWebhooksHttpDefaults',
      'data removed on destroy, own stage, limits and schedule: PicPayWebhooksDev',
      'two receivers in a team’s own stack: Payments',
    ]);
    console.log(`cfn-lint: ${files.length + 1} templates in ${elapsedMs} ms, ${findings.length} findings (planted included)`);
  });

  test.each(files.map((f) => [f.label, f.file]))('%s: no error, and no warning that is not ignored with a reason', (_label, file) => {
    const mine = findings.filter((f) => f.Filename === file);
    const open = mine.filter((f) => f.Level === 'Error' || (f.Level === 'Warning' && !(f.Rule.Id in IGNORED)));
    expect(open.map((f) => `${f.Rule.Id} ${f.Level}: ${f.Message} at ${JSON.stringify(f.Location?.Path ?? [])}`)).toEqual([]);
  });

  test('the check can fail: the planted template is reported', () => {
    const planted = findings.filter((f) => f.Filename === plantedFile && f.Level === 'Error').map((f) => f.Rule.Id);
    // E3002: property not in the resource's schema; E1020: Ref to a resource that does not exist.
    expect(planted.sort()).toEqual(['E1020', 'E3002']);
  });

  test('every ignored rule still matters (no stale ignore)', () => {
    for (const id of Object.keys(IGNORED)) expect([id, findings.some((f) => f.Rule.Id === id && f.Filename !== plantedFile)]).toEqual([id, true]);
  });
});
