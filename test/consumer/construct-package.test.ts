import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The construct as a platform team gets it (docs/construct.md): this repository packed by npm,
 * installed into another app's node_modules, imported as `picpay-webhooks/construct`, two
 * receivers synthesized with their functions bundled and cdk-nag on. The app's other packages
 * are this repository's own (linked, not downloaded): what is tested is the package, its
 * `exports`, its files and its bundling from an installed location.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'construct-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A team's CDK app, as docs/construct.md shows it. */
const APP = `
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PicPayWebhooks } from 'picpay-webhooks/construct';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Payments', { env: { account: '123456789012', region: 'sa-east-1' } });
new PicPayWebhooks(stack, 'Loja', { alarmEmail: 'ops@loja.com.br' });
new PicPayWebhooks(stack, 'Marketplace', { apiType: 'http', stageName: 'mkt' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
`;

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>; Outputs: Record<string, unknown> };
let run: { status: number | null; output: string };
let app: string;
let files: string[];

beforeAll(() => {
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path);

  app = join(work, 'app');
  const installed = join(app, 'node_modules', 'picpay-webhooks');
  mkdirSync(installed, { recursive: true });
  const untar = spawnSync('tar', ['xzf', join(work, packed!.filename), '--strip-components=1', '-C', installed], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  // The app's own dependencies (aws-cdk-lib, constructs, cdk-nag, esbuild, and what the
  // package depends on), linked from this repository's node_modules.
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === 'picpay-webhooks') continue;
    symlinkSync(join(root, 'node_modules', entry), join(app, 'node_modules', entry));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'team-infra', private: true, type: 'module' }));
  // The team's lock file: an installed package has none of its own (npm never packs one).
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'team-infra', lockfileVersion: 3, requires: true, packages: {} }));
  writeFileSync(join(app, 'app.mjs'), APP);
  const synth = spawnSync(process.execPath, ['app.mjs'], { cwd: app, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  run = { status: synth.status, output: `${synth.stdout}\n${synth.stderr}` };
}, 240_000);

test('npm packs the construct, its declarations and the sources its functions are bundled from, and no lock file', () => {
  expect(files).toEqual(
    expect.arrayContaining(['dist/lib/construct.js', 'dist/lib/construct.d.ts', 'lambda/handlers/authenticator.ts', 'lambda/handlers/processor.ts']),
  );
  expect(files).not.toContain('package-lock.json');
  expect(files.filter((f) => f.startsWith('test/'))).toEqual([]);
});

test('an app that installed it synthesizes two receivers, bundled, cdk-nag on', () => {
  expect({ status: run.status, output: run.status === 0 ? '' : run.output }).toEqual({ status: 0, output: '' });
  const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Payments.template.json'), 'utf8')) as Template;
  for (const key of ['LojaCallbackUrl', 'LojaWebhookUrl', 'MarketplaceCallbackUrl', 'MarketplaceWebhookUrl']) expect(template.Outputs).toHaveProperty(key);
  // Eight functions, each from a bundle built here: an index.mjs in its asset folder.
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(functions).toHaveLength(8);
  for (const fn of functions) {
    const key = (fn.Properties.Code as { S3Key: string }).S3Key;
    const bundle = join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
  }
});
