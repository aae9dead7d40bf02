/**
 * The layer rules (docs/architecture.md), checked by `npm test` (npm run lint):
 *
 *   lambda/domain  <-  lambda/ (adapters, handlers, contract, config)  <-  lib/, local/, cli/  <-  tools/
 *
 * lambda/ is the ground floor: it imports nothing from lib/, local/, cli/, tools/ or test/, and the
 * domain imports nothing outside itself and no AWS SDK. cli/ runs against deployed stacks, so it
 * does not stand on the local runtime; local/ may drive the CLI. tools/ (the benchmark, the chaos
 * run, the event-schema generator) stands on the runtime, the local runtime and the CLI, and
 * nothing but tests imports it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'runtime-is-the-ground-floor',
      comment: 'lambda/ is deployed alone: it must not import the stack, the local runtime, the CLI, the tools or tests.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(lib|local|cli|tools|bin|test)/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'lambda/domain is pure TypeScript: nothing outside itself from the project (not the contract, not adapters).',
      severity: 'error',
      from: { path: '^lambda/domain/' },
      to: {
        path: '^(?!lambda/domain/)',
        dependencyTypesNot: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown', 'core'],
      },
    },
    {
      name: 'domain-has-no-aws',
      comment: 'No AWS SDK, Powertools, middy or CDK in the domain: those belong to adapters and handlers.',
      severity: 'error',
      from: { path: '^lambda/domain/' },
      to: { path: 'node_modules/(@aws-sdk|@smithy|@aws-lambda-powertools|@middy|aws-cdk-lib|constructs)/' },
    },
    {
      name: 'adapters-do-not-know-handlers',
      severity: 'error',
      from: { path: '^lambda/adapters/' },
      to: { path: '^lambda/handlers/' },
    },
    {
      name: 'cdk-only-in-the-stack',
      comment: 'aws-cdk-lib is a deploy-time dependency: the runtime, the local runtime, the CLI and the tools never load it.',
      severity: 'error',
      from: { path: '^(lambda|local|cli|tools)/' },
      to: { path: 'node_modules/(aws-cdk-lib|constructs|cdk-nag)/' },
    },
    {
      name: 'cli-does-not-stand-on-local',
      comment: 'The CLI works against a deployed stack without the local runtime.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(local|lib)/' },
    },
    {
      name: 'stack-does-not-know-tools',
      comment: 'The CDK app (bin/app.ts, lib/) synthesizes without the tools; bin/picpay-webhooks.mjs is the CLI launcher.',
      severity: 'error',
      from: { path: '^(lib/|bin/app)' },
      to: { path: '^(local|cli|tools)/' },
    },
    {
      name: 'tools-are-not-imported',
      comment: 'The proof tools (bench, chaos, schema): the runtime, the local runtime and the CLI run without them; only tests drive them.',
      severity: 'error',
      from: { pathNot: '^(tools|test)/' },
      to: { path: '^tools/' },
    },
    {
      name: 'tests-are-not-imported',
      comment: 'Only the chaos run reads the hand-written decision tables (test/spec), its oracle.',
      severity: 'error',
      from: { pathNot: '^(test/|tools/chaos/)' },
      to: { path: '^test/' },
    },
    {
      name: 'chaos-reads-only-the-spec',
      severity: 'error',
      from: { path: '^tools/chaos/' },
      to: { path: '^test/(?!spec/)' },
    },
    {
      // No cycle that exists at run time. A cycle made only of type imports is allowed: the
      // domain's ports (ports.ts) name the records its modules define, and those modules take the
      // ports; none of it is code that runs.
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    exclude: { path: '^(cdk\\.out|\\.stryker-tmp|reports|node_modules)/' },
  },
};
