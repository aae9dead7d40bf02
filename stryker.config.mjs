/**
 * Mutation testing of the domain (`npm run mutate`, run by .ci/run after `npm test`): every rule
 * in lambda/domain must be guarded by a test that fails when the rule is broken. Below a 90%
 * mutation score the run fails. Surviving mutants are either killed by a new test or listed,
 * with the reason they are equivalent, in docs/testing.md.
 */
export default {
  packageManager: 'npm',
  mutate: ['lambda/domain/**/*.ts'],
  testRunner: 'jest',
  // Jest runs the sources as native ES modules, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { projectType: 'custom', configFile: 'jest.mutate.config.js', enableFindRelatedTests: false },
  // The TypeScript checker, on the domain alone (tsconfig.stryker.json): a mutant that does not
  // type-check is a compile error, never run and not scored. With the project's whole tsconfig
  // it tripled the run; with the domain alone it costs nothing measurable (docs/testing.md).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  coverageAnalysis: 'perTest',
  // Static mutants (the module-level tables: status ranks, vocabularies, limits) are not run:
  // each needs every domain test after a reload of every module, about four hours for the ~330
  // of them on two cores. The decision tables in test/spec/ check those tables cell by cell
  // (docs/testing.md, "Static mutants").
  ignoreStatic: true,
  // Incremental: each run re-tests only the mutants whose code or covering tests changed since
  // the results committed in test/mutation/ (a full run takes over an hour and a half on two
  // cores; `npm run mutate -- --force` does one and rewrites the file). `npm run mutate` then
  // rewrites the file a line per result (tools/mutation/compact.mjs, docs/testing.md).
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  concurrency: 2,
  // A mutant's tests take under two seconds here; an endless loop is cut off soon after.
  timeoutMS: 10000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
