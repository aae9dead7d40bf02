/**
 * The layer rules (.dependency-cruiser.cjs) catch what they are for: a miniature project with one
 * planted violation of each rule, cruised with the project's own rule set, reports exactly those,
 * and a file that keeps the rules reports nothing. (`npm run lint` cruises the real tree.)
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const config = require(resolve('.dependency-cruiser.cjs')) as IConfiguration;

/** Each planted file and what it imports; the comment says which rule it breaks. */
const PLANTED: Record<string, string> = {
  'lambda/contract.ts': `export const X = 1;\n`,
  'lambda/domain/ok.ts': `import * as z from 'zod/mini';\nimport { A } from './cycle-a';\nexport const OK = [z, A];\n`,
  // domain-is-pure: the domain reads the runtime contract
  'lambda/domain/reads-contract.ts': `import { X } from '../contract';\nexport const Y = X;\n`,
  // domain-has-no-aws
  'lambda/domain/uses-sdk.ts': `import { SQSClient } from '@aws-sdk/client-sqs';\nexport const C = SQSClient;\n`,
  // no-circular (both ends)
  'lambda/domain/cycle-a.ts': `import { B } from './cycle-b';\nexport const A = () => B;\n`,
  'lambda/domain/cycle-b.ts': `import { A } from './cycle-a';\nexport const B = () => A;\n`,
  // allowed: a cycle of type imports only (no code runs through it)
  'lambda/domain/type-cycle-a.ts': `import type { TB } from './type-cycle-b';\nexport type TA = { b?: TB };\nexport const TA_OK = 1;\n`,
  'lambda/domain/type-cycle-b.ts': `import type { TA } from './type-cycle-a';\nexport type TB = { a?: TA };\n`,
  // runtime-is-the-ground-floor
  'lambda/handlers/reads-lib.ts': `import { S } from '../../lib/stack';\nexport const H = S;\n`,
  // adapters-do-not-know-handlers
  'lambda/adapters/calls-handler.ts': `import { H } from '../handlers/reads-lib';\nexport const AD = H;\n`,
  'lib/stack.ts': `import { X } from '../lambda/contract';\nexport const S = X;\n`,
  // stack-does-not-know-tools
  'lib/uses-cli.ts': `import { CLI } from '../cli/main';\nexport const L = CLI;\n`,
  'cli/main.ts': `import { X } from '../lambda/contract';\nexport const CLI = X;\n`,
  // cli-does-not-stand-on-local
  'cli/uses-local.ts': `import { P } from '../local/pipeline';\nexport const U = P;\n`,
  'local/pipeline.ts': `import { CLI } from '../cli/main';\nexport const P = CLI;\n`,
  // cdk-only-in-the-stack
  'local/uses-cdk.ts': `import { Stack } from 'aws-cdk-lib';\nexport const K = Stack;\n`,
  // tests-are-not-imported
  'lambda/handlers/uses-test.ts': `import { F } from '../../test/fixtures';\nexport const T = F;\n`,
  'test/fixtures.ts': `export const F = 1;\n`,
  // tools stand on the runtime, the local runtime and the CLI; the chaos run reads the spec; tests drive the tools
  'tools/chaos/run.ts': `import { X } from '../../lambda/contract';\nimport { P } from '../../local/pipeline';\nimport { CLI } from '../../cli/main';\nimport { TABLE } from '../../test/spec/tables';\nexport const R = [X, P, CLI, TABLE];\n`,
  'test/spec/tables.ts': `export const TABLE = 1;\n`,
  'test/e2e/chaos.test.ts': `import { R } from '../../tools/chaos/run';\nexport const E = R;\n`,
  // tools-are-not-imported: the local runtime reaches for a proof tool
  'local/uses-tools.ts': `import { R } from '../tools/chaos/run';\nexport const LT = R;\n`,
};

let root: string;
let result: ICruiseResult;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(PLANTED)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'), 'dir');
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const { tsConfig: _t, ...options } = config.options ?? {};
    const out = await cruise(['lambda', 'lib', 'local', 'cli', 'tools', 'test'], {
      ...options,
      ruleSet: { forbidden: config.forbidden ?? [] },
      validate: true,
    });
    result = out.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}, 30_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

test('every planted violation is reported, by the rule it breaks, and nothing else', () => {
  // node_modules is a symlink to the project's, which the resolver follows to its real path.
  const found = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*?node_modules\//, 'node_modules/')}`).sort();
  expect(found).toEqual(
    [
      'adapters-do-not-know-handlers: lambda/adapters/calls-handler.ts -> lambda/handlers/reads-lib.ts',
      'cdk-only-in-the-stack: local/uses-cdk.ts -> node_modules/aws-cdk-lib/index.js',
      'cli-does-not-stand-on-local: cli/uses-local.ts -> local/pipeline.ts',
      'domain-has-no-aws: lambda/domain/uses-sdk.ts -> node_modules/@aws-sdk/client-sqs/dist-cjs/index.js',
      'domain-is-pure: lambda/domain/reads-contract.ts -> lambda/contract.ts',
      'no-circular: lambda/domain/cycle-a.ts -> lambda/domain/cycle-b.ts',
      'runtime-is-the-ground-floor: lambda/handlers/reads-lib.ts -> lib/stack.ts',
      'runtime-is-the-ground-floor: lambda/handlers/uses-test.ts -> test/fixtures.ts',
      'stack-does-not-know-tools: lib/uses-cli.ts -> cli/main.ts',
      'tests-are-not-imported: lambda/handlers/uses-test.ts -> test/fixtures.ts',
      'tools-are-not-imported: local/uses-tools.ts -> tools/chaos/run.ts',
    ].sort(),
  );
});
